"""Shell completion for bash, answered here without importing typer.

`upgraph --show-completion bash` prints typer's script (see README), which
calls `upgraph` again with _UPGRAPH_COMPLETE=complete_bash, COMP_WORDS (the
line's words) and COMP_CWORD (the index of the word being completed).  The
answer is one candidate per line: commands, options, option values (their
choices), and job and event names from the job set that the line's own
options name (-d, -f, --root, --session; else the default sources).  For
files and directories it answers nothing, and bash completes file names.
Nothing is printed on standard error and no error ends it: completion must
never disturb the line being typed.
"""

from __future__ import annotations

import os
import sys

from upgraph.cli.spec import BY_NAME, COMMANDS, GLOBAL, Arg, Command, Opt, all_params


def candidates(words: list[str], cword: int) -> list[str]:
    """What may stand at WORDS[CWORD] (WORDS[0] is the program)."""
    current = words[cword] if cword < len(words) else ""
    before = words[1:cword]
    command: Command | None = None
    values: dict[str, list[str]] = {}
    positional = 0
    i = 0
    while i < len(before):
        word = before[i]
        params = all_params(command) if command else list(GLOBAL)
        opt = next((p for p in params if isinstance(p, Opt) and word in p.flags), None)
        if opt is not None and opt.kind != "flag":
            if i + 1 >= len(before):  # the word being completed is this option's value
                return _value(opt, current, values)
            values.setdefault(opt.dest, []).append(before[i + 1])
            i += 2
            continue
        if opt is not None:
            values.setdefault(opt.dest, []).append("1")
        elif not word.startswith("-") and command is None:
            command = BY_NAME.get(word)
            if command is None:
                return []
        elif not word.startswith("-"):
            positional += 1
        i += 1
    if current.startswith("-"):
        params = all_params(command) if command else list(GLOBAL)
        return sorted(f for p in params if isinstance(p, Opt) and not p.hidden
                      for f in p.flags if f.startswith(current))
    if command is None:
        return [c.name for c in COMMANDS if c.name.startswith(current)]
    args = [p for p in command.params if isinstance(p, Arg)]
    if not args:
        return []
    arg = args[min(positional, len(args) - 1)] if args[-1].multiple else \
        args[positional] if positional < len(args) else None
    if arg is None:
        return []
    return _names(arg.complete, current, values)


def _value(opt: Opt, current: str, values: dict[str, list[str]]) -> list[str]:
    if opt.choices:
        return [c for c in opt.choices if c.startswith(current)]
    if opt.complete == "rule":
        from upgraph.answers.lint import RULES

        head, _, last = current.rpartition(",")
        prefix = head + "," if head else ""
        return [prefix + r for r in RULES if r.startswith(last)]
    if opt.complete == "job" and opt.dest == "restrict":
        head, _, last = current.rpartition(",")
        prefix = head + "," if head else ""
        return [prefix + n for n in _names("job", last, values)]
    return _names(opt.complete, current, values)


def _names(kind: str | None, current: str, values: dict[str, list[str]]) -> list[str]:
    """Job or event names of the job set the line names (else nothing)."""
    if kind not in ("job", "event"):
        return []  # files, directories: bash's own completion
    try:
        from upgraph.knowledge.index import Knowledge
        from upgraph.read.session import Reading
        from upgraph.read.sources import SourceSpec

        spec = SourceSpec(values.get("conf_dir"), values.get("infile"),
                          session=bool(values.get("session")),
                          root=(values.get("root") or [None])[-1],
                          dialect=(values.get("dialect") or [None])[-1],
                          cache="no_cache" not in values, live=False)
        spec.stdin = None if spec.infiles else _no_stdin()
        reading = Reading(cache=spec.cache)
        jobset = reading.load(spec)
        reading.finish()
        names = sorted(jobset.jobs) if kind == "job" else Knowledge(jobset).events()
    except Exception:  # noqa: BLE001 - completion never fails the line
        return []
    return [n for n in names if n.startswith(current)]


class _Nothing:
    def read(self, n: int = -1) -> bytes:
        return b""

    def isatty(self) -> bool:
        return False


def _no_stdin() -> _Nothing:
    """Completion never reads the terminal: no piped text."""
    return _Nothing()


def main(env: dict[str, str] | None = None) -> int:
    """Answer one bash completion request from the environment."""
    env = os.environ if env is None else env
    words = env.get("COMP_WORDS", "").split()
    try:
        cword = int(env.get("COMP_CWORD", ""))
    except ValueError:
        return 0
    line = env.get("COMP_WORDS", "")
    if line.endswith((" ", "\t")) and cword >= len(words):
        words.append("")
    sys.stdout.write("".join(f"{c}\n" for c in candidates(words, cword)))
    return 0
