"""Help text, written from the spec: the same for the fast path, for typer
(whose help is replaced by this) and, through man.py, for the man page."""

from __future__ import annotations

import textwrap

from upgraph.cli.spec import COMMANDS, DESCRIPTION, EXIT_CODES, GLOBAL, PROG, Arg, Command, Opt

WIDTH = 79


def _wrap(text: str, indent: int, first: str = "") -> list[str]:
    pad = " " * indent
    if first and len(first) > indent - 2:
        lines = [first]
        body = textwrap.wrap(text, WIDTH - indent) or [""]
        return lines + [pad + b for b in body]
    body = textwrap.wrap(text, WIDTH - indent) or [""]
    head = first.ljust(indent) if first else pad
    return [head + body[0]] + [pad + b for b in body[1:]]


def option_name(opt: Opt) -> str:
    longs = [f for f in opt.flags if f.startswith("--")]
    shorts = [f for f in opt.flags if not f.startswith("--")]
    names = ", ".join(shorts + longs)
    if opt.kind != "flag":
        names += f" {opt.metavar}"
    return names


def _options(opts: list[Opt]) -> list[str]:
    lines: list[str] = []
    for opt in opts:
        if opt.hidden:
            continue
        lines += _wrap(opt.help, 26, "  " + option_name(opt))
    return lines


def usage(cmd: Command | None) -> str:
    if cmd is None:
        return f"Usage: {PROG} [OPTIONS] COMMAND [ARGS]..."
    args = []
    for p in cmd.params:
        if isinstance(p, Arg):
            name = p.metavar + ("..." if p.multiple else "")
            args.append(name if p.required else f"[{name}]")
    return f"Usage: {PROG} {cmd.name} [OPTIONS] {' '.join(args)}".rstrip()


def top() -> str:
    lines = [usage(None), ""]
    lines += _wrap(DESCRIPTION, 2)
    groups: dict[str, list[Command]] = {}
    for cmd in COMMANDS:
        groups.setdefault(cmd.group, []).append(cmd)
    for group, cmds in groups.items():
        lines += ["", f"{group}:"]
        for cmd in cmds:
            lines += _wrap(cmd.summary, 16, f"  {cmd.name}")
    lines += ["", "Options (before or after the command):"]
    lines += _options(GLOBAL)
    lines += _wrap("Print upgraph's version and exit.", 26, "  -V, --version")
    lines += _wrap("Show this help and exit (after a command: its help).", 26,
                   "  -h, --help")
    lines += ["", "Exit status:"]
    for code, meaning in EXIT_CODES:
        lines += _wrap(meaning, 8, f"  {code}")
    lines += ["", f"Run '{PROG} COMMAND --help' for a command's options."]
    return "\n".join(lines) + "\n"


def command(cmd: Command) -> str:
    lines = [usage(cmd), ""]
    lines += _wrap(cmd.help, 2)
    args = [p for p in cmd.params if isinstance(p, Arg)]
    if args:
        lines += ["", "Arguments:"]
        for a in args:
            lines += _wrap(a.help, 26, f"  {a.metavar}")
    opts = [p for p in cmd.params if isinstance(p, Opt)]
    if opts:
        lines += ["", "Options:"]
        lines += _options(opts)
    lines += ["", "Options for every command (see upgraph --help):"]
    lines += _wrap(", ".join(o.flags[0] for o in GLOBAL if not o.hidden), 2)
    return "\n".join(lines) + "\n"
