"""Graphviz dot text for a Picture, the drawing initctl2dot makes.

Ids are quoted node names ("job:NAME", "event:NAME"), so `a-b` and `a_b`
stay two nodes and any character is safe; labels are escaped for dot's
escString and, for jobs, for record syntax.
"""

from __future__ import annotations

from dataclasses import dataclass

from upgraph.globs import is_glob
from upgraph.picture import Picture


@dataclass
class Colors:
    emits: str = "green"
    start_on: str = "blue"
    stop_on: str = "red"
    event: str = "thistle"
    job: str = "#DCDCDC"
    text: str = "black"
    bg: str = "white"
    event_text: str = "black"
    job_text: str = "black"


def quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _label(name: str) -> str:
    """A label as dot's escString: backslash sequences must not fire."""
    return name.replace("\\", "\\\\").replace('"', '\\"')


def _record(name: str) -> str:
    """The job's name inside a record label: {}|<> and blanks are syntax there."""
    out = []
    for ch in name:
        if ch in "{}|<> \\\"":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _endpoint(node: str, port: str) -> str:
    return quote(node) + (f":{port}" if port else "")


def to_dot(pic: Picture, colors: Colors, legend: str) -> str:
    c = colors
    lines = [
        "digraph upstart {",
        f"  node [shape=diamond, fontcolor={quote(c.event_text)}, "
        f"fillcolor={quote(c.event)}, style=filled];",
        "  rankdir=LR;",
        "  overlap=false;",
        f"  bgcolor={quote(c.bg)};",
        f"  fontcolor={quote(c.text)};",
    ]
    for e in sorted(pic.events):
        style = "dotted" if is_glob(e) else "filled"
        lines.append(f"  {quote('event:' + e)} [label=\"{_label(e)}\", shape=diamond, "
                     f"fontcolor={quote(c.event_text)}, fillcolor={quote(c.event)}, "
                     f"style={style}];")
    for j in sorted(pic.jobs):
        lines.append(f"  {quote('job:' + j)} [shape=record, label=\"<job> {_record(j)} | "
                     f"{{ <start> start on | <stop> stop on }}\", "
                     f"fontcolor={quote(c.job_text)}, style=filled, fillcolor={quote(c.job)}];")
    color = {"emits": c.emits, "start": c.start_on, "stop": c.stop_on}
    for src, sp, dst, dp, kind in sorted(pic.edges):
        lines.append(f"  {_endpoint(src, sp)} -> {_endpoint(dst, dp)} "
                     f"[color={quote(color[kind])}];")
    legend_lines = "\\n".join(_label(line) for line in legend.split("\n"))
    lines.append(f"  label=\"{legend_lines}\\l\";")
    lines.append("}")
    return "\n".join(lines) + "\n"


def legend_text(sources: list[str], pic: Picture, colors: Colors, user: bool) -> str:
    scope = "user session" if user else "system"
    what = "all jobs"
    if pic.restricted:
        what = f"jobs near {', '.join(pic.restricted)}"
        if pic.depth > 1:
            what += f" (depth {pic.depth})"
    src = ", ".join(sources) if sources else "no source"
    return (f"Upstart {scope}: {what}; read from {src}.\n"
            f"Boxes ({colors.job}) are jobs, diamonds ({colors.event}) events, dotted "
            f"diamonds glob events. Lines: {colors.emits} emits, {colors.start_on} start on, "
            f"{colors.stop_on} stop on.")
