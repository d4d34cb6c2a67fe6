"""Which formats each kind of result can be printed in, and who prints it.

Dispatch only: one small module per format does the work.  A result is any
object with a `render_as` (see upgraph/queries.py and friends); the first format
listed for a kind is its default.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

_PICTURES = {"svg": "rendered", "png": "rendered", "pdf": "rendered"}
_DATA = {"text": "text", "json": "json"}

TABLE: dict[str, dict[str, str]] = {
    "who-emits": _DATA,
    "who-listens": _DATA,
    "show": _DATA,
    "list": _DATA,
    "show-config": {"text": "showconfig", "json": "json"},
    "check-config": _DATA,
    "lint": {**_DATA, "sarif": "sarif"},
    "graph": {"dot": "dot", **_PICTURES, "json": "json", "graphml": "graphml",
              "mermaid": "mermaid"},
    "boot": {**_DATA, "svg": "chart", "png": "chart", "pdf": "chart"},
    "why": _DATA,
    "deps": _DATA,
    "emit": _DATA,
    "log": _DATA,
    "blame": _DATA,
    "collect": {"text": "script", "json": "json"},
    "diff": _DATA,
    "fleet": {**_DATA, "svg": "fleetchart", "png": "fleetchart", "pdf": "fleetchart"},
}


class RenderError(Exception):
    """A picture could not be drawn (Graphviz missing or failing)."""


class UnknownFormat(Exception):
    def __init__(self, kind: str, fmt: str) -> None:
        self.choices = list(TABLE[kind])
        super().__init__(f"unknown format '{fmt}'; this command prints: "
                         f"{', '.join(self.choices)}")


def formats(kind: str) -> list[str]:
    return list(TABLE[kind])


def check(kind: str, fmt: str) -> None:
    if fmt not in TABLE[kind]:
        raise UnknownFormat(kind, fmt)


def render(result: Any, fmt: str, **options: Any) -> str | bytes | Iterator[str]:
    """RESULT printed in FMT: text (str), pictures (bytes), or, for outputs
    that can be huge, text in pieces (an iterator of str)."""
    check(result.render_as, fmt)
    module = import_module(f"upgraph.render.{TABLE[result.render_as][fmt]}")
    return module.render(result, fmt, **options)
