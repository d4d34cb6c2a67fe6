"""who-listens EVENT: every operand of a start or stop condition that waits
for EVENT (Knowledge.listeners holds the rule)."""

from __future__ import annotations

from upgraph.model import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.answers.context import Context
    from upgraph.knowledge.index import Knowledge


class Listeners(Record):
    __slots__ = ("event", "job", "listeners")  # str, str | None, list[Listener]
    render_as = "who-listens"

    @property
    def ok(self) -> bool:
        return bool(self.listeners)

    @property
    def complaint(self) -> str | None:
        return None if self.ok else f"nothing listens for '{self.event}'"


def who_listens(k: Knowledge, event: str, which: str | None = None,
                job: str | None = None) -> Listeners:
    """WHICH: "start", "stop" or None (both); JOB narrows job events."""
    found = k.listeners(event, which, job)
    if not found:
        if job is not None:
            k.require_job(job)
        k.require_event(event)
    return Listeners(event, job, found)


def answer(ctx: Context) -> Listeners:
    o = ctx.o
    which = "start" if o.start and not o.stop else "stop" if o.stop and not o.start else None
    if o.job is not None:
        ctx.job_arg(o.job)
    return who_listens(ctx.knowledge, o.event, which, o.job)
