"""Readers for the three input forms: job files, show-config text, conditions.

They share one error type so every caller reports problems the same way.
"""

from __future__ import annotations


class ParseError(Exception):
    """Input Upstart would reject, with Upstart's own wording and where."""

    def __init__(self, message: str, line: int, col: int, code: str = "syntax") -> None:
        super().__init__(message)
        self.message, self.line, self.col = message, line, col
        self.code = code  # the Diagnostic code: "syntax", or "unknown-stanza"
