"""emit EVENT [K=V...]: what `initctl emit` would set in motion after the
simulated boot."""

from __future__ import annotations

from upgraph.answers.context import EXIT_USAGE, Stop

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.answers.context import Context
    from upgraph.boot.model import EmitResult


def answer(ctx: Context) -> EmitResult:
    from upgraph.boot.model import emit_after

    o = ctx.o
    for entry in o.env or []:
        if "=" not in entry:
            raise Stop(EXIT_USAGE, f"event environment is KEY=VALUE, not {entry!r}")
    return emit_after(ctx.simulation(), o.event, list(o.env or []))
