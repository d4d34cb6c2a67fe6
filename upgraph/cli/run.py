"""Run one verb of the table in spec.py: check the options the table
constrains, ask the verb's answer module for its report, print the report
in the chosen format, and return the exit status.  Nothing here knows any
verb by name; adding a verb is one answer module and one table entry.
Nothing here imports typer.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module

from upgraph.answers.context import EXIT_USAGE, Context, Options, Stop, err
from upgraph.cli import is_terminal

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from upgraph.cli.spec import Command

PICTURES = ("svg", "png", "pdf")

# The last command's context and report: kept until the end of the process
# (main ends it without tearing the heap down): freeing 100,000 jobs object
# by object costs more than a small set's run.
_LAST: list[Any] = []


def check_values(command: Command, o: Options) -> None:
    """The choices and ranges the table declares, for every verb alike."""
    from upgraph.cli.spec import Opt, all_params

    for p in all_params(command):
        if not isinstance(p, Opt):
            continue
        value = getattr(o, p.dest)
        if value is None:
            continue
        if p.choices is not None and value not in p.choices:
            choices = ", ".join(p.choices[:-1]) + " or " + p.choices[-1]
            raise Stop(EXIT_USAGE, f"{p.flags[0]} takes {choices}, not {value!r}")
        if p.min is not None and value < p.min:
            raise Stop(EXIT_USAGE, f"{p.flags[0]} must be {p.min} or more")


# Extensions that name a format: a file named so must hold that format.
FORMAT_EXTENSIONS = ("dot", "gv", "svg", "png", "pdf", "json", "graphml", "mermaid", "mmd",
                     "sarif", "jpg", "jpeg", "gif")


def _extension(outfile: str | None) -> str | None:
    if not outfile or outfile == "-":
        return None
    base = os.path.basename(outfile)
    return base.rsplit(".", 1)[-1].lower() if "." in base else None


def chosen_format(command: Command, o: Options) -> str:
    """--json, else --format, else the -o file's extension when this kind of
    report has such a format (boot.svg, report.sarif), else the default."""
    from upgraph.render import UnknownFormat, check, formats

    kind, default = command.report, command.format
    ext = _extension(o.outfile)
    if kind == "graph" and command.format == "dot" and o.format is None and not o.json \
            and ext not in (None, "gv"):
        o.format = ext  # a picture's extension must be one we can draw (x.jpg is not)
    if not o.json and o.format is None and ext in formats(kind):
        default = ext
    elif not o.json and o.format is None and ext in FORMAT_EXTENSIONS:
        # `boot -o x.dot` must not write text into a file that says dot
        raise Stop(EXIT_USAGE, f"{command.name} cannot write .{ext}: it writes "
                   f"{', '.join(formats(kind))} (give --format, or another file name)"
                   + ("; the job graph is `upgraph dot`" if ext in ("dot", "gv") else ""))
    fmt = "json" if o.json else (o.format or default)
    if o.json and o.format not in (None, "json"):
        raise Stop(EXIT_USAGE, f"--json and --format {o.format} disagree")
    try:
        check(kind, fmt)
    except UnknownFormat as exc:
        raise Stop(EXIT_USAGE, str(exc)) from None
    return fmt


def target(command: Command, o: Options, fmt: str) -> str:
    """Where the report goes: -o, else a picture to upstart.FORMAT (never
    bytes to a terminal), else dot's initctl2dot default upstart.dot, else
    standard output."""
    if o.outfile is not None:
        return o.outfile
    if fmt in PICTURES:
        return f"upstart.{fmt}"
    if command.name == "dot" and fmt == "dot":
        return "upstart.dot"
    return "-"


def emit(report: Any, fmt: str, where: str, no_pager: bool = False,
         settings: str | None = None) -> None:
    """Render REPORT in FMT and write it to WHERE ('-': standard output,
    through a pager when it is a terminal and the text is long)."""
    from upgraph.outfile import OutputError, write
    from upgraph.render import RenderError, render
    from upgraph.render.escape import Style

    to_stdout = where == "-"
    terminal = to_stdout and is_terminal(sys.stdout)
    if terminal:  # colour, a pager: only for a reader at a terminal
        from upgraph.cli.terminal import page, pager_command, style_for

        style = style_for(True)
    else:
        from upgraph.render.escape import utf8_locale

        style = Style(ascii=not utf8_locale())
    try:
        data = render(report, fmt, style=style, settings=settings)
    except RenderError as exc:
        raise Stop(EXIT_USAGE, str(exc)) from None
    if isinstance(data, bytes):
        pieces: Any = [data]
    elif isinstance(data, str):
        pieces = [data.encode("utf-8", "surrogateescape")]
    else:  # text in pieces
        pieces = (chunk.encode("utf-8", "surrogateescape") for chunk in data)
    pager = pager_command(no_pager) if terminal and not isinstance(data, bytes) else None
    if pager is not None and page(pieces, pager):
        return
    try:
        write(where, pieces)
    except OutputError as exc:
        raise Stop(EXIT_USAGE, str(exc)) from None


def run(command: Command, values: dict[str, Any]) -> int:
    """Run COMMAND with its parsed VALUES; the exit status."""
    from upgraph.knowledge.index import UnknownName

    o = Options(values)
    _LAST.clear()
    ctx: Context | None = None
    try:
        check_values(command, o)
        fmt = chosen_format(command, o)
        ctx = Context(o, show_diagnostics=command.name != "lint")
        ctx.fmt = fmt
        if is_terminal(sys.stderr):
            from upgraph.cli.terminal import Progress

            ctx.progress = Progress("reading job files")
        _LAST.append(ctx)
        answer = import_module(f"upgraph.answers.{command.answer}").answer
        try:
            report = answer(ctx)
        except UnknownName as exc:
            raise Stop(ctx.status(False), str(exc)) from None
        _LAST.append(report)
        emit(report, fmt, target(command, o, fmt), bool(o.no_pager), ctx.settings_file)
        complaint = getattr(report, "complaint", None)
        if complaint:
            err(complaint)
        status = getattr(report, "exit_status", None)
        return ctx.status(report.ok) if status is None else status
    except Stop as stop:
        if stop.message:
            err(stop.message)
        return stop.code
    finally:
        if ctx is not None:
            ctx.close()
        if ctx is not None and ctx.reading is not None and ctx.reading.writing():
            try:
                if sys.stdout is not None:
                    sys.stdout.flush()  # the answer first
            finally:
                ctx.reading.finish()
