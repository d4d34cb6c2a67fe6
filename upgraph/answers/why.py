"""Why a job starts, or does not, in a simulated boot (semantics §9 checklist).

In order: not loaded; no start condition (or `manual`); started (and maybe
stopped again, by which `stop on`); stuck on its way (who holds its
`starting` event, followed to the root of the hang); its instance name could
not be made; otherwise its condition never became true, and each operand
says what happened to it: latched by an event, never emitted (nobody emits
it, or its emitter never starts), or emitted with an environment that does
not match (which key, which value).  The first broken link is named on one
line.
"""

from __future__ import annotations

from enum import Enum

from upgraph.boot.machine import lookup, mismatch
from upgraph.model import JOB_EVENTS, Operand, condition_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from upgraph.answers.context import Context
    from upgraph.boot.machine import Event, Instance, JobClass, Tree
    from upgraph.boot.model import BootResult
    from upgraph.knowledge.history import History
    from upgraph.knowledge.index import Knowledge

class Reason(str, Enum):
    """The kinds of reasons (a str, so JSON prints the value)."""

    NOT_LOADED = "not-loaded"
    NO_START_ON = "no-start-on"
    MANUAL = "manual"
    NEVER_EMITTED = "never-emitted"
    ENV_MISMATCH = "env-mismatch"
    INSTANCE_ERROR = "instance-error"
    STALLED = "stalled"
    CYCLE = "cycle"
    STOPPED = "stopped"

    def __str__(self) -> str:
        return self.value


REASONS = tuple(r.value for r in Reason)


class Leaf:
    """One operand of the start condition and what happened to it."""

    __slots__ = ("operand", "status", "reason", "detail", "location")

    def __init__(self, operand: Operand, status: str, reason: Reason | None, detail: str) -> None:
        self.operand = operand.text()
        self.status = status  # "latched" | "missing"
        self.reason = reason  # a Reason when missing
        self.detail = detail
        self.location = str(operand.loc) if operand.loc else None


class Why:
    render_as = "why"

    def __init__(self, job: str, starts: bool, reason: Reason | None, summary: str,
                 model: str = "default") -> None:
        self.job, self.starts, self.summary = job, starts, summary
        self.reason = reason
        self.condition: str | None = None
        self.tree: list[tuple[int, str, Leaf | None]] = []  # (depth, text, leaf)
        self.chain: list[str] = []  # a stall followed to its root
        self.model = model  # the boot model the answer rests on
        self.evidence: list[str] = []  # what the machine's own log says, first (--log)
        self.log: str | None = None  # which log (its sources)
        self.real: bool | None = None  # did it reach running on the machine? (--log)
        # what else the answer rests on: a model guess, a conditional script
        # line, a script line unknown offline, a boot cut at the bound
        self.notes: list[str] = []
        self.first: Leaf | None = None  # the first broken link of its condition
        self.operand: Operand | None = None  # ... as the operand it is
        self.stopper: Any = None  # the script action that stopped it (actions.Action)

    @property
    def ok(self) -> bool:
        """The machine's own log decides, when it can; else the simulation."""
        return self.real if self.real is not None else self.starts


def _wave_of(cls: JobClass, state: str) -> int | None:
    return next((c.wave for c in cls.history if c.new == state), None)


def _events(result: BootResult, name: str) -> list[Event]:
    """The events of that name the boot emitted, in order."""
    return result.events_named(name)


def explain_mismatch(op: Operand, ev: Event) -> str:
    """Why EV does not satisfy OP, in words: the first argument that fails,
    as the simulator's one matching rule (machine.mismatch) finds it."""
    miss = mismatch(op, ev, None)
    if miss is None:
        return "it matches"
    arg = miss.arg
    if miss.kind == "no-position":
        return f"it has no value in position {miss.key} for `{arg}`"
    if miss.kind == "unexpandable":
        return (f"`{arg}`: ${miss.key} is never expanded in a start condition "
                "(Upstart gives it no value)")
    if miss.kind == "no-key":
        return (f"`{arg}` needs {miss.key}, which the event does not carry"
                + (" (`!=` needs it too)" if "!=" in arg else ""))
    what = f"{miss.key}={miss.value}" if miss.key is not None else miss.value
    return f"`{arg}` does not match {what}"


def _leaf(result: BootResult, tree: Tree, i: int, op: Operand, me: str = "") -> Leaf:
    k = result.k
    if tree.latched[i] is not None:
        ev = tree.latched[i]
        return Leaf(op, "latched", None, f"holding `{ev.text()}` (wave {ev.wave}) while the "
                    "rest of the condition waits")
    if i in tree.ever:
        return Leaf(op, "latched", None, "latched earlier (the tree was reset by a start)")
    ref = op.job
    if ref is None or op.event not in JOB_EVENTS:
        seen = _events(result, op.event)
        if seen:
            first = seen[0]
            more = f" (and {len(seen) - 1} more)" if len(seen) > 1 else ""
            # one that matches yet never latched (looked for among the first few:
            # a boot can hold thousands of events of one name)
            fits = first if not op.args or mismatch(op, first, None) is None else \
                next((e for e in seen[1:16] if mismatch(op, e, None) is None), None)
            if fits is not None:  # it matched, yet the leaf never latched
                return Leaf(op, "missing", Reason.INSTANCE_ERROR, _aborted(result, fits))
            return Leaf(op, "missing", Reason.ENV_MISMATCH, f"`{first.text()}` was emitted in wave "
                        f"{first.wave}{more}, but {explain_mismatch(op, first)}")
    if ref is not None and op.event in JOB_EVENTS:
        if "$" in ref:
            return Leaf(op, "missing", Reason.ENV_MISMATCH, f"`{ref}` is never expanded in a "
                        "start condition (Upstart gives variables there no value)")
        if ref not in k.jobs:
            rejected = k.rejected(ref)
            if rejected is not None and rejected.loc is not None:
                return Leaf(op, "missing", Reason.NOT_LOADED, f"job {ref} was not loaded "
                            f"({rejected.loc}: {rejected.message})")
            return Leaf(op, "missing", Reason.NEVER_EMITTED, f"there is no job {ref}")
        cls = result.machine.by_name.get(ref)
        state = {"starting": "starting", "started": "running", "stopping": "stopping",
                 "stopped": "waiting"}[op.event]
        if cls is None or _wave_of(cls, state) is None:
            return Leaf(op, "missing", Reason.NEVER_EMITTED, f"job {ref} never reaches {state}")
        mine = [e for e in _events(result, op.event) if lookup(e.env, "JOB") == ref]
        why = explain_mismatch(op, mine[0]) if mine else "not as this operand asks"
        return Leaf(op, "missing", Reason.ENV_MISMATCH, f"job {ref} reaches {state}"
                    + (f" (`{mine[0].text()}`, wave {mine[0].wave}), but {why}" if mine
                       else f", but {why}"))
    emitters = k.emitters(op.event)
    jobs = [e.name for e in emitters if e.kind == "job"]
    if not emitters:
        return Leaf(op, "missing", Reason.NEVER_EMITTED, "nothing emits it")
    if jobs and set(jobs) == {me} and len(emitters) == 1:
        return Leaf(op, "missing", Reason.NEVER_EMITTED, f"only {me} itself emits it, and a "
                    "job's processes run only once it has started")
    jobs = [j for j in jobs if j != me]
    if jobs:
        started = [j for j in jobs if j in result.machine.by_name and
                   result.machine.by_name[j].history]  # it ran some process
        if not started:
            return Leaf(op, "missing", Reason.NEVER_EMITTED,
                        f"its emitter{'s' if len(jobs) > 1 else ''} {', '.join(jobs)} never "
                        f"start{'' if len(jobs) > 1 else 's'}")
        return Leaf(op, "missing", Reason.NEVER_EMITTED,
                    f"{', '.join(started)} ran but did not emit it in this model")
    outside = ", ".join(f"{e.name}" for e in emitters)
    return Leaf(op, "missing", Reason.NEVER_EMITTED,
                f"only {outside} emit{'s' if len(emitters) == 1 else ''} it, outside the "
                f"simulation (try --assume '{op.event} ...')")


def _aborted(result: BootResult, ev: Event) -> str:
    """Why an event that matches an operand was never latched: a class
    earlier in Upstart's hash order could not expand its instance name on
    it, and Upstart stopped handling the event there (semantics §9 item 5)."""
    found = result.induct_error(ev)
    if found is not None:
        c, var = found
        return (f"`{ev.text()}` was emitted in wave {ev.wave} and matches, but "
                f"{c.name} (earlier in Upstart's hash order) could not expand its "
                f"instance name `{c.instance}` on it (${var} has no value), and "
                "Upstart stopped handling the event there")
    return (f"`{ev.text()}` was emitted in wave {ev.wave} and matches, but it was used up "
            "before it reached this job")


def _explain_tree(result: BootResult, cls: JobClass, why: Why) -> tuple[Leaf | None, str]:
    """Mark every operand; return the first broken link and the boolean
    shape of the failure."""
    tree = cls.start
    assert tree is not None
    leaves: dict[int, Leaf] = {}
    for i, op in enumerate(tree.ops):
        if isinstance(op, Operand):
            leaves[i] = _leaf(result, tree, i, op, cls.name)
    ok = [False] * len(tree.ops)
    for i, kids in enumerate(tree.kids):  # post-order: kids first
        if kids is None:
            ok[i] = leaves[i].status == "latched"
        else:
            oks = [ok[k] for k in kids]
            ok[i] = all(oks) if tree.ops[i] == "and" else any(oks)
    # the tree, top down, for people; and the first missing link.  A run of
    # one operator (`a or b or c`) is one node of the tree with all its
    # operands: 100,000 alternatives are one level deep, not 100,000 (the
    # text would grow with the square of the condition's length).
    stack: list[tuple[int, int]] = [(tree.root, 0)]
    first: Leaf | None = None
    while stack:
        i, depth = stack.pop()
        kids = tree.kids[i]
        if kids is None:
            leaf = leaves[i]
            mark = "ok " if leaf.status == "latched" else "-- "
            why.tree.append((depth, mark + leaf.operand, leaf))
            continue
        why.tree.append((depth, f"{tree.ops[i]}{'' if ok[i] else '  (not met)'}", None))
        stack += ((k, depth + 1) for k in reversed(kids))
    i = tree.root
    while tree.kids[i] is not None:  # the first kid not met, down from a root not met
        i = next((k for k in tree.kids[i] if not ok[k]), tree.kids[i][-1])  # type: ignore[union-attr]
    if not ok[tree.root]:
        first = leaves.get(i)
    return first, "met" if ok[tree.root] else "not met"


def _holders(result: BootResult, ev: Event) -> list[tuple[str, str]]:
    """Who holds EV: (job, how)."""
    return [(h.label, h.how) for h in result.holders(ev)]


def _stall(result: BootResult, inst: Instance, why: Why) -> Reason:
    """Follow a stuck job to the root of the hang; "cycle" or "stalled"."""
    seen: list[str] = []
    current: Instance | None = inst
    while current is not None:
        if current.label in seen:
            why.chain.append(f"{current.label} again: the jobs wait for each other "
                             "(a deadlock)")
            return Reason.CYCLE
        seen.append(current.label)
        ev = current.blocker
        if ev is None:
            run = next((r for r in current.suspended if not r.dead), None)
            op = run.waiting_for if run is not None else None
            if op is None:
                why.chain.append(f"{current.label} is {current.goal}/{current.state}")
                return Reason.STALLED
            act = op.why
            what = f"`{act.text()}` ({act.loc})" if act is not None else f"`{op.verb}`"
            why.chain.append(f"{current.label} is {current.goal}/{current.state}: its "
                             f"{run.process} waits for {what} to finish")
            target = result.machine.by_name.get(op.target or "") if op.verb != "emit" \
                else None
            current = next((i for i in target.instances.values()), None) if target else None
            if current is None:
                return Reason.STALLED
            continue  # a job met again is a deadlock, said at the top
        holders = _holders(result, ev)
        why.chain.append(f"{current.label} is {current.goal}/{current.state}, waiting for "
                         f"`{ev.text()}` to finish; held by "
                         + ("; ".join(f"{h} ({how})" for h, how in holders) or "nobody"))
        nxt = None
        for label, how in holders:
            name = label.split(" (")[0]
            cls = result.machine.by_name.get(name)
            if cls is None:
                continue
            nxt = next((i for i in cls.instances.values()
                        if i.label == label and i.blocker is not None), None)
            if nxt is not None:
                break
            if how.startswith("half of its start") and cls.start is not None:
                first, _ = _explain_tree(result, cls, Why(name, False, None, ""))
                if first is not None:
                    why.chain.append(f"{name} still waits for `{first.operand}`: "
                                     f"{first.detail}")
                    if _deadlock(result, cls, first) is not None:
                        why.chain.append(f"{name} and {inst.cls.name} wait for each other "
                                         "(a deadlock)")
                        return Reason.CYCLE
                    return Reason.STALLED
        current = nxt
    return Reason.STALLED


def why(result: BootResult, name: str) -> Why:
    w = _why(result, name)
    _notes(result, name, w)
    return w


def _guard(action: Any) -> str:
    """Where a script action stands, and its guard when conditional."""
    where = f"`{action.text()}` ({action.loc})"
    if action.guard is not None:
        where += f", only when the condition at {action.guard} holds"
    return where


def _notes(result: BootResult, name: str, w: Why) -> None:
    """What else the answer rests on (Why.notes)."""
    model = result.model
    cls = result.machine.by_name.get(name)
    if cls is None or (model.name == "declared" and not result.machine.cut):
        return  # the declared model: no script lines, no guesses, nothing to add
    events = cls.started_by[0] if cls.started_by else []
    for ev in events:
        action = ev.action
        if action is not None and action.guard is not None:
            w.notes.append(f"`{ev.text()}` comes from {ev.source}'s {_guard(action)}")
    if w.starts:
        for guess in _guesses_behind(result, cls):
            w.notes.append(f"this rests on a guess: {guess.text}")
    for a in getattr(model, "skipped_stops", {}).get(name, ()):
        w.notes.append(f"this rests on an assumption: {a.text}")
    for verb, who, op in cls.scripted:
        if op.why is not None and op.why.guard is not None and verb == "start":
            w.notes.append(f"{who} starts it with {_guard(op.why)}")
    if not w.starts:
        from upgraph.boot.actions import literal

        wanted = w.operand.event if w.operand is not None else None

        def could_matter(act: Any) -> bool:
            """An unknown line that might have emitted the missing event, or
            started this job: its name is that one, or not known either."""
            if act.verb == "emit":
                return act.event in (None, wanted)
            return act.verb in ("start", "restart") and \
                (literal(act.args[0]) if act.args else None) in (None, name)

        unknown = [(label, act, why) for label, act, why in getattr(model, "unknown", {}).values()
                   if could_matter(act)]
        for label, act, what in unknown[:5]:
            w.notes.append(f"possibly: {label}'s `{act.text()}` ({act.loc}) was not performed: "
                           f"{what} has no value offline")
        if len(unknown) > 5:
            w.notes.append(f"... and {len(unknown) - 5} more script lines unknown offline")
    cut = result.cut_note("this answer is partial")
    if cut is not None:
        w.notes.append(cut)


def _guesses_behind(result: BootResult, cls: JobClass, limit: int = 500) -> list[Any]:
    """The guessed service exits a job's start rests on: the `stopped` events
    of guessed services among the events that started it, and those that
    started the jobs behind them, and the jobs that held its `starting`
    hook (at most LIMIT jobs are followed)."""
    model = result.model
    exiting = getattr(model, "exiting", {})
    if not exiting:
        return []
    machine = result.machine
    found: dict[str, Any] = {}
    seen = {cls.name}
    todo = [cls]
    while todo and len(seen) < limit:
        c = todo.pop()
        behind: list[str] = []
        for ev in c.started_by[0] if c.started_by else []:
            job = lookup(ev.env, "JOB")
            if ev.name == "stopped" and job in exiting and exiting[job].used(model.acted):
                found[job] = exiting[job]
            behind.append(ev.source.split(" (")[0])
        starting = result.first_event("starting", c.name)
        if starting is not None:  # the jobs its `starting` hook waited for
            behind += [h.name for h in result.holders(starting)]
            behind += result.started_on(starting)
        for name in behind:
            other = machine.by_name.get(name)
            if other is not None and name not in seen:
                seen.add(name)
                todo.append(other)
    return list(found.values())


def _why(result: BootResult, name: str) -> Why:
    k = result.k
    job = k.require_job(name)  # raises UnknownName for unknown and rejected jobs
    cls = result.machine.by_name[name]
    model = result.model.name
    running = _wave_of(cls, "running")
    stuck = [i for i in cls.instances.values()
             if not (i.goal == "start" and i.state == "running")]
    if running is not None:
        start_events = cls.started_by[0] if cls.started_by else []
        by = next(((who, op) for verb, who, op in cls.scripted if verb == "start"), None)
        on = ", ".join(f"`{e.text()}`" for e in start_events) or \
            (f"{by[0]}'s `{by[1].why.text()}`" if by is not None and by[1].why is not None
             else "a command")
        stops = [c for c in cls.history if c.new == "stopping"]
        if stuck:
            inst = stuck[0]
            w = Why(name, True, Reason.STALLED, f"{name} starts (running in wave {running}), then "
                    f"is stuck in {inst.goal}/{inst.state}")
            _stall(result, inst, w)
        elif stops and cls.stopped_on:
            what = ", ".join(f"`{e.text()}`" for e in cls.stopped_on[-1])
            w = Why(name, True, Reason.STOPPED, f"{name} starts in wave {running} on {on}, then "
                    f"its `stop on` fires on {what} (wave {stops[-1].wave})")
        elif stops:
            w = Why(name, True, None, f"{name} starts in wave {running} on {on}, runs and, "
                    f"being a task, finishes in wave {stops[-1].wave}")
        else:
            w = Why(name, True, None, f"{name} starts in wave {running} on {on}")
        w.model = model
        return w
    reason = k.disabled(job)
    if reason is not None:
        if not reason.manual:
            w = Why(name, False, Reason.NO_START_ON, f"{name} has no `start on`: it starts only "
                    "by hand (initctl start) or from another job's script")
        else:
            w = Why(name, False, Reason.MANUAL, f"{name} is disabled by `manual` in {reason.loc}")
        w.model = model
        return w
    w = Why(name, False, Reason.STALLED, "")
    w.model = model
    w.condition = condition_text(job.start_on)
    if stuck:
        inst = stuck[0]
        w.reason = _stall(result, inst, w)
        w.summary = f"{name} never reaches running: stuck in {inst.goal}/{inst.state}"
        return w
    stopper = next(((who, op) for verb, who, op in cls.scripted if verb == "stop"), None)
    if cls.started_by or stopper is not None:  # started, but stopped before it was running
        on = ", ".join(f"`{e.text()}`" for e in cls.started_by[0]) if cls.started_by \
            else "a script"
        w.reason = Reason.STOPPED
        if cls.stopped_on or stopper is None:
            what = ", ".join(f"`{e.text()}`" for e in cls.stopped_on[0]) if cls.stopped_on \
                else "a stop"
            w.summary = (f"{name} is started on {on}, but its `stop on` fires on {what} "
                         "before it is running")
        else:
            who, op = stopper
            act = w.stopper = op.why
            what = f"{who} runs {_guard(act)}" if act is not None else f"{who} stops it"
            if who == name or who.startswith(name + " ("):
                what = f"its {act.process} runs {_guard(act)}" if act is not None else \
                    "it stops itself"
            w.summary = f"{name} is started on {on}, but {what}, before it is running"
        return w
    if cls.induct_errors:
        ev, var = cls.induct_errors[0]
        w.reason = Reason.INSTANCE_ERROR
        w.summary = (f"{name}'s condition was met by `{ev.text() if ev else '?'}`, but its "
                     f"instance name `{cls.instance}` needs ${var}, which has no value: "
                     "Upstart drops the event")
        return w
    first, _ = _explain_tree(result, cls, w)
    if first is None:  # met, yet never started: only an abort by an earlier class
        w.reason = Reason.INSTANCE_ERROR
        w.summary = f"{name}'s condition was met, but the event was used up before it"
        return w
    w.reason = first.reason
    w.first = first
    w.operand = next((o for o in cls.start.ops if isinstance(o, Operand)  # type: ignore[union-attr]
                      and o.text() == first.operand), None)
    w.summary = f"{name} never starts: it waits for `{first.operand}`: {first.detail}"
    other = _deadlock(result, cls, first)
    if other is not None:
        w.reason = Reason.CYCLE
        w.summary = (f"{name} never starts: a deadlock with {other.cls.name}: it waits for "
                     f"`{first.operand}`, but {other.label} is stuck in "
                     f"{other.goal}/{other.state} until `{other.blocker.text()}` finishes, "
                     f"and {name} holds that event (half of its start condition)")
    return w


def _deadlock(result: BootResult, cls: JobClass, first: Leaf) -> Instance | None:
    """The instance of the job FIRST waits for, when it is stuck on a hook
    that CLS itself holds (`start on starting X and started X`)."""
    op = next((o for o in cls.start.ops if isinstance(o, Operand) and o.text() == first.operand),
              None) if cls.start is not None else None
    ref = op.job if op is not None and op.event in JOB_EVENTS else None
    target = result.machine.by_name.get(ref) if ref else None
    if target is None:
        return None
    for inst in target.instances.values():
        if inst.blocker is not None and any(h.name == cls.name
                                            for h in result.holders(inst.blocker)):
            return inst
    return None


def evidence(history: History, name: str) -> tuple[bool | None, list[str]]:
    """What the machine's log says of job NAME, most telling first, in
    words, each with its time and line; and whether it reached running
    (None when the log cannot say: it holds warnings only and no failure
    of NAME)."""
    jobs = history.of_job(name)
    lines = []
    for j in jobs:
        who = f"{j.label}: " if j.label != name else ""
        for f in j.failures:
            when = f" at {f.time:.6f} s" if f.time is not None else ""
            if f.kind == "respawn-limit":
                what = "respawning too fast, stopped (the respawn limit)"
            elif f.kind == "spawn":
                what = f"its {f.process} process could not be spawned: {f.reason}"
            elif f.kind == "signal":
                what = f"its {f.process} process ({f.pid}) was killed by {f.signal}"
            else:
                what = f"its {f.process} process ({f.pid}) terminated with status {f.exit}"
            lines.append(f"{who}{what}{when} ({f.line})")
        if j.respawns:
            lines.append(f"{who}its main process ended and was respawned {j.respawns} "
                         "time(s)")
        running = j.times.get("running")
        if running is not None:
            lines.append(f"{who}it reached running at {running:.6f} s")
        if j.goal is not None or j.state is not None:
            lines.append(f"{who}it ended {j.goal or '?'}/{j.state or '?'}")
    if not jobs:
        if history.detail == "warn":
            return None, ["the log holds warnings only and none about it: it did not fail "
                          "loudly, but the log cannot say whether it ran"]
        return False, ["it never appears in the log: the machine never tried to start it"]
    ran = any(j.times.get("running") is not None and not j.failed for j in jobs)
    if history.detail == "warn" and not ran:
        return False if any(j.failed for j in jobs) else None, lines
    return ran, lines


def not_loaded(k: Knowledge, name: str, model: str) -> Why:
    """The answer for a job Upstart would not load (its file's first error)."""
    bad = k.rejected(name)
    return Why(name, False, Reason.NOT_LOADED, f"{name} was not loaded: {bad.loc}: {bad.message}"
               if bad else f"{name} was not loaded", model)


def answer(ctx: Context) -> Why:
    name = ctx.o.job
    ctx.job_arg(name)
    k = ctx.knowledge
    w = not_loaded(k, name, ctx.model_name()) if name not in k.jobs \
        else why(ctx.simulation(), name)
    if ctx.o.log:
        from upgraph.answers.log import history_of

        history = history_of(ctx)
        w.real, w.evidence = evidence(history, name)
        w.log = ", ".join(ctx.logs.sources)
    return w
