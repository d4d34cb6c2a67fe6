"""list: every job and whether it starts by itself (an offline `initctl list`)."""

from __future__ import annotations

from upgraph.answers.show import condition_text
from upgraph.model import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.answers.context import Context
    from upgraph.knowledge.index import Knowledge


class Row(Record):
    """One job: STATE is enabled, disabled or by-hand (no `start on`)."""

    __slots__ = ("name", "state", "why", "type", "instance", "defined_at", "start_on")


class JobList(Record):
    __slots__ = ("rows",)
    render_as = "list"
    ok = True


def job_list(k: Knowledge) -> JobList:
    rows = []
    for job in k.sorted_jobs():
        off = k.disabled(job)
        if off is None:
            state, why = "enabled", None
        elif off.by == "no-start-on":
            state, why = "by-hand", "no start on"
        else:
            state, why = "disabled", f"manual in {off.loc}"
        rows.append(Row(job.name, state, why, "task" if job.task else "service", job.instance,
                        str(job.loc) if job.loc else job.source, condition_text(job.start_on)))
    return JobList(rows)


def answer(ctx: Context) -> JobList:
    return job_list(ctx.knowledge)
