"""A Mermaid `flowchart LR` of the graph, which GitHub renders in Markdown."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _text(s: str) -> str:
    # Mermaid labels are quoted; entity codes keep any character safe
    return "".join(f"#{ord(ch)};" if ch in '"#<>&`' or not ch.isprintable() else ch
                   for ch in s)


def render(result: Any, fmt: str, **options: Any) -> str:
    from upgraph.render.json import to_data

    data = to_data(result)
    ids = {n["id"]: f"n{i}" for i, n in enumerate(data["nodes"])}
    lines = ["flowchart LR"]
    for n in data["nodes"]:
        text = _text(n["name"])
        shape = f'["{text}"]' if n["kind"] == "job" else f'{{"{text}"}}'
        lines.append(f"  {ids[n['id']]}{shape}")
    names = {"emits": "emits", "covers": "covers", "start": "start on", "stop": "stop on"}
    colors = {"emits": "green", "covers": "green", "start": "blue", "stop": "red"}
    styles = []
    for i, e in enumerate(data["links"]):
        lines.append(f"  {ids[e['source']]} -->|{names[e['kind']]}| {ids[e['target']]}")
        styles.append(f"  linkStyle {i} stroke:{colors[e['kind']]}")
    lines.append("  classDef glob stroke-dasharray: 4 4")
    globs = [ids[n["id"]] for n in data["nodes"] if n["glob"]]
    if globs:
        lines.append(f"  class {','.join(globs)} glob")
    return "\n".join(lines + styles) + "\n"
