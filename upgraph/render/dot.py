"""Graphviz dot text for a Graph: the drawing initctl2dot makes.

Boxes are jobs (records with `start on` and `stop on` ports), diamonds are
events (dotted for globs); green lines are emits, blue start on, red stop
on.  As initctl2dot draws it, a `start on starting X` line runs from the
job's `start on` port to X, not from X.  Ids are quoted node names
("job:NAME"), so `a-b` and `a_b` stay two nodes and any character is safe;
labels are escaped for dot's escString and, for jobs, for record syntax.
"""

from __future__ import annotations

import re

from upgraph.model import is_glob
from upgraph.render.escape import safe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

COLORS = {"emits": "green", "start_on": "blue", "stop_on": "red", "event": "thistle",
          "job": "#DCDCDC", "text": "black", "bg": "white", "event_text": "black",
          "job_text": "black"}


_RECORD_SYNTAX = re.compile(r'[{}|<> \\"]')
_DOT_SYNTAX = re.compile(r'[\\"]')
BLOCK = 4096  # lines per piece written


def quote(s: str) -> str:
    return '"' + _label(s) + '"'


def _label(name: str) -> str:
    """A label as dot's escString: backslash sequences must not fire."""
    return safe(name).replace("\\", "\\\\").replace('"', '\\"')


def _record(name: str) -> str:
    """The job's name inside a record label: {}|<> and blanks are syntax there."""
    name = safe(name)
    return _RECORD_SYNTAX.sub(r"\\\g<0>", name) if _RECORD_SYNTAX.search(name) else name


def _escaped(names: list[str], escape: Callable[[str], str],
             syntax: re.Pattern[str]) -> list[str]:
    """NAMES through ESCAPE; one scan of them all first, since nearly always
    none has anything to escape (100,000 calls saved)."""
    blob = "".join(names)
    if blob.isprintable() and syntax.search(blob) is None:
        return names
    return [escape(n) for n in names]


def _edge_lines(g: Any, escaped: dict[str, str] | None,
                color: dict[str, str]) -> Iterator[str]:
    """Edges with initctl2dot's ports and direction: emits from the job's
    name, conditions into its `start on`/`stop on` port, and `starting X`
    from the job's `start on` port to X.  ESCAPED maps node ids to their
    escaped text, when any needs it."""
    from itertools import islice

    ce, cs = color["emits"], color["start"]
    into = {"start": f":start [color={cs}];\n", "stop": f":stop [color={color['stop']}];\n"}
    edges = iter(g.edges)
    while batch := list(islice(edges, BLOCK)):
        if escaped is not None:
            batch = [(escaped[a], escaped[b], kind, ev) for a, b, kind, ev in batch]
        block: list[str] = []
        add = block.append
        for src, dst, kind, event in batch:
            if kind == "emits":
                add(f'  "{src}":job -> "{dst}" [color={ce}];\n')
            elif kind == "covers":  # a glob event to an event it covers
                add(f'  "{src}" -> "{dst}" [color={ce}];\n')
            elif src[0] == "e":  # an event
                add(f'  "{src}" -> "{dst}"{into[kind]}')
            elif kind == "start" and event == "starting":
                add(f'  "{dst}":start -> "{src}":job [color={cs}];\n')
            else:
                add(f'  "{src}":job -> "{dst}"{into[kind]}')
        yield "".join(block)


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
    job_attrs = (f" | {{ <start> start on | <stop> stop on }}\", fontcolor="
                 f"{quote(c['job_text'])}, style=filled, fillcolor={quote(c['job'])}];\n")
    events = sorted(g.events)  # nearly sorted already: cheap
    event_labels = _escaped(events, _label, _DOT_SYNTAX)
    for i in range(0, len(events), BLOCK):
        yield "".join([f"  \"event:{x}\" [label=\"{x}\"{event_attrs}"
                       f"{'dotted' if is_glob(e) else 'filled'}];\n"
                       for e, x in zip(events[i:i + BLOCK], event_labels[i:i + BLOCK],
                                       strict=True)])
    jobs = sorted(g.jobs)
    job_labels = _escaped(jobs, _label, _DOT_SYNTAX)
    records = _escaped(jobs, _record, _RECORD_SYNTAX)
    for i in range(0, len(jobs), BLOCK):
        yield "".join([f"  \"job:{x}\" [shape=record, label=\"<job> {r}{job_attrs}"
                       for x, r in zip(job_labels[i:i + BLOCK], records[i:i + BLOCK],
                                       strict=True)])
    escaped = None
    if event_labels is not events or job_labels is not jobs:
        escaped = {g.events[e]: "event:" + x
                   for e, x in zip(events, event_labels, strict=True)}
        escaped.update({g.jobs[j]: "job:" + x for j, x in zip(jobs, job_labels, strict=True)})
    yield from _edge_lines(g, escaped, {"emits": quote(c["emits"]),
                                        "start": quote(c["start_on"]),
                                        "stop": quote(c["stop_on"])})
    text = "\\n".join(_label(line) for line in legend(g, c).split("\n"))
    yield f"  label=\"{text}\\l\";\n}}\n"


def to_dot(g: Any, colors: dict[str, str] | None = None) -> str:
    return "".join(chunks(g, colors))


def render(result: Any, fmt: str, **options: Any) -> Iterator[str]:
    return chunks(result, result.colors)
