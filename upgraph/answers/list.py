"""list: every job and whether it starts by itself (an offline `initctl list`)."""

from __future__ import annotations

from upgraph.model import Record, condition_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from upgraph.answers.context import Context
    from upgraph.knowledge.index import Knowledge


class Row(Record):
    """One job: STATE is enabled, disabled or by-hand (no `start on`)."""

    __slots__ = ("name", "state", "why", "type", "instance", "defined_at", "start_on", "real")
    _defaults = {"real": None}  # the machine's own goal/state[, process PID] (--list)


class JobList(Record):
    __slots__ = ("rows",)
    render_as = "list"
    ok = True


def job_list(k: Knowledge, listing: dict[str, Any] | None = None) -> JobList:
    """Every job; with LISTING (initctl list), each one's real state beside it."""
    rows = []
    bare = k.jobset.bare  # from show-config text: `task` is not shown there
    for job in k.sorted_jobs():
        off = k.disabled(job)
        if off is None:
            state, why = "enabled", None
        elif off.by == "no-start-on":
            state, why = "by-hand", "no start on"
        else:
            state, why = "disabled", f"manual in {off.loc}"
        kind = "task" if job.task else "unknown" if job.name in bare else "service"
        row = Row(job.name, state, why, kind, job.instance,
                  str(job.loc) if job.loc else job.source, condition_text(job.start_on))
        if listing is not None:
            row.real = real_state(job.name, listing)
        rows.append(row)
    return JobList(rows)


def real_state(name: str, listing: dict[str, Any]) -> str:
    """NAME's instances as `initctl list` shows them ("-" when it does not)."""
    found = [x for label, x in listing.items()
             if label == name or label.startswith(name + " (")]
    if not found:
        return "-"
    return "; ".join((f"{x.label} " if x.label != name else "") + f"{x.goal}/{x.state}"
                     + (f", process {x.pid}" if x.pid else "") for x in found)


def answer(ctx: Context) -> JobList:
    return job_list(ctx.knowledge, ctx.listing)
