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

from upgraph.knowledge.globs import Names, is_glob
from upgraph.model import JOB_EVENT, Enumerated, operands

TYPE_CHECKING = False
if TYPE_CHECKING:

    from upgraph.knowledge.index import Knowledge
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
    """Jobs, events and the edges between them, plus how they were chosen.

    `edges` keeps the order edges were found in (jobs by name, each job's
    conditions in order): output is the same on every run without sorting.
    """

    render_as = "graph"
    ok = True
    __slots__ = ("jobs", "events", "edges", "restricted", "depth", "direction", "compat",
                 "sources", "session", "colors")

    def __init__(self) -> None:
        # node name -> node id ("job:NAME", "event:NAME"): one id string per node
        self.jobs: dict[str, str] = {}
        self.events: dict[str, str] = {}
        self.edges: dict[Edge, None] = {}
        self.restricted: list[str] = []
        self.depth = 1
        self.direction = "both"
        self.compat = False
        self.sources: list[str] = []
        self.session = False
        self.colors: dict[str, str] | None = None  # dot's --color-* options

    def job_id(self, name: str) -> str:
        return self.jobs.get(name) or self.jobs.setdefault(name, "job:" + name)

    def event_id(self, name: str) -> str:
        return self.events.get(name) or self.events.setdefault(name, "event:" + name)

    def add(self, edge: Edge) -> None:
        self.edges[edge] = None
        for node in edge[:2]:
            kind, _, name = node.partition(":")
            (self.job_id if kind == "job" else self.event_id)(name)


def _event_name(job: str, event: str) -> str:
    # a variable event name means something only per job (instance jobs)
    return f"{job}:{event}" if event.startswith("$") else event


def _references(job: Job, cond: object) -> tuple[dict[str, str], dict[str, None]]:
    """initctl2dot's reading of a condition: the jobs it names (the last
    relation to each wins) and the events it waits for, in order."""
    refs: dict[str, str] = {}
    events: dict[str, None] = {}
    for op in operands(cond):  # type: ignore[arg-type]
        ref = op.job
        if ref:
            refs.pop(ref, None)
            refs[ref] = op.event
        else:
            events[_event_name(job.name, op.event)] = None
    return refs, events


def job_edges(g: Graph, job: Job, emits: bool = True) -> list[Edge]:
    """The edges of one job: start on, stop on, then (with EMITS) its emits."""
    me = g.job_id(job.name)
    out: list[Edge] = []
    for which, cond in (("start", job.start_on), ("stop", job.stop_on)):
        if cond is None:
            continue
        refs, events = _references(job, cond)
        out += [(g.event_id(e), me, which, "") for e in events]
        out += [(g.job_id(other), me, which, relation) for other, relation in refs.items()]
    if emits:
        out += emit_edges(g, job)
    return out


def emit_edges(g: Graph, job: Job) -> list[Edge]:
    me = g.job_id(job.name)
    return [(me, g.event_id(e), "emits", "")
            for e in dict.fromkeys(_event_name(job.name, e) for e in job.emitted)]


def _glob_edges(g: Graph, names: Names) -> None:
    """Link every glob that is emitted to each event it covers, once: the glob
    event `covers` them (initctl2dot links only `*` globs, and only the last
    of each job).  Once per glob, not per emitter: 1,000 jobs that emit
    `ev-*` and 1,000 events it covers are 2,000 lines, not a million."""
    globs = dict.fromkeys(dst for _src, dst, kind, _ev in g.edges
                          if kind == "emits" and is_glob(dst[len("event:"):]))
    for glob in globs:
        pattern = glob[len("event:"):]
        for other in names.matching(pattern):
            if other != pattern:
                g.edges[(glob, g.event_id(other), "covers", "")] = None


def build(k: Knowledge, restrict: list[str] | None = None, depth: int = 1,
          direction: str = "both", compat: bool = False) -> Graph:
    g = Graph()
    g.sources = list(k.jobset.sources)
    g.session = k.jobset.session
    g.depth, g.direction, g.compat = depth, direction, compat
    jobs = k.jobs
    if not restrict:
        _everything(k, g)
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


def _everything(k: Knowledge, g: Graph) -> None:
    """Every job's edges, exactly as job_edges gives them (events first, then
    the jobs named); written out in one loop because it runs for every
    operand of every job (100,000-job sets): an event's edge is made as its
    operand is met, a dict only for conditions that name jobs."""
    edges, job_ids, event_ids = g.edges, g.jobs, g.events
    for job in k.sorted_jobs():
        name = job.name
        me = job_ids.get(name) or job_ids.setdefault(name, "job:" + name)
        for which, cond in (("start", job.start_on), ("stop", job.stop_on)):
            if cond is None:
                continue
            refs: dict[str, str] | None = None
            for op in cond.operands if type(cond) is Enumerated else operands(cond):
                ev = op.event
                if ev in JOB_EVENT:
                    ref = op.job
                    if ref:
                        if refs is None:
                            refs = {}
                        refs.pop(ref, None)  # the last relation to a job wins
                        refs[ref] = ev
                        continue
                if ev[:1] == "$":
                    ev = _event_name(name, ev)
                # the edge dict keeps the first of repeated events
                src = event_ids.get(ev) or event_ids.setdefault(ev, "event:" + ev)
                edges[(src, me, which, "")] = None
            if refs:
                for other, relation in refs.items():
                    src = job_ids.get(other) or job_ids.setdefault(other, "job:" + other)
                    edges[(src, me, which, relation)] = None
        for x in job.emits:  # the edge dict keeps the first of repeated emits
            e = x.event
            if e[:1] == "$":
                e = _event_name(name, e)
            dst = event_ids.get(e) or event_ids.setdefault(e, "event:" + e)
            edges[(me, dst, "emits", "")] = None


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
    job = k.jobs[name]
    found: set[str] = set()
    for cond in (job.start_on, job.stop_on):
        if cond is not None:
            refs, events = _references(job, cond)
            found.update(refs)
            for e in events:
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
    scratch = Graph()
    for name in sorted(shown):
        if name not in k.jobs:
            g.job_id(name)  # named by a condition, defined nowhere
            continue
        g.job_id(name)
        me = "job:" + name
        for src, dst, kind, ev in job_edges(scratch, k.jobs[name]):
            other = src if dst == me else dst
            if other.startswith("event:") or other[4:] in shown:
                g.add((src, dst, kind, ev))
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
    for name in chosen:
        job = k.jobs[name]
        g.job_id(name)
        for cond in (job.start_on, job.stop_on):
            if cond is None:
                continue
            refs, _events = _references(job, cond)
            for other in refs:
                g.job_id(other)
                if other in k.jobs:
                    for edge in emit_edges(g, k.jobs[other]):
                        g.edges[edge] = None
        for edge in job_edges(g, job):
            g.edges[edge] = None
        for cond in (job.start_on, job.stop_on):
            if cond is None:
                continue
            for e in _references(job, cond)[1]:
                if e not in chosen:
                    for emitter in _emitters(k, e, globs=False):
                        g.edges[(g.job_id(emitter), g.event_id(e), "emits", "")] = None
    _glob_edges(g, Names(g.events))
