"""Read `initctl show-config` text (plain or `-e`) into jobs.

People paste whatever they have: whole outputs, several `show-config JOB`
outputs run together, or `grep -B8` excerpts with `--` separators and a first
record cut off.  So the text is read line by line, and every line that can be
attributed to a job is used; lines that cannot are reported, never fatal.
"""

from __future__ import annotations

from typing import Any

from upgraph.grammars import parser
from upgraph.model import Diagnostic, Emit, Enumerated, Job, Location, Operand
from upgraph.parse.expr import ExprError, build, explain


def _line_parser() -> Any:
    return parser("showconfig", start="detail", lexer="contextual")


def _enum_operand(event: str, detail: str) -> Operand:
    """`(job: NAME, env: A B)` back into an operand with the job first."""
    inner = detail.rstrip()[len("(job:"):-1]
    job_part, _, env_part = inner.rpartition(", env:")
    job = job_part.strip()
    env = tuple(env_part.split())
    return Operand(event, ((job,) if job else ()) + env)


class _Record:
    def __init__(self, job: Job) -> None:
        self.job = job
        self.enumerated: dict[str, list[Operand]] = {"start_on": [], "stop_on": []}


def parse_showconfig(text: str, source: str) -> tuple[list[Job], list[Diagnostic]]:
    from lark.exceptions import LarkError

    diags: list[Diagnostic] = []
    records: list[_Record] = []
    current: _Record | None = None
    orphans = 0
    first_orphan = 0
    lp = _line_parser()
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line.strip() == "--":  # grep's separator between excerpts
            current = None
            continue
        if not line[0].isspace():
            name = line.strip()
            job = Job(name, source, Location(source, lineno))
            current = _Record(job)
            records.append(current)
            continue
        if current is None:
            # A record whose name line was cut off (grep -B8): keep what it
            # says under a name that says so, since its lines still answer
            # "who emits / who listens".
            orphans += 1
            first_orphan = first_orphan or lineno
            name = f"<unnamed at {source}:{lineno}>"
            current = _Record(Job(name, source, Location(source, lineno)))
            records.append(current)
        loc = Location(source, lineno, len(line) - len(line.lstrip()) + 1)
        try:
            tree = lp.parse(line.strip())
            _apply(current, tree, loc)
        except (LarkError, ExprError) as exc:
            if isinstance(exc, ExprError):
                message = exc.message
            else:
                message = explain(exc)[0]
            diags.append(Diagnostic(
                "warning", f"cannot read this line of show-config text ({message}): "
                f"{line.strip()!r}", loc, "showconfig-line"))
    if orphans:
        diags.append(Diagnostic(
            "warning", f"{orphans} line(s) have no job name above them (a cut-off record?); "
            "shown as <unnamed at ...>", Location(source, first_orphan),
            "showconfig-orphan"))
    return _finish(records, diags), diags


def _apply(rec: _Record, tree: Any, loc: Location) -> None:
    kind = tree.data
    kids = tree.children
    job = rec.job
    if kind == "emits_line":
        job.emits.append(Emit(str(kids[1]).strip(), loc))
        return
    which = "start_on" if str(kids[0]).startswith("start") else "stop_on"
    if kind == "enum_line":
        op = _enum_operand(str(kids[1]), str(kids[2]))
        rec.enumerated[which].append(Operand(op.event, op.args, loc))
    else:
        setattr(job, which, build(kids[1], None, raw=False))
    job.stanza_locs[which.replace("_", " ")] = loc


def _finish(records: list[_Record], diags: list[Diagnostic]) -> list[Job]:
    jobs: list[Job] = []
    for rec in records:
        job = rec.job
        for which, ops in rec.enumerated.items():
            if not ops:
                continue
            if getattr(job, which) is not None:
                diags.append(Diagnostic(
                    "warning", f"job {job.name} mixes plain and -e {which.replace('_', ' ')} "
                    "lines; using the plain one", ops[0].loc, "showconfig-mixed"))
                continue
            setattr(job, which, Enumerated(tuple(ops)))
        jobs.append(job)
    return jobs
