"""The job/event graph every query and renderer reads.

Nodes are ("job", NAME), ("event", NAME) and ("builtin", NAME).  Edges:
  job -> event        kind="emits" (glob=True when the emits is a pattern)
  event -> job        kind="start"/"stop", with the operand's arguments
  job -> job          kind="start"/"stop" for job events (`started udev`),
                      event="started" and the remaining arguments
A job event naming no known job (a variable, a typo) stays an event node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upgraph.builtins import BUILTIN_EMITTERS
from upgraph.globs import is_glob
from upgraph.model import JobSet, operands

if TYPE_CHECKING:
    import networkx as nx


def job_node(name: str) -> tuple[str, str]:
    return ("job", name)


def event_node(name: str) -> tuple[str, str]:
    return ("event", name)


def build_graph(jobset: JobSet, with_builtins: bool = True) -> nx.MultiDiGraph:
    import networkx as nx

    g = nx.MultiDiGraph()
    for job in jobset.sorted_jobs():
        g.add_node(job_node(job.name), kind="job", name=job.name, source=job.source,
                   manual=job.manual, task=job.task)
    for job in jobset.sorted_jobs():
        me = job_node(job.name)
        for emit in job.emits:
            ev = event_node(emit.event)
            glob = is_glob(emit.event)
            g.add_node(ev, kind="event", name=emit.event, glob=glob)
            g.add_edge(me, ev, kind="emits", glob=glob, inferred=emit.inferred)
        for which, cond in (("start", job.start_on), ("stop", job.stop_on)):
            for op in operands(cond):
                target = op.job
                attrs: dict[str, Any] = dict(kind=which, event=op.event,
                                             args=list(op.env), text=op.text())
                if target is not None and target in jobset.jobs:
                    g.add_edge(job_node(target), me, **attrs)
                else:
                    ev = event_node(op.event)
                    if ev not in g:
                        g.add_node(ev, kind="event", name=op.event, glob=is_glob(op.event))
                    if target is not None:
                        attrs["job"] = target
                    g.add_edge(ev, me, **attrs)
    if with_builtins:
        for name, desc, events in BUILTIN_EMITTERS:
            node = ("builtin", name)
            g.add_node(node, kind="builtin", name=name, description=desc)
            for pattern in events:
                ev = event_node(pattern)
                if ev not in g:
                    g.add_node(ev, kind="event", name=pattern, glob=is_glob(pattern))
                g.add_edge(node, ev, kind="emits", glob=is_glob(pattern), inferred=False)
    return g
