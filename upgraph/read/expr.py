"""Event expressions: lark parses the shape, each distinct shape once.

The scanners turn a condition into tokens whose kinds are WORD, AND, OR,
LPAR and RPAR.  The lark grammar (upgraph/grammar/expr.lark) decides the
structure from the sequence of kinds alone, so `started udev or startup` and
`stopped rc or runlevel` share one parse: the result is a template of token
index ranges, memoised by shape, and filled in with each condition's words.
Real job sets repeat a few dozen shapes, so lark runs a few dozen times per
job set, however large, and the templates are kept across runs (see
upgraph/cache.py) so that most runs never import lark at all.

Templates are nested tuples: (start, end) for an operand made of tokens
[start, end), ("and" | "or", left, right) for an operator.  Building and
filling them never recurses, so 100,000 operands or 10,000 nested
parentheses are fine.
"""

from __future__ import annotations

import os

from upgraph.model import BinOp

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from upgraph.model import Expr

def _grammar_file() -> str:
    # installed: upgraph/grammar/ (pyproject maps the top-level grammar/ there);
    # a checkout or an editable install: grammar/ beside upgraph/
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    shipped = os.path.join(package, "grammar", "expr.lark")
    if os.path.exists(shipped):
        return shipped
    return os.path.join(os.path.dirname(package), "grammar", "expr.lark")


GRAMMAR = _grammar_file()
PERSIST_LIMIT = 64  # templates of longer shapes are not worth a cache line

class ShapeError(Exception):
    """Where a shape is wrong: token INDEX, or the end of token INDEX when
    AT_END (the input stopped early)."""

    def __init__(self, message: str, index: int, at_end: bool) -> None:
        super().__init__(message)
        self.message, self.index, self.at_end = message, index, at_end


def _lark() -> Any:
    """lark's LALR parser of shapes (imported only when a shape is new)."""
    from lark import Lark, Token, Transformer
    from lark.lexer import Lexer

    class Kinds(Lexer):
        """Feeds lark the shape itself: one token per kind, valued by index."""

        def __init__(self, conf: Any) -> None:
            pass

        def lex(self, shape: Any, parser_state: Any = None) -> Any:
            for i, kind in enumerate(shape):
                yield Token(kind, i)

    class ToTemplate(Transformer):
        """Runs inside the LALR parse (no tree is built)."""

        def operand(self, words: list[Any]) -> tuple[int, int]:
            return (words[0].value, words[-1].value + 1)

        def and_(self, kids: list[Any]) -> tuple[str, Any, Any]:
            return ("and", kids[0], kids[2])

        def or_(self, kids: list[Any]) -> tuple[str, Any, Any]:
            return ("or", kids[0], kids[2])

        def group(self, kids: list[Any]) -> Any:
            return kids[1]

    return Lark(grammar(), start="expr", parser="lalr", lexer=Kinds, transformer=ToTemplate())


def grammar() -> str:
    with open(GRAMMAR, encoding="utf-8") as fh:
        return fh.read()


class Memo:
    """What one reading has learnt of conditions, so that each distinct
    shape is parsed once and each condition line met again is not read
    again.  A Reading session owns one (upgraph/read/session.py); LOAD, if
    given, supplies templates known from earlier runs when the first shape
    is asked for (the parser does not know where they come from).

    * shapes: token kinds -> template (only successes);
    * learnt: shapes parsed by this process, in order (to be kept);
    * lines, seen: condition line text -> (template, {token index: operand})
      or (None, operand) for one operand; texts met once (see conf.py).
    """

    __slots__ = ("shapes", "learnt", "parser", "load", "lines", "seen")

    def __init__(self, load: Callable[[], dict[str, Any]] | None = None) -> None:
        self.shapes: dict[tuple[str, ...], Any] = {}
        self.learnt: list[tuple[str, ...]] = []
        self.parser: Any = None
        self.load = load
        self.lines: dict[str, Any] = {}
        self.seen: set[str] = set()

    def template(self, shape: tuple[str, ...]) -> Any:
        """The structure of a condition with this sequence of token kinds."""
        found = self.shapes.get(shape)
        if found is None:
            if self.load is not None:
                self._load()
                found = self.shapes.get(shape)
            if found is None:
                found = self._parse(shape)
                self.shapes[shape] = found
                self.learnt.append(shape)
        return found

    def _load(self) -> None:
        load, self.load = self.load, None
        self.import_templates(load())  # type: ignore[misc]

    def prepare(self) -> None:
        """Before forking readers: the templates of earlier runs loaded and,
        when there are none, lark's parser built, once here rather than once
        in each reader (0.15 s each)."""
        if self.load is not None:
            self._load()
        if not self.shapes and self.parser is None:
            self.parser = _lark()

    def _parse(self, shape: tuple[str, ...]) -> Any:
        from lark.exceptions import UnexpectedInput

        if self.parser is None:
            self.parser = _lark()
        try:
            return self.parser.parse(shape)
        except UnexpectedInput as exc:
            raise _explain(exc, shape) from None

    def take_learnt(self) -> list[tuple[tuple[str, ...], Any]]:
        """(shape, template) of each shape learnt since the last call: a forked
        reader hands them back, so that the run that saves them knows them."""
        learnt = [(shape, self.shapes[shape]) for shape in self.learnt]
        self.learnt.clear()
        return learnt

    def adopt(self, learnt: list[tuple[tuple[str, ...], Any]]) -> None:
        """Templates another process learnt (see take_learnt), as if learnt here."""
        for shape, tmpl in learnt:
            if shape not in self.shapes:
                self.shapes[shape] = tmpl
                self.learnt.append(shape)

    def export_templates(self, limit: int) -> dict[str, Any]:
        """Small templates as JSON-able data, to keep: the most recently
        learnt MAX_PERSISTED of them (the dict keeps insertion order)."""
        small = [(s, t) for s, t in self.shapes.items() if len(s) <= limit]
        return {" ".join(s): t for s, t in small[-MAX_PERSISTED:]}

    def import_templates(self, data: dict[str, Any]) -> None:
        """Templates kept from earlier runs; malformed entries are ignored
        (they are data: at worst a shape is parsed again)."""
        for key, tmpl in data.items():
            shape = tuple(key.split(" "))
            value = _tupled(tmpl, len(shape))
            if value is not None:
                self.shapes.setdefault(shape, value)


def _explain(exc: Any, shape: tuple[str, ...]) -> ShapeError:
    """Upstart's message for a shape lark rejects, and where to report it."""
    tok = getattr(exc, "token", None)
    at_end = tok is None or tok.type == "$END"
    index = len(shape) if at_end else tok.value
    kind = "$END" if at_end else shape[index]
    prev = shape[index - 1] if index > 0 else ""
    if at_end:
        if prev in ("AND", "OR", "LPAR"):
            return ShapeError("Expected event", index - 1, True)
        if prev == "":
            return ShapeError("Expected token", -1, True)
        return ShapeError("Mismatched parentheses", index - 1, True)
    if kind in ("AND", "OR"):
        return ShapeError("Expected event", index, False)
    if kind == "RPAR":
        message = ("Expected event" if prev in ("AND", "OR", "LPAR")
                   else "Mismatched parentheses")
        return ShapeError(message, index, False)
    return ShapeError("Expected operator", index, False)


def build(tmpl: Any, make_operand: Callable[[int, int], Any]) -> Expr:
    """Fill a template: MAKE_OPERAND(start, end) builds each operand."""
    if len(tmpl) == 2:
        return make_operand(*tmpl)
    values: list[Any] = []
    stack: list[tuple[Any, bool]] = [(tmpl, False)]
    while stack:
        node, expanded = stack.pop()
        if len(node) == 2:
            values.append(make_operand(*node))
        elif expanded:
            right = values.pop()
            left = values.pop()
            values.append(BinOp(node[0], left, right))
        else:
            stack += ((node, True), (node[2], False), (node[1], False))
    return values[0]


def check_arguments(values: Sequence[str]) -> int:
    """Index of the first positional argument after a named one, or -1.

    Upstart requires positional arguments first ("Expected variable name
    before value"); VALUES are the dequoted words after the event name.
    """
    named = False
    for i, value in enumerate(values):
        if "=" in value:
            named = True
        elif named:
            return i
    return -1


MAX_PERSISTED = 4096


def _tupled(data: Any, n: int) -> Any:
    """JSON lists back into a template, validated against the shape length."""
    if not isinstance(data, list):
        return None
    if len(data) == 2 and all(isinstance(x, int) for x in data):
        start, end = data
        return (start, end) if 0 <= start < end <= n else None
    if len(data) == 3 and data[0] in ("and", "or"):
        left, right = _tupled(data[1], n), _tupled(data[2], n)
        if left is None or right is None:
            return None
        return (data[0], left, right)
    return None
