"""`initctl show-config` output, byte for byte (semantics §4, §5).

Jobs are printed sorted by name (initctl uses hash order, which no one can
rely on).  The plain form needs operators; a job read from `-e` text has
none, so it cannot be printed in the plain form and we say so instead of
inventing them.
"""

from __future__ import annotations

from upgraph.model import Condition, Enumerated, Job, canonical, operands


class OperatorsUnknown(Exception):
    """The condition came from `show-config -e` text: its operators are lost."""


def condition_text(cond: Condition | None) -> str | None:
    if cond is None:
        return None
    if isinstance(cond, Enumerated):
        return " ? ".join(op.text() for op in cond.operands) + "  (operators unknown)"
    return canonical(cond)


def plain(job: Job) -> list[str]:
    lines = [job.name]
    lines += [f"  emits {e}" for e in job.emitted]
    for label, cond in (("start on", job.start_on), ("stop on", job.stop_on)):
        if cond is None:
            continue
        if isinstance(cond, Enumerated):
            raise OperatorsUnknown(
                f"{job.name}: its {label} condition was read from `show-config -e` text, "
                "which has no operators; use --enumerate")
        lines.append(f"  {label} {canonical(cond)}")
    return lines


def enumerated(job: Job) -> list[str]:
    lines = [job.name]
    lines += [f"  emits {e}" for e in job.emitted]
    for label, cond in (("start on", job.start_on), ("stop on", job.stop_on)):
        for op in operands(cond):
            job_ref = op.job
            env = "".join(" " + a for a in op.env)
            job_field = "" if job_ref is None else " " + job_ref
            lines.append(f"  {label} {op.event} (job:{job_field}, env:{env})")
    return lines
