"""A one-page picture of a fleet: one bar per job-set variant, its length
the number of hosts that hold it, coloured by boot outcome, with how it
differs from the largest one beside it.  Drawn by Graphviz (neato with
fixed positions) like the boot chart, so it comes out as SVG, PNG or PDF.
At most MAX_ROWS variants are drawn; the rest are summed up in one line.
"""

from __future__ import annotations

from upgraph.render.dot import quote

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

WIDTH = 500.0  # points for the largest bar
ROW = 20.0
LEFT = 170.0
MAX_ROWS = 60
PALETTE = ("#4a90d9", "#5bb35b", "#f0a030", "#d9534f", "#9b59b6", "#7f8c8d")


def to_dot(f: Any) -> str:
    variants = f.variants[:MAX_ROWS]
    rest = len(f.variants) - len(variants)
    colours = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(f.outcomes)}
    top = max((len(v.hosts) for v in variants), default=1)
    height = (len(variants) + (1 if rest else 0) + 3) * ROW
    lines = ["graph fleet {", '  node [fontname="Helvetica", fontsize=10];',
             '  bgcolor="white";',
             f"  title [shape=plaintext, label={quote(_title(f))}, "
             f'pos="{LEFT + WIDTH / 2},{height - ROW / 2}!"];']
    for n, v in enumerate(variants):
        y = height - (n + 2) * ROW
        width = max(len(v.hosts) / top * WIDTH, 2.0)
        lines.append(f"  l{n} [shape=plaintext, label={quote(f'job set {n + 1}')}, "
                     f'pos="{LEFT / 2},{y}!"];')
        colour = colours.get(v.outcome, PALETTE[-1])
        lines.append(f'  b{n} [shape=box, style=filled, fillcolor="{colour}", color="{colour}", '
                     f'label="", fixedsize=true, width={width / 72:.3f}, '
                     f'height={ROW * 0.7 / 72:.3f}, pos="{LEFT + width / 2:.1f},{y}!"];')
        lines.append(f"  n{n} [shape=plaintext, label={quote(_caption(v))}, "
                     f'pos="{LEFT + width + 10 + 3.2 * len(_caption(v)):.1f},{y}!"];')
    if rest:
        y = height - (len(variants) + 2) * ROW
        lines.append(f"  more [shape=plaintext, label={quote(f'... and {rest} more job sets')}, "
                     f'pos="{LEFT / 2},{y}!"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _title(f: Any) -> str:
    return (f"{f.hosts} hosts, {len(f.variants)} job sets, {len(f.outcomes)} boot outcomes "
            f"(colour), {len(f.failures)} hosts with failures in their logs")


def _caption(v: Any) -> str:
    if v.vs is None:
        return f"{len(v.hosts)} hosts (the largest)"
    diffs = [f"{what.replace('_', ' ')} {len(names)}" for what, names in v.vs.items() if names]
    return f"{len(v.hosts)} hosts; " + (", ".join(diffs) or "the same jobs")


def render(result: Any, fmt: str, **options: Any) -> bytes:
    from upgraph.render.rendered import pipe

    return pipe(to_dot(result), fmt, engine="neato", neato_no_op=2)
