"""dot: the job/event graph (knowledge/graph.py), whole or a neighbourhood,
drawn as initctl2dot draws it (render/dot.py) or through Graphviz."""

from __future__ import annotations

from fnmatch import fnmatchcase

from upgraph.answers.context import EXIT_USAGE, Stop
from upgraph.model import is_glob

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.answers.context import Context
    from upgraph.knowledge.graph import Graph


def graph(ctx: Context) -> Graph:
    """The graph the options ask for (dot and export share it)."""
    from upgraph.knowledge.graph import UnknownJobs, build

    o = ctx.o
    k = ctx.knowledge
    names = []
    for n in (n.strip() for v in o.restrict or [] for n in v.split(",")):
        if n and is_glob(n):  # -r 'arc-*', as systemd-analyze dot takes patterns
            found = sorted(j for j in k.jobs if fnmatchcase(j, n))
            if not found:
                raise Stop(EXIT_USAGE, f"-r {n}: no job matches")
            names += found
        elif n:
            names.append(n)
    try:
        return build(k, list(dict.fromkeys(names)), o.depth or 1, o.direction, bool(o.compat))
    except UnknownJobs as exc:
        raise Stop(EXIT_USAGE, str(exc)) from None


MAX_PICTURE = 3000  # nodes Graphviz lays out in seconds; 100,000 take it hours


def _too_large(size: str) -> Stop:
    return Stop(EXIT_USAGE, f"{size} nodes are more than Graphviz lays out in reasonable "
                f"time ({MAX_PICTURE} at most): draw a part with -r JOB,... (globs "
                "allowed, --depth N), or write dot text (-o graph.dot) and run Graphviz "
                "on it yourself")


def answer(ctx: Context) -> Graph:
    picture = ctx.fmt in ("svg", "png", "pdf")
    if picture and not ctx.o.restrict and len(ctx.knowledge.jobs) > MAX_PICTURE:
        # every job is a node of the whole graph: refuse before building it
        raise _too_large(f"more than {len(ctx.knowledge.jobs)}")
    g = graph(ctx)
    size = len(g.jobs) + len(g.events)
    if picture and size > MAX_PICTURE:
        raise _too_large(str(size))
    g.colors = {key[len("color_"):]: value for key, value in vars(ctx.o).items()
                if key.startswith("color_")}
    return g
