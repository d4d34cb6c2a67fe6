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


def _line(src: str, dst: str, kind: str, event: str, color: dict[str, str]) -> str:
    """One edge with initctl2dot's ports and direction."""
    if kind == "emits":
        a, b = f"{quote(src)}:job", quote(dst)
    elif src.startswith("event:"):
        a, b = quote(src), f"{quote(dst)}:{kind}"
    elif kind == "start" and event == "starting":
        a, b = f"{quote(dst)}:start", f"{quote(src)}:job"
    else:
        a, b = f"{quote(src)}:job", f"{quote(dst)}:{kind}"
    return f"  {a} -> {b} [color={quote(color[kind])}];"


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


def to_dot(g: Any, colors: dict[str, str] | None = None) -> str:
    c = {**COLORS, **(colors or {})}
    lines = [
        "digraph upstart {",
        f"  node [shape=diamond, fontcolor={quote(c['event_text'])}, "
        f"fillcolor={quote(c['event'])}, style=filled];",
        "  rankdir=LR;",
        "  overlap=false;",
        f"  bgcolor={quote(c['bg'])};",
        f"  fontcolor={quote(c['text'])};",
    ]
    event_attrs = (f", shape=diamond, fontcolor={quote(c['event_text'])}, "
                   f"fillcolor={quote(c['event'])}, style=")
    for e in sorted(g.events):
        style = "dotted" if is_glob(e) else "filled"
        lines.append(f"  {quote('event:' + e)} [label=\"{_label(e)}\"{event_attrs}{style}];")
    job_attrs = (f" | {{ <start> start on | <stop> stop on }}\", fontcolor="
                 f"{quote(c['job_text'])}, style=filled, fillcolor={quote(c['job'])}];")
    for j in sorted(g.jobs):
        lines.append(f"  {quote('job:' + j)} [shape=record, label=\"<job> {_record(j)}"
                     f"{job_attrs}")
    color = {"emits": c["emits"], "start": c["start_on"], "stop": c["stop_on"]}
    lines += [_line(s, t, k, ev, color) for s, t, k, ev in sorted(g.edges)]
    text = "\\n".join(_label(line) for line in legend(g, c).split("\n"))
    lines.append(f"  label=\"{text}\\l\";")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(result: Any, fmt: str, **options: Any) -> str:
    return to_dot(result, options.get("colors"))
