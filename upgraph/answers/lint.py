"""`upgraph lint`: the checks initctl never had, as findings CI can act on.

Every finding has a stable code, a severity and, when the job came from a
file, the path:line:col of what it is about.  What counts as emitted is the
core's rule (Knowledge.emittable): declared `emits` (globs included), the
system's built-in emitters, `initctl emit` lines in scripts, and emitters
the user declares for what upgraph cannot see (D-Bus daemons and the like).
"""

from __future__ import annotations

from upgraph.knowledge.globs import Names, is_glob
from upgraph.knowledge.index import Knowledge, condition_needs
from upgraph.model import BinOp, Enumerated, Job, Location, fold, operands

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from upgraph.answers.context import Context

SEVERITIES = ("info", "warning", "error")

RULES: dict[str, tuple[str, str]] = {
    # code: (default severity, short description)
    "syntax-error": ("error", "Upstart cannot parse this job; it is never loaded"),
    "unreadable": ("warning", "A job file that cannot be read as text"),
    "unknown-stanza": ("error", "A stanza Upstart does not know: it rejects the job"),
    "vendor-stanza": ("info", "A vendor stanza (ChromeOS); stock Upstart rejects the job"),
    "unknown-event": ("warning", "A condition waits for an event nothing emits"),
    "unknown-job": ("warning", "A job event names a job that does not exist"),
    "never-starts": ("warning", "The start condition can never become true"),
    "stop-never-fires": ("info", "The stop condition can never become true"),
    "no-start-on": ("info", "A job with no start condition: it starts only by hand"),
    "cycle": ("warning", "Jobs that wait for each other to start"),
    "undeclared-emit": ("warning", "A script runs `initctl emit` for an undeclared event"),
    "unused-emit": ("info", "A declared event nobody listens for"),
    "disabled": ("info", "A job disabled by `manual` or by an override"),
    "name-with-space": ("info", "An event or job name with a space (initctl misreads it)"),
}

_DIAG_CODES = {"syntax": "syntax-error", "unknown-stanza": "unknown-stanza",
               "binary": "unreadable", "unreadable": "unreadable", "encoding": "unreadable"}


class Finding:
    __slots__ = ("code", "severity", "message", "job", "path", "line", "col")

    def __init__(self, code: str, message: str, loc: Location | None,
                 job: str | None = None) -> None:
        self.code, self.severity, self.message, self.job = (
            code, RULES[code][0], message, job)
        self.path = loc.path if loc else None
        self.line = loc.line if loc else None
        self.col = loc.col if loc else None


class Lint:
    """All findings for a job set, sorted by place."""

    render_as = "lint"

    rules = RULES  # for SARIF's rule table
    ok = True

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        self.exit_status: int | None = None  # set by answer: --fail-on decides

    def counts(self) -> dict[str, int]:
        return {s: sum(f.severity == s for f in self.findings) for s in SEVERITIES}

    def fails(self, threshold: str) -> bool:
        level = SEVERITIES.index(threshold)
        return any(SEVERITIES.index(f.severity) >= level for f in self.findings)


def _hint(close: list[str]) -> str:
    return f"; did you mean {', '.join(close)}?" if close else ""


def _condition_findings(k: Knowledge, job: Job, disable: set[str] | frozenset[str]
                        ) -> list[Finding]:
    """Unknown events and jobs in a job's conditions; a condition that can
    never become true is one finding that names what it waits for (not one
    more line about the same operands)."""
    out = []
    for label, cond in job.conditions():
        where = job.where(label)
        missing: list[tuple[Finding, str]] = []  # (finding, what the operand lacks)
        for op in operands(cond):
            loc = op.loc or where
            ref = op.job
            if ref is not None:
                if not k.job_reference_ok(ref):
                    rejected = k.rejected(ref)
                    if rejected is not None and rejected.loc is not None:
                        why = f" (it was not loaded: {rejected.loc}: {rejected.message})"
                    else:
                        why = _hint(k.suggest("job", ref, 3, 0.75))
                    missing.append((Finding("unknown-job", f"'{op.text()}' names job '{ref}', "
                                            f"which does not exist{why}", loc, job.name),
                                    f"`{op.text()}`: there is no job {ref}{why}"))
            elif not k.emittable(op.event):
                hint = _hint(k.suggest("emitted", op.event, 3, 0.75))
                missing.append((Finding("unknown-event", f"nothing emits '{op.event}' "
                                        f"({label} {op.text()}){hint}", loc, job.name),
                                f"`{op.text()}`, which nothing emits{hint}"))
            if " " in op.event or (ref and " " in ref):
                out.append(Finding("name-with-space", f"'{op.text()}': a name with a space, "
                                   "which initctl check-config splits into two", loc, job.name))
        possible = fold(cond, k.operand_possible,
                        lambda op, a, b: (a and b) if op == "and" else (a or b))
        code = "never-starts" if label == "start on" else "stop-never-fires"
        if possible or not missing or code in disable:
            out += [f for f, _ in missing]
            continue
        compound = isinstance(cond, (BinOp, Enumerated))
        waits = "; ".join(what for _, what in missing)
        why = (f"none of its alternatives can happen: {waits}" if compound
               else f"it waits for {waits}")
        loc = Location(missing[0][0].path, missing[0][0].line, missing[0][0].col) \
            if missing[0][0].path else where
        if label == "start on":
            out.append(Finding(code, f"start condition can never become true ({why}): the "
                               "job never starts by itself", loc, job.name))
        else:
            out.append(Finding(code, f"stop condition can never become true ({why}): the "
                               "job only stops when told to", loc, job.name))
    return out


def _cycles(k: Knowledge, limit: int = 50) -> list[Finding]:
    import networkx as nx

    g = nx.DiGraph()
    for j in k.sorted_jobs():
        for need in condition_needs(k, j.start_on) - {j.name}:  # a job is not its own cycle
            g.add_edge(j.name, need)
    out = []
    for cycle in nx.simple_cycles(g, length_bound=8):
        if len(out) >= limit:
            break
        first = min(range(len(cycle)), key=lambda i: cycle[i])
        cycle = cycle[first:] + cycle[:first]
        job = k.jobs[cycle[0]]
        path = " -> ".join([*cycle, cycle[0]])
        out.append(Finding("cycle", f"jobs wait for each other to start: {path}",
                           job.where("start on"), cycle[0]))
    return out


def _job_findings(k: Knowledge, job: Job, heard: Names) -> list[Finding]:
    out = []
    for e in job.inferred:
        out.append(Finding("undeclared-emit", f"a script runs `initctl emit {e.event}` but no "
                           f"`emits {e.event}` stanza declares it", e.loc, job.name))
    listened = k.listeners_index()
    for e in job.emits:
        if e.event in listened or (is_glob(e.event) and
                                   next(heard.matching(e.event), None) is not None):
            continue
        out.append(Finding("unused-emit", f"emits '{e.event}' but no job listens for it",
                           e.loc, job.name))
    for key, loc in () if k.jobset.dialect_given else job.vendor or ():
        out.append(Finding("vendor-stanza", f"'{key}' is a ChromeOS stanza: stock Upstart "
                           "rejects this job (Unknown stanza)", loc, job.name))
    reason = k.disabled(job)
    if reason is not None and reason.manual:
        by = f"by override {job.override}" if reason.by == "override" else "by `manual`"
        out.append(Finding("disabled", f"disabled {by}: never starts automatically",
                           job.manual, job.name))
    elif reason is not None:
        out.append(Finding("no-start-on", "no `start on`: the job starts only by hand "
                           "(initctl start) or from another job's script", job.loc, job.name))
    return out


def lint(k: Knowledge, disable: set[str] | frozenset[str] = frozenset()) -> Lint:
    diags = k.jobset.diagnostics
    findings = []
    for d in diags:
        if d.code in _DIAG_CODES:
            found = Finding(_DIAG_CODES[d.code], d.message, d.loc)
            if d.severity == "error":  # an input error (a file not read) stays one
                found.severity = "error"
            findings.append(found)
    heard = Names(k.listeners_index())
    for job in k.sorted_jobs():
        findings += _condition_findings(k, job, disable)
        findings += _job_findings(k, job, heard)
    findings += _cycles(k)
    findings = [f for f in findings if f.code not in disable]
    findings.sort(key=lambda f: (f.path or "", f.line or 0, f.col or 0, f.code, f.message))
    return Lint(findings)


def answer(ctx: Context) -> Lint:
    import os

    from upgraph.answers.context import EXIT_INPUT, EXIT_NO, EXIT_OK, EXIT_USAGE, Stop
    from upgraph.suggest import suggest

    o = ctx.o
    disable = {r for item in o.disable or [] for r in item.split(",") if r}
    for rule in disable:
        if rule not in RULES:
            close = suggest(rule, list(RULES), n=3)
            raise Stop(EXIT_USAGE, f"--disable: no rule '{rule}'"
                       + (f"; did you mean: {', '.join(close)}?" if close else
                          f"; the rules: {', '.join(RULES)}"))
    files = _job_dirs_of(o) if o.paths else None
    # input problems are findings here
    result = lint(ctx.knowledge, set(ctx.config.disable) | disable)
    if files is not None:
        result.findings = [f for f in result.findings if f.path is None or
                           os.path.abspath(f.path) in files]
    # a file no rule could look at (a 17 MiB `backdoor.conf`) is not a pass:
    # exit 3 whatever --fail-on says, as for every other command
    result.exit_status = (EXIT_INPUT if ctx.jobset.unread else
                          EXIT_NO if result.fails(o.fail_on) else EXIT_OK)
    return result


def _job_dirs_of(o: Any) -> set[str]:
    """For `lint PATH...`: read each file within its job directory (the
    nearest directory named `init` above it) so that jobs are named as
    Upstart names them, or alone when there is none (as init-checkconf
    does: never a whole unrelated directory such as / or /etc); returns the
    files whose findings are wanted."""
    import os

    from upgraph.answers.context import EXIT_USAGE, Stop

    dirs = list(o.conf_dir or [])
    files: set[str] = set()
    for path in o.paths:
        path = os.path.normpath(path)
        if os.path.isdir(path):
            dirs.append(path)
            files.update(os.path.abspath(os.path.join(root, f))
                         for root, _, names in os.walk(path) for f in names)
            continue
        if not os.path.exists(path):
            raise Stop(EXIT_USAGE, f"{path}: no such file")
        files.add(os.path.abspath(path))
        top = os.path.dirname(path) or "."
        while os.path.basename(top) != "init" and os.path.dirname(top) not in (top, ""):
            top = os.path.dirname(top)
        dirs.append(top if os.path.basename(top) == "init" else path)
    o.conf_dir = list(dict.fromkeys(dirs))
    return files
