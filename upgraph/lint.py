"""`upgraph lint`: the checks initctl never had, as findings CI can act on.

Every finding has a stable code, a severity and, when the job came from a
file, the path:line:col of the stanza it is about.  "Known" events are the
ones something can actually emit: declared `emits` (globs included),
Upstart's built-in emitters, `initctl emit` lines in scripts, and emitters
the user declares for what upgraph cannot see (D-Bus daemons and the like).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from upgraph.builtins import builtin_emitters, builtin_events
from upgraph.globs import Names, Patterns, is_glob
from upgraph.model import (
    JOB_EVENTS,
    BinOp,
    Condition,
    Enumerated,
    Job,
    JobSet,
    Location,
    Operand,
    operands,
)
from upgraph.suggest import Suggester

SEVERITIES = ("info", "warning", "error")

RULES: dict[str, tuple[str, str]] = {
    # code: (default severity, short description)
    "syntax-error": ("error", "Upstart cannot parse this job; it is never loaded"),
    "unreadable": ("warning", "A job file that cannot be read as text"),
    "unknown-stanza": ("warning", "A stanza stock Upstart 1.13 does not know"),
    "unknown-event": ("warning", "A condition waits for an event nothing emits"),
    "unknown-job": ("warning", "A job event names a job that does not exist"),
    "never-starts": ("warning", "The start condition can never become true"),
    "stop-never-fires": ("info", "The stop condition can never become true"),
    "cycle": ("warning", "Jobs that wait for each other to start"),
    "undeclared-emit": ("warning", "A script runs `initctl emit` for an undeclared event"),
    "unused-emit": ("info", "A declared event nobody listens for"),
    "disabled": ("info", "A job disabled by `manual` or by an override"),
    "name-with-space": ("info", "An event or job name with a space (initctl misreads it)"),
}

_DIAG_CODES = {"syntax": "syntax-error", "unknown-stanza": "unknown-stanza",
               "binary": "unreadable", "unreadable": "unreadable", "encoding": "unreadable"}


@dataclass
class Finding:
    code: str
    severity: str
    message: str
    job: str | None = None
    path: str | None = None
    line: int | None = None
    col: int | None = None

    @classmethod
    def at(cls, code: str, message: str, loc: Location | None, job: str | None = None,
           severity: str | None = None) -> Finding:
        return cls(code, severity or RULES[code][0], message, job,
                   loc.path if loc else None, loc.line if loc else None,
                   loc.col if loc else None)


@dataclass
class LintConfig:
    ignore_events: set[str] = field(default_factory=set)
    emitters: dict[str, list[str]] = field(default_factory=dict)
    disable: set[str] = field(default_factory=set)


class _Knowledge:
    """What can be emitted and which jobs exist, for one job set."""

    def __init__(self, jobset: JobSet, config: LintConfig) -> None:
        self.jobset = jobset
        self.patterns: list[str] = sorted(
            {e.event for j in jobset.jobs.values() for e in j.emits}
            | {e for evs in config.emitters.values() for e in evs})
        self.emitted = Patterns(self.patterns)
        self.ignored = config.ignore_events
        self.names = sorted(set(builtin_events()) | set(self.patterns) | set(JOB_EVENTS))
        self.job_names = Suggester(jobset.jobs)
        self.event_names = Suggester(self.names)
        # event -> jobs whose emits cover it, filled lazily (see emitters_of)
        self._emitters: dict[str, set[str]] = {}
        self._by_pattern: dict[str, set[str]] = {}
        for j in jobset.jobs.values():
            for e in j.emits:
                self._by_pattern.setdefault(e.event, set()).add(j.name)

    def emittable(self, event: str) -> bool:
        if event in self.ignored or event in JOB_EVENTS or self.emitted.covers(event):
            return True
        return bool(builtin_emitters(event))

    def emitters_of(self, event: str) -> set[str]:
        """Jobs whose `emits` (exact or glob) covers EVENT."""
        found = self._emitters.get(event)
        if found is None:
            found = set(self._by_pattern.get(event, ()))
            for p in self.emitted.matching(event):
                if p != event:
                    found |= self._by_pattern.get(p, set())
            self._emitters[event] = found
        return found

    def operand_ok(self, op: Operand) -> bool:
        if op.job is not None:
            return op.job in self.jobset.jobs or op.job.startswith("$")
        return self.emittable(op.event)

    def satisfiable(self, cond: Condition) -> bool:
        if isinstance(cond, Operand):
            return self.operand_ok(cond)
        if isinstance(cond, Enumerated):
            return all(self.operand_ok(o) for o in cond.operands)
        left, right = self.satisfiable(cond.left), self.satisfiable(cond.right)
        return (left and right) if cond.op == "and" else (left or right)

    @staticmethod
    def hint(close: list[str]) -> str:
        return f"; did you mean {', '.join(close)}?" if close else ""


def _condition_findings(k: _Knowledge, job: Job) -> list[Finding]:
    out = []
    for label, cond in (("start on", job.start_on), ("stop on", job.stop_on)):
        if cond is None:
            continue
        where = job.stanza_locs.get(label, job.loc)
        for op in operands(cond):
            loc = op.loc or where
            if op.job is not None:
                if op.job not in k.jobset.jobs and not op.job.startswith("$"):
                    out.append(Finding.at(
                        "unknown-job", f"'{op.text()}' names job '{op.job}', which does not "
                        f"exist{k.hint(k.job_names(op.job, 3, 0.75))}", loc, job.name))
            elif not k.emittable(op.event):
                out.append(Finding.at(
                    "unknown-event", f"nothing emits '{op.event}' ({label} {op.text()})"
                    f"{k.hint(k.event_names(op.event, 3, 0.75))}", loc, job.name))
            if " " in op.event or (op.job and " " in op.job):
                out.append(Finding.at(
                    "name-with-space", f"'{op.text()}': a name with a space, which "
                    "initctl check-config splits into two", loc, job.name))
        if not k.satisfiable(cond):
            compound = isinstance(cond, (BinOp, Enumerated))
            why = ("none of its alternatives can happen" if compound
                   else "it waits for something that never happens")
            if label == "start on" and not job.manual:
                out.append(Finding.at("never-starts", f"start condition can never become "
                                      f"true ({why}): the job never starts by itself",
                                      where, job.name))
            elif label == "stop on":
                out.append(Finding.at("stop-never-fires", f"stop condition can never become "
                                      f"true ({why}): the job only stops when told to",
                                      where, job.name))
    return out


def _needs(k: _Knowledge, cond: Condition | None) -> set[str]:
    """Jobs a condition cannot do without.

    An `or` needs only what both sides need, and an event is a need only
    when exactly one job (and no built-in) emits it, so a cycle made of
    needs is a real deadlock, not an alternative that might be taken.
    """
    if cond is None:
        return set()
    if isinstance(cond, Operand):
        if cond.job is not None:
            return {cond.job} if cond.job in k.jobset.jobs else set()
        if builtin_emitters(cond.event):
            return set()
        who = k.emitters_of(cond.event)
        return set(who) if len(who) == 1 else set()
    if isinstance(cond, Enumerated):
        return set()  # operators unknown: cannot tell what is needed
    left, right = _needs(k, cond.left), _needs(k, cond.right)
    return left | right if cond.op == "and" else left & right


def _waits_for(k: _Knowledge) -> Any:
    """Job -> jobs it cannot start without."""
    import networkx as nx

    g = nx.DiGraph()
    for j in k.jobset.sorted_jobs():
        for need in _needs(k, j.start_on):
            g.add_edge(j.name, need)
    return g


def _cycles(k: _Knowledge, limit: int = 50) -> list[Finding]:
    import networkx as nx

    out = []
    g = _waits_for(k)
    for cycle in nx.simple_cycles(g, length_bound=8):
        if len(out) >= limit:
            break
        first = min(range(len(cycle)), key=lambda i: cycle[i])
        cycle = cycle[first:] + cycle[:first]
        job = k.jobset.jobs[cycle[0]]
        path = " -> ".join([*cycle, cycle[0]])
        out.append(Finding.at("cycle", f"jobs wait for each other to start: {path}",
                              job.stanza_locs.get("start on", job.loc), cycle[0]))
    return out


def _emit_findings(k: _Knowledge, job: Job, listened: set[str],
                   heard_by_glob: Names) -> list[Finding]:
    out = []
    for e in job.emits:
        if e.inferred:
            out.append(Finding.at("undeclared-emit", f"a script runs `initctl emit {e.event}` "
                                  f"but no `emits {e.event}` stanza declares it", e.loc, job.name))
            continue
        heard = e.event in listened or (is_glob(e.event) and next(
            heard_by_glob.matching(e.event), None) is not None)
        if not heard:
            out.append(Finding.at("unused-emit", f"emits '{e.event}' but no job listens for it",
                                  e.loc, job.name))
    if job.manual:
        loc = job.stanza_locs.get("manual", job.loc)
        by = f"by override {job.override}" if job.override and loc and \
            loc.path == job.override else "by `manual`"
        out.append(Finding.at("disabled", f"disabled {by}: never starts automatically",
                              loc, job.name))
    return out


def lint(jobset: JobSet, config: LintConfig | None = None) -> list[Finding]:
    config = config or LintConfig()
    k = _Knowledge(jobset, config)
    findings = [Finding.at(_DIAG_CODES.get(d.code, "syntax-error"), d.message, d.loc)
                for d in jobset.diagnostics if d.code in _DIAG_CODES]
    listened = {op.event for j in jobset.jobs.values()
                for c in (j.start_on, j.stop_on) for op in operands(c)}
    heard_by_glob = Names(listened)
    for job in jobset.sorted_jobs():
        findings += _condition_findings(k, job)
        findings += _emit_findings(k, job, listened, heard_by_glob)
    findings += _cycles(k)
    findings = [f for f in findings if f.code not in config.disable]
    return sorted(findings, key=lambda f: (f.path or "", f.line or 0, f.col or 0, f.code,
                                           f.message))


def load_config(path: str | None, conf_dirs: list[str]) -> LintConfig:
    """`--config FILE`, else upgraph.toml or [tool.upgraph] beside the jobs."""
    import os

    candidates = [path] if path else [
        p for d in conf_dirs for p in (os.path.join(d, "upgraph.toml"),
                                       os.path.join(d, "pyproject.toml"))]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate):
            return _read_config(candidate)
    return LintConfig()


def _read_config(path: str) -> LintConfig:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    if path.endswith("pyproject.toml"):
        data = data.get("tool", {}).get("upgraph", {})
    emitters = {str(k): [str(e) for e in v] for k, v in data.get("emitters", {}).items()}
    return LintConfig(set(data.get("ignore-events", [])), emitters,
                      set(data.get("disable", [])))


def fails(findings: list[Finding], threshold: str) -> bool:
    level = SEVERITIES.index(threshold)
    return any(SEVERITIES.index(f.severity) >= level for f in findings)
