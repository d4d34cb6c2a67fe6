"""The questions admins ask of a job set, answered from the graph.

Each function returns plain dataclasses; upgraph/render/* turns them into
text or JSON, so the answers are the same whatever the output format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from upgraph.builtins import builtin_emitters, builtin_events
from upgraph.globs import is_glob
from upgraph.graph import job_node
from upgraph.model import JobSet, Location, operands
from upgraph.suggest import suggest


class UnknownName(Exception):
    """A job or event nobody defines, emits or mentions."""

    def __init__(self, kind: str, name: str, suggestions: list[str]) -> None:
        self.kind, self.name, self.suggestions = kind, name, suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown {kind} '{name}'{hint}")


@dataclass
class Emitter:
    name: str
    kind: str  # "job" | "built-in"
    event: str  # the event (or pattern) its emits names
    via: str | None = None  # the glob pattern that covers the asked event
    inferred: bool = False
    location: str | None = None
    description: str | None = None


@dataclass
class Listener:
    job: str
    condition: str  # "start on" | "stop on"
    operand: str
    location: str | None = None


def _loc(loc: Location | None) -> str | None:
    return str(loc) if loc else None


def all_events(jobset: JobSet) -> list[str]:
    """Every event name a job emits or mentions, plus the built-in ones."""
    names = set(builtin_events())
    for job in jobset.jobs.values():
        names.update(e.event for e in job.emits)
        for cond in (job.start_on, job.stop_on):
            names.update(op.event for op in operands(cond))
    return sorted(names)


def check_job(jobset: JobSet, name: str) -> None:
    if name not in jobset.jobs:
        raise UnknownName("job", name, suggest(name, sorted(jobset.jobs)))


def check_event(jobset: JobSet, name: str) -> None:
    known = all_events(jobset)
    if name not in known and not (is_glob(name) and any(fnmatchcase(k, name) for k in known)):
        raise UnknownName("event", name, suggest(name, known))


def _covers(pattern: str, event: str) -> bool:
    return pattern == event or (is_glob(pattern) and fnmatchcase(event, pattern))


def who_emits(jobset: JobSet, event: str) -> list[Emitter]:
    """Every declared, glob-covering and built-in emitter of EVENT.

    Reads the model directly: this is the most common question and must not
    pay for building the graph.  A glob in the question (`net-device-*`)
    asks about every event it covers.
    """
    asked = [event]
    if is_glob(event):
        asked += [n for n in all_events(jobset) if not is_glob(n) and fnmatchcase(n, event)]
    found: list[Emitter] = []
    for ev in asked:
        for job in jobset.sorted_jobs():
            for emit in job.emits:
                if _covers(emit.event, ev):
                    via = emit.event if emit.event != event else None
                    found.append(Emitter(job.name, "job", emit.event, via, emit.inferred,
                                         _loc(emit.loc or job.loc)))
        for name, desc, pattern in builtin_emitters(ev):
            found.append(Emitter(name, "built-in", pattern or ev, pattern, description=desc))
    if not found and not who_listens(jobset, event):
        check_event(jobset, event)
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for e in sorted(found, key=lambda e: (e.kind != "job", e.name, e.event)):
        key = (e.kind, e.name, e.event)
        if key not in seen:
            seen.add(key)
            unique.append(e)
    return unique


def who_listens(jobset: JobSet, event: str, which: str | None = None,
                job: str | None = None) -> list[Listener]:
    """Every operand naming EVENT in a start or stop condition.

    `job` narrows job events to those naming that job (`started udev`).
    """
    out = []
    glob = is_glob(event)
    for j in jobset.sorted_jobs():
        for cond_name, cond in (("start on", j.start_on), ("stop on", j.stop_on)):
            if which and not cond_name.startswith(which):
                continue
            for op in operands(cond):
                if op.event != event and not (glob and fnmatchcase(op.event, event)):
                    continue
                if job is not None and op.job != job:
                    continue
                out.append(Listener(j.name, cond_name, op.text(), _loc(op.loc)))
    return out


@dataclass
class Waits:
    condition: str
    operand: str
    emitters: list[str]


@dataclass
class JobReport:
    name: str
    defined_at: str | None
    override: str | None
    description: str | None
    kind: str
    start_on: str | None
    stop_on: str | None
    emits: list[str]
    manual: bool
    instance: str | None
    waits_for: list[Waits] = field(default_factory=list)
    waited_on_by: list[Listener] = field(default_factory=list)


def _label(e: Emitter) -> str:
    return f"{e.name} [built-in]" if e.kind == "built-in" else e.name


def show_job(g: Any, jobset: JobSet, name: str) -> JobReport:
    from upgraph.render.showconfig import condition_text

    check_job(jobset, name)
    job = jobset.jobs[name]
    report = JobReport(
        name=name,
        defined_at=_loc(job.loc),
        override=job.override,
        description=job.description,
        kind="task" if job.task else "service",
        start_on=condition_text(job.start_on),
        stop_on=condition_text(job.stop_on),
        emits=[e.event for e in job.emits],
        manual=job.manual,
        instance=job.instance,
    )
    for cond_name, cond in (("start on", job.start_on), ("stop on", job.stop_on)):
        for op in operands(cond):
            if op.job is not None:
                ref = op.job
                emitters = [ref] if ref in jobset.jobs else []
            else:
                try:
                    emitters = [_label(e) for e in who_emits(jobset, op.event)]
                except UnknownName:
                    emitters = []
            report.waits_for.append(Waits(cond_name, op.text(), emitters))
    # who waits for it: listeners of its events, and of its own job events
    me = job_node(name)
    for _src, dst, data in g.out_edges(me, data=True):
        if data.get("kind") in ("start", "stop"):
            report.waited_on_by.append(
                Listener(dst[1], f"{data['kind']} on", data["text"], None))
    for emit in job.emits:
        if emit.inferred:
            continue
        events = [emit.event]
        if is_glob(emit.event):
            events = [n for n in all_events(jobset)
                      if not is_glob(n) and fnmatchcase(n, emit.event)]
        for ev in events:
            report.waited_on_by.extend(who_listens(jobset, ev))
    seen = set()
    unique = []
    for lst in sorted(report.waited_on_by, key=lambda x: (x.job, x.condition, x.operand)):
        key = (lst.job, lst.condition, lst.operand)
        if key not in seen:
            seen.add(key)
            unique.append(lst)
    report.waited_on_by = unique
    return report
