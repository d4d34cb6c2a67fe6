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
    event = o.event
    if not event or not event.strip() or "=" in event or any(c.isspace() for c in event):
        raise Stop(EXIT_USAGE, f"emit {event!r}: an event's name is one word without '=' "
                   "(for example: upgraph emit net-device-added INTERFACE=eth0)")
    for entry in o.env or []:
        if "=" not in entry or entry.startswith("="):
            raise Stop(EXIT_USAGE, f"event environment is KEY=VALUE, not {entry!r}")
    k = ctx.knowledge
    boot = ctx.simulation()
    result = emit_after(boot, event, list(o.env or []))
    # a machine stopped at the bound stays stopped: nothing after it happens
    result.partial = boot.cut_note("nothing after it is simulated")
    if not k.listeners(event):
        close = k.suggest("event", event)
        result.complaint = (f"nothing listens for '{event}'"
                            + (f"; did you mean: {', '.join(close)}?" if close else ""))
    return result
