"""upgraph(1), written from the same spec as --help.

    python -m upgraph.cli.man > upgraph.1     (docs/upgraph.1 is kept current
                                               by tests/test_cli.py)
"""

from __future__ import annotations

from upgraph import __version__
from upgraph.cli.help import option_name
from upgraph.cli.spec import (
    COMMANDS,
    DESCRIPTION,
    ENVIRONMENT,
    EXAMPLES,
    EXIT_CODES,
    FILES,
    GLOBAL,
    Arg,
    Opt,
)


def _roff(text: str) -> str:
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join("\\&" + line if line.startswith((".", "'")) else line
                     for line in text.split("\n"))


def _option(opt: Opt) -> list[str]:
    return [".TP", f".B {_roff(option_name(opt))}", _roff(opt.help)]


def page() -> str:
    out = [
        f'.TH UPGRAPH 1 "" "upgraph {__version__}" "User Commands"',
        ".SH NAME",
        "upgraph \\- see, check and explain the job graph of an Upstart init system",
        ".SH SYNOPSIS",
        ".B upgraph",
        "[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]...",
        ".SH DESCRIPTION",
        _roff(DESCRIPTION),
        ".SH COMMANDS",
    ]
    for cmd in COMMANDS:
        args = " ".join(p.metavar if p.required else f"[{p.metavar}]"
                        for p in cmd.params if isinstance(p, Arg))
        title = _roff(cmd.name) + (f" \\fI{_roff(args)}\\fR" if args else "")
        out += [f".SS {title}", _roff(cmd.help)]
        out += [line for p in cmd.params if isinstance(p, Opt) and not p.hidden
                for line in _option(p)]
    out += [".SH OPTIONS", "These may come before or after the command."]
    out += [line for p in GLOBAL if not p.hidden for line in _option(p)]
    for section, font, rows in (("EXIT STATUS", "B", EXIT_CODES), ("EXAMPLES", "B", EXAMPLES),
                                ("FILES", "I", FILES), ("ENVIRONMENT", "B", ENVIRONMENT)):
        out.append(f".SH {section}")
        for term, meaning in rows:
            out += [".TP", f".{font} {_roff(str(term))}", _roff(meaning)]
    out += [".SH SEE ALSO", "init(5), initctl(8), initctl2dot(8), upstart-events(7)"]
    return "\n".join(line for line in out if line != "") + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(page())
