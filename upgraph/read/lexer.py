"""libnih's tokenizing rules for Upstart job files, as a position scanner.

Upstart reads a job file with libnih's config parser: a keyword, then the
stanza's own handler reads the rest (arguments, a condition, a command
line, or a script block).  How a token ends depends on who reads it, so this
is a scanner the stanza reader drives, not a stand-alone lexer:

* blanks are space, tab and CR; a backslash before a newline joins lines
  wherever blanks may stand (between tokens, and inside a token);
* `#` outside quotes starts a comment, even inside a word (`dbus#x`);
* single or double quotes may span lines; a backslash escapes the next
  character inside and outside quotes;
* argument tokens end at blanks and newlines; condition tokens also end at
  `(` and `)`; a command line runs to the end of the (joined) line;
* a script block runs to a line that is `end script` (blanks around the two
  words allowed, a comment after them).

Every method raises ParseError with Upstart's own message and the position
of the offending character (1-based line and column).
"""

from __future__ import annotations

import re

from upgraph.read.errors import ParseError

_QD = r'"[^"\\]*(?:\\[\s\S][^"\\]*)*"'
_QS = r"'[^'\\]*(?:\\[\s\S][^'\\]*)*'"
# One token: runs of ordinary characters, whole quoted strings, escapes.
# (Runs, not single characters, so a 10 MB token costs no backtracking state.)
_ARG = re.compile(rf'(?:[^ \t\r\n#"\'\\]+|{_QD}|{_QS}|\\[\s\S])+')
_EWORD = re.compile(rf'(?:[^ \t\r\n#"\'\\()]+|{_QD}|{_QS}|\\[\s\S])+')
_COMMAND = re.compile(rf'(?:[^\n#"\'\\]+|{_QD}|{_QS}|\\[\s\S])*')
_SKIP_WS = re.compile(r"(?:[ \t\r]+|\\\n)*")
# a token and the blanks after it, in one match (the scanner's hot path)
_ARG_WS = re.compile(rf"({_ARG.pattern}){_SKIP_WS.pattern}")
_EWORD_WS = re.compile(rf"({_EWORD.pattern}){_SKIP_WS.pattern}")
# A plain lowercase word (every stanza keyword, `on`) and the blanks after
# it, when nothing else could follow it on the line: a word that goes on
# (quotes, a backslash, other characters) or blanks that a backslash-newline
# continues do not match, and arg() reads them.  (`(?=(...))\\2` takes the
# blanks atomically.)
_WORD_WS = re.compile(r"([a-z][a-z-]*)(?![^ \t\r\n#])(?=([ \t\r]*))\2(?!\\\n)")
_SKIP_LINES = re.compile(r"(?:[ \t\r]*(?:#[^\n]*)?\n)*[ \t\r]*")  # blank and comment lines
# the rest of a line up to a comment, when nothing in it quotes or escapes:
# its condition tokens are then its runs of other characters, and parentheses
_PLAIN = re.compile(r"[^\n#\"'\\]*")
_PLAIN_EWORD = re.compile(r"[()]|[^ \t\r()]+")
_END_BLOCK = re.compile(r"^[ \t\r]*end[ \t\r]+script[ \t\r]*(?:#[^\n]*)?(?:\n|\Z)", re.M)
_SIMPLE = re.compile(r"[^\\\"']*")  # text that needs no dequoting

_WS = " \t\r"


def _copy(raw: str, dequote: bool) -> str:
    """A token's text as libnih copies it out of the file.

    An escaped newline, or a newline inside quotes, becomes one space together
    with the blanks around it; other blanks are kept as they are; trailing
    blanks go.  DEQUOTE removes quotes and escaping backslashes; without it
    (command lines) they are kept.
    """
    out: list[str] = []
    pending: list[str] = []  # blanks seen, not yet copied
    newline = False
    quote = ""
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
            piece = nxt if dequote else c + nxt
        elif quote and c == quote:
            quote = ""
            piece = "" if dequote else c
        elif quote and c == "\n":
            newline = True
            continue
        elif c in _WS:
            pending.append(c)
            continue
        elif not quote and c in "\"'":
            quote = c
            piece = "" if dequote else c
        else:
            piece = c
        if newline:
            out.append(" ")
        else:
            out.extend(pending)
        pending.clear()
        newline = False
        out.append(piece)
    return "".join(out)


def dequote(raw: str) -> str:
    """An argument's value: quotes and escapes removed (libnih's rules)."""
    if _SIMPLE.fullmatch(raw):
        return raw
    if "\\" not in raw and "\n" not in raw:
        # one kind of quote, no escapes, on one line (`"synthetic job"`):
        # what _copy does comes down to dropping the quote characters
        if "'" not in raw:
            return raw.replace('"', "")
        if '"' not in raw:
            return raw.replace("'", "")
    return _copy(raw, True)


def raw_command(raw: str) -> str:
    """A command line as libnih copies it: quotes and escapes kept, lines
    joined (see _copy), trailing blanks dropped."""
    return raw.rstrip(_WS) if "\n" not in raw else _copy(raw, False)


class Scanner:
    """Reads one job file's text; `pos` always points at unread text."""

    __slots__ = ("text", "n", "pos", "line", "bol")

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.pos = 0
        self.line = 1
        self.bol = 0  # offset where the current line begins

    # -- positions -------------------------------------------------------

    def col(self, pos: int | None = None) -> int:
        return (self.pos if pos is None else pos) - self.bol + 1

    def here(self) -> tuple[int, int]:
        return self.line, self.pos - self.bol + 1

    def _advance(self, end: int) -> None:
        """Move to END, counting the newlines passed."""
        text = self.text
        k = text.count("\n", self.pos, end)
        if k:
            self.line += k
            self.bol = text.rindex("\n", self.pos, end) + 1
        self.pos = end

    def fail(self, message: str, pos: int | None = None) -> ParseError:
        """A ParseError at POS (default: here); POS must be on this line."""
        return ParseError(message, self.line, self.col(pos))

    # -- whitespace, comments, lines ---------------------------------------

    def skip_ws(self) -> None:
        """Blanks and escaped newlines (libnih: nih_config_skip_whitespace)."""
        end = _SKIP_WS.match(self.text, self.pos).end()
        if end != self.pos:
            self._advance(end)

    def at_token(self) -> bool:
        """Something other than a comment, a newline or the end of file."""
        return self.pos < self.n and self.text[self.pos] not in "#\n"

    def end_line(self) -> None:
        """After a stanza: only a comment may follow, then the newline."""
        if self.at_token():
            raise self.fail("Unexpected token")
        self.next_line()

    def next_line(self) -> None:
        nl = self.text.find("\n", self.pos)
        if nl < 0:
            self.pos = self.n
        else:
            self.pos = nl + 1
            self.line += 1
            self.bol = self.pos

    def next_stanza(self) -> bool:
        """Skip blank and comment lines; True when a stanza starts here."""
        text, pos = self.text, self.pos
        end = _SKIP_LINES.match(text, pos).end()  # all of them, and the blanks after
        k = text.count("\n", pos, end)
        if k:
            self.line += k
            self.bol = text.rindex("\n", pos, end) + 1
        if end < self.n and text[end] != "#":  # (a newline would have been skipped)
            self.pos = end
            return True
        self.pos = self.n  # the end, or a last comment with no newline
        return False

    # -- tokens --------------------------------------------------------------

    def _token(self, pattern: re.Pattern[str]) -> tuple[str, int, int]:
        """(raw text, line, col) of the token here, then blanks skipped
        (PATTERN matches both: group 1 is the token)."""
        text, pos = self.text, self.pos
        m = pattern.match(text, pos)
        if m is None:
            raise self._why_no_token()
        line, col = self.line, pos - self.bol + 1
        end = m.end()
        k = text.count("\n", pos, end)
        if k:
            self.line += k
            self.bol = text.rindex("\n", pos, end) + 1
        self.pos = end
        return m.group(1), line, col

    def _why_no_token(self) -> ParseError:
        """Upstart's complaint when no token can be read here."""
        if self.pos < self.n:
            c = self.text[self.pos]
            if c in "\"'":
                return self.fail("Unterminated quoted string")
            if c == "\\":
                return self.fail("Trailing slash in file")
        return self.fail("Expected token")

    def arg(self) -> tuple[str, int, int]:
        """One argument (still quoted: callers dequote what they keep)."""
        if not self.at_token():
            raise self.fail("Expected token")
        return self._token(_ARG_WS)

    def word(self, value: bool = False) -> tuple[str, int, int]:
        """arg(), at the cost of one match for the usual plain word; VALUE:
        dequoted (which that plain word needs not be)."""
        m = _WORD_WS.match(self.text, self.pos)
        if m is None:
            raw, line, col = self.arg()
            return (dequote(raw) if value else raw), line, col
        pos = self.pos
        self.pos = m.end()
        return m.group(1), self.line, pos - self.bol + 1

    def args(self) -> list[tuple[str, int, int]]:
        """Every argument up to the end of the line (the line is consumed)."""
        out = []
        text, n = self.text, self.n
        while self.pos < n and text[self.pos] not in "#\n":  # at_token()
            out.append(self._token(_ARG_WS))
        self.next_line()
        return out

    def condition(self) -> list[tuple[str, str, int, int]]:
        """The tokens of a `start on`/`stop on` condition: (kind, raw, line, col).

        Kinds are WORD, AND, OR, LPAR, RPAR; an unquoted `and`/`or` is always
        an operator (libnih tests for one before reading an operand).  Inside
        parentheses the condition continues on the next line; a line there
        holding nothing or only a comment is "Expected token".
        """
        self.skip_ws()
        toks = self._plain_condition()
        if toks:
            return toks
        depth = 0
        text = self.text
        while True:
            self.skip_ws()
            while True:  # at least once: `stop on` alone is "Expected token"
                c = text[self.pos] if self.pos < self.n else ""
                if c == "(" or c == ")":
                    toks.append(("LPAR" if c == "(" else "RPAR", c, self.line, self.col()))
                    depth += 1 if c == "(" else -1
                    self._advance(self.pos + 1)
                    self.skip_ws()
                else:
                    if not self.at_token():
                        raise self.fail("Expected token")
                    raw, line, col = self._token(_EWORD_WS)
                    kind = "AND" if raw == "and" else "OR" if raw == "or" else "WORD"
                    toks.append((kind, raw, line, col))
                if not self.at_token():
                    break
            self.next_line()
            if depth <= 0 or self.pos >= self.n:
                return toks

    def _plain_condition(self) -> list[tuple[str, str, int, int]]:
        """condition() for the usual condition: lines of plain words and
        parentheses (no quote, no backslash), each read by two matches;
        [] (nothing consumed) otherwise, or where condition() would fail."""
        text, n = self.text, self.n
        pos, line, bol = self.pos, self.line, self.bol
        toks = []
        depth = 0
        while True:
            end = _PLAIN.match(text, pos).end()
            if end < n and text[end] not in "\n#":
                return []
            start = len(toks)
            for m in _PLAIN_EWORD.finditer(text, pos, end):
                word = m.group()
                if word == "(":
                    depth += 1
                    toks.append(("LPAR", word, line, m.start() - bol + 1))
                elif word == ")":
                    depth -= 1
                    toks.append(("RPAR", word, line, m.start() - bol + 1))
                else:
                    toks.append(("AND" if word == "and" else "OR" if word == "or" else "WORD",
                                 word, line, m.start() - bol + 1))
            if len(toks) == start:  # a line with no token: "Expected token"
                return []
            nl = text.find("\n", end)
            if nl < 0:
                pos = n
                break
            pos = bol = nl + 1
            line += 1
            if depth <= 0 or pos >= n:
                break
        self.pos, self.line, self.bol = pos, line, bol
        return toks

    def command(self) -> tuple[str, int, int]:
        """The rest of the (joined) line, raw, for `exec` and friends."""
        if not self.at_token():
            raise self.fail("Expected token")
        m = _COMMAND.match(self.text, self.pos)
        line, col = self.line, self.col()
        end = m.end()
        if end < self.n and self.text[end] in "\"'\\":
            self._advance(end)
            raise self._why_no_token()
        self._advance(end)
        self.end_line()
        return raw_command(m.group()), line, col

    def block(self, line: int, col: int) -> tuple[str, int]:
        """A script body up to its `end script` line (consumed), and the
        line it starts on.  LINE:COL is where the block was opened, for
        "Unterminated block"."""
        self.end_line()
        m = _END_BLOCK.search(self.text, self.pos)
        if m is None:
            raise ParseError("Unterminated block", line, col)
        body, first = self.text[self.pos:m.start()], self.line
        self._advance(m.end())
        return body, first
