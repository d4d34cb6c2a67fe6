"""The questions admins ask of a job set, answered from the core.

Each function takes the Knowledge of one job set and returns a result
object; upgraph/render turns results into text, JSON and the rest, so the
answer is the same whatever the format.  Results say whether they answered
(`ok`): the exit status follows from that alone.  Unknown names raise
core.UnknownName (with "did you mean").
"""

from __future__ import annotations

from upgraph.model import Enumerated, canonical, operands

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.knowledge.index import Emitter, Knowledge, Listener
    from upgraph.model import Condition, Job


class Emitters:
    render_as = "who-emits"

    def __init__(self, event: str, emitters: list[Emitter]) -> None:
        self.event, self.emitters = event, emitters

    @property
    def ok(self) -> bool:
        return bool(self.emitters)


class Listeners:
    render_as = "who-listens"

    def __init__(self, event: str, job: str | None, listeners: list[Listener]) -> None:
        self.event, self.job, self.listeners = event, job, listeners

    @property
    def ok(self) -> bool:
        return bool(self.listeners)


def who_emits(k: Knowledge, event: str) -> Emitters:
    found = k.emitters(event)
    if not found and not k.listeners(event):
        k.require_event(event)
    return Emitters(event, found)


def who_listens(k: Knowledge, event: str, which: str | None = None,
                job: str | None = None) -> Listeners:
    found = k.listeners(event, which, job)
    if not found:
        if job is not None:
            k.require_job(job)
        k.require_event(event)
    return Listeners(event, job, found)


def condition_text(cond: Condition | None) -> str | None:
    """A condition for people: initctl's form, or its operands when -e text
    lost the operators."""
    if cond is None:
        return None
    if isinstance(cond, Enumerated):
        return " ? ".join(op.text() for op in cond.operands) + "  (operators unknown)"
    return canonical(cond)


class Waits:
    __slots__ = ("condition", "operand", "emitters")

    def __init__(self, condition: str, operand: str, emitters: list[str]) -> None:
        self.condition, self.operand, self.emitters = condition, operand, emitters


class JobReport:
    render_as = "show"
    ok = True

    def __init__(self, k: Knowledge, job: Job) -> None:
        self.name = job.name
        self.defined_at = str(job.loc) if job.loc else None
        self.override = job.override
        self.description = job.description
        self.type = "task" if job.task else "service"
        self.start_on = condition_text(job.start_on)
        self.stop_on = condition_text(job.stop_on)
        self.emits = job.emitted
        self.inferred_emits = [e.event for e in job.inferred]
        reason = k.disabled(job)
        self.manual = reason is not None and reason.startswith(("manual:", "override:"))
        self.instance = job.instance
        self.waits_for: list[Waits] = []
        for label, cond in job.conditions():
            for op in operands(cond):
                ref = op.job
                if ref is not None:
                    who = [ref] if ref in k.jobs else []
                else:
                    who = [e.label() for e in k.emitters(op.event)]
                self.waits_for.append(Waits(label, op.text(), who))
        self.waited_on_by = k.dependents(job)


def show(k: Knowledge, name: str) -> JobReport:
    return JobReport(k, k.require_job(name))


class Row:
    """One job in `upgraph list`."""

    __slots__ = ("name", "state", "why", "type", "instance", "defined_at", "start_on")

    def __init__(self, k: Knowledge, job: Job) -> None:
        self.name = job.name
        reason = k.disabled(job)
        if reason is None:
            self.state, self.why = "enabled", None
        elif reason == "no-start-on":
            self.state, self.why = "by-hand", "no start on"
        else:
            self.state = "disabled"
            by, _, where = reason.partition(":")
            self.why = f"manual in {where}"
        self.type = "task" if job.task else "service"
        self.instance = job.instance
        self.defined_at = str(job.loc) if job.loc else job.source
        self.start_on = condition_text(job.start_on)


class JobList:
    """Every job with its state of configuration: the offline `initctl list`."""

    render_as = "list"
    ok = True

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows


def job_list(k: Knowledge) -> JobList:
    return JobList([Row(k, j) for j in k.sorted_jobs()])


class OperatorsUnknown(Exception):
    """Plain show-config asked of conditions read from `-e` text."""


class ShowConfig:
    """The jobs `initctl show-config` would print, sorted by name."""

    render_as = "show-config"
    ok = True

    def __init__(self, jobs: list[Job], enumerate_: bool) -> None:
        self.jobs, self.enumerate = jobs, enumerate_


def show_config(k: Knowledge, name: str | None = None, enumerate_: bool = False) -> ShowConfig:
    jobs = [k.require_job(name)] if name is not None else k.sorted_jobs()
    if not enumerate_:
        lost = [j.name for j in jobs if any(isinstance(c, Enumerated)
                                            for _, c in j.conditions())]
        if lost:
            raise OperatorsUnknown(
                f"{len(lost)} job(s) were read from `show-config -e` text, which has no "
                "operators (and/or): they can only be printed with --enumerate (-e); "
                f"first: {lost[0]}")
    return ShowConfig(jobs, enumerate_)
