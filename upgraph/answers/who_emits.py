"""who-emits EVENT: every job whose `emits` covers EVENT, then the built-in
and configured emitters (Knowledge.emitters holds the rule)."""

from __future__ import annotations

from upgraph.model import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.answers.context import Context
    from upgraph.knowledge.index import Knowledge


class Emitters(Record):
    __slots__ = ("event", "emitters")  # the event asked about; list[Emitter]
    render_as = "who-emits"

    @property
    def ok(self) -> bool:
        return bool(self.emitters)

    @property
    def complaint(self) -> str | None:
        return None if self.ok else f"nothing emits '{self.event}'"


def who_emits(k: Knowledge, event: str) -> Emitters:
    """Raises UnknownName (with "did you mean") for an event nothing mentions."""
    found = k.emitters(event)
    if not found and not k.listeners(event):
        k.require_event(event)
    return Emitters(event, found)


def answer(ctx: Context) -> Emitters:
    return who_emits(ctx.knowledge, ctx.o.event)
