"""Text for boot simulations, explanations and dependency trees.

Boot output is in waves: a wave is what Upstart does between two rounds of
processes finishing, and is a partial order only; inside a wave events are
listed in handling order, which follows Upstart's hash order of jobs - an
order the daemon does not promise - so the text says so.
"""

from __future__ import annotations

from upgraph.render.escape import PLAIN, Style

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from upgraph.boot.model import BootResult


def boot(r: BootResult, style: Style = PLAIN) -> list[str]:
    if r.to:
        return critical_chain(r, style) + (compared(r.compared) if r.compared else [])
    m = r.machine
    lines = [f"boot simulation, {r.model.name} model, "
             f"{'Upstart' if r.order == 'upstart' else 'alphabetical'} order of jobs"]
    lines += [f"  assumes: {a}" for a in r.assumptions]
    by_wave: dict[int, list[str]] = {}
    for ev in m.events:
        by_wave.setdefault(ev.wave, []).append(
            f"  event {ev.text()}" + ("" if ev.source in ("init", "assumption")
                                      else f"  (from {ev.source})"))
    moves: dict[int, dict[str, list[str]]] = {}
    for c in m.classes:
        for change in c.history:
            path = moves.setdefault(change.wave, {}).setdefault(change.label, [change.old])
            path.append(change.new)
    for wave in sorted(set(by_wave) | set(moves)):
        lines.append(f"wave {wave}")
        lines += by_wave.get(wave, [])
        for label, path in sorted(moves.get(wave, {}).items()):
            lines.append(f"  job {label}: {path[0]} -> {path[-1]}")
    lines.append(f"never started ({len(r.never)})")
    for title, group in r.never_groups:
        if group:
            lines.append(f"  {title} ({len(group)})")
            lines += [f"    {n.summary}" + (f"  [try: {n.try_}]" if n.try_ else "")
                      for n in group]
    stalled = r.not_at_rest()
    if stalled:
        lines.append(f"stalled ({len(stalled)})")
        lines += [f"  {i.label} {i.goal}/{i.state}" for i in stalled]
    unfinished = r.unfinished()
    if unfinished:
        lines.append(f"events never finished ({len(unfinished)})")
        for ev, held, waiting in unfinished:
            who = f"held by {', '.join(held)}" if held else "held"
            if waiting:
                who += f"; {', '.join(waiting)} wait(s) for it"
            lines.append(f"  {ev.text()}: {who}")
    if m.cut:
        changing = r.cycle()
        more = f" and {len(changing) - 20} more (--json lists all)" if len(changing) > 20 else ""
        lines.append(f"cut at {m.bound} events: the boot does not settle (a livelock?); "
                     f"still changing: {', '.join(changing[:20])}{more}")
    total = len(m.classes)
    lines.append(f"{'settled' if r.settled else 'NOT settled'} after {m.wave} waves and "
                 f"{len(m.events)} events; {len(r.started())} of {total} jobs reached running")
    lines.append("(waves are a partial order: inside one, the order of independent events "
                 "is Upstart's hash order, which it does not promise)")
    if r.compared is not None:
        lines += compared(r.compared)
    return lines


def compared(c: Any) -> list[str]:
    """The real boot beside the model (boot --log)."""
    lines = [f"compared with the machine's log ({c.log}, detail: {c.detail})"]
    lines.append(f"started by the model, but failed or never started on the machine "
                 f"({len(c.failed)})")
    for d in c.failed:
        when = f" at {d.time:.6f} s" if d.time is not None else ""
        where = f" ({d.line})" if d.line else ""
        lines.append(f"  {d.job}: {d.what}{when}{where}")
    lines.append(f"ran on the machine, but not in the model ({len(c.only_real)})")
    for d in c.only_real:
        when = f" at {d.time:.6f} s" if d.time is not None else ""
        lines.append(f"  {d.job}: running{when}; in the model: {d.why}"
                     + (f" (try {d.try_})" if d.try_ else ""))
    if c.events_only_real:
        lines.append(f"events the machine handled that the model never emits: "
                     f"{', '.join(c.events_only_real)}")
    if c.events_only_model:
        lines.append(f"events the model emits that the machine never handled: "
                     f"{', '.join(c.events_only_model)}")
    return lines


def critical_chain(r: BootResult, style: Style = PLAIN) -> list[str]:
    """The chain of starts and events that leads to r.to (answers/boot.py)."""
    lines = []
    if r.why_not:
        lines.append(r.why_not)
    if r.partial:
        lines.append(f"note: {r.partial}")
    indent = ""
    for link in r.chain:
        when = (f"running in wave {link.running}" if link.running is not None
                else "never running")
        if r.compared is not None:  # --log: the machine's own time beside the wave
            when += (f"; on the machine at {link.real:.6f} s" if link.real is not None
                     else "; never running on the machine")
        lines.append(f"{indent}{link.job} ({when})")
        lines += [f"{indent}  {hook}" for hook in link.hooks]
        if link.event is None:
            break
        indent += "  "
        wave = f"wave {link.wave}, " if link.wave is not None else ""
        lines.append(f"{indent}<- {link.event} ({wave}from {link.source})")
        indent += "  "
    return lines


def why(w: Any, style: Style = PLAIN) -> list[str]:
    lines = []
    if w.log is not None:
        lines.append(f"on the machine ({w.log}):")
        lines += [f"  {e}" for e in w.evidence]
        lines.append("what the job files say:")
    lines.append(w.summary)
    lines += [f"  note: {n}" for n in w.notes]
    if w.condition:
        lines.append(f"start on {w.condition}")
    for depth, text, leaf in w.tree:
        detail = f"  <- {leaf.detail}" if leaf is not None else ""
        lines.append("  " * (depth + 1) + text + detail)
    lines += [f"  {line}" for line in w.chain]
    lines.append(f"(simulated boot, {w.model} model)")
    return lines


MAX_INDENT = 32  # tree levels drawn; deeper ones say their level instead


def deps(d: Any, style: Style = PLAIN) -> list[str]:
    """The tree, drawn to MAX_INDENT levels; below that a line starts with
    `[level N]` after the drawn part, so no line grows with the tree's depth
    (a 20,000-job chain prints 20,000 short lines, not 20,000 growing ones)."""
    branch_mid, branch_last, line_on, blank = style.tree()
    lines: list[str] = []
    # (node, prefix drawn so far, its branch, last among its siblings, level)
    stack = [(d.root, "", "", True, 0)]
    while stack:
        node, prefix, branch, last, level = stack.pop()
        note = f" ({node.note})" if node.note else ""
        kind = f" [{node.kind}]" if node.kind in ("built-in", "configured", "missing") else ""
        mark = {"above": " ...", "cycle": " (a cycle)"}.get(node.mark or "", "")
        deep = f"[level {level}] " if level > MAX_INDENT else ""
        lines.append(f"{prefix}{branch}{deep}{node.label}{kind}{note}{mark}")
        child_prefix = prefix if level >= MAX_INDENT or not branch else \
            prefix + (blank if last else line_on)
        kids = node.children
        for i in range(len(kids) - 1, -1, -1):
            stack.append((kids[i], child_prefix, branch_last if i == len(kids) - 1 else branch_mid,
                          i == len(kids) - 1, level + 1))
    return lines


def emit(e: Any, style: Style = PLAIN) -> list[str]:
    lines = [f"initctl emit {' '.join((e.event, *e.env))} (after the simulated boot)"]
    if e.partial:
        lines.append(f"note: {e.partial}")
    by_wave: dict[int, list[str]] = {}
    for ev in e.events:
        by_wave.setdefault(ev.wave, []).append(f"  event {ev.text()}")
    moves: dict[int, dict[str, list[str]]] = {}
    for _name, hist in sorted(e.changes.items()):
        for c in hist:
            moves.setdefault(c.wave, {}).setdefault(c.label, [c.old]).append(c.new)
    for wave in sorted(set(by_wave) | set(moves)):
        lines.append(f"wave +{wave - e.wave0}")
        lines += by_wave.get(wave, [])
        lines += [f"  job {label}: {path[0]} -> {path[-1]}"
                  for label, path in sorted(moves.get(wave, {}).items())]
    lines.append(f"starts: {', '.join(e.started()) or 'nothing'}")
    lines.append(f"stops: {', '.join(e.stopped()) or 'nothing'}")
    return lines
