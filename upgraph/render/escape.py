"""Text that is safe to print on a terminal, and one line per record.

Job files can carry escape sequences, and file names need not be UTF-8.
Printed raw, a job name could set the terminal's title or clear the screen,
a newline in a path would split one diagnostic over two lines, and an
undecodable byte would crash the encoder.  Upstart's own output never holds
control characters, so showing them escaped loses nothing legitimate.
"""

from __future__ import annotations

import re

# C0 controls but TAB (initctl prints a quoted tab as it is), DEL, C1
# controls, and the lone surrogates that stand for undecodable bytes.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    if 0xDC80 <= c <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{c - 0xDC00:02x}"
    if c == 0x0A:
        return "\\n"
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def safe(text: str) -> str:
    """TEXT with control characters shown as \\xNN (\\n for a newline)."""
    if text.isprintable():  # the usual case, decided in C
        return text
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text
