"""Boot a job set in the simulator, under a stated model, and report.

The declared-only model (semantics §10) is what a real daemon does when
every process is a stand-in: init emits `startup`; once a job is running
its main process emits each declared plain `emits` name (no glob, no `$`,
no `=`), in order, with no environment, without waiting; a job with no main
process emits from its pre-start, else its post-start; a job with no
process emits nothing; processes succeed.

The default model adds what a real system adds, and says so (each addition
is an Assumption printed with the result): rc-sysinit's `telinit` to the
default runlevel; mountall's mount events for the standard mount points;
ifupdown's loopback `net-device-up`; udev's device events for the devices
jobs wait for; `initctl emit` lines in job scripts; emitters the user
configured; events the user assumes (--assume, [boot] assume).
"""

from __future__ import annotations

from upgraph.boot.machine import Behaviour, Holder, Instance, Machine, lookup
from upgraph.knowledge.globs import is_glob

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from upgraph.knowledge.index import Knowledge

VIRTUAL_MOUNTS = (("/proc", "proc"), ("/sys", "sysfs"), ("/dev", "devtmpfs"),
                  ("/run", "tmpfs"))
# Events of shutdown, key presses and timeouts (upstart-events(7)): a job may
# declare them, but they do not happen during a boot.
NOT_AT_BOOT = ("deconfiguring-networking", "unmounted-remote-filesystems", "desktop-shutdown",
               "control-alt-delete", "keyboard-request", "power-status-changed",
               "device-not-ready", "failsafe-boot")
LOCAL_MOUNTS = (("/", "ext4"), ("/tmp", "tmpfs"))


def plain(name: str) -> bool:
    """An `emits` name a process can emit as it is (§10)."""
    return bool(name) and not is_glob(name) and "$" not in name and "=" not in name


def parse_event(text: str) -> tuple[str, list[str]]:
    """'net-device-up IFACE=eth0' -> ('net-device-up', ['IFACE=eth0'])."""
    words = text.split()
    if not words:
        raise ValueError("an event needs a name")
    return words[0], words[1:]


def model_name(declared_only: bool) -> str:
    """How answers name a boot model."""
    return "declared-only" if declared_only else "default"


class Model(Behaviour):
    """Which events job processes emit, and which come from outside."""

    def __init__(self, k: Knowledge, declared_only: bool, runlevel: str | None = None,
                 assume: list[str] | None = None) -> None:
        self.k = k
        self.declared_only = declared_only
        self.assumptions: list[str] = []
        self.outside: list[tuple[str, list[str]]] = []  # queued right after startup
        self.extra: dict[str, list[tuple[str, list[str]]]] = {}  # job -> replacement emits
        self.note("init emits startup (once, with no environment)")
        for text in assume or []:
            name, env = parse_event(text)
            self.outside.append((name, env))
            self.note(f"assumed at startup: {text}")
        for who, events in sorted(k.configured.items()):
            for e in events:
                if plain(e):
                    self.outside.append((e, []))
                    self.note(f"{who} (configured) emits {e} at startup")
        if not declared_only:
            self._real_world(runlevel)

    @property
    def name(self) -> str:
        return model_name(self.declared_only)

    def note(self, text: str) -> None:
        self.assumptions.append(text)

    def _real_world(self, runlevel: str | None) -> None:
        jobs = self.k.jobs
        sysinit = jobs.get("rc-sysinit")
        if sysinit is not None and not self.k.jobset.session:
            level = runlevel or lookup(sysinit.env, "DEFAULT_RUNLEVEL") or "2"
            self.extra["rc-sysinit"] = [("runlevel", [f"RUNLEVEL={level}", "PREVLEVEL=N"])]
            self.note(f"rc-sysinit runs `telinit {level}`: runlevel RUNLEVEL={level} "
                      "PREVLEVEL=N")
        if "mountall" in jobs:
            seq: list[tuple[str, list[str]]] = []
            for mounts, done in ((VIRTUAL_MOUNTS, "virtual-filesystems"),
                                 (LOCAL_MOUNTS, "local-filesystems")):
                for point, kind in mounts:
                    env = [f"MOUNTPOINT={point}", f"TYPE={kind}"]
                    seq += [("mounting", env), ("mounted", list(env))]
                seq.append((done, []))
            seq += [("remote-filesystems", []), ("all-swaps", []), ("filesystem", [])]
            self.extra["mountall"] = seq
            self.note("mountall mounts /proc /sys /dev /run (virtual-filesystems) then / "
                      "/tmp (local-filesystems), then remote-filesystems, all-swaps, "
                      "filesystem, with mounting/mounted MOUNTPOINT=... for each")
        skipped: set[str] = set()
        for job in self.k.sorted_jobs():
            if job.name in self.extra:
                continue
            mine = [(e.event, []) for e in job.emits if plain(e.event)]
            changed = False
            names = {e for e, _ in mine}
            if {"container", "not-container"} <= names:  # one or the other, never both
                mine = [(e, env) for e, env in mine if e != "container"]
                changed = True
                self.note(f"{job.name} finds no container: not-container, not container")
            if names & set(NOT_AT_BOOT):
                skipped |= names & set(NOT_AT_BOOT)
                mine = [(e, env) for e, env in mine if e not in NOT_AT_BOOT]
                changed = True
            if any(e == "net-device-up" for e, _ in mine):
                mine = [(e, ["IFACE=lo", "LOGICAL=lo", "ADDRFAM=inet", "METHOD=loopback"])
                        if e == "net-device-up" else (e, env) for e, env in mine]
                changed = True
            inferred = [(e.event, list(e.env)) for e in job.inferred if plain(e.event)]
            if inferred:
                mine += inferred
                changed = True
            if changed:
                self.extra[job.name] = mine
        if skipped:
            self.note("events of shutdown, key presses and timeouts that jobs declare are "
                      "not emitted during a boot: " + ", ".join(sorted(skipped)))
        if any(e.event == "net-device-up" for j in jobs.values() for e in j.emits):
            self.note("ifup brings up the loopback: net-device-up IFACE=lo LOGICAL=lo "
                      "ADDRFAM=inet METHOD=loopback")
        if any(j.inferred for j in jobs.values()):
            self.note("`initctl emit` lines in job scripts run (with their literal "
                      "KEY=VALUE words)")
        udev = next((n for n in ("upstart-udev-bridge", "udev") if n in jobs), None)
        bridged = any(b.name == "upstart-udev-bridge" for b in self.k.builtins)
        if udev is not None and bridged:
            devices = self._devices()
            if devices:
                self.extra.setdefault(udev, [(e.event, []) for e in jobs[udev].emits
                                             if plain(e.event)])
                self.extra[udev] = [*self.extra[udev], *devices]
                self.note(f"once {udev} runs, the devices jobs wait for appear: "
                          + ", ".join(" ".join((n, *env)) for n, env in devices))

    def _devices(self) -> list[tuple[str, list[str]]]:
        """udev events for the devices the job set waits for (literal values)."""
        found: dict[tuple[str, tuple[str, ...]], None] = {}
        for name, entries in sorted(self.k.listeners_index().items()):
            if not name.endswith("-device-added"):
                continue
            for _job, _which, op in entries:
                if any(is_glob(a) or "$" in a or "!=" in a for a in op.env):
                    continue  # a particular device: do not invent one
                env = tuple(op.env)
                if name == "net-device-added" and not any(a.startswith("INTERFACE=")
                                                          for a in env):
                    env = ("INTERFACE=lo", *env)
                found[(name, env)] = None
        return [(n, list(env)) for n, env in found]

    def emits(self, inst: Instance, process: str) -> list[tuple[str, list[str]]]:
        cls = inst.cls
        procs = cls.processes
        emitter = "main" if "main" in procs else "pre-start" if "pre-start" in procs else \
            "post-start" if "post-start" in procs else None
        if process != emitter:
            return []
        if cls.name in self.extra:
            return [(n, list(env)) for n, env in self.extra[cls.name]]
        return [(e.event, []) for e in cls.job.emits if plain(e.event)]


class BootResult:
    """A finished (or cut) simulation, for `boot`, `why`, `emit` and charts."""

    render_as = "boot"
    complaint = None

    def __init__(self, k: Knowledge, machine: Machine, model: Model, order: str,
                 to: str | None = None) -> None:
        self.k, self.machine, self.model, self.order, self.to = k, machine, model, order, to
        self.never: list[Any] = []  # answers.why.Why of each job never started (boot fills it)
        self.compared: Any = None  # answers.boot.Compared, beside a real boot's log (--log)
        self.real_times: dict[str, float | None] = {}  # job -> running on the machine (--log)
        self.chart: Any = None  # answers.boot.Chart, when the boot is drawn
        self.chain: list[Any] = []  # answers.boot.Link of the critical chain (--to)
        self._holders: dict[int, list[tuple[str, str, str]]] | None = None
        self._by_name: dict[str, list[Any]] | None = None

    @property
    def settled(self) -> bool:
        return not self.machine.cut and not self.not_at_rest()

    @property
    def ok(self) -> bool:
        return self.settled

    def not_at_rest(self) -> list[Instance]:
        return [i for i in self.machine.instances()
                if not (i.goal == "start" and i.state == "running")]

    def started(self) -> list[str]:
        return [c.name for c in self.machine.classes
                if any(change.new == "running" for change in c.history)]

    def final(self) -> list[str]:
        out = []
        for c in sorted(self.machine.classes, key=lambda c: c.name):
            if not c.instances:
                out.append(f"{c.name} stop/waiting")
            for i in c.instances.values():
                out.append(f"{i.label} {i.goal}/{i.state}")
        return sorted(out)

    def holders(self, ev: object) -> list[Holder]:
        """Who holds EV unfinished.  One index of
        every holder, made on the first question: `boot` asks for each event
        left in the queue and each job that never started."""
        index = self._holders
        if index is None:
            index = self._holders = {}

            def hold(events: list[object], name: str, label: str, how: str) -> None:
                for key in dict.fromkeys(map(id, events)):  # once per holder
                    index.setdefault(key, []).append(Holder(name, label, how))

            for c in self.machine.classes:
                if c.start is not None:
                    hold(c.start.holding(), c.name, c.name, "half of its start condition")
                for inst in c.instances.values():
                    if inst.stop is not None:
                        hold(inst.stop.holding(), c.name, inst.label,
                             "half of its stop condition")
                    hold(inst.holding, c.name, inst.label,
                         f"it started or stopped it and is {inst.goal}/{inst.state}")
        return index.get(id(ev), [])

    def changed(self) -> None:
        """The machine ran on (emit_after): indexes made from it are stale."""
        self._holders = self._by_name = None

    def events_named(self, name: str) -> list[Any]:
        """The events called NAME the boot emitted, in order (indexed once)."""
        if self._by_name is None:
            self._by_name = {}
            for e in self.machine.events:
                self._by_name.setdefault(e.name, []).append(e)
        return self._by_name.get(name, [])

    def unfinished(self) -> list[tuple[object, list[str], list[str]]]:
        """(event, jobs holding it, jobs waiting for it) for events never finished."""
        return [(ev, sorted({h.name for h in self.holders(ev)}),
                 sorted(i.label for i in ev.waiters)) for ev in self.machine.queue]

    def cycle(self) -> list[str]:
        """Jobs still changing state when the simulation was cut (a livelock)."""
        if not self.machine.cut:
            return []
        last = self.machine.wave
        return sorted({h.label for c in self.machine.classes for h in c.history
                       if h.wave >= last - 2})


def simulate(k: Knowledge, declared_only: bool = False, assume: list[str] | None = None,
             runlevel: str | None = None, order: str = "upstart", bound: int = 20000,
             to: str | None = None) -> BootResult:
    """Boot the job set of K from `startup` under the chosen model."""
    model = Model(k, declared_only, runlevel, assume)
    machine = Machine(_load_order(k), model, order, bound, k.jobset.session)
    machine.emit("startup", [], "init")
    for name, env in model.outside:
        machine.emit(name, env, "assumption")
    machine.run()
    return BootResult(k, machine, model, order, to)


def _load_order(k: Knowledge) -> list:
    """Jobs in the order Upstart loads them (the order they were read)."""
    return list(k.jobs.values())


def emit_after(result: BootResult, event: str, env: list[str]) -> EmitResult:
    """`initctl emit EVENT ENV...` once the boot has settled: what follows."""
    machine = result.machine
    mark_events = len(machine.events)
    marks = {c.name: len(c.history) for c in machine.classes}
    wave0 = machine.wave
    machine.wave += 1
    machine.emit(event, env, "initctl emit")
    machine.run()
    result.changed()
    return EmitResult(result, event, env, mark_events, marks, wave0)


class EmitResult:
    """What one emitted event set in motion."""

    render_as = "emit"

    def __init__(self, boot: BootResult, event: str, env: list[str], mark_events: int,
                 marks: dict[str, int], wave0: int) -> None:
        self.boot, self.event, self.env = boot, event, env
        self.events = boot.machine.events[mark_events:]
        self.changes = {c.name: c.history[marks[c.name]:] for c in boot.machine.classes
                        if len(c.history) > marks[c.name]}
        self.wave0 = wave0

    @property
    def ok(self) -> bool:
        return bool(self.changes) or bool(self.events)

    def started(self) -> list[str]:
        return sorted(n for n, h in self.changes.items() if any(c.new == "running" for c in h))

    def stopped(self) -> list[str]:
        return sorted(n for n, h in self.changes.items()
                      if any(c.new in ("waiting", "stopping") for c in h))
