"""boot: the simulated boot from `startup` (boot/), with every job that never
started explained by `why`; `--to JOB` keeps the critical chain to JOB."""

from __future__ import annotations

from upgraph.answers.context import EXIT_USAGE, Stop

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.answers.context import Context
    from upgraph.boot.model import BootResult


def model_name(ctx: Context) -> str:
    return "declared-only" if ctx.o.declared_only else "default"


def simulation(ctx: Context) -> BootResult:
    """The boot under the options' model: what boot, why and emit share."""
    from upgraph.boot.model import simulate

    o = ctx.o
    assume = [*ctx.config.assume, *(o.assume or [])]
    for text in assume:
        if not text.split():
            raise Stop(EXIT_USAGE, "--assume needs an event: 'EVENT [KEY=VALUE...]'")
    return simulate(ctx.knowledge, bool(o.declared_only), assume, o.runlevel, o.order,
                    o.bound or 20000, o.to)


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
