"""show JOB: where a job is defined, its conditions, what it emits, what each
operand waits for (and who emits that), and who waits for it."""

from __future__ import annotations

from upgraph.model import Record, condition_text, operands

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.answers.context import Context
    from upgraph.knowledge.index import Knowledge
    from upgraph.model import Job


class Waits(Record):
    """One operand of a condition and who emits what it waits for."""

    __slots__ = ("condition", "operand", "emitters")


class JobReport(Record):
    __slots__ = ("name", "defined_at", "override", "description", "type", "start_on",
                 "stop_on", "emits", "inferred_emits", "manual", "instance", "waits_for",
                 "waited_on_by")  # waits_for: list[Waits]; waited_on_by: list[Listener]
    render_as = "show"
    ok = True


def show(k: Knowledge, name: str) -> JobReport:
    job = k.require_job(name)
    waits = []
    for label, cond in job.conditions():
        for op in operands(cond):
            ref = op.job
            if ref is not None:
                who = [ref] if ref in k.jobs else []
            else:
                who = [e.label() for e in k.emitters(op.event)]
            waits.append(Waits(label, op.text(), who))
    return JobReport(
        name=job.name, defined_at=str(job.loc) if job.loc else None, override=job.override,
        description=job.description, type="task" if job.task else "service",
        start_on=condition_text(job.start_on), stop_on=condition_text(job.stop_on),
        emits=job.emitted, inferred_emits=[e.event for e in job.inferred],
        manual=_manual(k, job),
        instance=job.instance, waits_for=waits, waited_on_by=k.dependents(job))


def _manual(k: Knowledge, job: Job) -> bool:
    off = k.disabled(job)
    return off is not None and off.manual


def answer(ctx: Context) -> JobReport:
    ctx.job_arg(ctx.o.job)
    return show(ctx.knowledge, ctx.o.job)
