"""boot: the simulated boot from `startup` (boot/), with every job that never
started explained by `why`; `--to JOB` keeps the critical chain to JOB."""

from __future__ import annotations

from upgraph.answers.simulation import simulation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.answers.context import Context
    from upgraph.boot.model import BootResult


def boot(result: BootResult) -> BootResult:
    """RESULT with each job that never started explained."""
    from upgraph.answers.why import why

    started = set(result.started())
    result.never = [why(result, c.name) for c in sorted(result.machine.classes,
                                                        key=lambda c: c.name)
                    if c.name not in started]
    return result


def answer(ctx: Context) -> BootResult:
    o = ctx.o
    if o.to is not None:
        ctx.job_arg(o.to, loaded=True)
    result = simulation(ctx)
    return result if o.to else boot(result)
