"""GraphML for yEd, Gephi and networkx: the graph's nodes and edges.

XML 1.0 cannot hold most control characters even escaped, so names are
written with them shown as \\xNN (escape.safe).
"""

from __future__ import annotations

from upgraph.render.escape import safe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def render(result: Any, fmt: str, **options: Any) -> str:
    import networkx as nx

    from upgraph.render.json import to_data

    data = to_data(result)
    g = nx.DiGraph()
    for n in data["nodes"]:
        g.add_node(safe(n["id"]), kind=n["kind"], name=safe(n["name"]), glob=n["glob"])
    for e in data["links"]:
        g.add_edge(safe(e["source"]), safe(e["target"]), kind=e["kind"],
                   event=e["event"] or "")
    return "\n".join(nx.generate_graphml(g, prettyprint=True)) + "\n"
