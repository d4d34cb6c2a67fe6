"""show-config [JOB] [-e]: what `initctl show-config` prints, sorted by name."""

from __future__ import annotations

from upgraph.answers.context import EXIT_NO, Stop
from upgraph.model import Enumerated, Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.answers.context import Context
    from upgraph.knowledge.index import Knowledge


class OperatorsUnknown(Exception):
    """Plain show-config asked of conditions read from `-e` text."""


class ShowConfig(Record):
    __slots__ = ("jobs", "enumerate")  # list[Job], bool (-e)
    render_as = "show-config"
    ok = True


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


def answer(ctx: Context) -> ShowConfig:
    try:
        return show_config(ctx.knowledge, ctx.o.job, bool(ctx.o.enumerate))
    except OperatorsUnknown as exc:
        raise Stop(EXIT_NO, str(exc)) from None
