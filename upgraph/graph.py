"""The job/event graph that every drawing and export shows.

Nodes are "job:NAME" and "event:NAME".  Edges are (source, target, kind,
event), kind one of emits / start / stop, and say what waits for what:

    job:J -> event:E      J emits E (a glob emits is linked to every
                          event it covers as well)
    event:E -> job:J      J starts (stops) on E
    job:X -> job:J        J starts (stops) on a job event of X (`started X`);
                          `event` is that job event

The edges follow initctl2dot's reading of a job (semantics §8): one edge per
referenced job (the last relation wins), env ignored, a `$VARIABLE` event
kept per job.  How an edge is drawn (record ports, initctl2dot's reversed
`starting` arrow) is the dot renderer's business, not the graph's.

With a restriction (-r), the graph shows the chosen jobs and their
neighbourhood, found from the core's indexes without building the whole
graph: what they wait for (down), what waits for them (up), or both, DEPTH
steps out.  `compat` reproduces initctl2dot's own neighbourhood exactly.
"""

from __future__ import annotations

from upgraph.globs import Names, is_glob
from upgraph.model import operands

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from upgraph.core import Knowledge
    from upgraph.model import Job

Edge = tuple  # (source, target, kind, event)


class UnknownJobs(Exception):
    def __init__(self, names: list[str], suggestions: dict[str, list[str]]) -> None:
        self.names, self.suggestions = names, suggestions
        parts = []
        for n in names:
            close = suggestions.get(n)
            parts.append(f"'{n}'" + (f" (did you mean: {', '.join(close)}?)" if close else ""))
        super().__init__(f"unknown job{'s' if len(names) > 1 else ''} in restriction: "
                         + ", ".join(parts))


class Graph:
    """Jobs, events and the edges between them, plus how they were chosen."""

    render_as = "graph"
    __slots__ = ("jobs", "events", "edges", "restricted", "depth", "direction", "compat",
                 "sources", "session")

    def __init__(self) -> None:
        self.jobs: set[str] = set()
        self.events: set[str] = set()
        self.edges: set[Edge] = set()
        self.restricted: list[str] = []
        self.depth = 1
        self.direction = "both"
        self.compat = False
        self.sources: list[str] = []
        self.session = False

    def add(self, edge: Edge) -> None:
        self.edges.add(edge)
        for node in edge[:2]:
            kind, _, name = node.partition(":")
            (self.jobs if kind == "job" else self.events).add(name)


def _event_name(job: str, event: str) -> str:
    # a variable event name means something only per job (instance jobs)
    return f"{job}:{event}" if event.startswith("$") else event


class _View:
    """A job as initctl2dot reads it: emits, job references, event references."""

    __slots__ = ("emits", "start_jobs", "start_events", "stop_jobs", "stop_events")

    def __init__(self, job: Job) -> None:
        self.emits = list(dict.fromkeys(_event_name(job.name, e) for e in job.emitted))
        self.start_jobs: dict[str, str] = {}  # job -> last relation (starting, ...)
        self.stop_jobs: dict[str, str] = {}
        self.start_events: list[str] = []
        self.stop_events: list[str] = []
        for cond, jobs, events in ((job.start_on, self.start_jobs, self.start_events),
                                   (job.stop_on, self.stop_jobs, self.stop_events)):
            for op in operands(cond):
                ref = op.job
                if ref:
                    jobs.pop(ref, None)
                    jobs[ref] = op.event
                else:
                    name = _event_name(job.name, op.event)
                    if name not in events:
                        events.append(name)

    def edges(self, name: str) -> Iterable[Edge]:
        me = f"job:{name}"
        for other, relation in self.start_jobs.items():
            yield (f"job:{other}", me, "start", relation)
        for e in self.start_events:
            yield (f"event:{e}", me, "start", "")
        for other, relation in self.stop_jobs.items():
            yield (f"job:{other}", me, "stop", relation)
        for e in self.stop_events:
            yield (f"event:{e}", me, "stop", "")
        yield from self.emit_edges(name)

    def emit_edges(self, name: str) -> Iterable[Edge]:
        for e in self.emits:
            yield (f"job:{name}", f"event:{e}", "emits", "")


def _glob_edges(g: Graph, names: Names) -> None:
    """Link every glob emits to the events it covers (initctl2dot links only
    `*` globs, and only the last of each job; every glob is one)."""
    for src, dst, kind, _ev in list(g.edges):
        if kind == "emits":
            pattern = dst[len("event:"):]
            if is_glob(pattern):
                for other in names.matching(pattern):
                    if other != pattern:
                        g.add((src, f"event:{other}", "emits", ""))


def build(k: Knowledge, restrict: list[str] | None = None, depth: int = 1,
          direction: str = "both", compat: bool = False) -> Graph:
    g = Graph()
    g.sources = list(k.jobset.sources)
    g.session = k.jobset.session
    g.depth, g.direction, g.compat = depth, direction, compat
    jobs = k.jobs
    if not restrict:
        for job in k.jobset.sorted_jobs():
            g.jobs.add(job.name)
            for edge in _View(job).edges(job.name):
                g.add(edge)
        _glob_edges(g, Names(g.events))
        return g
    unknown = [r for r in restrict if r not in jobs]
    if unknown:
        raise UnknownJobs(unknown, {n: k.suggest("job", n, 3, 0.6) for n in unknown})
    chosen = list(dict.fromkeys(restrict))
    g.restricted = chosen
    if compat:
        _initctl2dot_neighbourhood(k, g, chosen, depth)
    else:
        _neighbourhood(k, g, chosen, depth, direction)
    return g


def _emitters(k: Knowledge, event: str, globs: bool) -> list[str]:
    """Jobs whose declared `emits` names EVENT (globs too, unless compat)."""
    exact, patterns, by_glob = k.declared()
    found = [j.name for j, _ in exact.get(event, ())]
    if globs:
        for p in patterns.matching(event):
            found += [j.name for j, _ in by_glob[p]]
    return found


def _down(k: Knowledge, name: str, globs: bool = True) -> set[str]:
    """Jobs NAME waits for: those its conditions name, and the emitters of
    the events they wait for."""
    v = _View(k.jobs[name])
    found = set(v.start_jobs) | set(v.stop_jobs)
    for e in (*v.start_events, *v.stop_events):
        found.update(_emitters(k, e, globs))
    return found


def _up(k: Knowledge, name: str) -> set[str]:
    """Jobs that wait for NAME: on its job events, or on events it emits."""
    return {lst.job for lst in k.dependents(k.jobs[name])}


def _neighbourhood(k: Knowledge, g: Graph, chosen: list[str], depth: int,
                   direction: str) -> None:
    shown = set(chosen)
    frontier = set(chosen)
    for _ in range(max(depth, 1)):
        step: set[str] = set()
        for name in frontier:
            if name not in k.jobs:
                continue
            if direction in ("down", "both"):
                step |= _down(k, name)
            if direction in ("up", "both"):
                step |= _up(k, name)
        frontier = step - shown
        shown |= step
        if not frontier:
            break
    # every edge of a shown job whose other end is shown, or is an event
    for name in sorted(shown):
        if name not in k.jobs:
            g.jobs.add(name)  # named by a condition, defined nowhere
            continue
        g.jobs.add(name)
        for edge in _View(k.jobs[name]).edges(name):
            src, dst = edge[0], edge[1]
            other = src if dst == f"job:{name}" else dst
            if other.startswith("event:") or other[4:] in shown:
                g.add(edge)
    _glob_edges(g, Names(g.events))


def _initctl2dot_neighbourhood(k: Knowledge, g: Graph, chosen: list[str],
                               depth: int) -> None:
    """initctl2dot's picture around a restriction: the jobs, the jobs their
    conditions name (and what those emit), the emitters of the events they
    wait for (exact `emits` only, as initctl2dot matches names)."""
    for _ in range(max(depth, 1) - 1):  # --depth N widens it N-1 times
        wider = set()
        for name in chosen:
            wider |= _down(k, name, globs=False)
        grown = [j for j in sorted(wider) if j in k.jobs and j not in chosen]
        if not grown:
            break
        chosen += grown
    g.restricted = chosen
    views = {n: _View(k.jobs[n]) for n in chosen}
    for name in chosen:
        v = views[name]
        g.jobs.add(name)
        for other in (*v.start_jobs, *v.stop_jobs):
            g.jobs.add(other)
            if other in k.jobs:
                for edge in _View(k.jobs[other]).emit_edges(other):
                    g.add(edge)
        for edge in v.edges(name):
            g.add(edge)
        for e in (*v.start_events, *v.stop_events):
            if e not in chosen:
                for emitter in _emitters(k, e, globs=False):
                    g.add((f"job:{emitter}", f"event:{e}", "emits", ""))
    _glob_edges(g, Names(g.events))
