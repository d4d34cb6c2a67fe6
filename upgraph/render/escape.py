"""Text that is safe to print on a terminal, one line per record, in the
terminal's own style (ASCII or box-drawing tree lines, colour or none).

Job files can carry escape sequences, and file names need not be UTF-8.
Printed raw, a job name could set the terminal's title or clear the screen,
a newline in a path would split one diagnostic over two lines, and an
undecodable byte would crash the encoder.  Upstart's own output never holds
control characters, so showing them escaped loses nothing legitimate.
"""

from __future__ import annotations

import os
import re

# C0 controls but TAB (initctl prints a quoted tab as it is), DEL, C1
# controls, the lone surrogates that stand for undecodable bytes, the bidi
# controls that reorder what a terminal shows (U+061C, U+200E/F, U+202A-E,
# U+2066-9), the line and paragraph separators, and the backslash itself, so
# that the escaping is one to one: `e<ESC>` prints `e\x1b`, `e\x1b` prints
# `e\\x1b`.
_UNSAFE = re.compile("[\\\\\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f"
                     "\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    if c == 0x5C:
        return "\\\\"
    if 0xDC80 <= c <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{c - 0xDC00:02x}"
    if c == 0x0A:
        return "\\n"
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def safe(text: str) -> str:
    """TEXT with control characters shown as \\xNN (\\n for a newline, \\\\
    for a backslash): one to one, so two names never print alike."""
    if text.isprintable() and "\\" not in text:  # the usual case, decided in C
        return text
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


# -- the terminal's style: the runner decides (the locale, whether standard
# output is a terminal, NO_COLOR); renderers only obey

_SGR = {"error": "1;31", "warning": "33", "info": "34", "ok": "32", "missing": "31",
        "heading": "1"}


def utf8_locale(env: dict[str, str] | None = None) -> bool:
    """Whether the locale (LC_ALL, else LC_CTYPE, else LANG) is UTF-8."""
    env = os.environ if env is None else env
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = env.get(name)
        if value:
            return "utf-8" in value.lower() or "utf8" in value.lower()
    return False  # the C locale


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
