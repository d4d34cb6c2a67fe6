"""The analysis core: what is known about one job set, built once.

Every question upgraph answers goes through one `Knowledge`: who emits an
event (declared `emits`, globs, the system's built-in emitters, emitters the
user configured, and - kept apart - `initctl emit` lines found in scripts),
who waits for it (start and stop conditions, with locations), which jobs
exist, which were rejected and why, which are disabled.  The rules ("is this
event known?", "does this name a job?") live here and nowhere else.

Indexes are built on first use, so a query pays only for what it reads.
"""

from __future__ import annotations

from upgraph.knowledge.globs import Names, Patterns, is_glob
from upgraph.knowledge.profiles import INIT_EVENTS, SESSION_EVENTS, Builtin, builtins, detect
from upgraph.model import (
    JOB_EVENT,
    JOB_EVENTS,
    Enumerated,
    Job,
    JobSet,
    Location,
    Operand,
    Record,
    fold,
    operands,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from upgraph.model import Condition, Diagnostic


class UnknownName(Exception):
    """A job or event nobody defines, emits or mentions ("did you mean")."""

    def __init__(self, kind: str, name: str, suggestions: list[str],
                 note: str | None = None) -> None:
        self.kind, self.name, self.suggestions, self.note = kind, name, suggestions, note
        if note:
            text = note
        else:
            hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
            text = f"unknown {kind} '{name}'{hint}"
        super().__init__(text)


class Emitter:
    """One answer to "who emits EVENT"."""

    __slots__ = ("name", "kind", "event", "via", "inferred", "location", "description",
                 "profile")

    def __init__(self, name: str, kind: str, event: str, via: str | None = None,
                 inferred: bool = False, location: str | None = None,
                 description: str | None = None, profile: str | None = None) -> None:
        self.name = name
        self.kind = kind  # "job" | "built-in" | "configured"
        self.event = event  # the event it emits (one the question covers)
        self.via = via  # the glob pattern (in `emits`, or a built-in's) that covers EVENT
        self.inferred = inferred  # only an `initctl emit` line says so
        self.location = location
        self.description = description
        self.profile = profile  # for built-ins: the system they belong to

    def label(self) -> str:
        return f"{self.name} [built-in]" if self.kind == "built-in" else self.name


class Listener:
    """One operand of one job's condition that mentions an event."""

    __slots__ = ("job", "condition", "operand", "location")

    def __init__(self, job: str, condition: str, operand: str,
                 location: str | None) -> None:
        self.job, self.condition, self.operand, self.location = (
            job, condition, operand, location)


def _where(loc: Location | None) -> str | None:
    return str(loc) if loc else None


class Disabled(Record):
    """Why a job never starts by itself: BY is "manual" (its .conf),
    "override" (`manual` in its .override) or "no-start-on"; LOC is the
    `manual` stanza (or the job, for no-start-on)."""

    __slots__ = ("by", "loc")

    @property
    def manual(self) -> bool:
        return self.by in ("manual", "override")


class Knowledge:
    """The index of one job set (plus the system profile and the user's
    configuration), shared by every query, check and drawing."""

    def __init__(self, jobset: JobSet, profile: str | None = None,
                 emitters: dict[str, list[str]] | None = None,
                 ignore_events: Iterable[str] = ()) -> None:
        self.jobset = jobset
        self.jobs = jobset.jobs
        if profile is None:
            profile, self.profile_reason = detect(set(jobset.jobs), jobset.session,
                                                  jobset.dialect == "chromeos")
        else:
            self.profile_reason = "chosen"
        self.profile = profile
        self.builtins: tuple[Builtin, ...] = builtins(profile)
        self.configured = {k: list(v) for k, v in (emitters or {}).items()}
        self.ignored = set(ignore_events)
        self._declared: tuple[dict[str, list[tuple[Job, object]]], Patterns,
                              dict[str, list[tuple[Job, object]]]] | None = None
        self._inferred: dict[str, list[tuple[Job, object]]] | None = None
        self._builtin_index: tuple[Patterns, dict[str, list[Builtin]]] | None = None
        self._configured_index: tuple[Patterns, dict[str, list[str]]] | None = None
        self._listeners: dict[str, list[tuple[Job, str, Operand]]] | None = None
        # (job event, job named) -> the same entries: `started X` for one X
        self._by_job: dict[tuple[str, str], list[tuple[Job, str, Operand]]] = {}
        self._events: list[str] | None = None
        self._emitters_of: dict[str, list[Emitter]] = {}
        self._suggest: dict[str, object] = {}
        self._sorted: list[Job] | None = None

    # -- indexes -----------------------------------------------------------

    def sorted_jobs(self) -> list[Job]:
        """The jobs by name, sorted once (every index and report walks them
        in this order; 100,000 names take a tenth of a second to sort)."""
        if self._sorted is None:
            self._sorted = self.jobset.sorted_jobs()
        return self._sorted

    def declared(self) -> tuple[dict, Patterns, dict]:
        """(exact event -> [(job, emit)], glob Patterns, glob -> [(job, emit)])."""
        if self._declared is None:
            exact: dict[str, list] = {}
            globs: dict[str, list] = {}
            for job in self.sorted_jobs():
                for emit in job.emits:
                    target = globs if is_glob(emit.event) else exact
                    target.setdefault(emit.event, []).append((job, emit))
            self._declared = (exact, Patterns(globs), globs)
        return self._declared

    def inferred(self) -> dict[str, list]:
        if self._inferred is None:
            found: dict[str, list] = {}
            for job in self.sorted_jobs():
                for emit in job.inferred:
                    found.setdefault(emit.event, []).append((job, emit))
            self._inferred = found
        return self._inferred

    def _builtins(self) -> tuple[Patterns, dict[str, list[Builtin]]]:
        if self._builtin_index is None:
            owners: dict[str, list[Builtin]] = {}
            for b in self.builtins:
                for p in b.patterns:
                    owners.setdefault(p, []).append(b)
            self._builtin_index = (Patterns(owners), owners)
        return self._builtin_index

    def _configured(self) -> tuple[Patterns, dict[str, list[str]]]:
        if self._configured_index is None:
            owners: dict[str, list[str]] = {}
            for name, events in self.configured.items():
                for e in events:
                    owners.setdefault(e, []).append(name)
            self._configured_index = (Patterns(owners), owners)
        return self._configured_index

    def listeners_index(self) -> dict[str, list[tuple[Job, str, Operand]]]:
        """event -> [(job, "start on"/"stop on", operand)], jobs sorted."""
        if self._listeners is None:
            # one pass over every operand of every job: kept tight, since a
            # 100,000-job set has 300,000 of them
            found: dict[str, list] = {}
            by_job = self._by_job
            for job in self.sorted_jobs():
                for which, cond in (("start on", job.start_on), ("stop on", job.stop_on)):
                    if cond is None:
                        continue
                    for op in cond.operands if type(cond) is Enumerated else operands(cond):
                        entry = (job, which, op)
                        ev = op.event
                        if ev in found:
                            found[ev].append(entry)
                        else:
                            found[ev] = [entry]
                        if ev in JOB_EVENT:
                            ref = op.job
                            if ref is not None:
                                by_job.setdefault((ev, ref), []).append(entry)
            self._listeners = found
        return self._listeners

    def events(self) -> list[str]:
        """Every event name emitted, mentioned or built in (for suggestions
        and for glob questions), sorted."""
        if self._events is None:
            names = set(self.listeners_index())
            exact, _globs, globs = self.declared()
            names.update(exact, globs, self.inferred())
            names.update(p for b in self.builtins for p in b.patterns)
            names.update(e for evs in self.configured.values() for e in evs)
            self._events = sorted(names)
        return self._events

    # -- the rules -----------------------------------------------------------

    def init_events(self) -> set[str]:
        """init's own events as initctl knows them (session-end in a session)."""
        return set(INIT_EVENTS) | (set(SESSION_EVENTS) if self.jobset.session else set())

    def declares(self, event: str) -> bool:
        """Some job's `emits` (a glob included) covers EVENT."""
        exact, patterns, _ = self.declared()
        return event in exact or patterns.covers(event)

    def known_to_initctl(self, event: str) -> bool:
        """initctl check-config's rule: declared, init's own, or ignored."""
        return self.declares(event) or event in self.init_events() or event in self.ignored

    def emittable(self, event: str) -> bool:
        """Something can emit EVENT: upgraph's rule, used by every analysis.

        Declared emits, job events, the profile's built-ins, configured
        emitters, `initctl emit` lines in scripts, and `--ignore-events`.
        """
        if event in self.ignored or event in JOB_EVENTS or self.declares(event):
            return True
        if event in self.inferred():
            return True
        return self._builtins()[0].covers(event) or self._configured()[0].covers(event)

    def job_reference_ok(self, ref: str) -> bool:
        """A job event names a job that exists (or a variable, never checked)."""
        return ref in self.jobs or ref.startswith("$")

    def operand_possible(self, op: Operand) -> bool:
        """An operand that something can make happen."""
        ref = op.job
        if ref is not None:
            return self.job_reference_ok(ref)
        return self.emittable(op.event)

    def rejected(self, name: str) -> Diagnostic | None:
        return self.jobset.rejected.get(name)

    def disabled(self, job: Job) -> Disabled | None:
        """Why JOB never starts by itself, when a stanza says so."""
        if job.start_on is not None:
            return None
        if job.manual is not None:
            by = "override" if job.override and job.manual.path == job.override else "manual"
            return Disabled(by, job.manual)
        return Disabled("no-start-on", job.loc)

    # -- questions -----------------------------------------------------------

    def emitters(self, event: str) -> list[Emitter]:
        """Every emitter of EVENT: jobs (declared, then inferred), built-ins,
        configured emitters.  A glob EVENT asks about every event it covers.
        Answered once per event (lint, deps and boot's explanations ask about
        the same events for thousands of jobs)."""
        known = self._emitters_of.get(event)
        if known is None:
            known = self._emitters_of[event] = self._find_emitters(event)
        return list(known)

    def _find_emitters(self, event: str) -> list[Emitter]:
        asked = [event]
        if is_glob(event):
            asked += [n for n in Names(self.events()).matching(event) if not is_glob(n)]
        found: list[Emitter] = []
        exact, patterns, globs = self.declared()
        b_patterns, b_owners = self._builtins()
        c_patterns, c_owners = self._configured()
        for ev in asked:
            pairs = list(exact.get(ev, ()))
            for p in patterns.matching(ev):
                pairs += globs[p]
            for job, emit in pairs:
                via = emit.event if emit.event != ev else None
                found.append(Emitter(job.name, "job", ev, via,
                                     location=_where(emit.loc or job.loc)))
            for job, emit in self.inferred().get(ev, ()):
                if not any(e.name == job.name and e.kind == "job" and e.event == ev
                           for e in found):
                    found.append(Emitter(job.name, "job", ev, None, True, _where(emit.loc)))
            for p in sorted({ev} & set(b_owners) | set(b_patterns.matching(ev))):
                for b in b_owners[p]:
                    found.append(Emitter(b.name, "built-in", ev, p if p != ev else None,
                                         description=b.description, profile=self.profile))
            for p in sorted({ev} & set(c_owners) | set(c_patterns.matching(ev))):
                for name in c_owners[p]:
                    found.append(Emitter(name, "configured", ev, p if p != ev else None,
                                         description="declared with --emitter or in "
                                         "the configuration"))
        order = {"job": 0, "built-in": 1, "configured": 2}
        seen: set[tuple[str, str, str]] = set()
        unique = []
        for e in sorted(found, key=lambda e: (order[e.kind], e.name, e.event)):
            key = (e.kind, e.name, e.event)
            if key not in seen:
                seen.add(key)
                unique.append(e)
        return unique

    def listeners(self, event: str, which: str | None = None,
                  job: str | None = None) -> list[Listener]:
        """Every operand naming EVENT (a glob covers many) in a condition.

        WHICH ("start"/"stop") narrows to one kind of condition; JOB narrows
        job events to those naming that job (`started udev`).
        """
        index = self.listeners_index()
        names = [event] if not is_glob(event) else list(Names(index).matching(event))
        out = []
        for name in names:
            entries = index.get(name, ()) if job is None else self._by_job.get((name, job), ())
            for j, cond, op in entries:
                if which and not cond.startswith(which):
                    continue
                out.append(Listener(j.name, cond, op.text(), _where(op.loc)))
        if len(names) > 1:
            out.sort(key=lambda x: x.job)
        return out

    def dependents(self, job: Job) -> list[Listener]:
        """Who waits for JOB: its job events, and the events it declares."""
        found = []
        for ev in JOB_EVENTS:
            found += self.listeners(ev, job=job.name)
        for emit in job.emits:
            if is_glob(emit.event):
                events = [n for n in Names(self.listeners_index()).matching(emit.event)]
            else:
                events = [emit.event]
            for ev in events:
                found += self.listeners(ev)
        seen = set()
        unique = []
        for lst in sorted(found, key=lambda x: (x.job, x.condition, x.operand)):
            key = (lst.job, lst.condition, lst.operand)
            if key not in seen:
                seen.add(key)
                unique.append(lst)
        return unique

    # -- names ---------------------------------------------------------------

    def suggest(self, kind: str, name: str, n: int = 4, cutoff: float = 0.6) -> list[str]:
        from upgraph.suggest import Suggester

        if kind not in self._suggest:
            if kind == "job":
                pool: Iterable[str] = self.jobs
            elif kind == "emitted":  # events something can emit
                exact, _, _ = self.declared()
                pool = {*exact, *self.inferred(), *JOB_EVENTS,
                        *(p for b in self.builtins for p in b.patterns if not is_glob(p)),
                        *(e for evs in self.configured.values() for e in evs)}
            else:
                pool = self.events()
            self._suggest[kind] = Suggester(pool)
        return self._suggest[kind](name, n, cutoff)  # type: ignore[operator]

    def require_job(self, name: str) -> Job:
        """The job NAME, or UnknownName saying why it is not there."""
        job = self.jobs.get(name)
        if job is not None:
            return job
        rejected = self.rejected(name)
        if rejected is not None and rejected.loc is not None:
            loc = rejected.loc
            raise UnknownName("job", name, [], f"{loc.path} was not loaded: line "
                              f"{loc.line}:{loc.col}: {rejected.message}")
        raise UnknownName("job", name, self.suggest("job", name))

    def require_event(self, name: str) -> None:
        """UnknownName unless EVENT is emitted, mentioned or built in."""
        known = self.events()
        if name in set(known):
            return
        if is_glob(name) and next(Names(known).matching(name), None) is not None:
            return
        raise UnknownName("event", name, self.suggest("event", name))


def condition_needs(k: Knowledge, cond: Condition | None) -> set[str]:
    """Jobs a condition cannot do without (for cycles and `deps`).

    An `or` needs only what both sides need, and an event is a need only when
    exactly one job (and no built-in) emits it: a cycle of needs is a real
    deadlock, not an alternative that might be taken.
    """
    if cond is None or isinstance(cond, Enumerated):
        return set()

    def leaf(op: Operand) -> set[str]:
        ref = op.job
        if ref is not None:
            return {ref} if ref in k.jobs else set()
        found = k.emitters(op.event)
        who = {e.name for e in found}
        # an inferred emitter is a guess: the event may come from elsewhere
        only_job = all(e.kind == "job" and not e.inferred for e in found)
        return who if len(who) == 1 and only_job else set()

    return fold(cond, leaf, lambda op, a, b: a | b if op == "and" else a & b)
