"""log: the boot as it happened, from Upstart's own lines (read/logs.py),
folded into each job's history by knowledge/history.py.

`--failed` keeps what failed; `--boot N` picks a boot as journalctl -b does
(0, the default, is the last; -1 the one before; 1 the first);
`--list-boots` lists them."""

from __future__ import annotations

from upgraph.answers.context import EXIT_USAGE, Stop
from upgraph.model import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.answers.context import Context
    from upgraph.knowledge.history import History
    from upgraph.read.logs import Boot, Message

WARN_ONLY = ("this log holds warnings only, so it shows failures but no job's states or "
             "times: for the whole life of every job, run `initctl log-priority info` "
             "before the next boot's end, or boot with `--verbose` on the kernel command line")


class Entry(Record):
    """One line of the timeline: TIME (seconds since boot, or None), JOB (or
    None for an event), WHAT happened, whether it is a FAILURE, and LINE."""

    __slots__ = ("time", "job", "what", "failure", "line")


class BootInfo(Record):
    """One boot of the log: its number (journalctl's, counted from the last)
    and where it lies."""

    __slots__ = ("index", "first", "last", "lines", "start", "end")


class LogReport(Record):
    __slots__ = ("boot", "boots", "history", "timeline", "failed_only", "listing",
                 "sources", "note")
    render_as = "log"

    @property
    def ok(self) -> bool:
        return True

    @property
    def complaint(self) -> str | None:
        return self.note


# Each kind of message in plain words, from its fields F and its process P
# ("main process 440"): made once, not once per line.
_WORDS = {
    "state": lambda f, p: f"{f.get('old')} -> {f.get('new')}",
    "goal": lambda f, p: f"goal {f.get('new')}",
    "spawned": lambda f, p: f"{p} spawned",
    "exited": lambda f, p: f"{p} exited normally",
    "status": lambda f, p: f"{p} exited with status {f.get('status')}",
    "killed": lambda f, p: f"{p} killed by {f.get('signal') or 'signal ' + f.get('signum', '?')}",
    "respawning": lambda f, p: f"{p} ended, respawning",
    "respawn-limit": lambda f, p: "respawning too fast, stopped (the respawn limit)",
    "spawn-failed": lambda f, p: f"{p} could not be spawned: {f.get('reason')}",
    "spawn-error": lambda f, p: f"{p} could not be spawned: {f.get('reason')}",
    "sending": lambda f, p: f"{p} sent {f.get('signal')}",
    "send-failed": lambda f, p: f"{p}: sending {f.get('signal')} failed: {f.get('reason')}",
    "handling": lambda f, p: f"event {f.get('event')}",
    "config-error": lambda f, p: f"{f.get('path')}:{f.get('lineno')}: {f.get('reason')}",
}
_NO_JOB = ("handling", "config-error", "pending", "finished")


def describe(m: Message, failures: set[str]) -> Entry:
    """A log message as one timeline entry, in plain words."""
    f, kind = m.fields, m.kind
    words = _WORDS.get(kind)
    if words is None:
        what = m.text
    else:
        what = words(f, f"{f.get('process', '')} process" + (f" {f['pid']}" if "pid" in f
                                                            else ""))
    where = str(m.where)
    return Entry(m.time, None if kind in _NO_JOB else f.get("job"), what, where in failures,
                 where)


def boot_index(ctx: Context, count: int) -> int:
    """The position in the log's boots of the one --boot asks for."""
    n = ctx.o.boot or 0
    i = count - 1 + n if n <= 0 else n - 1
    if not 0 <= i < count:
        raise Stop(EXIT_USAGE, f"--boot {n}: the log holds {count} boot(s) "
                   f"(0 is the last, -{count - 1} the first; see log --list-boots)")
    return i


def info(boot: Boot, index: int) -> BootInfo:
    times = [m.time for m in boot.messages if m.time is not None]
    return BootInfo(index, str(boot.first), str(boot.last), len(boot.messages),
                    min(times) if times else None, max(times) if times else None)


def answer(ctx: Context) -> LogReport:
    from upgraph.knowledge.history import History

    o = ctx.o
    reader = ctx.logs
    boots = reader.boots
    count = len(boots)
    all_boots = [info(b, i - count + 1) for i, b in enumerate(boots)]
    i = boot_index(ctx, count)
    history = History(boots[i])
    note = WARN_ONLY if history.detail == "warn" and not o.list_boots else None
    listing = ctx.listing
    if listing is not None:
        differ = history.end_state(listing)
        if differ:
            note = (f"{len(differ)} job(s) end otherwise in `initctl list` than in the log "
                    f"(the list is taken): {', '.join(differ[:5])}"
                    + (" ..." if len(differ) > 5 else ""))
    failures = {f.line for f in history.failures if f.kind != "respawn"}
    wanted = boots[i].messages
    if o.failed:
        wanted = [m for m in wanted if str(m.where) in failures or m.kind in (
            "respawning", "respawn-limit", "spawn-failed", "spawn-error")]
    # the timeline is what the text prints (JSON gives the history itself)
    timeline = [] if o.list_boots or ctx.fmt != "text" else [
        describe(m, failures) for m in wanted if m.kind != "unknown"]
    return LogReport(all_boots[i], all_boots, history, timeline, bool(o.failed),
                     bool(o.list_boots), list(reader.sources), note)


def history_of(ctx: Context) -> History:
    """The chosen boot's history (blame, boot --log, why --log)."""
    from upgraph.knowledge.history import History

    boots = ctx.logs.boots
    return History(boots[boot_index(ctx, len(boots))])
