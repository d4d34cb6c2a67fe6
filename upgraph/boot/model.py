"""Boot a job set in the simulator, under a stated model, and report.

Three models (semantics §10, §11), each a `Model` deciding what a job's
processes do:

* declared: what a real daemon does when every process is a stand-in:
  init emits `startup`; once a job is running its main process emits each
  declared plain `emits` name (no glob, no `$`, no `=`), in order, with no
  environment, without waiting; a job with no main process emits from its
  pre-start, else its post-start; processes succeed; services never exit.
* scripts: the declared model plus the actions the job scripts perform
  (boot/actions.py): `initctl emit|start|stop|restart`, `start JOB`,
  `telinit N`, each in its own process and state, waiting where initctl
  waits; `--branches all` performs conditional actions too, `none` only
  unconditional ones.  Declared emits that no action names are still
  emitted as in the declared model.
* real (the default): the scripts model plus the outside world, each part
  an Assumption listed with the result only when it was used: the
  profile's built-in emitters (mountall, ifupdown, the udev bridge) on
  their triggers even without their job; `telinit` to the system's default
  runlevel where the level is unknown (inittab's initdefault, else the
  profile's; --runlevel overrides); services whose program exits (guessed:
  see exiting_services); events the user assumes (--assume, [boot]
  assume) and emitters the user configured.
"""

from __future__ import annotations

import os
import re

from upgraph.boot.actions import Unknown, expand_words, job_actions
from upgraph.boot.machine import Behaviour, Holder, Instance, Machine, Op, lookup
from upgraph.knowledge.globs import is_glob
from upgraph.model import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from upgraph.boot.actions import Action
    from upgraph.knowledge.index import Knowledge

MODELS = ("declared", "scripts", "real")
RUNLEVELS = tuple("0123456Ss")
VIRTUAL_MOUNTS = (("/proc", "proc"), ("/sys", "sysfs"), ("/dev", "devtmpfs"),
                  ("/run", "tmpfs"))
# Events of shutdown, key presses and timeouts (upstart-events(7)): a job may
# declare them, but they do not happen during a boot.
NOT_AT_BOOT = ("deconfiguring-networking", "unmounted-remote-filesystems", "desktop-shutdown",
               "control-alt-delete", "keyboard-request", "power-status-changed",
               "device-not-ready", "failsafe-boot")
LOCAL_MOUNTS = (("/", "ext4"), ("/tmp", "tmpfs"))
LOOPBACK = ["IFACE=lo", "LOGICAL=lo", "ADDRFAM=inet", "METHOD=loopback"]
IFUPDOWN_EVENTS = {"ifup": {"net-device-up", "static-network-up"}, "ifdown": {"net-device-down"}}
PROFILE_RUNLEVEL = {"rhel6": "3"}  # else 2 (Debian and Ubuntu)
# Programs that end by themselves: a service whose main process is `exec`
# of one of these goes back to stop/waiting at once.
ENDING_PROGRAMS = {"sleep", "logger", "true", "false", "echo", "printf", "mkdir", "chmod",
                   "chown", "touch", "rm", "cp", "mv", "ln", "mount", "umount", "modprobe",
                   "insmod", "sysctl", "hwclock", "loadkeys", "setfont", "ifup", "ifdown",
                   "install", "restorecon", "chcon", "udevadm", "plymouth", "mknod"}
ONE_SHOT = re.compile(r"^--?(init[-_]only|one-?shot|once|oneshot)(=.*)?$")


def plain(name: str) -> bool:
    """An `emits` name a process can emit as it is (§10)."""
    return bool(name) and not is_glob(name) and "$" not in name and "=" not in name


ASSUME_EXAMPLE = "for example --assume 'net-device-up IFACE=eth0 LOGICAL=eth0'"


def parse_event(text: str) -> tuple[str, list[str]]:
    """An assumed event, `EVENT [KEY=VALUE...]` in shell words:
    'net-device-up IFACE=eth0' -> ('net-device-up', ['IFACE=eth0']).
    ValueError says what is wrong."""
    import shlex

    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ValueError(f"{text!r}: {exc}") from None
    if not words or not words[0]:
        raise ValueError(f"{text!r}: an event needs a name")
    if "=" in words[0]:
        raise ValueError(f"{text!r}: the first word is the event's name, and "
                         f"{words[0]!r} holds '='")
    for w in words[1:]:
        key, eq, value = w.partition("=")
        if not eq or not key:
            raise ValueError(f"{text!r}: {w!r} is not KEY=VALUE")
        if not value:
            raise ValueError(f"{text!r}: {w!r} has an empty value")
    return words[0], words[1:]


class Assumption(Record):
    """Something the model adds that job files do not say: TEXT; KEY, set
    when the model did it (`acted`), for assumptions that emit nothing; the
    EVENTS it produced (filled as the boot runs).  ALWAYS: listed even when
    nothing used it."""

    __slots__ = ("text", "key", "events", "always")
    _defaults = {"key": None, "events": [], "always": False}

    def used(self, acted: set[str]) -> bool:
        """Was it used: the model acted on it, or one of its events latched
        a condition."""
        return self.always or (self.key is not None and self.key in acted) or \
            any(e.matched for e in self.events)


class Guess(Record):
    """A service the real model guesses exits by itself: JOB, and WHY."""

    __slots__ = ("job", "why")


def exiting_services(k: Knowledge) -> list[Guess]:
    """Services whose main program probably exits at once (the real model).

    A service (no `task`), with a main process, without `respawn` (which
    says it runs for good) and not `expect fork|daemon`, is guessed to exit
    when another job's `start on` waits for its `stopped` event (nobody
    waits for a daemon to stop in order to start), or when its main process
    is `exec` of a program that ends by itself (sleep, logger, mkdir, ...)
    or runs with a one-shot option (`--init_only`, `--oneshot`, `--once`).
    """
    waited: dict[str, str] = {}
    for job in k.sorted_jobs():
        if job.start_on is None:
            continue
        for op in _operands(job.start_on):
            if op.event == "stopped" and op.job and op.job not in waited:
                waited[op.job] = job.name
    out = []
    for job in k.sorted_jobs():
        procs = job.processes or {}
        if job.task or job.respawn or "main" not in procs or job.expect in ("fork", "daemon"):
            continue
        if job.name in waited:
            out.append(Guess(job.name, f"{waited[job.name]} starts on `stopped {job.name}`"))
            continue
        main = procs["main"]
        words = main.split() if not main.endswith("\n") else []
        if words and words[0] == "exec":
            words = words[1:]
        if not words:
            continue
        program = os.path.basename(words[0])
        if program in ENDING_PROGRAMS:
            out.append(Guess(job.name, f"its main process `{program}` ends by itself"))
        elif any(ONE_SHOT.match(w) for w in words[1:]):
            flag = next(w for w in words[1:] if ONE_SHOT.match(w))
            out.append(Guess(job.name, f"its main process runs once ({flag})"))
    return out


def _operands(cond: object) -> list[Any]:
    from upgraph.model import operands

    return list(operands(cond))  # type: ignore[arg-type]


def default_runlevel(k: Knowledge, root: str | None = None) -> tuple[str, str]:
    """(runlevel, where it comes from): /etc/inittab's initdefault beside the
    job directory (or under ROOT), else the profile's."""
    places = []
    if root:
        places.append(os.path.join(root, "etc", "inittab"))
    for src in k.jobset.sources:
        if os.path.isdir(src):
            places.append(os.path.join(os.path.dirname(os.path.abspath(src)), "inittab"))
    for path in places:
        try:
            with open(path, "rb") as f:
                text = f.read(65536).decode("utf-8", "replace")
        except OSError:
            continue
        for line in text.splitlines():
            parts = line.strip().split(":")
            if len(parts) >= 3 and not line.startswith("#") and parts[2] == "initdefault" \
                    and parts[1] in RUNLEVELS:
                return parts[1], f"initdefault in {path}"
    sysinit = k.jobs.get("rc-sysinit")
    level = lookup(sysinit.env, "DEFAULT_RUNLEVEL") if sysinit is not None else None
    if level in RUNLEVELS:
        return level, "profile"  # rc-sysinit's own default: the script says so
    return PROFILE_RUNLEVEL.get(k.profile, "2"), "profile"


class Model(Behaviour):
    """What the job processes do under one model (see the module text)."""

    def __init__(self, k: Knowledge, model: str = "real", runlevel: str | None = None,
                 assume: list[str] | None = None, branches: str = "all",
                 exits: list[str] | None = None, stays: list[str] | None = None,
                 root: str | None = None) -> None:
        self.k = k
        self.kind = model
        self.branches = branches
        self.assumptions: list[Assumption] = []
        self.outside: list[tuple[str, list[str], Assumption]] = []  # queued after startup
        self.extra: dict[str, list[tuple[str, list[str]]]] = {}  # job -> replacement emits
        self.extra_note: dict[str, Assumption] = {}
        # what could not be done, each once however often a livelock repeats it
        self.unknown: dict[tuple[str, str, str], tuple[str, Action, str]] = {}
        # ... (instance, action, why): keyed by instance, place and why
        self.refusals: dict[tuple[str, str, str], None] = {}  # (instance, op text, initctl's)
        self.acted: set[str] = set()  # keys of the assumptions acted on
        self.skipped_stops: dict[str, list[Assumption]] = {}  # job -> guarded stops skipped
        self._actions: dict[str, dict[str, list[Action]]] = {}
        self._declared: dict[str, list[Op]] = {}
        self._resolved: dict[tuple[str, str, str], list[Op]] = {}  # see ops
        self.runlevel_given = runlevel
        self.note("init emits startup (once, with no environment)", always=True)
        if k.jobset.bare:
            self.note(f"{len(k.jobset.bare)} job(s) come from `initctl show-config` text, which "
                      "has no `task`, scripts or processes: they run as services without "
                      "scripts, so this answer lacks what those would do (read the job "
                      "directory with -d for the whole answer)", always=True)
        if model != "declared":
            which = "every branch" if branches == "all" else "unconditional ones only"
            self.note(f"job scripts run their initctl, start/stop/restart and telinit lines "
                      f"({which})", always=True)
        for text in assume or []:
            name, env = parse_event(text)
            self.outside.append((name, env, self.note(f"assumed at startup: {text}",
                                                      always=True)))
        for who, events in sorted(k.configured.items()):
            for e in events:
                if plain(e):
                    self.outside.append((e, [], self.note(
                        f"{who} (configured) emits {e} at startup", always=True)))
        self.exiting: dict[str, Assumption] = {}
        self.level, self.level_from = (runlevel, "--runlevel") if runlevel else \
            default_runlevel(k, root) if model == "real" else ("", "")
        if model == "real":
            self._real_world(root)
            for g in exiting_services(k):
                self.exiting[g.job] = Assumption(
                    f"guess: service {g.job} exits by itself ({g.why}); --stays {g.job} "
                    "to keep it running", "exit:" + g.job)
        for name in exits or []:
            self.exiting[name] = Assumption(f"--exits {name}: its main process exits",
                                            "exit:" + name)
        for name in stays or []:
            self.exiting.pop(name, None)
        self.assumptions += self.exiting.values()

    @property
    def name(self) -> str:
        return self.kind

    def note(self, text: str, key: str | None = None, always: bool = False) -> Assumption:
        a = Assumption(text, key, [], always)
        self.assumptions.append(a)
        return a

    def listed(self) -> list[str]:
        """The assumptions this boot used, as printed."""
        return [a.text for a in self.assumptions if a.used(self.acted)]

    # -- the outside world -------------------------------------------------------

    def _real_world(self, root: str | None) -> None:
        k, jobs = self.k, self.k.jobs
        bare = k.jobset.bare
        sysinit = jobs.get("rc-sysinit")
        if sysinit is not None and not k.jobset.session and (
                "rc-sysinit" in bare or not self.actions_of(sysinit)):
            level = self.runlevel_given or lookup(sysinit.env, "DEFAULT_RUNLEVEL") or self.level
            self.extra["rc-sysinit"] = [("runlevel", [f"RUNLEVEL={level}", "PREVLEVEL=N"])]
            self.extra_note["rc-sysinit"] = self.note(
                f"rc-sysinit runs `telinit {level}`: runlevel RUNLEVEL={level} PREVLEVEL=N")
        builtin = {b.name for b in k.builtins}
        mount_seq: list[tuple[str, list[str]]] = []
        for mounts, done in ((VIRTUAL_MOUNTS, "virtual-filesystems"),
                             (LOCAL_MOUNTS, "local-filesystems")):
            for point, kind in mounts:
                env = [f"MOUNTPOINT={point}", f"TYPE={kind}"]
                mount_seq += [("mounting", env), ("mounted", list(env))]
            mount_seq.append((done, []))
        mount_seq += [("remote-filesystems", []), ("all-swaps", []), ("filesystem", [])]
        mount_text = ("mounts /proc /sys /dev /run (virtual-filesystems) then / /tmp "
                      "(local-filesystems), then remote-filesystems, all-swaps, filesystem, "
                      "with mounting/mounted MOUNTPOINT=... for each")
        if "mountall" in jobs:
            self.extra["mountall"] = mount_seq
            self.extra_note["mountall"] = self.note("mountall " + mount_text)
        elif "mountall" in builtin:
            a = self.note("mountall (built in, no job file) " + mount_text + " at startup")
            self.outside += [(n, env, a) for n, env in mount_seq]
        if "ifupdown" in builtin:  # only then are every job's script lines needed here
            emitted_by_jobs = {e.event for j in jobs.values() for e in j.emits} | \
                {a.event for j in jobs.values() for acts in self.actions_of(j).values()
                 for a in acts}
            seq = []
            if "net-device-up" not in emitted_by_jobs:
                seq.append(("net-device-up", list(LOOPBACK)))
            if "static-network-up" not in emitted_by_jobs:
                seq.append(("static-network-up", []))
            if seq:
                a = self.note("ifupdown (built in) brings up the loopback and the static "
                              "interfaces: " + ", ".join(" ".join((n, *e)) for n, e in seq))
                self.outside += [(n, env, a) for n, env in seq]
        skipped: set[str] = set()
        for job in k.sorted_jobs():
            if job.name in self.extra:
                continue
            mine = [(e.event, []) for e in job.emits if plain(e.event)]
            changed = False
            names = {e for e, _ in mine}
            if {"container", "not-container"} <= names:  # one or the other, never both
                mine = [(e, env) for e, env in mine if e != "container"]
                changed = True
                self.extra_note[job.name] = self.note(
                    f"{job.name} finds no container: not-container, not container")
            if names & set(NOT_AT_BOOT):
                skipped |= names & set(NOT_AT_BOOT)
                mine = [(e, env) for e, env in mine if e not in NOT_AT_BOOT]
                changed = True
            if any(e == "net-device-up" for e, _ in mine):
                mine = [(e, list(LOOPBACK)) if e == "net-device-up" else (e, env)
                        for e, env in mine]
                changed = True
                self.extra_note.setdefault(job.name, self.note(
                    f"{job.name} brings up the loopback: net-device-up "
                    + " ".join(LOOPBACK)))
            if job.name in bare or not job.processes:
                inferred = [(e.event, list(e.env)) for e in job.inferred if plain(e.event)]
                if inferred:
                    mine += inferred
                    changed = True
            if changed:
                self.extra[job.name] = mine
        if skipped:
            self.note("events of shutdown, key presses and timeouts that jobs declare are "
                      "not emitted during a boot: " + ", ".join(sorted(skipped)), always=True)
        udev = next((n for n in ("upstart-udev-bridge", "udev") if n in jobs), None)
        if "upstart-udev-bridge" in builtin:
            devices = self._devices()
            if devices and udev is not None:
                self.extra.setdefault(udev, [(e.event, []) for e in jobs[udev].emits
                                             if plain(e.event)])
                self.extra[udev] = [*self.extra[udev], *devices]
                self.extra_note[udev] = self.note(
                    f"once {udev} runs, the devices jobs wait for appear: "
                    + ", ".join(" ".join((n, *env)) for n, env in devices))
            elif devices:
                a = self.note("the udev bridge (built in) reports the devices jobs wait for: "
                              + ", ".join(" ".join((n, *env)) for n, env in devices))
                self.outside += [(n, env, a) for n, env in devices]

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

    # -- what processes do ------------------------------------------------------------

    def actions_of(self, job: Any) -> dict[str, list[Action]]:
        found = self._actions.get(job.name)
        if found is None:
            found = self._actions[job.name] = job_actions(job) if job.processes else {}
        return found

    def _declared_ops(self, job: Any) -> list[Op]:
        """§10's emits of JOB: declared plain names (or the real model's
        replacement), less those an action of the job names."""
        ops = self._declared.get(job.name)
        if ops is None:
            named: set[str] = set()
            if self.kind != "declared":
                for acts in self.actions_of(job).values():
                    for a in acts:
                        if a.verb == "telinit":
                            named.add("runlevel")
                        elif a.verb in ("ifup", "ifdown") and self.kind == "real":
                            named |= IFUPDOWN_EVENTS[a.verb]
                        elif a.event is not None:
                            named.add(a.event)
            note = self.extra_note.get(job.name)
            pairs = self.extra.get(job.name) if self.kind == "real" else None
            if pairs is None:
                pairs = [(e.event, []) for e in job.emits if plain(e.event)]
                note = None
            elif job.name == "mountall" or job.name in ("upstart-udev-bridge", "udev") or \
                    job.name == "rc-sysinit":
                named = set()  # the built-in program's own events: always
            ops = self._declared[job.name] = [Op("emit", n, list(env), False, None, note)
                                              for n, env in pairs if n not in named]
        return ops

    def ops(self, inst: Instance, process: str) -> list[Op]:
        cls = inst.cls
        procs = cls.processes
        emitter = "main" if "main" in procs else "pre-start" if "pre-start" in procs else \
            "post-start" if "post-start" in procs else None
        out = list(self._declared_ops(cls.job)) if process == emitter else []
        if self.kind == "declared":
            return out
        acts = self.actions_of(cls.job).get(process)
        if acts:
            out += self._script_ops(inst, process, acts)
        return out

    def _script_ops(self, inst: Instance, process: str, acts: list[Action]) -> list[Op]:
        """What PROCESS's script lines do for INST.  Lines with no variable
        resolve alike on every run: they are resolved once per instance (a
        livelock of 200 scripts of 199 `restart` lines each runs them
        thousands of times)."""
        cls = inst.cls
        key = (cls.name, inst.name, process)
        done = self._resolved.get(key)
        if done is not None:
            return done
        out: list[Op] = []
        env = [*inst.env, f"UPSTART_JOB={cls.name}", f"UPSTART_INSTANCE={inst.name}"]
        for act in acts:
            if act.guard is not None and self.branches == "none":
                continue
            if act.verb in ("ifup", "ifdown"):
                if self.kind == "real":
                    out += self._ifupdown(inst, act, env)
                continue
            if act.guard is not None and self.kind == "real" and act.verb == "stop" \
                    and not act.args:
                self._installed(cls.name, act)
                continue
            if self.kind == "real" and (
                    act.event in NOT_AT_BOOT and self._not_at_boot(act) or
                    act.event == "container" and self._no_container(cls.job)):
                continue
            op = self._resolve(inst, act, env)
            if op is not None:
                out.append(op)
        if not any("$" in w or "`" in w for act in acts for w in act.args):
            self._resolved[key] = out
        return out

    def _unknown(self, inst: Instance, act: Action, what: str) -> None:
        self.unknown[(inst.label, str(act.loc), what)] = (inst.label, act, what)

    def _resolve(self, inst: Instance, act: Action, env: list[str]) -> Op | None:
        """ACT with INST's values, or None (unknown, or refused by initctl)."""
        try:
            words = expand_words(act.args, env)
        except Unknown as exc:
            words = None
            if act.verb != "telinit" or self.kind != "real":
                self._unknown(inst, act, str(exc.args[0]))
                return None
        if act.verb == "telinit" and self.kind == "real" and (
                words is None or not words or
                (any("$" in w for w in act.args) and self.level_from != "profile")):
            # rc-sysinit's `telinit "${DEFAULT_RUNLEVEL}"`, RHEL's `telinit
            # $runlevel`: the level the system would choose.
            return Op("telinit", self.level, [], False, act,
                      self._telinit_note(inst.cls.name, act))
        verb = act.verb
        if verb == "telinit":
            if not words or words[0] not in RUNLEVELS:
                self.refusals[(inst.label, act.text(), "not a runlevel")] = None
                return None
            return Op("telinit", words[0], [], False, act)
        if verb == "emit":
            if not words or not words[0] or any("=" not in w for w in words[1:]):
                self.refusals[(inst.label, act.text(), "not an event")] = None
                return None
            return Op("emit", words[0], words[1:], not act.nowait, act)
        if not words:
            return Op(verb, None, [], False, act)
        if any("=" not in w for w in words[1:]):
            self.refusals[(inst.label, act.text(), "environment must be KEY=VALUE")] = None
            return None
        return Op(verb, words[0], words[1:], not act.nowait, act)

    def _ifupdown(self, inst: Instance, act: Action, env: list[str]) -> list[Op]:
        """What ifup/ifdown make Upstart see (/etc/network/if-up.d/upstart):
        net-device-up (down) IFACE=X LOGICAL=X ADDRFAM=inet METHOD=..., and
        after `ifup -a` static-network-up."""
        try:
            words = expand_words(act.args, env)
        except Unknown as exc:
            self._unknown(inst, act, str(exc.args[0]))
            return []
        every = "-a" in words or "--all" in words
        names = [w for i, w in enumerate(words) if not w.startswith("-") and
                 not (i and words[i - 1] in ("--allow", "-i", "--interfaces", "-X",
                                             "--exclude"))]
        ifaces = names[-1:] if names else ["lo"] if every else []
        event = "net-device-up" if act.verb == "ifup" else "net-device-down"
        key = f"ifupdown:{act.verb}"
        note = self.extra_note.get(key)
        if note is None:
            note = self.extra_note[key] = self.note(
                f"{act.verb} (ifupdown) tells Upstart: {event} IFACE=... LOGICAL=... "
                "ADDRFAM=inet METHOD=... for each interface it brings "
                + ("up, then static-network-up after `ifup -a`" if act.verb == "ifup"
                   else "down"))
        ops = [Op("emit", event, [f"IFACE={i}", f"LOGICAL={i}", "ADDRFAM=inet",
                                  f"METHOD={'loopback' if i == 'lo' else 'dhcp'}"],
                  False, act, note) for i in ifaces]
        if every and act.verb == "ifup":
            ops.append(Op("emit", "static-network-up", [], False, act, note))
        return ops

    def _not_at_boot(self, act: Action) -> bool:
        """A script's emit of a shutdown, key-press or timeout event (failsafe's
        `failsafe-boot` after its sleeps): the real model boots normally."""
        key = f"not-at-boot:{act.event}"
        if key not in self.extra_note:
            self.extra_note[key] = self.note(
                f"`{act.text()}` ({act.loc}) does not happen in a normal boot (a shutdown, "
                "key press or timeout)", key)
        self.acted.add(key)
        return True

    def _no_container(self, job: Any) -> bool:
        """A job that emits either `container` or `not-container` (Ubuntu's
        container-detect): the real model boots outside a container."""
        names = {a.event for acts in self.actions_of(job).values() for a in acts} | \
            {e.event for e in job.emits}
        if "not-container" not in names:
            return False
        key = f"container:{job.name}"
        if key not in self.extra_note:
            self.extra_note[key] = self.note(
                f"{job.name} finds no container: not-container, not container", key)
        self.acted.add(key)
        return True

    def _installed(self, job: str, act: Action) -> None:
        """The real model skips a job's guarded `stop` of itself: the guard
        is nearly always "the program is not installed" (`test -x DAEMON ||
        { stop; exit 0; }`), and on the machine it is."""
        key = f"stop:{job}:{act.loc}"
        if key not in self.extra_note:
            under = f", under {act.guard}" if act.guard != act.loc else ""
            self.extra_note[key] = self.note(
                f"{job}'s guarded `stop` ({act.loc}{under}) does not run: what "
                "it guards against (a program not installed, a feature off) is assumed "
                "not to happen; --model scripts runs it", key)
            self.skipped_stops.setdefault(job, []).append(self.extra_note[key])
        self.acted.add(key)

    def _telinit_note(self, job: str, act: Action) -> Assumption:
        key = f"telinit:{job}"
        a = self.extra_note.get(key)
        if a is None:
            a = self.extra_note[key] = self.note(
                f"{job} runs `{act.text()}` ({act.loc}) to the system's default runlevel "
                f"{self.level} ({self.level_source()})", job)
        return a

    def level_source(self) -> str:
        if self.level_from == "profile":
            sysinit = self.k.jobs.get("rc-sysinit")
            if sysinit is not None and lookup(sysinit.env, "DEFAULT_RUNLEVEL") == self.level:
                return "rc-sysinit's DEFAULT_RUNLEVEL"
            return f"the default of a {self.k.profile} system; --runlevel N to change it"
        return self.level_from

    def exits(self, inst: Instance) -> bool:
        if inst.cls.name in self.exiting:
            self.acted.add("exit:" + inst.cls.name)
            return True
        return False

    def refused(self, inst: Instance, op: Op, why: str) -> None:
        text = op.why.text() if op.why is not None else f"{op.verb} {op.target}"
        self.refusals[(inst.label, text, why)] = None


class BootResult:
    """A finished (or cut) simulation, for `boot`, `why`, `emit` and charts."""

    render_as = "boot"
    complaint = None

    def __init__(self, k: Knowledge, machine: Machine, model: Model, order: str,
                 to: str | None = None) -> None:
        self.k, self.machine, self.model, self.order, self.to = k, machine, model, order, to
        self.never: list[Any] = []  # answers.boot.Never of each job never started
        self.never_groups: list[tuple[str, list[Any]]] = []  # ... grouped by cause
        self.compared: Any = None  # answers.boot.Compared, beside a real boot's log (--log)
        self.real_times: dict[str, float | None] = {}  # job -> running on the machine (--log)
        self.chart: Any = None  # answers.boot.Chart, when the boot is drawn
        self.chain: list[Any] = []  # answers.boot.Link of the critical chain (--to)
        self.reached: bool | None = None  # --to: did the job reach running?
        self.why_not: str | None = None  # --to: why it did not
        self.partial: str | None = None  # --to: the boot was cut at the bound
        self._holders: dict[int, list[tuple[str, str, str]]] | None = None
        self._cycle: list[str] | None = None
        self._started_on: dict[int, list[str]] | None = None
        self._induct: dict[int, tuple[Any, str]] | None = None
        self._by_name: dict[str, list[Any]] | None = None

    @property
    def assumptions(self) -> list[str]:
        """What the model added that this boot used (Model.listed)."""
        return self.model.listed()

    @property
    def settled(self) -> bool:
        return not self.machine.cut and not self.not_at_rest()

    @property
    def ok(self) -> bool:
        """--to: the job reached running; else the boot settled."""
        return bool(self.reached) if self.to else self.settled

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
        self._holders = self._by_name = self._cycle = self._started_on = self._induct = None

    def events_named(self, name: str) -> list[Any]:
        """The events called NAME the boot emitted, in order (indexed once)."""
        if self._by_name is None:
            self._by_name = {}
            for e in self.machine.events:
                self._by_name.setdefault(e.name, []).append(e)
        return self._by_name.get(name, [])

    def started_on(self, ev: object) -> list[str]:
        """The jobs some start of which EV was among the events of (indexed
        once, over every start of the boot)."""
        if self._started_on is None:
            self._started_on = {}
            for c in self.machine.classes:
                for counted in c.started_by:
                    for e in counted:
                        self._started_on.setdefault(id(e), []).append(c.name)
        return self._started_on.get(id(ev), [])

    def induct_error(self, ev: object) -> tuple[Any, str] | None:
        """(class, variable) when a class could not make its instance name
        on EV, which ended Upstart's handling of EV (indexed once)."""
        if self._induct is None:
            self._induct = {}
            for c in self.machine.classes:
                for bad, var in c.induct_errors:
                    self._induct.setdefault(id(bad), (c, var))
        return self._induct.get(id(ev))

    def first_event(self, name: str, job: str) -> Any:
        """The first job event NAME (starting, started...) of JOB, or None."""
        for e in self.events_named(name):
            if lookup(e.env, "JOB") == job:
                return e
        return None

    def unfinished(self) -> list[tuple[object, list[str], list[str]]]:
        """(event, jobs holding it, jobs waiting for it) for events never finished."""
        return [(ev, sorted({h.name for h in self.holders(ev)}),
                 sorted(i.label for i in ev.waiters)) for ev in self.machine.queue]

    def cut_note(self, so: str) -> str | None:
        """What every answer of a boot cut at the bound says (SO: what that
        means for it), naming the jobs still changing; None if it settled."""
        if not self.machine.cut:
            return None
        changing = self.cycle()
        return (f"the boot was cut after {self.machine.bound} events without settling (a "
                f"livelock?), so {so}; still changing: " + (", ".join(changing[:10]) or "?")
                + (f" and {len(changing) - 10} more" if len(changing) > 10 else ""))

    def cycle(self) -> list[str]:
        """Jobs still changing state when the simulation was cut (a livelock);
        made once (every answer of a cut boot names them)."""
        if not self.machine.cut:
            return []
        if self._cycle is None:
            last = self.machine.wave
            self._cycle = sorted({h.label for c in self.machine.classes for h in c.history
                                  if h.wave >= last - 2})
        return self._cycle


def simulate(k: Knowledge, model: str = "real", assume: list[str] | None = None,
             runlevel: str | None = None, order: str = "upstart", bound: int | None = None,
             to: str | None = None, branches: str = "all", exits: list[str] | None = None,
             stays: list[str] | None = None, root: str | None = None) -> BootResult:
    """Boot the job set of K from `startup` under the chosen MODEL (MODELS).
    BOUND: the events after which a boot that has not settled is cut; by
    default 4 per job, at least 20,000 (a chain of N jobs needs 2N)."""
    bound = bound or max(20000, 4 * len(k.jobs))
    behaviour = Model(k, model, runlevel, assume, branches, exits, stays, root)
    machine = Machine(_load_order(k), behaviour, order, bound, k.jobset.session)
    machine.emit("startup", [], "init")
    for name, env, note in behaviour.outside:
        note.events.append(machine.emit(name, env, "assumption"))
    machine.run()
    return BootResult(k, machine, behaviour, order, to)


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
    complaint: str | None = None  # nothing listens for the event (answers/emit.py)
    partial: str | None = None  # the boot before it was cut at the bound

    def __init__(self, boot: BootResult, event: str, env: list[str], mark_events: int,
                 marks: dict[str, int], wave0: int) -> None:
        self.boot, self.event, self.env = boot, event, env
        self.events = boot.machine.events[mark_events:]
        self.changes = {c.name: c.history[marks[c.name]:] for c in boot.machine.classes
                        if len(c.history) > marks[c.name]}
        self.wave0 = wave0

    @property
    def ok(self) -> bool:
        return self.complaint is None

    def started(self) -> list[str]:
        return sorted(n for n, h in self.changes.items() if any(c.new == "running" for c in h))

    def stopped(self) -> list[str]:
        return sorted(n for n, h in self.changes.items()
                      if any(c.new in ("waiting", "stopping") for c in h))
