"""The boot the options ask for: the one simulation that boot, why and emit
each start from (the model, assumptions, runlevel, order and bound)."""

from __future__ import annotations

from upgraph.answers.context import EXIT_USAGE, Stop

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.answers.context import Context
    from upgraph.boot.model import BootResult


def model_name(ctx: Context) -> str:
    return "declared-only" if ctx.o.declared_only else "default"


def simulation(ctx: Context) -> BootResult:
    from upgraph.boot.model import simulate

    o = ctx.o
    assume = [*ctx.config.assume, *(o.assume or [])]
    for text in assume:
        if not text.split():
            raise Stop(EXIT_USAGE, "--assume needs an event: 'EVENT [KEY=VALUE...]'")
    return simulate(ctx.knowledge, bool(o.declared_only), assume, o.runlevel, o.order,
                    o.bound or 20000, o.to)
