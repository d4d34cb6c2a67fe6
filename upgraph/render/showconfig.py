"""`initctl show-config` output, byte for byte (semantics §4, §5).

Jobs are printed sorted by name (initctl uses hash order, which no one can
rely on).  Names and values are printed as initctl prints them, control
characters escaped (see escape.py).
"""

from __future__ import annotations

from upgraph.model import canonical, operands
from upgraph.render.escape import safe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from upgraph.model import Job


def plain(job: Job) -> list[str]:
    lines = [job.name]
    lines += [f"  emits {e}" for e in job.emitted]
    for label, cond in job.conditions():
        lines.append(f"  {label} {canonical(cond)}")  # type: ignore[arg-type]
    return lines


def enumerated(job: Job) -> list[str]:
    lines = [job.name]
    lines += [f"  emits {e}" for e in job.emitted]
    for label, cond in job.conditions():
        for op in operands(cond):
            ref = op.job
            env = "".join(" " + a for a in op.env)
            field = "" if ref is None else " " + ref
            lines.append(f"  {label} {op.event} (job:{field}, env:{env})")
    return lines


def render(result: Any, fmt: str, **options: Any) -> str:
    form = enumerated if result.enumerate else plain
    return "".join(safe(line) + "\n" for job in result.jobs for line in form(job))
