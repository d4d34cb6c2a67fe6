"""How text is drawn on the reader's terminal: ASCII or box-drawing tree
lines, colour or none.  The runner decides (cli/terminal.py: the locale,
whether standard output is a terminal, NO_COLOR); renderers only obey."""

from __future__ import annotations

import re

_SGR = {"error": "1;31", "warning": "33", "info": "34", "ok": "32", "missing": "31",
        "heading": "1"}


class Style:
    __slots__ = ("ascii", "color")

    def __init__(self, ascii: bool = False, color: bool = False) -> None:
        self.ascii, self.color = ascii, color

    def tree(self) -> tuple[str, str, str, str]:
        """(branch, last branch, continuing line, blank) of a drawn tree."""
        if self.ascii:
            return "|- ", "`- ", "|  ", "   "
        return "├─ ", "└─ ", "│  ", "   "

    def paint(self, text: str, what: str) -> str:
        """TEXT in the colour for WHAT (a key of _SGR), when colour is on."""
        if not self.color:
            return text
        return f"\x1b[{_SGR[what]}m{text}\x1b[0m"


PLAIN = Style()

# What each kind of text report colours, line by line, after escaping: a
# pattern whose first group is painted as named ("" = the group's own text).
PAINTS: dict[str, list[tuple[str, str]]] = {
    "lint": [(r"(?<=: )(error|warning|info)(?=: )", "")],
    "why": [(r"^\s*(ok) ", "ok"), (r"^\s*(--) ", "missing")],
    "boot": [(r"^((?:never started|stalled|events never finished) \(\d+\))$", "heading")],
}


def painted(kind: str, line: str, style: Style) -> str:
    """LINE (already escaped) with its parts in colour, when colour is on
    (the patterns are compiled only then: re caches them)."""
    if not style.color:
        return line
    for pattern, what in PAINTS.get(kind, ()):
        line = re.sub(pattern, lambda m, w=what: m.group(0).replace(
            m.group(1), style.paint(m.group(1), w or m.group(1))), line)
    return line
