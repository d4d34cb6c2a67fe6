"""export: the same graph as `dot`, as data (JSON node-link, GraphML, Mermaid)."""

from __future__ import annotations

from upgraph.answers.dot import graph as answer

__all__ = ["answer"]
