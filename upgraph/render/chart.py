"""A boot chart: time (waves) left to right, one row per job.

A bar runs from the wave a job starts starting to the wave it is running
(services), or to the wave it is back to waiting (tasks); grey when its
`stop on` came before it was running, red when it is stuck.  Drawn by
Graphviz (neato with fixed positions), so it comes out as SVG, PNG or PDF
like every other picture.
"""

from __future__ import annotations

from upgraph.render.dot import quote

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

WAVE = 54.0  # points per wave
ROW = 18.0
LEFT = 190.0  # room for names
COLORS = {"service": "#4a90d9", "task": "#5bb35b", "stalled": "#d9534f",
          "aborted": "#9e9e9e"}


def _rows(r: Any) -> list[tuple[str, int, int, str]]:
    """(job, first wave, last wave, kind) for every job that moved."""
    rows = []
    end = r.machine.wave
    for c in r.machine.classes:
        if not c.history:
            continue
        first = c.history[0].wave
        running = next((h.wave for h in c.history if h.new == "running"), None)
        done = next((h.wave for h in reversed(c.history) if h.new == "waiting"), None)
        stuck = any(not (i.goal == "start" and i.state == "running")
                    for i in c.instances.values())
        if stuck:
            rows.append((c.name, first, end, "stalled"))
        elif running is None:  # stopped before it was running
            rows.append((c.name, first, done if done is not None else end, "aborted"))
        elif c.task and done is not None:
            rows.append((c.name, first, done, "task"))
        else:
            rows.append((c.name, first, running, "service"))
    return sorted(rows, key=lambda x: (x[1], x[2], x[0]))


def to_dot(r: Any) -> str:
    rows = _rows(r)
    waves = r.machine.wave
    lines = ["graph boot {", "  node [fontname=\"Helvetica\", fontsize=10];",
             "  bgcolor=\"white\";"]
    height = (len(rows) + 2) * ROW
    for w in range(waves + 1):
        x = LEFT + w * WAVE
        lines.append(f"  w{w} [shape=plaintext, label=\"{w}\", pos=\"{x},{height}!\"];")
    for n, (name, first, last, kind) in enumerate(rows):
        y = height - (n + 1.5) * ROW
        width = max(last - first, 0) * WAVE + WAVE * 0.4
        x = LEFT + first * WAVE + width / 2
        lines.append(f"  l{n} [shape=plaintext, label={quote(name)}, "
                     f"pos=\"{LEFT / 2},{y}!\"];")
        lines.append(f"  b{n} [shape=box, style=filled, fillcolor=\"{COLORS[kind]}\", "
                     f"color=\"{COLORS[kind]}\", label=\"\", fixedsize=true, "
                     f"width={width / 72:.3f}, height={ROW * 0.7 / 72:.3f}, "
                     f"pos=\"{x},{y}!\"];")
    legend = (f"boot, {'declared-only' if r.model.declared_only else 'default'} model: waves "
              "left to right; blue services (to running), green tasks (to done), grey stopped "
              "before running, red stalled")
    lines.append(f"  legend [shape=plaintext, label={quote(legend)}, "
                 f"pos=\"{LEFT + waves * WAVE / 2},{ROW / 2}!\"];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(result: Any, fmt: str, **options: Any) -> bytes:
    from upgraph.render.rendered import pipe

    return pipe(to_dot(result), fmt, engine="neato", neato_no_op=2)
