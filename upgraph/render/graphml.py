"""GraphML for yEd, Gephi and networkx: the graph's nodes and edges.

XML 1.0 cannot hold most control characters even escaped, so names are
written with them shown as \\xNN (escape.safe).

The text is written line by line from the report's data, in the layout
networkx's GraphML writer gives (keys in reverse order, nodes in order,
edges grouped by their source node, one edge per pair with the last one's
data), so files read back into networkx as before.  Building it through a
networkx graph and an XML tree took 16 KB a job: 3 GB for 200,000 jobs; the
text now goes out in pieces, as it is made.
"""

from __future__ import annotations

from upgraph.render.escape import safe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

_HEAD = ('<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
         'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
         'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">')
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                       "\n": "&#10;", "\r": "&#13;", "\t": "&#09;"})
_NODE_KEYS = (("kind", "string"), ("name", "string"), ("glob", "boolean"))
_EDGE_KEYS = (("kind", "string"), ("event", "string"))


def _attr(value: str) -> str:
    return safe(value).translate(_ATTR)


def _data(key: str, value: str) -> str:
    return f'      <data key="{key}">{value.translate(_TEXT)}</data>' if value else \
        f'      <data key="{key}" />'


def render(result: Any, fmt: str, **options: Any) -> Iterator[str]:
    """The document in pieces of about 4,096 lines, each ending a line."""
    from upgraph.render.json import to_data

    piece: list[str] = []
    for lines in _elements(to_data(result)):
        piece += lines
        if len(piece) > 4096:
            piece.append("")
            yield "\n".join(piece)
            piece = []
    piece.append("")
    yield "\n".join(piece)


def _elements(data: Any) -> Iterator[list[str]]:
    """The document's lines, an element (a node, an edge) at a time."""
    nodes: dict[str, tuple[str, str, str] | None] = {}
    for n in data["nodes"]:
        nodes[_attr(n["id"])] = (n["kind"], safe(n["name"]), str(bool(n["glob"])))
    edges: dict[str, dict[str, tuple[str, str]]] = {}  # source -> target -> data
    for e in data["links"]:
        source, target = _attr(e["source"]), _attr(e["target"])
        nodes.setdefault(source, None)
        nodes.setdefault(target, None)
        edges.setdefault(source, {})[target] = (e["kind"], e["event"] or "")
    keys = []
    if nodes:
        keys += [(f"d{i}", "node", name, kind) for i, (name, kind) in enumerate(_NODE_KEYS)]
    if edges:
        keys += [(f"d{len(keys) + i}", "edge", name, kind)
                 for i, (name, kind) in enumerate(_EDGE_KEYS)]
    node_key = [k[0] for k in keys if k[1] == "node"]
    edge_key = [k[0] for k in keys if k[1] == "edge"]
    yield [_HEAD, *(f'  <key id="{i}" for="{on}" attr.name="{name}" attr.type="{kind}" />'
                    for i, on, name, kind in reversed(keys))]
    if not nodes:
        yield ['  <graph edgedefault="directed" />', "</graphml>"]
        return
    yield ['  <graph edgedefault="directed">']
    for node, values in nodes.items():
        yield [f'    <node id="{node}" />'] if values is None else [
            f'    <node id="{node}">',
            *(_data(k, v) for k, v in zip(node_key, values, strict=True)), "    </node>"]
    for node in nodes:
        for target, values in edges.get(node, {}).items():
            yield [f'    <edge source="{node}" target="{target}">',
                   *(_data(k, v) for k, v in zip(edge_key, values, strict=True)), "    </edge>"]
    yield ["  </graph>", "</graphml>"]
