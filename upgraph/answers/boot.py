"""boot: the simulated boot from `startup` (boot/), with every job that never
started explained by `why`; `--to JOB` keeps the critical chain to JOB."""

from __future__ import annotations

from upgraph.boot.machine import lookup
from upgraph.boot.model import NOT_AT_BOOT
from upgraph.model import Record, is_glob

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from upgraph.answers.context import Context
    from upgraph.answers.why import Why
    from upgraph.boot.model import BootResult
    from upgraph.knowledge.history import History


class Differs(Record):
    """One job on which the machine and the model disagree: WHAT the log
    shows (with its TIME and LINE), and what to TRY to make them agree."""

    __slots__ = ("job", "what", "time", "line", "why", "try_")


class Compared(Record):
    """The real boot (its log) beside the simulation (`boot --log`)."""

    __slots__ = ("log", "detail", "failed", "only_real", "events_only_real",
                 "events_only_model")


def _assume(w: Why) -> str | None:
    """The --assume that would give W's first missing operand its event."""
    leaf = next((leaf for _d, _t, leaf in w.tree if leaf is not None
                 and leaf.status == "missing"), None)
    if leaf is None:
        return None
    words = leaf.operand.split()
    if is_glob(words[0]):
        return None
    env = []
    for x in words[1:]:
        key, eq, value = x.partition("=")
        if not eq:
            continue
        if key.endswith("!"):  # any other value: name one
            key = key[:-1]
            value = "eth0" if key in ("IFACE", "INTERFACE", "LOGICAL") else "VALUE"
        elif is_glob(value):
            continue
        env.append(f"{key}={value}")
    return "--assume '" + " ".join([words[0], *env]) + "'"


class Bar(Record):
    """One row of a boot chart: JOB from START to END (waves, or seconds of a
    real boot), drawn as KIND: service, task, aborted (stopped before it was
    running), stalled, failed, respawned, or model (only the model started it);
    HOOK, when it waited in `starting` for the jobs that hold that hook, the
    time it left `starting` (the bar's first part is drawn as a wait)."""

    __slots__ = ("job", "start", "end", "kind", "hook")
    _defaults = {"hook": None}


class Chart(Record):
    """What a boot chart shows: bars, the unit of time, a legend, and the
    jobs shown apart (only the model started them, in a real boot's chart)."""

    __slots__ = ("bars", "unit", "span", "legend", "apart")


def model_chart(result: BootResult) -> Chart:
    """The simulated boot in waves: a bar from the wave a job starts starting
    to the wave it is running (services) or back to waiting (tasks)."""
    bars = []
    end = result.machine.wave
    for c in result.machine.classes:
        if not c.history:
            continue
        first = c.history[0].wave
        running = next((h.wave for h in c.history if h.new == "running"), None)
        done = next((h.wave for h in reversed(c.history) if h.new == "waiting"), None)
        stuck = any(not (i.goal == "start" and i.state == "running")
                    for i in c.instances.values())
        left = next((h.wave for h in c.history if h.old == "starting"), None)
        hook = left if left is not None and left > first else None
        if stuck:
            bars.append(Bar(c.name, first, end, "stalled", hook))
        elif running is None:
            bars.append(Bar(c.name, first, done if done is not None else end, "aborted", hook))
        elif c.task and done is not None:
            bars.append(Bar(c.name, first, done, "task", hook))
        else:
            bars.append(Bar(c.name, first, running, "service", hook))
    bars.sort(key=lambda b: (b.start, b.end, b.job))
    never = len(result.never)
    legend = (f"boot, {result.model.name} model: waves left to right; blue services (to "
              "running), green tasks (to done), grey stopped before running, red stalled, "
              f"orange waiting on a starting hook; {never} job(s) never started")
    return Chart(bars, "wave", end, legend, [])


def real_chart(result: BootResult, history: History) -> Chart:
    """The real boot in seconds since boot, from its log: a bar from a job's
    `starting` to its `running` (or, for a task, back to `waiting`); failed
    and respawned jobs marked; the jobs only the model started, apart."""
    bars = []
    tasks = {c.name for c in result.machine.classes if c.task}
    end = history.end or 0.0
    for j in history.jobs.values():
        start = j.times.get("starting")
        if start is None:
            failed = next((f for f in j.failures if f.time is not None), None)
            if failed is not None:  # a failure with no states (a log of warnings)
                bars.append(Bar(j.label, failed.time, failed.time, "failed"))
            continue
        running, done = j.times.get("running"), j.times.get("waiting")
        kind = "failed" if j.failed else "respawned" if j.respawns else (
            "task" if j.name in tasks else "service")
        if done is not None and done >= start and (j.name in tasks or running is None):
            last = done
        else:
            last = running if running is not None else end
        bars.append(Bar(j.label, start, max(last, start), kind))
    bars.sort(key=lambda b: (b.start, b.end, b.job))
    real = {j.name for j in history.jobs.values()}
    apart = sorted(n for n in result.started() if n not in real)
    legend = (f"the machine's boot, from its log: seconds since boot; blue services (to "
              "running), green tasks (to done), red failed, orange respawned; "
              f"{len(apart)} job(s) only the model started, listed apart")
    return Chart(bars, "s", end, legend, apart)


def compare(result: BootResult, history: History, log: str) -> Compared:
    """Where the log and the model part ways (see Compared)."""
    from upgraph.answers.why import why

    model = set(result.started())
    real = {j.name for j in history.jobs.values() if j.times.get("running") is not None}
    failed: list[Differs] = []
    for name in sorted(model):
        jobs = history.of_job(name)
        bad = next((f for j in jobs for f in j.failures), None)
        if bad is not None:
            failed.append(Differs(name, f"{bad.text}", bad.time, bad.line, None, None))
        elif history.detail != "warn" and name not in real:
            failed.append(Differs(name, "it never reached running on the machine"
                                  + ("" if jobs else " (it never appears in the log)"),
                                  None, None, None, None))
    only_real = []
    for name in sorted(real - model):
        if name not in result.machine.by_name:
            continue  # not among the job files given
        j = history.of_job(name)[0]
        w = why(result, name)
        only_real.append(Differs(name, "it ran on the machine", j.times.get("running"),
                                 None, w.summary, _assume(w)))
    handled = {e.name for e in history.events}
    emitted = {e.name for e in result.machine.events}
    return Compared(log, history.detail, failed, only_real, sorted(handled - emitted),
                    sorted(emitted - handled) if history.detail != "warn" else [])


class Link(Record):
    """One start in a critical chain: JOB, the wave it was RUNNING in (None:
    never), its time on the machine (REAL, with --log; None: never there),
    and the EVENT (its text, wave and SOURCE) that came last among those
    that started it, if any."""

    __slots__ = ("job", "running", "real", "event", "wave", "source", "hooks")
    _defaults = {"hooks": []}


def _hook_waits(result: BootResult, cls: Any) -> list[str]:
    """How long CLS waited in `starting` (and `stopping`) on its way to
    running, and who held the hook: the jobs that started or stopped on it."""
    out = []
    for state in ("starting", "stopping"):
        enter = next((c for c in cls.history if c.new == state), None)
        leave = next((c for c in cls.history if c.old == state), None)
        if enter is None:
            continue
        ev = next((e for e in result.events_named(state)
                   if lookup(e.env, "JOB") == cls.name and e.wave >= enter.wave), None)
        holders = sorted({c.name for c in result.machine.classes
                          for counted in (*c.started_by, *c.stopped_on)
                          if ev is not None and any(x is ev for x in counted)})
        until = leave.wave if leave is not None else None
        if not holders and until == enter.wave:
            continue
        span = (f"from wave {enter.wave} to {until}" if until is not None
                else f"from wave {enter.wave}, for good")
        out.append(f"waited in {state} {span}"
                   + (f", held by {', '.join(holders)}" if holders else ""))
    return out


def critical_chain(result: BootResult) -> list[Link]:
    """The chain of starts and events that leads to result.to: each start's
    slowest link, the event that came last."""
    m = result.machine
    cls = m.by_name.get(result.to or "")
    links: list[Link] = []
    seen: set[str] = set()
    while cls is not None and cls.name not in seen:
        seen.add(cls.name)
        running = next((c.wave for c in cls.history if c.new == "running"), None)
        real = result.real_times.get(cls.name)
        hooks = _hook_waits(result, cls)
        if not cls.started_by:
            by = next(((who, op) for verb, who, op in cls.scripted if verb == "start"), None)
            if by is None:
                links.append(Link(cls.name, running, real, None, None, None, hooks))
                break
            who, op = by
            text = op.why.text() if op.why is not None else f"start {cls.name}"
            links.append(Link(cls.name, running, real, f"`{text}`", None, who, hooks))
            cls = m.by_name.get(who.split(" (")[0])
            continue
        last = max(cls.started_by[0], key=lambda e: (e.wave, e.id))
        links.append(Link(cls.name, running, real, last.text(), last.wave, last.source, hooks))
        cls = m.by_name.get(last.source.split(" (")[0])
    return links


class Never(Record):
    """A job that never started, and why: the kind of reason, in words, the
    CAUSE it is grouped under (CAUSES) and what to TRY."""

    __slots__ = ("job", "reason", "summary", "cause", "try_")

    def __init__(self, job: str, reason: str | None, summary: str, cause: str = "follows",
                 try_: str | None = None) -> None:  # one per job
        self.job, self.reason, self.summary = job, reason, summary
        self.cause, self.try_ = cause, try_


# The groups of jobs that never start, in the order `boot` prints them.
CAUSES = {
    "defect": "a defect in the job files (an event nothing emits, a condition that cannot "
              "hold, a deadlock, an instance name that cannot be made)",
    "missing-job": "waits for a job that does not exist",
    "outside": "waits for hardware or an event from outside the simulation",
    "runlevel": "runs only in another runlevel, or at shutdown",
    "disabled": "disabled (`manual`), or started only by hand",
    "stopped": "started, then stopped before running by its own `stop on` or script (often "
               "by design)",
    "guess": "rests on a guess of the model",
    "follows": "waits for jobs above that never start",
}
SHUTDOWN = ("deconfiguring-networking", "unmounted-remote-filesystems", "desktop-shutdown",
            "shutdown", "halt", "reboot")


def cause(result: BootResult, w: Why) -> tuple[str, str | None]:
    """Which group W falls in (CAUSES), and the option or --assume to try."""
    from upgraph.answers.why import Reason

    reason = w.reason
    if reason in (Reason.MANUAL, Reason.NO_START_ON):
        return "disabled", (f"initctl start {w.job}" if reason == Reason.NO_START_ON else
                            "remove `manual` (or the .override that says it)")
    if reason in (Reason.CYCLE, Reason.INSTANCE_ERROR):
        return "defect", None
    if reason == Reason.STOPPED:
        act = w.stopper
        if act is not None and act.guard is not None:
            return "guess", ("--model real (it skips a job's guarded stop of itself)"
                             if result.model.name != "real" else "--branches none")
        return "stopped", None
    op, leaf = w.operand, w.first
    if op is None or leaf is None:
        return ("defect", None) if reason != Reason.STALLED else ("follows", None)
    if op.event == "runlevel" or op.event in SHUTDOWN or (
            op.event in ("starting", "stopping", "stopped", "started") and
            any(a.startswith("RUNLEVEL=") and "2" not in a for a in op.args)):
        named = [a.split("=", 1)[1] for a in op.args if a.startswith("RUNLEVEL=")]
        plain = [a for a in op.args if "=" not in a] if op.event == "runlevel" else []
        level = (named or plain or [""])[0].strip("[]!")[:1]
        return "runlevel", (f"--runlevel {level}" if level in tuple("0123456Ss") else None)
    detail = leaf.detail
    if op.event in NOT_AT_BOOT or "ran but did not emit" in detail or (
            reason == Reason.ENV_MISMATCH and op.job is None and
            any(e.kind != "job" for e in result.k.emitters(op.event))):
        return "outside", _assume(w)
    if detail.startswith("there is no job") or detail.startswith("job ") and \
            "was not loaded" in detail:
        return "missing-job", None
    if "outside the simulation" in detail:
        return "outside", _assume(w)
    if detail == "nothing emits it" or detail.startswith("only ") and "itself emits" in detail:
        return "defect", _assume(w)
    if op.event == "stopped" and op.job and op.job in result.machine.by_name:
        other = result.machine.by_name[op.job]
        if any(i.state == "running" for i in other.instances.values()) and not other.task:
            return "guess", f"--exits {op.job}"
    if reason == Reason.ENV_MISMATCH:
        return "defect", _assume(w)
    return "follows", None


def boot(result: BootResult) -> BootResult:
    """RESULT with each job that never started explained (only the reason
    and its words are kept: a 100,000-job boot need not hold every tree)."""
    from upgraph.answers.why import why

    started = set(result.started())
    never = []
    for c in sorted(result.machine.classes, key=lambda c: c.name):
        if c.name not in started:
            w = why(result, c.name)
            group, hint = cause(result, w)
            if hint is not None and "(try " in w.summary:
                hint = None  # the words say it already
            never.append(Never(w.job, w.reason, w.summary, group, hint))
    result.never = never
    result.never_groups = [(title, [n for n in never if n.cause == key])
                           for key, title in CAUSES.items()
                           if any(n.cause == key for n in never)]
    return result


def answer(ctx: Context) -> BootResult:
    o = ctx.o
    if o.to is not None:
        ctx.job_arg(o.to, loaded=True)
    result = ctx.simulation()
    if not o.to:
        boot(result)
    history = None
    if o.log:
        from upgraph.answers.log import history_of

        history = history_of(ctx)
        result.compared = compare(result, history, ", ".join(ctx.logs.sources))
        result.real_times = {j.label: j.times.get("running") for j in history.jobs.values()}
    if o.to:
        from upgraph.answers.why import why

        result.chain = critical_chain(result)
        result.reached = bool(result.chain) and result.chain[0].running is not None
        result.partial = result.cut_note("this chain is partial")
        if not result.reached:
            w = why(result, o.to)
            result.why_not = w.summary
    if ctx.fmt in ("svg", "png", "pdf"):
        result.chart = real_chart(result, history) if history is not None \
            else model_chart(result)
    return result
