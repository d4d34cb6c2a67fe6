"""Load the lark grammars once per installation, not once per run.

Building an LALR table costs more than a small query; lark's cache stores
the built parser keyed by the grammar text, so every run after the first
only unpickles it.  The key must also cover the imported expression
grammar, which lark's own cache key does not, hence our own file name.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import cache
from importlib import resources
from typing import Any

GRAMMARS = ("conf.lark", "expr.lark", "showconfig.lark")


def _grammar_dir() -> str:
    """Installed: the package upgraph.grammar.  Run from a checkout (python -m
    upgraph in the repository), the top-level grammar/ beside the package."""
    try:
        return str(resources.files("upgraph.grammar"))
    except ModuleNotFoundError:
        return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "grammar")


def _cache_path(name: str, options: str) -> str | bool:
    import lark

    digest = hashlib.sha256(f"{lark.__version__}\0{options}".encode())
    gdir = _grammar_dir()
    for g in GRAMMARS:
        with open(os.path.join(gdir, g), "rb") as fh:
            digest.update(fh.read())
    base = os.environ.get("XDG_CACHE_HOME") or tempfile.gettempdir()
    folder = os.path.join(base, "upgraph")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return False
    return os.path.join(folder, f"{name}-{digest.hexdigest()[:16]}.lark-cache")


@cache
def parser(name: str, start: str = "start", **kw: Any) -> Any:
    """The LALR parser for grammar/NAME.lark, built or loaded from cache."""
    from lark import Lark

    options = f"{name}|{start}|{sorted(kw.items())!r}"
    cache = _cache_path(name, options)
    try:
        return Lark.open(
            os.path.join(_grammar_dir(), f"{name}.lark"),
            parser="lalr",
            start=start,
            cache=cache,
            **kw,
        )
    except OSError:  # unwritable cache: build without it
        return Lark.open(
            os.path.join(_grammar_dir(), f"{name}.lark"), parser="lalr", start=start, **kw
        )
