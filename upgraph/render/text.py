"""Line-oriented text for people and for `cut`/`awk`: one answer per line,
the name first."""

from __future__ import annotations

from upgraph.lint import Finding
from upgraph.query import Emitter, JobReport, Listener


def emitter_line(e: Emitter) -> str:
    parts = [e.name]
    if e.kind == "built-in":
        parts.append("built-in")
    if e.inferred:
        parts.append("inferred")
    if e.via:
        parts.append(f"via {e.via}")
    return " ".join(parts)


def listener_line(lst: Listener) -> str:
    return f"{lst.job} {lst.condition} {lst.operand}"


def job_report(r: JobReport) -> list[str]:
    rows: list[tuple[str, str]] = [("defined at", r.defined_at or "-")]
    if r.override:
        rows.append(("override", r.override))
    if r.description:
        rows.append(("description", r.description))
    kind = r.kind + (", manual (never starts by itself)" if r.manual else "")
    if r.instance:
        kind += f", instance {r.instance}"
    rows.append(("type", kind))
    rows.append(("start on", r.start_on or "-"))
    rows.append(("stop on", r.stop_on or "-"))
    rows.append(("emits", " ".join(r.emits) if r.emits else "-"))
    lines = [r.name] + [f"  {k:<12} {v}" for k, v in rows]
    lines.append("  waits for")
    if not r.waits_for:
        lines.append("    -")
    for w in r.waits_for:
        who = ", ".join(w.emitters) if w.emitters else "NOBODY"
        lines.append(f"    {w.condition} {w.operand}  <- {who}")
    lines.append("  waited on by")
    if not r.waited_on_by:
        lines.append("    -")
    for lst in r.waited_on_by:
        lines.append(f"    {listener_line(lst)}")
    return lines


def finding_line(f: Finding) -> str:
    """Compiler style, so editors and CI annotate the right line."""
    if f.path:
        where = f"{f.path}:{f.line or 1}:{f.col or 1}"
    else:
        where = f.job or "-"
    return f"{where}: {f.severity}: {f.message} [{f.code}]"
