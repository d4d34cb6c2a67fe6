"""A boot chart: time left to right (waves of the simulation, or seconds of a
real boot), one row per job, as the boot answer lays it out (answers/boot.py
Chart: bars, unit, legend, the jobs shown apart).  Drawn by Graphviz (neato
with fixed positions), so it comes out as SVG, PNG or PDF like every other
picture.  However long the boot, the chart keeps a readable size: time is
scaled to at most WIDTH points, and rows beyond MAX_ROWS are summed up.
"""

from __future__ import annotations

from upgraph.render.dot import quote

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

WIDTH = 1100.0  # points for the whole time axis, at most
STEP = 54.0  # points per wave, while the axis fits
ROW = 18.0
LEFT = 190.0  # room for names
MAX_ROWS = 400
COLORS = {"service": "#4a90d9", "task": "#5bb35b", "stalled": "#d9534f",
          "aborted": "#9e9e9e", "failed": "#d9534f", "respawned": "#f0a030",
          "model": "#c8c8c8", "hook": "#f5c27a"}


def to_dot(r: Any) -> str:
    chart = r.chart
    bars = chart.bars[:MAX_ROWS]
    cut = len(chart.bars) - len(bars)
    span = max(chart.span or 0, 1e-9)
    scale = min(STEP, WIDTH / span) if chart.unit == "wave" else WIDTH / span
    rows = len(bars) + (1 if cut else 0) + len(chart.apart[:MAX_ROWS])
    height = (rows + 3) * ROW
    lines = ["graph boot {", "  node [fontname=\"Helvetica\", fontsize=10];",
             "  bgcolor=\"white\";"]
    ticks = 10 if chart.unit == "s" else min(int(span), 40)
    for t in range(ticks + 1):
        at = span * t / max(ticks, 1)
        label = f"{at:.1f} s" if chart.unit == "s" else f"{round(at)}"
        lines.append(f"  t{t} [shape=plaintext, label=\"{label}\", "
                     f"pos=\"{LEFT + at * scale:.1f},{height}!\"];")
    n = 0
    for n, bar in enumerate(bars):
        y = height - (n + 1.5) * ROW
        width = max(bar.end - bar.start, 0) * scale + 4.0
        x = LEFT + bar.start * scale + width / 2
        lines.append(f"  l{n} [shape=plaintext, label={quote(bar.job)}, "
                     f"pos=\"{LEFT / 2},{y}!\"];")
        lines.append(f"  b{n} [shape=box, style=filled, fillcolor=\"{COLORS[bar.kind]}\", "
                     f"color=\"{COLORS[bar.kind]}\", label=\"\", fixedsize=true, "
                     f"width={width / 72:.3f}, height={ROW * 0.7 / 72:.3f}, "
                     f"pos=\"{x:.1f},{y}!\"];")
        if bar.hook is not None and bar.hook > bar.start:  # waiting on its starting hook
            wait = (bar.hook - bar.start) * scale
            lines.append(f"  h{n} [shape=box, style=filled, fillcolor=\"{COLORS['hook']}\", "
                         f"color=\"{COLORS['hook']}\", label=\"\", fixedsize=true, "
                         f"width={wait / 72:.3f}, height={ROW * 0.7 / 72:.3f}, "
                         f"pos=\"{LEFT + bar.start * scale + wait / 2:.1f},{y}!\"];")
    y = height - (len(bars) + 1.5) * ROW
    if cut:
        lines.append(f"  more [shape=plaintext, label={quote(f'... and {cut} more jobs')}, "
                     f"pos=\"{LEFT / 2},{y}!\"];")
        y -= ROW
    for i, job in enumerate(chart.apart[:MAX_ROWS]):
        lines.append(f"  a{i} [shape=plaintext, fontcolor=\"#808080\", "
                     f"label={quote(job + ' (only in the model)')}, "
                     f"pos=\"{LEFT / 2 + 40},{y - i * ROW}!\"];")
    lines.append(f"  legend [shape=plaintext, label={quote(chart.legend)}, "
                 f"pos=\"{LEFT + span * scale / 2},{ROW / 2}!\"];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(result: Any, fmt: str, **options: Any) -> bytes:
    from upgraph.render.rendered import pipe

    return pipe(to_dot(result), fmt, engine="neato", neato_no_op=2)
