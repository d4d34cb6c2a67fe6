"""What a real boot did, from Upstart's own lines (read/logs.py): each job's
state changes, goals, processes and their ends, respawns and failures, and
the events init handled, with times since boot and the log line of each.

The rules are Upstart 1.13's (upgraph/shared docs: upstart-logs.md and the
boot semantics §3):

* a process that ends with a non-zero status or by a signal is a failure,
  unless the line's own level says it was only news (info or quieter), or the
  job was already on its way down (goal stop, or a stopping state) when it
  ended: Upstart kills the processes of jobs it stops;
* `process ended, respawning` turns the failure before it into a respawn:
  the job goes on;
* `respawning too fast, stopped` is the respawn limit: the job failed and is
  stopped (goal stop, waiting);
* `Failed to spawn` is a failure with no exit value;
* with info lines, a job's goal and state are the last ones the log gives;
  a log of warnings only gives no states (and says so).
"""

from __future__ import annotations

from upgraph.model import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from upgraph.read.logs import Boot, Message

_DOWN = ("stopping", "killed", "post-stopping", "post-stop", "pre-stopping", "pre-stop")
_QUIET = ("info", "debug", "notice")
_INFO = ("state", "goal", "handling", "spawned", "exited", "sending")
_DEBUG = ("pending", "finished", "new-instance", "registered", "destroyed")


class Process(Record):
    """One run of one of a job's processes: spawned (if the log says so) and
    ended with an exit status or a signal (if it did).  TIME and LINE are
    those of its end when it ended, else of its spawn."""

    __slots__ = ("process", "pid", "exit", "signal", "time", "line", "spawned")


# The kinds of message (read/logs.py) that record a failure of a job in
# History._apply below; `fleet` names a host's failures by them.
FAILING = ("status", "killed", "respawn-limit", "spawn-failed", "spawn-error")


class Failure(Record):
    """Something that went wrong, as the log says it: KIND is "exit",
    "signal", "spawn" or "respawn-limit" (and "respawn" for a process that
    ended and was started again); TEXT is init's own line."""

    __slots__ = ("job", "kind", "process", "pid", "exit", "signal", "reason", "time", "line",
                 "text")


class JobHistory:
    """One job (or instance, `NAME (INSTANCE)`) in one real boot."""

    __slots__ = ("label", "states", "goal", "state", "processes", "respawns", "failures",
                 "respawn_limit", "times", "_open")

    def __init__(self, label: str) -> None:
        self.label = label
        self.states: list[str] = []  # "old->new", in order
        self.goal: str | None = None
        self.state: str | None = None
        self.processes: list[Process] = []
        self.respawns = 0
        self.failures: list[Failure] = []
        self.respawn_limit = False
        self.times: dict[str, float | None] = {}  # state -> when first entered
        self._open: dict[int, Process] = {}  # pid -> its process, until it ends

    @property
    def failed(self) -> bool:
        return bool(self.failures)

    @property
    def name(self) -> str:
        return self.label.split(" (", 1)[0]


class Event(Record):
    __slots__ = ("name", "time", "line")


class History:
    """One boot as the log tells it."""

    def __init__(self, boot: Boot) -> None:
        self.jobs: dict[str, JobHistory] = {}
        self.events: list[Event] = []
        self.failures: list[Failure] = []
        self.config_errors: list[tuple[str, str]] = []  # (where, message)
        self.detail = "warn"  # "warn", "info" or "debug": the loudest level the log holds
        self.first = boot.first
        self.last = boot.last
        self.start: float | None = None
        self.end: float | None = None
        for m in boot.messages:
            self._apply(m)

    def job(self, label: str) -> JobHistory:
        found = self.jobs.get(label)
        if found is None:
            found = self.jobs[label] = JobHistory(label)
        return found

    def _apply(self, m: Message) -> None:
        kind, f, where = m.kind, m.fields, str(m.where)
        if m.time is not None:
            self.start = m.time if self.start is None else min(self.start, m.time)
            self.end = m.time if self.end is None else max(self.end, m.time)
        if kind in _DEBUG:
            self.detail = "debug"
        elif kind in _INFO and self.detail == "warn":
            self.detail = "info"
        if kind == "state":
            j = self.job(f["job"])
            j.states.append(f"{f['old']}->{f['new']}")
            j.state = f["new"]
            j.times.setdefault(f["new"], m.time)
        elif kind == "goal":
            self.job(f["job"]).goal = f["new"]
        elif kind == "handling":
            self.events.append(Event(f["event"], m.time, where))
        elif kind == "spawned":
            j = self.job(f["job"])
            p = Process(f["process"], int(f["pid"]), None, None, m.time, where, m.time)
            j.processes.append(p)
            j._open[p.pid] = p
        elif kind in ("exited", "status", "killed"):
            self._ended(m, kind, f, where)
        elif kind == "respawning":
            j = self.job(f["job"])
            j.respawns += 1
            last = next((x for x in reversed(j.failures) if x.process == f["process"]), None)
            if last is not None and last.kind in ("exit", "signal"):
                j.failures.remove(last)  # not the end of the job: it starts again
                self.failures.remove(last)
            self._fail(j, "respawn", f["process"], None, None, None, None, m, where)
        elif kind == "respawn-limit":
            j = self.job(f["job"])
            j.respawn_limit = True
            j.goal, j.state = "stop", "waiting"
            self._fail(j, "respawn-limit", None, None, None, None, None, m, where)
        elif kind in ("spawn-failed", "spawn-error"):
            j = self.job(f["job"])
            self._fail(j, "spawn", f["process"], None, None, None, f.get("reason"), m, where)
        elif kind == "config-error":
            self.config_errors.append((f"{f['path']}:{f['lineno']}", f["reason"]))

    def _ended(self, m: Message, kind: str, f: dict[str, str], where: str) -> None:
        j = self.job(f["job"])
        pid = int(f["pid"])
        p = j._open.pop(pid, None)
        if p is None or p.process != f["process"]:
            p = Process(f["process"], pid, None, None, m.time, where, None)
            j.processes.append(p)
        p.time, p.line = m.time, where
        if kind == "exited":
            p.exit = 0
            return
        if kind == "status":
            p.exit = int(f["status"])
        else:
            p.signal = f.get("signal") or f.get("signum")
        expected = m.level in _QUIET or j.goal == "stop" or (j.state in _DOWN)
        if not expected:
            self._fail(j, "exit" if kind == "status" else "signal", p.process, pid, p.exit,
                       p.signal, None, m, where)

    def _fail(self, j: JobHistory, kind: str, process: str | None, pid: int | None,
              exit: int | None, signal: str | None, reason: str | None, m: Message,
              where: str) -> None:
        failure = Failure(j.label, kind, process, pid, exit, signal, reason, m.time, where,
                          m.text)
        if kind != "respawn":
            j.failures.append(failure)
        self.failures.append(failure)

    def of_job(self, name: str) -> list[JobHistory]:
        """NAME's histories: the job itself and each of its instances."""
        return [j for label, j in sorted(self.jobs.items())
                if label == name or label.startswith(name + " (")]

    def end_state(self, listing: dict[str, Any]) -> list[str]:
        """Take each job's goal and state from `initctl list` (the machine's
        own end state); the labels whose state differs from what the log
        last said (a log cut short, or a state the log never tells)."""
        differ = []
        for label, x in listing.items():
            j = self.jobs.get(label)
            if j is None:
                if x.goal == "stop" and x.state == "waiting":
                    continue  # never mentioned, and never started: nothing to add
                j = self.job(label)
            elif j.state is not None and (j.goal, j.state) != (x.goal, x.state):
                differ.append(label)
            j.goal, j.state = x.goal, x.state
        return differ

    def blame(self, tasks: set[str] | None = None) -> list[tuple[str, float, str]]:
        """(job, seconds, what), longest first: a task by its run, from
        `starting` to `waiting` ("ran"); any other job by its start, from
        `starting` to `running` ("to running").  TASKS names the tasks (from
        the job files); without them, a job whose main process exited
        normally is taken for one.  Only from the log's own times."""
        out = []
        for j in self.jobs.values():
            start = j.times.get("starting")
            if start is None:
                continue
            done, running = j.times.get("waiting"), j.times.get("running")
            task = j.name in tasks if tasks is not None else any(
                p.process == "main" and p.exit == 0 for p in j.processes)
            if task and done is not None and done >= start:
                out.append((j.label, round(done - start, 6), "ran"))
            elif running is not None and running >= start:
                out.append((j.label, round(running - start, 6), "to running"))
        out.sort(key=lambda r: (-r[1], r[0]))
        return out
