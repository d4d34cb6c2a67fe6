"""SVG, PNG and PDF pictures of a graph, through Graphviz's `dot` program."""

from __future__ import annotations

from upgraph.render import RenderError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def pipe(source: str, fmt: str, engine: str = "dot", neato_no_op: int | None = None) -> bytes:
    """SOURCE (dot language) drawn by Graphviz as FMT."""
    import graphviz

    try:
        return graphviz.Source(source, engine=engine).pipe(format=fmt,
                                                           neato_no_op=neato_no_op)
    except graphviz.ExecutableNotFound:
        raise RenderError(
            "drawing needs Graphviz's `dot` program, which is not installed; install it "
            "(Debian/Ubuntu: apt-get install graphviz) or write .dot output") from None
    except graphviz.CalledProcessError as exc:
        detail = exc.stderr.decode(errors="replace").strip() if exc.stderr else exc
        raise RenderError(f"Graphviz failed: {detail}") from None


def render(result: Any, fmt: str, **options: Any) -> bytes:
    from upgraph.render.dot import to_dot

    return pipe(to_dot(result, result.colors), fmt)
