"""Graphviz dot text for a Graph: the drawing initctl2dot makes.

Boxes are jobs (records with `start on` and `stop on` ports), diamonds are
events (dotted for globs); green lines are emits, blue start on, red stop
on.  As initctl2dot draws it, a `start on starting X` line runs from the
job's `start on` port to X, not from X.  Ids are quoted node names
("job:NAME"), so `a-b` and `a_b` stay two nodes and any character is safe;
labels are escaped for dot's escString and, for jobs, for record syntax.
"""

from __future__ import annotations

from upgraph.globs import is_glob
from upgraph.render.escape import safe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

COLORS = {"emits": "green", "start_on": "blue", "stop_on": "red", "event": "thistle",
          "job": "#DCDCDC", "text": "black", "bg": "white", "event_text": "black",
          "job_text": "black"}


def quote(s: str) -> str:
    return '"' + safe(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _label(name: str) -> str:
    """A label as dot's escString: backslash sequences must not fire."""
    return safe(name).replace("\\", "\\\\").replace('"', '\\"')


def _record(name: str) -> str:
    """The job's name inside a record label: {}|<> and blanks are syntax there."""
    return "".join("\\" + ch if ch in "{}|<> \\\"" else ch for ch in safe(name))


def _edge_lines(g: Any, color: dict[str, str]) -> Iterator[str]:
    """Edges with initctl2dot's ports and direction: emits from the job's
    name, conditions into its `start on`/`stop on` port, and `starting X`
    from the job's `start on` port to X."""
    ids: dict[str, str] = {}
    ce, cs, ct = color["emits"], color["start"], color["stop"]
    for src, dst, kind, event in g.edges:
        a = ids.get(src) or ids.setdefault(src, quote(src))
        b = ids.get(dst) or ids.setdefault(dst, quote(dst))
        if kind == "emits":
            yield f"  {a}:job -> {b} [color={ce}];\n"
        elif src[0] == "e":  # an event
            yield f"  {a} -> {b}:{kind} [color={cs if kind == 'start' else ct}];\n"
        elif kind == "start" and event == "starting":
            yield f"  {b}:start -> {a}:job [color={cs}];\n"
        else:
            yield f"  {a}:job -> {b}:{kind} [color={cs if kind == 'start' else ct}];\n"


def legend(g: Any, colors: dict[str, str]) -> str:
    scope = "user session" if g.session else "system"
    what = "all jobs"
    if g.restricted:
        what = f"jobs near {', '.join(g.restricted)}"
        if not g.compat and g.direction != "both":
            what += f" ({'what they wait for' if g.direction == 'down' else 'what waits for them'})"
        if g.depth > 1:
            what += f" (depth {g.depth})"
    src = ", ".join(g.sources) if g.sources else "no source"
    return (f"Upstart {scope}: {what}; read from {src}.\n"
            f"Boxes ({colors['job']}) are jobs, diamonds ({colors['event']}) events, dotted "
            f"diamonds glob events. Lines: {colors['emits']} emits, {colors['start_on']} start "
            f"on, {colors['stop_on']} stop on.")


def chunks(g: Any, colors: dict[str, str] | None = None) -> Iterator[str]:
    """The dot text in pieces, so a huge graph is written as it is made."""
    c = {**COLORS, **(colors or {})}
    yield (f"digraph upstart {{\n"
           f"  node [shape=diamond, fontcolor={quote(c['event_text'])}, "
           f"fillcolor={quote(c['event'])}, style=filled];\n"
           "  rankdir=LR;\n  overlap=false;\n"
           f"  bgcolor={quote(c['bg'])};\n  fontcolor={quote(c['text'])};\n")
    event_attrs = (f", shape=diamond, fontcolor={quote(c['event_text'])}, "
                   f"fillcolor={quote(c['event'])}, style=")
    events = (f"  {quote('event:' + e)} [label=\"{_label(e)}\"{event_attrs}"
              f"{'dotted' if is_glob(e) else 'filled'}];\n" for e in sorted(g.events))
    job_attrs = (f" | {{ <start> start on | <stop> stop on }}\", fontcolor="
                 f"{quote(c['job_text'])}, style=filled, fillcolor={quote(c['job'])}];\n")
    jobs = (f"  {quote('job:' + j)} [shape=record, label=\"<job> {_record(j)}{job_attrs}"
            for j in sorted(g.jobs))
    edges = _edge_lines(g, {"emits": quote(c["emits"]), "start": quote(c["start_on"]),
                            "stop": quote(c["stop_on"])})
    for part in (events, jobs, edges):
        yield from _blocks(part)
    text = "\\n".join(_label(line) for line in legend(g, c).split("\n"))
    yield f"  label=\"{text}\\l\";\n}}\n"


def _blocks(lines: Iterator[str], size: int = 4096) -> Iterator[str]:
    block: list[str] = []
    for line in lines:
        block.append(line)
        if len(block) >= size:
            yield "".join(block)
            block = []
    if block:
        yield "".join(block)


def to_dot(g: Any, colors: dict[str, str] | None = None) -> str:
    return "".join(chunks(g, colors))


def render(result: Any, fmt: str, **options: Any) -> Iterator[str]:
    return chunks(result, options.get("colors"))
