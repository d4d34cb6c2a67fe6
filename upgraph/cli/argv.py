"""Parse a command line from the spec without importing typer.

typer (and the click it carries) costs more to import than an interpreter
costs to start, which would make every `upgraph who-emits X` several times
slower than the tool it replaces.  So the common command lines are parsed
here, by click's rules for the subset they use: options before the command
name are the group's, options and arguments mix freely after it, `--` ends
options, long options take `=VALUE` or the next word, short ones `-xVALUE`
or the next word, short flags combine (`-qe`), the last of a repeated
option wins (or, for repeatable ones, all are kept).

Anything this parser does not fully understand (an unknown option, a
missing value, a bad number, completion requests) returns None, and the
typer application handles the whole command line instead, with its own
messages.  tests/test_cli_parse.py checks that both give the same values.
"""

from __future__ import annotations

from upgraph.cli.spec import BY_NAME, GLOBAL, Arg, Command, Opt, all_params


class Parsed:
    """A command and its parameter values (every parameter, defaults filled)."""

    __slots__ = ("command", "values", "help", "version")

    def __init__(self, command: Command | None, values: dict[str, object],
                 help: bool = False, version: bool = False) -> None:
        self.command, self.values, self.help, self.version = command, values, help, version


def _table(params: list[Opt | Arg]) -> dict[str, Opt]:
    return {flag: p for p in params if isinstance(p, Opt) for flag in p.flags}


_GLOBAL_FLAGS = _table(list(GLOBAL))


def _take(opts: dict[str, Opt], values: dict[str, object], args: list[str],
          i: int) -> int | None:
    """Read the option at ARGS[i] into VALUES; the next index, or None."""
    word = args[i]
    if word.startswith("--"):
        name, eq, inline = word.partition("=")
        opt = opts.get(name)
        if opt is None:
            return None
        if opt.kind == "flag":
            if eq:
                return None
            values[opt.dest] = True
            return i + 1
        if eq:
            return _store(opt, values, inline, i + 1)
        if i + 1 >= len(args):
            return None
        return _store(opt, values, args[i + 1], i + 2)
    # short options, possibly combined: -qe, -dDIR, -d DIR
    j = 1
    while j < len(word):
        opt = opts.get("-" + word[j])
        if opt is None:
            return None
        if opt.kind == "flag":
            values[opt.dest] = True
            j += 1
            continue
        rest = word[j + 1:]
        if rest:
            return _store(opt, values, rest, i + 1)
        if i + 1 >= len(args):
            return None
        return _store(opt, values, args[i + 1], i + 2)
    return i + 1


def _store(opt: Opt, values: dict[str, object], text: str, nxt: int) -> int | None:
    value: object = text
    if opt.kind == "int":
        try:
            value = int(text.strip())
        except ValueError:
            return None
    if opt.multiple:
        values.setdefault(opt.dest, [])
        values[opt.dest].append(value)  # type: ignore[attr-defined]
    else:
        values[opt.dest] = value
    return nxt


def parse(argv: list[str]) -> Parsed | None:
    """The command line ARGV (without the program name), or None."""
    group: dict[str, object] = {}
    i = 0
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "-":
        word = argv[i]
        if word in ("-h", "--help"):
            return Parsed(None, {}, help=True)
        if word in ("-V", "--version"):
            return Parsed(None, {}, version=True)
        if word == "--":
            return None
        nxt = _take(_GLOBAL_FLAGS, group, argv, i)
        if nxt is None:
            return None
        i = nxt
    if i >= len(argv):
        return Parsed(None, {}, help=True) if not group else None
    command = BY_NAME.get(argv[i])
    if command is None:
        return None
    params = all_params(command)
    opts = _table(params)
    values: dict[str, object] = {}
    positional: list[str] = []
    args = argv[i + 1:]
    j = 0
    while j < len(args):
        word = args[j]
        if word == "--":
            positional += args[j + 1:]
            break
        if word in ("-h", "--help"):
            return Parsed(command, {}, help=True)
        if word.startswith("-") and word != "-":
            nxt = _take(opts, values, args, j)
            if nxt is None:
                return None
            j = nxt
        else:
            positional.append(word)
            j += 1
    arguments = [p for p in params if isinstance(p, Arg)]
    for arg in arguments:
        if arg.multiple:
            values[arg.dest] = positional
            positional = []
        elif positional:
            values[arg.dest] = positional.pop(0)
        elif arg.required:
            return None
        else:
            values[arg.dest] = None
    if positional:
        return None
    for p in params:
        if isinstance(p, Opt) and p.dest not in values:
            default = p.default
            values[p.dest] = group.get(p.dest, list(default) if isinstance(default, list)
                                       else default)
        elif isinstance(p, Opt) and p.multiple and p.dest in group:
            values[p.dest] = [*group[p.dest], *values[p.dest]]  # type: ignore[misc]
    return Parsed(command, values)
