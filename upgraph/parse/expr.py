"""Event expressions: libnih dequoting, tree building, and Upstart's errors.

Both the .conf reader and the show-config reader parse conditions with
grammar/expr.lark; this module turns lark's trees into model objects and
lark's exceptions into the messages Upstart itself prints, so a user sees
the same problem named the same way.
"""

from __future__ import annotations

from typing import Any

from upgraph.model import BinOp, Expr, Location, Operand

_WS = " \t\r"


def dequote(raw: str) -> str:
    """Remove quotes and backslash escapes as libnih does for an argument.

    A newline inside quotes (or escaped) becomes one space together with
    the blanks around it; other blanks inside quotes are kept.
    """
    if "\\" not in raw and '"' not in raw and "'" not in raw:
        return raw
    out: list[str] = []
    pending_ws: list[str] = []
    newline = False
    quote = ""

    def flush() -> None:
        nonlocal newline
        if newline:
            out.append(" ")
        elif pending_ws:
            out.extend(pending_ws)
        pending_ws.clear()
        newline = False

    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        i += 1
        if c == "\\" and i < n:
            nxt = raw[i]
            i += 1
            if nxt == "\n":
                newline = True
                continue
            flush()
            out.append(nxt)
        elif quote:
            if c == quote:
                quote = ""
                flush()
            elif c == "\n":
                newline = True
            elif c in _WS:
                pending_ws.append(c)
            else:
                flush()
                out.append(c)
        elif c in "\"'":
            quote = c
            flush()
        else:
            flush()
            out.append(c)
    return "".join(out)


class ExprError(Exception):
    """A condition Upstart would reject; message is Upstart's wording."""

    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


def _strip_ns(name: str) -> str:
    return name.rsplit("__", 1)[-1]


def build(tree: Any, path: str | None = None, raw: bool = True) -> Expr:
    """Turn a lark expression tree into model objects.

    `raw` says the words are still quoted source text (a .conf file);
    show-config text is already dequoted and must be taken as it is.
    """
    kind = _strip_ns(tree.data)
    if kind == "operand":
        words = tree.children
        values = [dequote(str(w)) if raw else str(w) for w in words]
        named = False
        for tok, value in zip(words[1:], values[1:], strict=True):
            if "=" in value:
                named = True
            elif named:
                raise ExprError("Expected variable name before value", tok.line, tok.column)
        first = words[0]
        loc = Location(path, first.line, first.column) if path else None
        return Operand(values[0], tuple(values[1:]), loc)
    if kind == "group":
        return build(tree.children[1], path, raw)
    left, _op, right = tree.children
    op = "and" if kind == "and_" else "or"
    return BinOp(op, build(left, path, raw), build(right, path, raw))


def _kind(tok: Any) -> str:
    """Classify the offending token by what libnih would have seen there."""
    kind = _strip_ns(getattr(tok, "type", "") or "")
    if kind in ("_NL", "$END", "AND", "OR", "LPAR", "RPAR"):
        return kind
    value = str(tok)
    if value in ("and", "or"):
        return value.upper()
    if value[:1] in ("(", ")"):
        return "LPAR" if value[0] == "(" else "RPAR"
    if value[:1] in ("\"", "'"):
        return "QUOTE"
    if value[:1] == "\\":
        return "SLASH"
    return "WORD"


def explain(exc: Any, prev: Any = None) -> tuple[str, int, int]:
    """Upstart's message, line and column for a lark error in a condition.

    PREV is the last token the parser accepted (lark does not always say).
    """
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    if isinstance(exc, UnexpectedCharacters):
        tok: Any = exc.char
        line, col = exc.line, exc.column
        expected = {_strip_ns(t) for t in (exc.allowed or ())}
    elif isinstance(exc, UnexpectedToken):
        tok = exc.token
        line, col = tok.line, tok.column
        expected = {_strip_ns(t) for t in exc.expected}
    else:
        return str(exc), 0, 0
    kind = _kind(tok)
    prev_kind = _kind(prev) if prev is not None else ""
    if kind in ("_NL", "$END") or line is None:
        if prev is not None:
            line, col = prev.end_line, prev.end_column
        if prev_kind in ("AND", "OR", "LPAR"):
            return "Expected event", line, col
        if "RPAR" in expected:
            return "Mismatched parentheses", line, col
        return "Expected token", line, col
    if kind == "QUOTE":
        return "Unterminated quoted string", line, col
    if kind == "SLASH":
        return "Trailing slash in file", line, col
    if kind in ("AND", "OR") or (kind == "RPAR" and prev_kind in ("AND", "OR", "LPAR")):
        return "Expected event", line, col
    if kind == "RPAR":
        return "Mismatched parentheses", line, col
    if kind in ("LPAR", "WORD") and prev_kind in ("WORD", "RPAR", "EWORD"):
        return "Expected operator", line, col
    return "Unexpected token", line, col
