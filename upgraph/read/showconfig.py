"""Read `initctl show-config` text (plain or `-e`) into jobs, line by line.

The format is line-oriented: a job's name alone on a line, then indented
`emits EVENT`, `start on ...` and `stop on ...` lines.  Plain output prints
each condition in initctl's bracketed form (parsed with the expression
grammar, see expr.py); `-e` output prints one `EVENT (job: J, env: A B)`
line per operand instead.

People paste whatever they have: whole outputs, several `show-config JOB`
outputs run together, `grep -B8` excerpts with `--` separators and records
whose name line was cut off.  Every line that can be attributed to a job is
used: lines with no name above them, and lines that cannot belong to the
record above (a second `start on`: the name line between them was lost) are
kept as `<unnamed at FILE:LINE>` records, so no listener is ever lost.

Reading back upgraph's own output gives the same output again: names and
values are taken verbatim (spaces, tabs, `=` and empty strings included).
"""

from __future__ import annotations

import re
from sys import intern

from upgraph.model import (
    JOB_EVENT,
    Diagnostic,
    Emit,
    Enumerated,
    Job,
    Location,
    Operand,
    Repeats,
)
from upgraph.read.expr import Memo, ShapeError, build

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

_ENUM = re.compile(r"(.*?) \(job:(?: (.*?))?, env:((?: .*)?)\)")
_DETAIL = re.compile(r"[ \t]+(emits|start on|stop on)(?: |$)")
_KEYWORDS = (("start on", 8), ("stop on", 7), ("emits", 5))


def is_detail(line: str) -> bool:
    """An indented `emits`, `start on` or `stop on` line."""
    return _DETAIL.match(line) is not None


def split_detail(line: str) -> tuple[str, str, int] | None:
    """(keyword, rest, column of rest) of an indented detail line, else None.

    The same as `_DETAIL`, with string methods: this runs once per line.
    """
    body = line.lstrip(" \t")
    if body is line:
        return None
    for word, n in _KEYWORDS:
        if body.startswith(word) and (len(body) == n or body[n] == " "):
            return word, body[n + 1:], len(line) - len(body) + n + 2
    return None


def split_enumerated(rest: str) -> tuple[str, str | None, str] | None:
    """(event, job or None, env text) of `EVENT (job: J, env: A B)`, else None.

    `_enumerated` splits the usual line itself (first ` (job:`, first
    `, env:`) and asks this only when that fails: the result is `_ENUM`'s.
    """
    m = _ENUM.fullmatch(rest)
    return (m.group(1), m.group(2), m.group(3)) if m else None


KNOWN_LIMIT = 4096  # distinct `-e` condition texts remembered while reading
# Jobs read from one text: twice the 100,000-job benchmark, a thousand times a
# real machine.  Boot simulation holds about 9 KB a job, so this bounds memory
# where the size limit on the text (sources.MAX_TEXT) alone does not: 32 MiB
# of three-line jobs is a million and a half of them.
MAX_JOBS = 200_000
# `emits`, `start on` and `stop on` lines of one job: a job file's condition
# of 100,000 alternatives is read whole, and no real job comes near; past it
# a job of endless emits would cost 2 KB a line in every answer that draws it.
MAX_LINES = 100_000


class _Full(Exception):
    """MAX_JOBS records read: the rest of the text is not."""


def _enumerated(rest: str) -> tuple[str, str | None, tuple[str, ...]] | None:
    """(event, job or None, env words) of `EVENT (job: J, env: A B)`, else None.

    The usual line is split here (first ` (job:`, first `, env:`); when that
    reading fails, `_ENUM` decides.  Words are interned: one string object per
    distinct word in a job set."""
    found = None
    if rest[-1:] == ")":
        i = rest.find(" (job:")
        if i >= 0:
            after = rest[i + 6:-1]
            j = after.find(", env:")
            if j >= 0:
                ref, env = after[:j], after[j + 6:]
                if (not ref or ref[0] == " ") and (not env or env[0] == " "):
                    found = rest[:i], (ref[1:] if ref else None), env
            if found is None:
                found = split_enumerated(rest)
    if found is None:
        return None
    event, ref, env = found
    return (intern(event), ref,  # a job name: rarely repeated, not worth interning
            tuple(map(intern, env[1:].split(" "))) if env else ())


class Reader:
    """Reads lines (without their newline) into jobs; see `read`."""

    def __init__(self, source: str, memo: Memo | None = None) -> None:
        self.memo = Memo() if memo is None else memo  # the reading's (see read/session.py)
        self.source = source
        self.jobs: list[Job] = []
        self.diags: list[Diagnostic] = []
        self.repeats = Repeats(self.diags)  # line-by-line warnings, bounded
        self.orphan_lines = 0
        self.first_orphan: Location | None = None
        self.pending_sep = 0  # line number of a `--` not yet classified
        self.first_line = 0  # line number of the first non-blank line
        # the record being read: its job, and which lines it has had (a line
        # out of initctl's order starts a new record)
        self.job: Job | None = None
        self.orphan = False  # its name line was cut off
        # the record's last line that is read (MAX_LINES), and whether one
        # past it was said
        self.last_line, self.full = MAX_LINES, False
        self.emits_done = False  # a condition line came: no more emits
        self.start = self.stop = False  # plain condition lines seen
        self.enum_start: list[Operand] = []
        self.enum_stop: list[Operand] = []

    # -- records -----------------------------------------------------------

    def _close(self) -> None:
        job = self.job
        if job is not None:
            if self.enum_start:
                job.start_on = Enumerated(tuple(self.enum_start))
                self.enum_start = []
            if self.enum_stop:
                job.stop_on = Enumerated(tuple(self.enum_stop))
                self.enum_stop = []
            self.jobs.append(job)
            self.job = None

    def _start(self, name: str, lineno: int, orphan: bool = False) -> None:
        self._close()
        if len(self.jobs) >= MAX_JOBS:
            raise _Full(lineno)
        self.job = Job(name, self.source, Location(self.source, lineno))
        self.orphan = orphan
        self.emits_done = self.start = self.stop = False
        self.last_line, self.full = lineno + MAX_LINES, False

    def _past_limit(self, lineno: int) -> None:
        """A line past the record's MAX_LINES, not read: said once.  Only
        called then, so the loop pays one comparison a line."""
        if not self.full:
            self.full = True
            self.diags.append(Diagnostic(
                "error", f"job {self.job.name} has more than {MAX_LINES:,} lines of "  # type: ignore[union-attr]
                "show-config text; the rest of them are not read",
                Location(self.source, lineno), "unreadable"))

    def _orphan(self, lineno: int) -> None:
        self._start(f"<unnamed at {self.source}:{lineno}>", lineno, orphan=True)
        if self.first_orphan is None:
            self.first_orphan = Location(self.source, lineno)

    def _accepts(self, kind: str, enumerated: bool) -> bool:
        if kind == "emits":
            return not self.emits_done
        if kind == "start on":
            if enumerated:
                return not (self.start or self.stop or self.enum_stop)
            return not (self.start or self.stop or self.enum_start or self.enum_stop)
        if enumerated:
            return not self.stop
        return not (self.stop or self.enum_stop)

    # -- lines -------------------------------------------------------------

    def read(self, blocks: Iterable[tuple[int, list[str]]]) -> None:
        """Every line, given as blocks of (number of the first line, lines).

        The loop is written for speed (it runs once per line of inputs with
        millions of lines): initctl's own indentation is tried first, the
        usual `-e` line is split inline, and words are interned (one string
        object per distinct word).
        """
        try:
            self._read(blocks)
        except _Full as full:
            self.diags.append(Diagnostic(
                "error", f"more than {MAX_JOBS:,} jobs in show-config text; the rest is "
                "not read", Location(self.source, full.args[0]), "unreadable"))

    def _read(self, blocks: Iterable[tuple[int, list[str]]]) -> None:
        source = self.source
        known: dict[str, tuple[str, str | None, tuple[str, ...]] | None] = {}
        for first, lines in blocks:
            for lineno, line in enumerate(lines, first):
                if not line:
                    continue
                if line[0] not in " \t":
                    if self.pending_sep:
                        self._separator()
                    if not self.first_line:
                        self.first_line = lineno
                    if line == "--":
                        self.pending_sep = lineno
                    else:
                        self._start(line, lineno)
                    continue
                if line.startswith("  start on "):
                    kind, rest, col = "start on", line[11:], 12
                elif line.startswith("  stop on "):
                    kind, rest, col = "stop on", line[10:], 11
                elif line.startswith("  emits "):
                    kind, rest, col = "emits", line[8:], 9
                elif not line.strip():
                    continue
                else:
                    detail = split_detail(line)
                    if detail is None:
                        if self.pending_sep:
                            self._separator()
                        if not self.first_line:
                            self.first_line = lineno
                        self._start(line, lineno)
                        continue
                    kind, rest, col = detail
                if self.pending_sep:
                    self._separator()
                if not self.first_line:
                    self.first_line = lineno
                if kind == "emits":
                    if self.job is None or self.emits_done:
                        self._orphan(lineno)
                    if self.orphan:
                        self.orphan_lines += 1
                    if lineno > self.last_line:
                        self._past_limit(lineno)
                        continue
                    self.job.emits.append(Emit(rest, Location(source, lineno, col)))  # type: ignore[union-attr]
                    continue
                # `EVENT (job: J, env: A B)`, split once per distinct text
                enum = known.get(rest, False)
                if enum is False:
                    enum = _enumerated(rest)
                    if len(known) < KNOWN_LIMIT:
                        known[rest] = enum
                if self.job is None or not self._accepts(kind, enum is not None):
                    self._orphan(lineno)
                if self.orphan:
                    self.orphan_lines += 1
                if lineno > self.last_line:
                    self._past_limit(lineno)
                    continue
                self.emits_done = True
                loc = Location(source, lineno, col)
                if enum is not None:
                    event, ref, args = enum
                    if ref is None and event not in JOB_EVENT:
                        op = Operand(event, args, loc)
                    else:
                        op = enumerated_operand(event, ref, list(args), loc)
                    (self.enum_start if kind == "start on" else self.enum_stop).append(op)
                    continue
                expr = self._plain_condition(rest, lineno, col)
                if kind == "start on":
                    self.start, self.job.start_on = True, expr  # type: ignore[union-attr]
                else:
                    self.stop, self.job.stop_on = True, expr  # type: ignore[union-attr]

    def _separator(self) -> None:
        # `--` is grep's separator between excerpts, unless it is a job of
        # that name: grep never starts its output with one, and in a listing
        # sorted by name `--` comes after names like ` x` only.
        before = self.job.name if self.job else ""
        if self.pending_sep == self.first_line or (before and before < "--"):
            self._start("--", self.pending_sep)
        else:
            self._close()
        self.pending_sep = 0

    def _plain_condition(self, text: str, lineno: int, col: int) -> object:
        if not text.startswith("("):  # no operator: one event, whatever its words
            parts = text.split(" ")
            return Operand(parts[0], tuple(parts[1:]), Location(self.source, lineno, col))
        words = printed_tokens(text, col)
        kinds = printed_kinds([w[0] for w in words])
        if kinds is None:
            return self._one_operand(text, lineno, col, "its brackets do not balance")
        try:
            tmpl = self.memo.template(tuple(kinds))
        except ShapeError as exc:  # cannot happen after printed_kinds; be safe anyway
            return self._one_operand(text, lineno, col, exc.message)

        def operand(start: int, end: int) -> Operand:
            first = words[start]
            return Operand(first[1], tuple(w[1] for w in words[start + 1:end]),
                           Location(self.source, lineno, first[2]))

        return build(tmpl, operand)

    def _one_operand(self, text: str, lineno: int, col: int, why: str) -> Operand:
        """Bracketed text that does not fit initctl's form (a value holding a
        bracket): keep it whole, as one event and its arguments, and say so."""
        self.repeats.add(Diagnostic(
            "warning", f"cannot read the structure of this condition ({why}); "
            f"taking it as one event: {text!r}", Location(self.source, lineno, col),
            "showconfig-line"))
        parts = text.split(" ")
        return Operand(parts[0], tuple(parts[1:]), Location(self.source, lineno, col))

    def finish(self) -> tuple[list[Job], list[Diagnostic]]:
        if self.pending_sep:  # grep never ends with a separator: a job named `--`
            self._start("--", self.pending_sep)
        self._close()
        self.repeats.close()
        if self.orphan_lines:
            self.diags.append(Diagnostic(
                "warning", f"{self.orphan_lines} line(s) have no job name above them "
                "(a cut-off record?); shown as <unnamed at ...>", self.first_orphan,
                "showconfig-orphan"))
        return self.jobs, self.diags


def printed_tokens(text: str, col: int) -> list[tuple[str, str, int]]:
    """initctl's printed condition as (kind, word, column) tokens.

    Words are separated by single spaces (a value may hold tabs or several
    spaces: they are kept); brackets are only those at the edges of words; a
    word of brackets alone holds an empty value (initctl prints `""` as
    nothing).
    """
    out: list[tuple[str, str, int]] = []
    pos = col
    for word in text.split(" "):
        start, end = 0, len(word)
        while start < end and word[start] == "(":
            out.append(("LPAR", "(", pos + start))
            start += 1
        closing = 0
        while end > start and word[end - 1] == ")":
            end -= 1
            closing += 1
        core = word[start:end]  # may be empty: an empty value stands there
        kind = "AND" if core == "and" else "OR" if core == "or" else "WORD"
        out.append((kind, core, pos + start))
        out += [("RPAR", ")", pos + end + i) for i in range(closing)]
        pos += len(word) + 1
    return out


def printed_kinds(kinds: list[str]) -> list[str] | None:
    """Which `and`/`or` words of initctl's printed form are operators.

    initctl brackets every operator, and only operators: `(LEFT op RIGHT)`.
    So text that does not open with a bracket is one event and its arguments,
    whatever words it holds (the caller reads it so), and in a bracket the
    operator is the first
    `and`/`or` after a complete left side; every other `and`/`or` is a value
    (`start on foo "and"` prints `foo and`).  Returns the kinds with those
    values made WORDs, or None when the brackets do not fit the form (a value
    holding a bracket).
    """
    out = list(kinds)
    # per open bracket: "left" (side expected), "lwords", "lgroup" (operator
    # expected), "right", "rwords", "rgroup" (closing bracket expected)
    stack: list[str] = []
    for i, kind in enumerate(kinds):
        state = stack[-1] if stack else None
        if kind == "LPAR":
            if state not in (None, "left", "right") or (state is None and i):
                return None
            if stack:
                stack[-1] = "lgroup" if state == "left" else "rgroup"
            stack.append("left")
        elif kind == "RPAR":
            if state not in ("rwords", "rgroup"):
                return None
            stack.pop()
        elif state is None:
            return None
        elif kind in ("AND", "OR") and state in ("lwords", "lgroup"):
            stack[-1] = "right"
        elif state in ("lgroup", "rgroup"):
            return None
        else:
            out[i] = "WORD"
            stack[-1] = {"left": "lwords", "right": "rwords"}.get(state, state)
    return out if not stack else None


def enumerated_operand(event: str, job: str | None, words: list[str],
                       loc: Location) -> Operand:
    """`EVENT (job: J, env: A B)` back into an operand.

    The job goes first as a positional argument when that reads back the same
    way; otherwise (empty, or holding `=`) as `JOB=...`, so it stays the job.
    """
    if job is not None:
        words.insert(0, job if job and "=" not in job else f"JOB={job}")
    elif event in JOB_EVENT:
        # No job: so the first argument held a `=` (else it would name the
        # job); a value with spaces printed before that `=` is one argument.
        while len(words) > 1 and "=" not in words[0]:
            words[0:2] = [words[0] + " " + words[1]]
    return Operand(event, tuple(words), loc)


def read_lines(blocks: Iterable[tuple[int, list[str]]], source: str,
               memo: Memo | None = None) -> tuple[list[Job], list[Diagnostic]]:
    """Blocks of lines (see Reader.read) through one Reader."""
    reader = Reader(source, memo)
    reader.read(blocks)
    return reader.finish()
