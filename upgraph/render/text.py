"""Line-oriented text for people and for `cut`/`awk`: one answer per line,
the name first.  Every name passes through escape.safe()."""

from __future__ import annotations

from upgraph.render.escape import PLAIN, Style, painted, safe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def _lines(lines: list[str], kind: str, style: Style) -> str:
    if style.color:
        return "".join(painted(kind, safe(line), style) + "\n" for line in lines)
    return "".join(safe(line) + "\n" for line in lines)


def emitter_line(e: Any, asked: str | None = None) -> str:
    """NAME [KIND] [inferred] [for EVENT] [via PATTERN]: `for` names the
    event when the question was a glob; `via`, the pattern that covers it."""
    parts = [e.name]
    if e.kind != "job":
        parts.append(e.kind)
    if e.inferred:
        parts.append("inferred")
    if asked is not None and e.event != asked:
        parts.append(f"for {e.event}")
    if e.via:
        parts.append(f"via {e.via}")
    return " ".join(parts)


def listener_line(lst: Any) -> str:
    return f"{lst.job} {lst.condition} {lst.operand}"


def who_emits(r: Any, style: Style = PLAIN) -> list[str]:
    return [emitter_line(e, r.event) for e in r.emitters]


def who_listens(r: Any, style: Style = PLAIN) -> list[str]:
    return [listener_line(x) for x in r.listeners]


def show(r: Any, style: Style = PLAIN) -> list[str]:
    rows: list[tuple[str, str]] = [("defined at", r.defined_at or "-")]
    if r.override:
        rows.append(("override", r.override))
    if r.description:
        rows.append(("description", r.description))
    kind = r.type + (", manual (never starts by itself)" if r.manual else "")
    if r.instance:
        kind += f", instance {r.instance}"
    rows.append(("type", kind))
    rows.append(("start on", r.start_on or "-"))
    rows.append(("stop on", r.stop_on or "-"))
    rows.append(("emits", " ".join(r.emits) if r.emits else "-"))
    if r.inferred_emits:
        rows.append(("emits (by script, undeclared)", " ".join(r.inferred_emits)))
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
    lines += [f"    {listener_line(x)}" for x in r.waited_on_by]
    return lines


def job_list(r: Any, style: Style = PLAIN) -> list[str]:
    width = max((len(row.name) for row in r.rows), default=0)
    out = []
    for row in r.rows:
        extra = f"  ({row.why})" if row.why else ""
        inst = f" instance {row.instance}" if row.instance else ""
        real = f"  [{row.real}]" if row.real is not None else ""
        out.append(f"{row.name:<{width}}  {row.state:<8}  {row.type:<7}  "
                   f"{row.defined_at}{inst}{extra}{real}")
    return out


def check_config(r: Any, style: Style = PLAIN) -> list[str]:
    out = []
    for job, lines in r.reports:
        out.append(job)
        out += [f"  {line}" for line in lines]
    return out


def finding_line(f: Any) -> str:
    """Compiler style, so editors and CI annotate the right line."""
    where = f"{f.path}:{f.line or 1}:{f.col or 1}" if f.path else (f.job or "-")
    return f"{where}: {f.severity}: {f.message} [{f.code}]"


def lint(r: Any, style: Style = PLAIN) -> list[str]:
    return [finding_line(f) for f in r.findings]


def _seconds(t: float | None) -> str:
    return f"{t:12.6f}" if t is not None else f"{'-':>12}"


def log(r: Any, style: Style = PLAIN) -> list[str]:
    """The boot's timeline, or (--list-boots) the log's boots."""
    if r.listing:
        out = []
        for b in r.boots:
            span = (f"{b.start:.6f}..{b.end:.6f} s" if b.start is not None else "no times")
            out.append(f"{b.index:>3}  {b.first} .. {b.last}  {b.lines} init lines  {span}")
        return out
    b = r.boot
    h = r.history
    out = [f"boot {b.index} ({len(r.boots)} in the log): {b.first} .. {b.last}, "
           f"{b.lines} init lines, detail: {h.detail}"]
    for e in r.timeline:
        mark = "  [failed]" if e.failure else ""
        who = f"{e.job}: " if e.job else ""
        out.append(f"{_seconds(e.time)}  {who}{e.what}{mark}")
    if not r.failed_only and h.detail != "warn":
        ended = sorted(h.jobs.values(), key=lambda j: j.label)
        out.append(f"jobs ({len(ended)})")
        for j in ended:
            end = f"{j.goal or '?'}/{j.state or '?'}"
            extra = (["failed"] if j.failed else []) + (
                [f"{j.respawns} respawn(s)"] if j.respawns else [])
            out.append(f"  {j.label} {end}" + (f"  ({', '.join(extra)})" if extra else ""))
    failed = sorted({f.job for f in h.failures if f.kind != "respawn"})
    out.append(f"{len(failed)} job(s) failed" + (f": {', '.join(failed)}" if failed else ""))
    return out


def blame(r: Any, style: Style = PLAIN) -> list[str]:
    return [f"{seconds:10.3f}s {job}" + ("  (ran)" if what == "ran" else "")
            for job, seconds, what in r.rows]


def diff(d: Any, style: Style = PLAIN) -> list[str]:
    """Sections that have something, each headed; nothing at all: one line."""
    lines = [f"--- {d.a}", f"+++ {d.b}"]
    if d.added:
        lines.append(f"jobs added ({len(d.added)}): {', '.join(d.added)}")
    if d.removed:
        lines.append(f"jobs removed ({len(d.removed)}): {', '.join(d.removed)}")
    for block in d.changed:
        lines.append(f"changed: {block.job}")
        lines += [f"  {line}" for line in block.diff]
    for title, changes in (("emitters", d.emitters), ("listeners", d.listeners)):
        for c in changes:
            who = [f"+{n}" for n in c.gained] + [f"-{n}" for n in c.lost]
            lines.append(f"{title} of {c.what}: {' '.join(who)}")
    lines += [f"lint, new: {f}" for f in d.findings_new]
    lines += [f"lint, gone: {f}" for f in d.findings_gone]
    for s in d.started:
        where, other = (d.a, d.b) if s.starts == "a" else (d.b, d.a)
        lines.append(f"boot: {s.job} starts only in {where}; in {other}: {s.why}")
    for c in d.chains:
        lines.append(f"boot: the critical chain of {c.what} changed: "
                     f"{' <- '.join(c.lost)}  =>  {' <- '.join(c.gained)}")
    lines += [f"note: {n}" for n in d.notes]
    if not d.differs:
        lines.append("no differences")
    return lines


def fleet(f: Any, style: Style = PLAIN) -> list[str]:
    """Variants largest first, each with a few of its hosts and what sets it
    apart from the largest; then boot outcomes, failures, refusals."""
    lines = [f"fleet: {f.hosts} hosts, {len(f.variants)} job set(s), "
             f"{len(f.outcomes)} boot outcome(s)"]
    for i, v in enumerate(f.variants, 1):
        shown = ", ".join(v.hosts[:5]) + (f" and {len(v.hosts) - 5} more"
                                          if len(v.hosts) > 5 else "")
        head = f"job set {i} ({v.key}, boot {v.outcome}): {len(v.hosts)} host(s): {shown}"
        if v.vs is None:
            lines.append(head + " (the largest)")
            continue
        parts = [f"{what.replace('_', ' ')}: {', '.join(names)}"
                 for what, names in v.vs.items() if names]
        lines.append(head)
        lines.append("  against job set 1: " + ("; ".join(parts) or "the same jobs"))
    if len(f.outcomes) > 1:
        lines.append("boot outcomes: " + "; ".join(f"{k}: {n} host(s)"
                                                   for k, n in f.outcomes.items()))
    if f.failures:
        lines.append(f"hosts whose logs show failures ({len(f.failures)}):")
        for host, fails in sorted(f.failures.items()):
            lines += [f"  {host}: {line}" for line in fails[:3]]
            if len(fails) > 3:
                lines.append(f"  {host}: ... and {len(fails) - 3} more")
    if f.refused:
        lines.append(f"bundles refused ({len(f.refused)}):")
        lines += [f"  {r}" for r in f.refused]
    return lines


def _lazy(module: str, name: str) -> Callable[[Any, Style], list[str]]:
    def call(r: Any, style: Style) -> list[str]:
        from importlib import import_module

        return getattr(import_module(module), name)(r, style)
    return call


RENDER: dict[str, Callable[[Any, Style], list[str]]] = {
    "who-emits": who_emits,
    "who-listens": who_listens,
    "show": show,
    "list": job_list,
    "check-config": check_config,
    "lint": lint,
    "log": log,
    "blame": blame,
    "diff": diff,
    "fleet": fleet,

    "boot": _lazy("upgraph.render.boottext", "boot"),
    "why": _lazy("upgraph.render.boottext", "why"),
    "deps": _lazy("upgraph.render.boottext", "deps"),
    "emit": _lazy("upgraph.render.boottext", "emit"),
}


def render(result: Any, fmt: str, style: Style = PLAIN, **options: Any) -> str:
    kind = result.render_as
    return _lines(RENDER[kind](result, style), kind, style)
