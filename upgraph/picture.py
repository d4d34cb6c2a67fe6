"""Which nodes and edges a drawing shows: initctl2dot's picture, from the model.

The rules follow initctl2dot's observable behaviour (semantics §8), so the
same jobs give the same nodes, ports and edge colours, with its defects
fixed: every name is safe (renderers quote ids), every glob (`*`, `?`,
`[...]`) is a glob, and unknown restricted jobs are an error, not a crash.

Edges (src, src_port, dst, dst_port, kind), kind in emits/start/stop:
  job:job -> event            emits
  event -> job:start / :stop  start on / stop on an event
  X:job -> job:start          start on a job event of X (`started X`)
  job:start -> X:job          start on `starting X`
  X:job -> job:stop           stop on a job event of X
"""

from __future__ import annotations

from dataclasses import dataclass, field

from upgraph.globs import Names, is_glob
from upgraph.model import Job, JobSet, operands

Edge = tuple[str, str, str, str, str]


class UnknownJobs(Exception):
    def __init__(self, names: list[str], suggestions: dict[str, list[str]]) -> None:
        self.names, self.suggestions = names, suggestions
        parts = []
        for n in names:
            close = suggestions.get(n)
            parts.append(f"'{n}'" + (f" (did you mean: {', '.join(close)}?)" if close else ""))
        super().__init__(f"unknown job{'s' if len(names) > 1 else ''} in restriction: "
                         + ", ".join(parts))


@dataclass
class _JobView:
    """A job as the -e listing shows it: emits, job refs, event refs."""

    emits: list[str] = field(default_factory=list)
    start_jobs: dict[str, str] = field(default_factory=dict)  # job -> last relation
    start_events: list[str] = field(default_factory=list)
    stop_jobs: dict[str, str] = field(default_factory=dict)
    stop_events: list[str] = field(default_factory=list)


def _event_name(job: str, event: str) -> str:
    # a variable event name is only meaningful per job (instance handling)
    return f"{job}:{event}" if event.startswith("$") else event


def _view(job: Job) -> _JobView:
    v = _JobView()
    v.emits = list(dict.fromkeys(_event_name(job.name, e) for e in job.emitted))
    for cond, jobs, events in ((job.start_on, v.start_jobs, v.start_events),
                               (job.stop_on, v.stop_jobs, v.stop_events)):
        for op in operands(cond):
            if op.job:
                jobs.pop(op.job, None)
                jobs[op.job] = op.event
            else:
                name = _event_name(job.name, op.event)
                if name not in events:
                    events.append(name)
    return v


@dataclass
class Picture:
    jobs: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    edges: set[Edge] = field(default_factory=set)
    restricted: list[str] = field(default_factory=list)
    depth: int = 1

    def add_job_edges(self, name: str, v: _JobView, all_events: Names) -> None:
        for other, relation in v.start_jobs.items():
            if relation == "starting":
                self.edges.add((f"job:{name}", "start", f"job:{other}", "job", "start"))
            else:
                self.edges.add((f"job:{other}", "job", f"job:{name}", "start", "start"))
        for e in v.start_events:
            self.edges.add((f"event:{e}", "", f"job:{name}", "start", "start"))
        for other in v.stop_jobs:
            self.edges.add((f"job:{other}", "job", f"job:{name}", "stop", "stop"))
        for e in v.stop_events:
            self.edges.add((f"event:{e}", "", f"job:{name}", "stop", "stop"))
        self.add_emits(name, v, all_events)

    def add_emits(self, name: str, v: _JobView, all_events: Names) -> None:
        for e in v.emits:
            self.edges.add((f"job:{name}", "job", f"event:{e}", "", "emits"))
            if is_glob(e):
                for other in all_events.matching(e):
                    if other != e:
                        self.edges.add((f"job:{name}", "job", f"event:{other}", "", "emits"))
                        self.events.add(other)


def build_picture(jobset: JobSet, restrict: list[str] | None = None,
                  depth: int = 1) -> Picture:
    from upgraph.suggest import Suggester

    views = {j.name: _view(j) for j in jobset.sorted_jobs()}
    event_names: set[str] = set()
    for v in views.values():
        event_names.update(v.emits, v.start_events, v.stop_events)
    all_events = Names(event_names)
    pic = Picture(depth=depth)
    if not restrict:
        pic.events = set(event_names)
        for name, v in views.items():
            pic.jobs.add(name)
            pic.jobs.update(v.start_jobs, v.stop_jobs)
            pic.add_job_edges(name, v, all_events)
        return pic

    unknown = [r for r in restrict if r not in views]
    if unknown:
        near = Suggester(views)
        raise UnknownJobs(unknown, {n: near(n, 3, 0.6) for n in unknown})
    chosen = list(dict.fromkeys(restrict))
    for _ in range(max(depth, 1) - 1):  # --depth N: widen the restriction N-1 times
        wider = _neighbours(views, chosen, _emitters_by_event(views))
        grown = [j for j in sorted(wider) if j in views and j not in chosen]
        if not grown:
            break
        chosen += grown
    pic.restricted = chosen
    emitters = _emitters_by_event(views)
    for name in chosen:
        v = views[name]
        pic.events.update(v.emits, v.start_events, v.stop_events)
        for other in (*v.start_jobs, *v.stop_jobs):
            if other in views:
                pic.events.update(views[other].emits)
                pic.add_emits(other, views[other], all_events)
        pic.add_job_edges(name, v, all_events)
        for e in (*v.start_events, *v.stop_events):
            if e not in chosen:
                for k in emitters.get(e, ()):
                    pic.edges.add((f"job:{k}", "job", f"event:{e}", "", "emits"))
    pic.jobs = _neighbours(views, chosen, emitters)
    for src, _sp, dst, _dp, _k in pic.edges:  # every endpoint is a declared node
        for node in (src, dst):
            kind, _, name = node.partition(":")
            (pic.jobs if kind == "job" else pic.events).add(name)
    return pic


def _emitters_by_event(views: dict[str, _JobView]) -> dict[str, list[str]]:
    """Exact `emits` only: initctl2dot finds emitters by name, not by glob."""
    found: dict[str, list[str]] = {}
    for name, v in views.items():
        for e in v.emits:
            found.setdefault(e, []).append(name)
    return found


def _neighbours(views: dict[str, _JobView], chosen: list[str],
                emitters: dict[str, list[str]]) -> set[str]:
    """The jobs initctl2dot shows around a restriction: the jobs themselves,
    the jobs their conditions name, and the emitters of their events."""
    shown = set(chosen)
    for name in chosen:
        v = views[name]
        shown.update(v.start_jobs, v.stop_jobs)
        for e in (*v.start_events, *v.stop_events):
            shown.update(emitters.get(e, ()))
    return shown
