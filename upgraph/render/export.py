"""Machine formats for a Picture: JSON (node-link), GraphML, Mermaid.

All three list nodes and edges in sorted order, so exports diff well.
"""

from __future__ import annotations

import json
from typing import Any

from upgraph.globs import is_glob
from upgraph.picture import Picture


def _nodes(pic: Picture) -> list[dict[str, Any]]:
    nodes = [{"id": f"event:{e}", "kind": "event", "name": e, "glob": is_glob(e)}
             for e in sorted(pic.events)]
    nodes += [{"id": f"job:{j}", "kind": "job", "name": j, "glob": False}
              for j in sorted(pic.jobs)]
    return nodes


def _edges(pic: Picture) -> list[dict[str, Any]]:
    return [{"source": s, "source_port": sp, "target": d, "target_port": dp, "kind": k}
            for s, sp, d, dp, k in sorted(pic.edges)]


def to_json(pic: Picture) -> str:
    doc = {"directed": True, "multigraph": False, "graph": {"restricted": pic.restricted,
                                                            "depth": pic.depth},
           "nodes": _nodes(pic), "links": _edges(pic)}
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def to_graphml(pic: Picture) -> str:
    import networkx as nx

    g = nx.DiGraph()
    for n in _nodes(pic):
        g.add_node(n["id"], kind=n["kind"], name=n["name"], glob=n["glob"])
    for e in _edges(pic):
        g.add_edge(e["source"], e["target"], kind=e["kind"], source_port=e["source_port"],
                   target_port=e["target_port"])
    return "\n".join(nx.generate_graphml(g, prettyprint=True)) + "\n"


def _mermaid_text(s: str) -> str:
    # Mermaid labels are quoted; entity codes keep any character safe
    return "".join(f"#{ord(ch)};" if ch in '"#<>&`' or not ch.isprintable() else ch
                   for ch in s)


def to_mermaid(pic: Picture) -> str:
    ids = {n["id"]: f"n{i}" for i, n in enumerate(_nodes(pic))}
    lines = ["flowchart LR"]
    for n in _nodes(pic):
        text = _mermaid_text(n["name"])
        if n["kind"] == "job":
            lines.append(f'  {ids[n["id"]]}["{text}"]')
        else:
            lines.append(f'  {ids[n["id"]]}{{"{text}"}}')
    styles = {"emits": "emits", "start": "start on", "stop": "stop on"}
    colors = {"emits": "green", "start": "blue", "stop": "red"}
    link_styles = []
    for i, e in enumerate(_edges(pic)):
        lines.append(f'  {ids[e["source"]]} -->|{styles[e["kind"]]}| {ids[e["target"]]}')
        link_styles.append(f"  linkStyle {i} stroke:{colors[e['kind']]}")
    lines += ["  classDef glob stroke-dasharray: 4 4"]
    globs = [ids[n["id"]] for n in _nodes(pic) if n["glob"]]
    if globs:
        lines.append(f"  class {','.join(globs)} glob")
    return "\n".join(lines + link_styles) + "\n"
