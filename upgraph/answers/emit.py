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
    cut = boot.machine.cut
    result = emit_after(boot, event, list(o.env or []))
    if cut:  # the machine stopped at the bound: nothing more can happen in it
        changing = boot.cycle()
        result.partial = (f"the boot was cut after {boot.machine.bound} events without "
                          "settling (a livelock?), so nothing after it is simulated; still "
                          "changing: " + ", ".join(changing[:10])
                          + (f" and {len(changing) - 10} more" if len(changing) > 10 else ""))
    if not k.listeners(event):
        close = k.suggest("event", event)
        result.complaint = (f"nothing listens for '{event}'"
                            + (f"; did you mean: {', '.join(close)}?" if close else ""))
    return result
