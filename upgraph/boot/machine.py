"""Upstart 1.13's event queue and job state machine, offline.

This follows the rules of shared/docs/upstart-boot-semantics.md, section by
section (the daemon's own functions are named in the comments):

* §1 the event queue: one FIFO, drained in passes until nothing changes; an
  event is matched against job classes in Upstart's hash order, each class's
  instances' stop trees first, then its start tree; an instance name that
  cannot be expanded ends the matching of that event for every later class;
* §2 condition trees that latch events and hold them until they reset;
  matching by position, by name, with `!=` and fnmatch globs; `$VAR` never
  expanded in a start condition, expanded from the instance in a stop one;
* §3 goals, states, and the job events with their environment; who holds an
  event and who waits for it to finish (`starting`/`stopping` are hooks);
* §4 instances; §5 `manual`, no `start on`, tasks and services.

Time advances in waves (§9): every process a job runs (pre-start, its main
process coming up, a task's main process finishing, post-start, pre-stop,
killing, post-stop) is one step that completes in the next wave; all of a
wave's completions are applied, then the queue is drained.  What a process
does is given by a `Behaviour` (see boot.py): which events it emits.

Nothing here recurses, and the work is linear in the events handled: an event
visits only the classes whose conditions name it.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

from upgraph.knowledge.globs import is_glob
from upgraph.model import JOB_EVENTS, Enumerated, Operand, Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from upgraph.model import Condition, Job

PENDING, HANDLING, FINISHED = "pending", "handling", "finished"
STATES = ("waiting", "starting", "security-spawning", "security", "pre-starting",
          "pre-start", "spawning", "spawned", "post-starting", "post-start", "running",
          "pre-stopping", "pre-stop", "stopping", "killed", "post-stopping", "post-stop")
DEFAULT_ENV = ("PATH=/usr/local/sbin:/usr/local/bin:/usr/bin:/usr/sbin:/bin:/sbin",
               "TERM=linux")


def fnv_bin(name: str, bins: int = 17) -> int:
    """libnih's hash bin of a name: FNV-1 (32 bit) mod the table size."""
    h = 2166136261
    for byte in name.encode("utf-8", "surrogateescape"):
        h = (h * 16777619) & 0xFFFFFFFF
        h ^= byte
    return h % bins


# -- environments ----------------------------------------------------------------

def lookup(env: Iterable[str], key: str) -> str | None:
    """The value of KEY in a KEY=VALUE list (the last one wins)."""
    found = None
    prefix = key + "="
    for entry in env:
        if entry.startswith(prefix):
            found = entry[len(prefix):]
    return found


def set_var(env: list[str], entry: str) -> None:
    """Set KEY=VALUE in ENV, replacing an earlier KEY in place."""
    key = entry.split("=", 1)[0] + "="
    for i, old in enumerate(env):
        if old.startswith(key):
            env[i] = entry
            return
    env.append(entry)


_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}"
                  r"|([A-Za-z_][A-Za-z0-9_]*))")


class Unexpandable(Exception):
    """A variable that has no value ("Unknown parameter")."""


def expand(text: str, env: Iterable[str] | None) -> str:
    """environ_expand: $NAME, ${NAME}, ${NAME:-x}, ${NAME-x}, ${NAME:+x}, ${NAME+x}.

    With ENV None (a start condition) no variable has a value.
    """
    if "$" not in text:
        return text
    values = list(env) if env is not None else []

    def one(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(4)
        value = lookup(values, name)
        op, word = m.group(2), m.group(3)
        if op == ":-":
            return value if value else word
        if op == "-":
            return value if value is not None else word
        if op == ":+":
            return word if value else ""
        if op == "+":
            return word if value is not None else ""
        if value is None:
            raise Unexpandable(name)
        return value

    return _VAR.sub(one, text)


def _fits(value: str, pattern: str) -> bool:
    """fnmatch(3) without flags; a pattern with no wildcard is compared as it
    is (compiling one regular expression per job name would dominate)."""
    return fnmatchcase(value, pattern) if is_glob(pattern) else value == pattern


class Mismatch(Record):
    """Why an event fails an operand: the first argument ARG that fails, and
    how (KIND): "no-position" (the event has no entry in that position),
    "no-key" (it does not carry KEY), "unexpandable" (ARG names a variable,
    KEY, that has no value), or "differs" (its value VALUE does not match)."""

    __slots__ = ("arg", "kind", "key", "value")

    def __init__(self, arg: str, kind: str, key: str | None = None,
                 value: str | None = None) -> None:
        self.arg, self.kind, self.key, self.value = arg, kind, key, value


def mismatch(op: Operand, event: Event, env: Iterable[str] | None) -> Mismatch | None:
    """event_operator_match, for an event of OP's name: None when EVENT
    satisfies the operand OP, else the first argument that fails.  The one
    matching rule: the simulator (matches) and `why` both ask it.

    Positional arguments compare with the event's n-th entry whatever its
    name; KEY=PAT and KEY!=PAT look KEY up by name, and fail when it is
    missing (`!=` too); values are fnmatch patterns, expanded first.
    """
    ev = event.env
    pos = 0
    for arg in op.args:
        eq = arg.find("=")
        try:
            if eq < 0:
                if pos >= len(ev):
                    return Mismatch(arg, "no-position", str(pos + 1))
                entry = ev[pos]
                value = entry.split("=", 1)[-1]
                pos += 1
                if not _fits(value, expand(arg, env)):
                    return Mismatch(arg, "differs", entry.split("=", 1)[0] if "=" in entry
                                    else None, value)
                continue
            negate = eq > 0 and arg[eq - 1] == "!"
            key = arg[:eq - 1] if negate else arg[:eq]
            value = lookup(ev, key)
            if value is None:
                return Mismatch(arg, "no-key", key)
            if _fits(value, expand(arg[eq + 1:], env)) == negate:
                return Mismatch(arg, "differs", key, value)
        except Unexpandable as exc:
            return Mismatch(arg, "unexpandable", str(exc.args[0]))
    return None


def matches(op: Operand, event: Event, env: Iterable[str] | None) -> bool:
    """Does EVENT satisfy the operand OP?  (See mismatch.)"""
    return op.event == event.name and (not op.args or mismatch(op, event, env) is None)


def named_job(op: Operand) -> str | None:
    """The job a job-event operand names outright (no variable, no
    wildcard): only events of that job can match it."""
    ref = op.job
    return ref if ref is not None and "$" not in ref and not is_glob(ref) else None


def sufficient_entry(op: Operand) -> str | None:
    """For `EVENT JOB` alone (JOB named outright), the first event entry
    that satisfies OP by itself: `mismatch` compares the one positional
    argument with the first entry's value, so `JOB=<JOB>` there is a match
    whatever else the event carries.  A shortcut condition trees take per
    latch; any other entry still goes to `matches`."""
    ref = named_job(op)
    return "JOB=" + ref if ref is not None and op.args == (ref,) else None


# -- events ---------------------------------------------------------------------

class Event:
    """One queued event: its environment, who holds it, who waits for it."""

    __slots__ = ("id", "name", "env", "progress", "blockers", "waiters", "failed",
                 "wave", "finished_wave", "source", "procs", "matched", "action", "key")

    def __init__(self, eid: int, name: str, env: list[str], wave: int, source: str) -> None:
        self.id, self.name, self.env = eid, name, env
        # a job event's (name, JOB): the key its listeners are found by
        self.key = (name, lookup(env, "JOB")) if name in JOB_EVENTS else None
        self.progress = PENDING
        self.blockers = 0
        self.waiters: list[Instance] = []  # the job whose starting/stopping this is
        self.failed = False
        self.wave = wave  # queued in
        self.finished_wave: int | None = None
        self.source = source  # who emitted it (a job, init, an assumption)
        self.procs: list[Run] | None = None  # processes waiting for it (`initctl emit`)
        self.matched = False  # some condition latched it
        self.action: object = None  # the script action that emitted it (actions.Action)

    def text(self) -> str:
        return " ".join((self.name, *self.env))


# -- condition trees --------------------------------------------------------------

class Tree:
    """A condition that latches events (event_operator.c).

    A run of one operator (`a or b or c`, parsed `((a or b) or c)`) is one
    node with all its operands: it has the value of the binary nodes it
    stands for, and the same events count, left to right.  Nodes are kept
    in post-order.  Leaves latch a matching event (and hold it: +1 blocker)
    until the tree resets.  Leaves are found by the event's name (and a job
    event's by the job it names), a latch walks up only while values
    change, and a reset clears only what was set: so an event costs what it
    matches, not the size of the condition (a job whose `start on` names
    200 other jobs' `started` pays for one of them per event).
    """

    __slots__ = ("ops", "kids", "parent", "keyed", "sure", "root", "value", "latched", "set",
                 "count", "ever")

    def __init__(self, cond: Condition) -> None:
        self.ops: list[object] = []  # Operand, or "and"/"or"
        self.kids: list[tuple[int, ...] | None] = []
        if type(cond) is Operand:  # most conditions: one event
            self.ops.append(cond)
            self.kids.append(None)
        elif isinstance(cond, Enumerated):  # operators lost: every operand is needed
            self.ops += cond.operands
            self.kids += [None] * len(cond.operands)
            if len(cond.operands) > 1:
                self.ops.append("and")
                self.kids.append(tuple(range(len(cond.operands))))
        else:
            self._flatten(cond)
        # leaves by what can match them: the event name, or for a job event
        # that names a job outright, (event name, job)
        self.keyed: dict[object, list[int]] = {}
        sure: dict[int, str] = {}  # leaves and their sufficient_entry
        parent = [-1] * len(self.ops)
        for i, (n, k) in enumerate(zip(self.ops, self.kids, strict=True)):
            if k is None:
                ref = named_job(n)  # type: ignore[arg-type]
                key = (n.event, ref) if ref is not None else n.event  # type: ignore[attr-defined]
                self.keyed.setdefault(key, []).append(i)
                entry = sufficient_entry(n)  # type: ignore[arg-type]
                if entry is not None:
                    sure[i] = entry
            else:
                for kid in k:
                    parent[kid] = i
        # 100,000 jobs have 200,000 trees: what is shared is a tuple, an
        # empty table is None
        self.parent = tuple(parent)
        self.sure = sure or None
        self.root = len(self.ops) - 1
        self._fresh()

    def _flatten(self, cond: Condition) -> None:
        """Post-order nodes of COND with each run of one operator made one
        node; iterative, as conditions can be 100,000 operands long."""
        frames: list[list[Any]] = [[cond, None, 0, []]]  # node, kids, next, their indices
        while frames:
            frame = frames[-1]
            node, kids = frame[0], frame[1]
            if type(node) is Operand:
                done = len(self.ops)
                self.ops.append(node)
                self.kids.append(None)
            else:
                if kids is None:  # the operands of this run, left to right
                    kids = frame[1] = []
                    todo = [node.right, node.left]
                    while todo:
                        kid = todo.pop()
                        if type(kid) is not Operand and kid.op == node.op:
                            todo += (kid.right, kid.left)
                        else:
                            kids.append(kid)
                if frame[2] < len(kids):
                    frames.append([kids[frame[2]], None, 0, []])
                    frame[2] += 1
                    continue
                done = len(self.ops)
                self.ops.append(node.op)
                self.kids.append(tuple(frame[3]))
            frames.pop()
            if frames:
                frames[-1][3].append(done)

    def _fresh(self) -> None:
        n = len(self.ops)
        self.value = [False] * n
        self.latched: list[Event | None] = [None] * n
        self.set: list[int] = []  # nodes made true since the last reset
        self.count: dict[int, int] | None = None  # `and` nodes with kids true: how many
        self.ever: set[int] = set()  # leaves that ever latched (for `why`)

    def copy(self) -> Tree:
        other = object.__new__(Tree)
        other.ops, other.kids, other.parent, other.keyed, other.sure, other.root = (
            self.ops, self.kids, self.parent, self.keyed, self.sure, self.root)
        other._fresh()
        return other

    def handle(self, event: Event, env: Iterable[str] | None) -> bool:
        """Latch EVENT where it matches; True when some leaf matched."""
        matched = False
        leaves = self.keyed.get(event.name, ())
        if event.key is not None:
            named = self.keyed.get(event.key)
            if named:
                leaves = (*leaves, *named) if leaves else named
        first = event.env[0] if event.env else None
        for i in leaves:
            if self.value[i]:
                continue
            if first is not None and self.sure is not None and self.sure.get(i) == first or \
                    matches(self.ops[i], event, env):  # type: ignore[arg-type]
                self.latched[i] = event
                event.blockers += 1
                event.matched = True
                self.ever.add(i)
                matched = True
                self._up(i)
        return matched

    def _up(self, i: int) -> None:
        """Node I became true: its parents, while they change."""
        value, parent = self.value, self.parent
        while True:
            value[i] = True
            self.set.append(i)
            i = parent[i]
            if i < 0 or value[i]:
                return
            if self.ops[i] == "and":
                if self.count is None:
                    self.count = {}
                n = self.count[i] = self.count.get(i, 0) + 1
                if n < len(self.kids[i]):  # type: ignore[arg-type]
                    return

    @property
    def true(self) -> bool:
        return self.value[self.root]

    def reset(self) -> None:
        latched, value = self.latched, self.value
        for i in self.set:
            value[i] = False
            ev = latched[i]
            if ev is not None:
                ev.blockers -= 1
                latched[i] = None
        self.set = []
        self.count = None

    def counted(self) -> list[Event]:
        """The events that made the tree true: latched leaves reached through
        true nodes only, left to right (event_operator_events)."""
        out: list[Event] = []
        value, parent = self.value, self.parent
        for i in sorted(self.set):
            ev = self.latched[i]
            if ev is None:
                continue
            up = parent[i]
            while up >= 0 and value[up]:
                up = parent[up]
            if up < 0:
                out.append(ev)
        return out

    def holding(self) -> list[Event]:
        return [self.latched[i] for i in sorted(self.set)  # type: ignore[misc]
                if self.latched[i] is not None]


class Change(Record):
    """One state change of a job instance: in WAVE, instance LABEL went from
    state OLD to state NEW."""

    __slots__ = ("wave", "label", "old", "new")

    def __init__(self, wave: int, label: str, old: str, new: str) -> None:  # hot: no loop
        self.wave, self.label, self.old, self.new = wave, label, old, new


class Holder(Record):
    """Who holds an unfinished event: job NAME, instance LABEL, and HOW."""

    __slots__ = ("name", "label", "how")

    def __init__(self, name: str, label: str, how: str) -> None:  # many: no loop
        self.name, self.label, self.how = name, label, how


class JobClass:
    """One loaded job, as the simulator needs it."""

    __slots__ = ("name", "job", "order", "start", "stop", "instance", "task", "processes",
                 "env", "export", "instances", "created", "induct_errors", "started_by",
                 "stopped_on", "history", "scripted")

    def __init__(self, job: Job, order: tuple[int, int]) -> None:
        self.name = job.name
        self.job = job
        self.order = order
        self.start = Tree(job.start_on) if job.start_on is not None else None
        self.stop = Tree(job.stop_on) if job.stop_on is not None else None
        self.instance = job.instance or ""
        self.task = job.task
        self.processes = set(job.processes or ())
        self.env = [e for e in job.env if "=" in e]
        self.export = list(job.export)
        self.instances: dict[str, Instance] = {}
        self.created = 0  # instances ever made
        self.induct_errors: list[tuple[Event | None, str]] = []
        self.started_by: list[list[Event]] = []  # the counted events of each start
        self.stopped_on: list[list[Event]] = []  # ... of each stop by its `stop on`
        self.history: list[Change] = []  # every instance's changes, in order
        # start/stop/restart of it by job scripts: (verb, who, the Op), in order
        self.scripted: list[tuple[str, str, Op]] = []

    def keys(self) -> set[object]:
        """What this class's conditions wait for: event names, and for a job
        event that names a job outright, (event name, job)."""
        return {key for tree in (self.start, self.stop) if tree is not None
                for key in tree.keyed}


class Instance:
    """One instance of a class: goal, state, environment, what it holds."""

    __slots__ = ("cls", "name", "goal", "state", "env", "start_env", "stop_env", "stop",
                 "blocker", "holding", "main_alive", "failed", "label", "blocked", "main_run",
                 "suspended")

    def __init__(self, cls: JobClass, name: str) -> None:
        self.cls, self.name = cls, name
        self.goal, self.state = "stop", "waiting"
        self.env: list[str] = []
        self.start_env: list[str] | None = None
        self.stop_env: list[str] | None = None
        self.stop = cls.stop.copy() if cls.stop is not None else None
        self.blocker: Event | None = None  # its starting/stopping event
        self.holding: list[Event] = []  # events that started or stopped it
        self.main_alive = False
        self.failed = False
        self.label = f"{cls.name} ({name})" if name else cls.name
        self.blocked: list[Run] | None = None  # processes waiting on it (`start JOB`...)
        self.main_run: Run | None = None  # its main process, while it performs
        self.suspended: list[Run] = []  # its processes waiting (for `why`)


class Op(Record):
    """One thing a process does (a resolved script action or declared emit):
    VERB is emit, start, stop, restart or telinit; TARGET the event, the job
    (None: the calling instance itself) or the runlevel; ENV its KEY=VALUE
    words; WAIT whether the process waits for it to finish; WHY the script
    action it comes from (None for a declared emit); NOTE the model's
    assumption it rests on, which collects the events it emits."""

    __slots__ = ("verb", "target", "env", "wait", "why", "note")

    def __init__(self, verb: str, target: str | None, env: list[str], wait: bool = False,
                 why: object = None, note: object = None) -> None:
        self.verb, self.target, self.env, self.wait, self.why = verb, target, env, wait, why
        self.note = note


class Run:
    """A process of an instance performing its ops in order; it may be
    suspended while it waits (an event to finish, a job to reach its goal)."""

    __slots__ = ("inst", "process", "ops", "pos", "dead")

    @property
    def waiting_for(self) -> Op | None:
        """The op it waits on, while suspended."""
        return self.ops[self.pos - 1] if self.pos else None

    def __init__(self, inst: Instance, process: str, ops: list[Op]) -> None:
        self.inst, self.process, self.ops, self.pos, self.dead = inst, process, ops, 0, False


# -- the machine ------------------------------------------------------------------

class Behaviour:
    """What the job processes do (boot/model.py decides): the ops a process
    performs, and whether a service's main process exits once it has.
    Default: nothing (processes succeed silently, services stay)."""

    def ops(self, inst: Instance, process: str) -> list[Op]:
        return []

    def exits(self, inst: Instance) -> bool:
        return False

    def refused(self, inst: Instance, op: Op, why: str) -> None:
        """initctl refused OP (the process goes on)."""


class Machine:
    """The event queue, the job classes, and time."""

    def __init__(self, jobs: Iterable[Job], behaviour: Behaviour, order: str = "upstart",
                 bound: int = 20000, session: bool = False) -> None:
        self.behaviour = behaviour
        self.bound = bound
        self.session = session
        classes = []
        for i, job in enumerate(jobs):
            key = (fnv_bin(job.name), i) if order == "upstart" else (0, 0)
            classes.append(JobClass(job, key if order == "upstart" else (0, 0)))
        if order == "alpha":
            classes.sort(key=lambda c: c.name)
            for i, c in enumerate(classes):
                c.order = (0, i)
        else:
            classes.sort(key=lambda c: c.order)
        self.classes = classes
        self.by_name = {c.name: c for c in classes}
        # Which classes an event can concern, in class order: by event name,
        # and for job events by the job named (`started udev` concerns only
        # started events of udev), so a job event does not visit every class
        # that waits for some job.
        self.listening: dict[object, list[JobClass]] = {}
        for c in classes:
            for key in c.keys():
                self.listening.setdefault(key, []).append(c)
        self.queue: list[Event] = []  # live events, FIFO
        self.events: list[Event] = []  # every event, in handling order
        self.handled = 0
        self.wave = 0
        self.steps: list[tuple[Instance, str]] = []  # due next wave
        self.cut = False
        self.log: list[tuple[int, str, object]] = []  # (wave, kind, detail)
        self._ids = 0
        self.runlevel: str | None = None  # RUNLEVEL of the last runlevel event

    # -- events --------------------------------------------------------------

    def emit(self, name: str, env: list[str], source: str) -> Event:
        """event_new: append to the queue, pending."""
        self._ids += 1
        ev = Event(self._ids, name, env, self.wave, source)
        self.queue.append(ev)
        if name == "runlevel":
            self.runlevel = lookup(env, "RUNLEVEL") or self.runlevel
        return ev

    def drain(self) -> None:
        """event_poll: passes over the queue until a pass changes nothing."""
        while not self.cut:
            progressed = False
            i = 0
            while i < len(self.queue):  # events added during a pass are reached
                ev = self.queue[i]
                if ev.progress == PENDING:
                    ev.progress = HANDLING
                    self.handled += 1
                    self.events.append(ev)
                    ev.wave = self.wave
                    self._handle(ev)
                    if ev.blockers == 0:
                        self._finish(ev)
                    progressed = True
                    if self.handled >= self.bound:
                        self.cut = True
                        return
                elif ev.progress == HANDLING and ev.blockers == 0:
                    self._finish(ev)
                    progressed = True
                i += 1
            self.queue = [e for e in self.queue if e.progress != FINISHED]
            if not progressed:
                return

    def _finish(self, ev: Event) -> None:
        """event_finished: waiters move on, failed events beget NAME/failed."""
        ev.progress = FINISHED
        ev.finished_wave = self.wave
        for inst in ev.waiters:
            if inst.blocker is ev:
                inst.blocker = None
                self.change_state(inst, self.next_state(inst))
        ev.waiters = []
        if ev.procs:
            for run in ev.procs:
                self.steps.append((run.inst, run))
            ev.procs = None
        if ev.failed and not ev.name.endswith("/failed"):
            self.emit(ev.name + "/failed", list(ev.env), "init")

    def _concerned(self, ev: Event) -> list[JobClass]:
        generic = self.listening.get(ev.name, [])
        if ev.key is None:
            return generic
        named = self.listening.get(ev.key, [])
        if not named:
            return generic
        if not generic:
            return named
        merged = {c.order: c for c in (*generic, *named)}
        return [merged[k] for k in sorted(merged)]

    def _handle(self, ev: Event) -> None:
        """event_pending_handle_jobs, for the classes that name the event."""
        for cls in self._concerned(ev):
            insts = cls.instances
            for inst in (insts.values() if len(insts) < 2 else
                         sorted(insts.values(), key=lambda j: (fnv_bin(j.name),))):
                tree = inst.stop
                if tree is None or not tree.handle(ev, inst.env) or not tree.true:
                    continue
                if inst.goal != "stop":
                    counted = tree.counted()
                    inst.stop_env = [*(e for c in counted for e in c.env),
                                     "UPSTART_STOP_EVENTS=" + " ".join(c.name for c in counted)]
                    cls.stopped_on.append(counted)
                    self._hold_and_change(inst, counted, "stop")
                tree.reset()
            tree = cls.start
            if tree is not None and tree.handle(ev, None) and tree.true:
                if not self._induct(cls):
                    return  # Upstart stops matching this event altogether

    def _induct(self, cls: JobClass) -> bool:
        """job_class_induct_job; False when the instance name fails."""
        tree = cls.start
        assert tree is not None
        counted = tree.counted()
        env: list[str] | None = None
        if "$" in cls.instance:
            env = self._start_env(cls, counted)
            try:
                name = expand(cls.instance, env)
            except Unexpandable as exc:
                cls.induct_errors.append((counted[-1] if counted else None, exc.args[0]))
                tree.reset()
                return False
        else:
            name = cls.instance
        inst = cls.instances.get(name)
        if inst is None:
            inst = Instance(cls, name)
            cls.instances[name] = inst
            cls.created += 1
        if inst.goal != "start":
            inst.start_env = env if env is not None else self._start_env(cls, counted)
            cls.started_by.append(counted)
            self._hold_and_change(inst, counted, "start")
        tree.reset()
        return True

    @staticmethod
    def _start_env(job_class: JobClass, counted: list[Event]) -> list[str]:
        """The environment a start gives: init's, the job's `env`, then the
        counted events' variables and UPSTART_EVENTS, a later KEY replacing
        an earlier one in its place.  Made only when used: a running job
        whose condition becomes true again (each of 200 jobs that wait for
        any other's `started`) keeps the one it has."""
        env = list(DEFAULT_ENV)
        for entry in job_class.env:
            set_var(env, entry)
        for c in counted:
            for entry in c.env:
                set_var(env, entry)
        set_var(env, "UPSTART_EVENTS=" + " ".join(c.name for c in counted))
        return env

    def _hold_and_change(self, inst: Instance, counted: list[Event], goal: str) -> None:
        """The events that made a condition true are held (they cannot finish)
        until the instance reaches its new GOAL; a pending change is let go."""
        self.finished(inst, False)
        for c in counted:
            c.blockers += 1
        inst.holding += counted
        self.change_goal(inst, goal)

    # -- jobs ------------------------------------------------------------------

    def finished(self, inst: Instance, failed: bool) -> None:
        """job_finished: release every event the instance holds."""
        for ev in inst.holding:
            if failed:
                ev.failed = True
            ev.blockers -= 1
        inst.holding = []
        if inst.blocked:
            for run in inst.blocked:
                self.steps.append((run.inst, run))
            inst.blocked = None

    def change_goal(self, inst: Instance, goal: str) -> None:
        if inst.goal == goal:
            return
        inst.goal = goal
        if goal == "start" and inst.state == "waiting":
            self.change_state(inst, self.next_state(inst))
        elif goal == "stop" and inst.state == "running":
            self.change_state(inst, self.next_state(inst))

    def next_state(self, inst: Instance) -> str:
        """job_next_state."""
        s, start = inst.state, inst.goal == "start"
        if s == "waiting":
            return "starting"
        if s in ("starting", "security-spawning", "security", "pre-starting", "pre-start",
                 "spawning", "spawned", "post-starting", "post-start"):
            if not start:
                return "stopping"
            return STATES[STATES.index(s) + 1]
        if s == "running":
            if start:
                return "stopping"
            return "pre-stopping" if inst.main_alive else "stopping"
        if s == "pre-stopping":
            return "pre-stop" if not start else "running"
        if s == "pre-stop":
            return "stopping" if not start else "running"
        if s == "stopping":
            return "killed"
        if s == "killed":
            return "post-stopping"
        if s == "post-stopping":
            return "post-stop"
        if s == "post-stop":
            return "starting" if start else "waiting"
        raise AssertionError(s)

    def _job_event(self, inst: Instance, name: str) -> Event:
        """job_emit_event: JOB=, INSTANCE=, RESULT= and the exported variables."""
        env = [f"JOB={inst.cls.name}", f"INSTANCE={inst.name}"]
        if name in ("stopping", "stopped"):
            env.append("RESULT=failed" if inst.failed else "RESULT=ok")
        for key in inst.cls.export:
            value = lookup(inst.env, key)
            if value is not None:
                env.append(f"{key}={value}")
        return self.emit(name, env, inst.label)

    def change_state(self, inst: Instance, state: str) -> None:
        """job_change_state: enter STATE, and pass through states that have
        nothing to wait for."""
        cls = inst.cls
        while inst.state != state:
            old = inst.state
            inst.state = state
            cls.history.append(Change(self.wave, inst.label, old, state))
            if state == "starting":
                if inst.start_env is not None:
                    inst.env, inst.start_env = inst.start_env, None
                inst.stop_env = None
                inst.failed = False
                ev = self._job_event(inst, "starting")
                ev.waiters.append(inst)
                inst.blocker = ev
            elif state in ("security-spawning", "security", "pre-starting", "spawning",
                           "post-starting", "pre-stopping", "post-stopping"):
                state = self.next_state(inst)
            elif state in ("pre-start", "post-start", "pre-stop", "post-stop"):
                if state in cls.processes:
                    self.steps.append((inst, state))
                else:
                    state = self.next_state(inst)
            elif state == "spawned":
                if "main" in cls.processes:
                    inst.main_alive = True
                    self.steps.append((inst, "spawned"))
                else:
                    state = self.next_state(inst)
            elif state == "running":
                if old in ("pre-stop", "pre-stopping"):
                    inst.stop_env = None
                    self.finished(inst, False)
                else:
                    self._job_event(inst, "started")
                    if not cls.task:
                        self.finished(inst, False)
                    if "main" in cls.processes:
                        self.steps.append((inst, "main"))
            elif state == "stopping":
                ev = self._job_event(inst, "stopping")
                ev.waiters.append(inst)
                inst.blocker = ev
            elif state == "killed":
                if inst.main_alive:
                    self.steps.append((inst, "killed"))
                else:
                    state = self.next_state(inst)
            elif state == "waiting":
                self._job_event(inst, "stopped")
                self.finished(inst, False)
                del cls.instances[inst.name]
                return

    # -- processes -----------------------------------------------------------

    def complete(self, inst: Instance, step: object) -> None:
        """A process step of INST ends (one wave after it began), or a
        suspended process (a Run) goes on."""
        if isinstance(step, Run):
            if step in inst.suspended:
                inst.suspended.remove(step)
            if not step.dead and inst.cls.instances.get(inst.name) is inst:
                self._perform(step)
            return
        if inst.cls.instances.get(inst.name) is not inst:
            return  # the instance is gone
        if step == "main":  # the main process, once the job is running
            if not inst.main_alive:
                return
            inst.main_run = Run(inst, "main", self.behaviour.ops(inst, "main"))
            self._perform(inst.main_run)
            return
        if step == "killed":
            inst.main_alive = False
            if inst.main_run is not None:
                inst.main_run.dead = True
                inst.main_run = None
        elif step in ("pre-start", "post-start", "pre-stop", "post-stop"):
            self._perform(Run(inst, step, self.behaviour.ops(inst, step)))
            return
        if inst.state == step and inst.blocker is None:
            self.change_state(inst, self.next_state(inst))

    def _perform(self, run: Run) -> None:
        """Perform RUN's ops in order until one waits; at the end the
        process exits."""
        inst = run.inst
        while run.pos < len(run.ops):
            op = run.ops[run.pos]
            run.pos += 1
            if self._do(inst, op, run):
                inst.suspended.append(run)  # released by the event or the job
                return
        step = run.process
        if step == "main":
            inst.main_run = None
            if inst.cls.task or self.behaviour.exits(inst):
                inst.main_alive = False  # exits 0
                if inst.state == "running" and inst.goal == "start":
                    self.change_goal(inst, "stop")
            return
        if inst.state == step and inst.blocker is None:
            self.change_state(inst, self.next_state(inst))

    def _do(self, inst: Instance, op: Op, run: Run) -> bool:
        """Perform one op for INST's process RUN; True when RUN now waits."""
        verb = op.verb
        if verb == "emit":
            ev = self.emit(op.target or "", list(op.env), inst.label)
            ev.action = op.why
            if op.note is not None:
                op.note.events.append(ev)  # type: ignore[attr-defined]
            if op.wait:
                if ev.procs is None:
                    ev.procs = []
                ev.procs.append(run)
                return True
            return False
        if verb == "telinit":
            prev = self.runlevel or "N"
            ev = self.emit("runlevel", [f"RUNLEVEL={op.target}", f"PREVLEVEL={prev}"],
                           inst.label)
            if op.note is not None:
                op.note.events.append(ev)  # type: ignore[attr-defined]
            return False
        if op.target is None:  # start/stop/restart with no job: this instance
            problem = self.control(verb, inst, None)
            if problem:
                self.behaviour.refused(inst, op, problem)
            else:
                inst.cls.scripted.append((verb, inst.label, op))
            return False
        cls = self.by_name.get(op.target)
        if cls is None:
            self.behaviour.refused(inst, op, f"Unknown job: {op.target}")
            return False
        env = list(DEFAULT_ENV)
        for entry in cls.env:
            set_var(env, entry)
        for entry in op.env:
            set_var(env, entry)
        try:
            name = expand(cls.instance, env)
        except Unexpandable as exc:
            self.behaviour.refused(inst, op, f"Unknown parameter: {exc.args[0]}")
            return False
        target = cls.instances.get(name)
        if target is None:
            if verb != "start":
                self.behaviour.refused(inst, op, f"Unknown instance: {op.target}")
                return False
            target = Instance(cls, name)
            cls.instances[name] = target
            cls.created += 1
        problem = self.control(verb, target, run if op.wait else None, env)
        if problem:
            self.behaviour.refused(inst, op, problem)
            return False
        cls.scripted.append((verb, inst.label, op))
        return op.wait

    def control(self, verb: str, inst: Instance, waiter: Run | None,
                env: list[str] | None = None) -> str | None:
        """initctl start/stop/restart of INST (job_class_start, _stop,
        job_restart); WAITER waits until the job reaches its goal.  The
        refusal, or None."""
        if verb == "start":
            if inst.goal == "start":
                return "Job is already running"
            inst.start_env = env if env is not None else list(inst.env)
        elif inst.goal == "stop":
            return "Job has already been stopped"
        elif verb == "restart":
            inst.start_env = env if env is not None else list(inst.env)
            inst.stop_env = None
        self.finished(inst, False)
        if waiter is not None:
            if inst.blocked is None:
                inst.blocked = []
            inst.blocked.append(waiter)
        if verb == "restart":
            self.change_goal(inst, "stop")
            self.change_goal(inst, "start")
        else:
            self.change_goal(inst, verb)
        return None

    # -- running ---------------------------------------------------------------

    def step(self) -> bool:
        """One wave: finish the processes begun in the last one, then drain.
        False when nothing is left to happen."""
        if self.cut or not self.steps:
            return False
        self.wave += 1
        steps, self.steps = self.steps, []
        for inst, step in steps:
            self.complete(inst, step)
        self.drain()
        return True

    def run(self, limit: Callable[[], bool] | None = None) -> None:
        self.drain()
        while self.step():
            if limit is not None and limit():
                break

    def instances(self) -> list[Instance]:
        return [i for c in self.classes for i in c.instances.values()]
