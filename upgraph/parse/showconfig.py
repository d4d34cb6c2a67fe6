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

from upgraph.model import JOB_EVENTS, Diagnostic, Emit, Enumerated, Job, Location, Operand
from upgraph.parse.expr import ShapeError, build, template

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

_ENUM = re.compile(r"(.*?) \(job:(?: (.*?))?, env:((?: .*)?)\)")
_DETAIL = re.compile(r"[ \t]+(emits|start on|stop on)(?: |$)")


def is_detail(line: str) -> bool:
    """An indented `emits`, `start on` or `stop on` line."""
    return _DETAIL.match(line) is not None


class _Record:
    """One job being read, and which of its lines have been seen (a line
    out of initctl's order starts a new record)."""

    __slots__ = ("job", "orphan", "emits_done", "start", "stop", "enum_start", "enum_stop")

    def __init__(self, job: Job, orphan: bool = False) -> None:
        self.job = job
        self.orphan = orphan  # its name line was cut off
        self.emits_done = False  # a condition line came: no more emits
        self.start = self.stop = False  # plain condition lines seen
        self.enum_start: list[Operand] = []
        self.enum_stop: list[Operand] = []

    def accepts(self, kind: str, enumerated: bool) -> bool:
        if kind == "emits":
            return not self.emits_done
        if kind == "start on":
            if enumerated:
                return not (self.start or self.stop or self.enum_stop)
            return not (self.start or self.stop or self.enum_start or self.enum_stop)
        if enumerated:
            return not self.stop
        return not (self.stop or self.enum_stop)

    def finish(self) -> Job:
        job = self.job
        if self.enum_start:
            job.start_on = Enumerated(tuple(self.enum_start))
        if self.enum_stop:
            job.stop_on = Enumerated(tuple(self.enum_stop))
        return job


class Reader:
    """Feed it lines (without their newline); `finish()` returns the jobs."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.jobs: list[Job] = []
        self.diags: list[Diagnostic] = []
        self.current: _Record | None = None
        self.orphan_lines = 0
        self.first_orphan: Location | None = None
        self.pending_sep = 0  # line number of a `--` not yet classified
        self.first_line = 0  # line number of the first non-blank line

    # -- records -----------------------------------------------------------

    def _close(self) -> None:
        if self.current is not None:
            self.jobs.append(self.current.finish())
            self.current = None

    def _start(self, name: str, lineno: int, orphan: bool = False) -> None:
        self._close()
        self.current = _Record(Job(name, self.source, Location(self.source, lineno)), orphan)

    def _orphan(self, lineno: int) -> None:
        self._start(f"<unnamed at {self.source}:{lineno}>", lineno, orphan=True)
        if self.first_orphan is None:
            self.first_orphan = Location(self.source, lineno)

    # -- lines -------------------------------------------------------------

    def feed(self, line: str, lineno: int) -> None:
        if line.endswith("\r"):
            line = line[:-1]
        if not line.strip():
            return
        if not self.first_line:
            self.first_line = lineno
        if self.pending_sep:
            # `--` is grep's separator between excerpts, unless it is a job of
            # that name: grep never starts its output with one, and in a
            # listing sorted by name `--` comes after names like ` x` only.
            before = self.current.job.name if self.current else ""
            if self.pending_sep == self.first_line or (before and before < "--"):
                self._start("--", self.pending_sep)
            else:
                self._close()
            self.pending_sep = 0
        if line == "--":
            self.pending_sep = lineno
            return
        m = _DETAIL.match(line)
        if m is None:
            self._start(line, lineno)
            return
        kind = m.group(1)
        rest = line[m.end():]
        indent = m.start(1) + 1
        enum = _ENUM.fullmatch(rest) if kind != "emits" else None
        if self.current is None or not self.current.accepts(kind, enum is not None):
            self._orphan(lineno)
        if self.current.orphan:
            self.orphan_lines += 1
        self._detail(self.current, kind, rest, enum,
                     Location(self.source, lineno, indent), m.end() + 1)

    def _detail(self, rec: _Record, kind: str, rest: str, enum: re.Match[str] | None,
                loc: Location, rest_col: int) -> None:
        job = rec.job
        if job.stanza_locs is None:
            job.stanza_locs = {}
        job.stanza_locs[kind] = loc
        if kind == "emits":
            job.emits.append(Emit(rest, Location(loc.path, loc.line, rest_col)))
            return
        rec.emits_done = True
        start = kind == "start on"
        if enum is not None:
            op = enumerated_operand(enum, Location(loc.path, loc.line, rest_col))
            (rec.enum_start if start else rec.enum_stop).append(op)
            return
        expr = self._plain_condition(rest, loc.line, rest_col)
        if start:
            rec.start, job.start_on = True, expr
        else:
            rec.stop, job.stop_on = True, expr

    def _plain_condition(self, text: str, lineno: int, col: int) -> object:
        if not text.startswith("("):  # no operator: one event, whatever its words
            parts = text.split(" ")
            return Operand(parts[0], tuple(parts[1:]), Location(self.source, lineno, col))
        words = printed_tokens(text, col)
        kinds = printed_kinds([w[0] for w in words])
        if kinds is None:
            return self._one_operand(text, lineno, col, "its brackets do not balance")
        try:
            tmpl = template(tuple(kinds))
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
        self.diags.append(Diagnostic(
            "warning", f"cannot read the structure of this condition ({why}); "
            f"taking it as one event: {text!r}", Location(self.source, lineno, col),
            "showconfig-line"))
        parts = text.split(" ")
        return Operand(parts[0], tuple(parts[1:]), Location(self.source, lineno, col))

    def finish(self) -> tuple[list[Job], list[Diagnostic]]:
        if self.pending_sep:  # grep never ends with a separator: a job named `--`
            self._start("--", self.pending_sep)
        self._close()
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


def enumerated_operand(m: re.Match[str], loc: Location) -> Operand:
    """`EVENT (job: J, env: A B)` back into an operand.

    The job goes first as a positional argument when that reads back the same
    way; otherwise (empty, or holding `=`) as `JOB=...`, so it stays the job.
    """
    event, job, env = m.group(1), m.group(2), m.group(3)
    words = env[1:].split(" ") if env else []
    if job is not None:
        first = job if job and "=" not in job else f"JOB={job}"
        words.insert(0, first)
    elif event in JOB_EVENTS:
        # No job: so the first argument held a `=` (else it would name the
        # job); a value with spaces printed before that `=` is one argument.
        while len(words) > 1 and "=" not in words[0]:
            words[0:2] = [words[0] + " " + words[1]]
    return Operand(event, tuple(words), loc)


def read_lines(lines: Iterable[tuple[int, str]], source: str) -> tuple[list[Job],
                                                                      list[Diagnostic]]:
    """Every (line number, text) pair through one Reader."""
    reader = Reader(source)
    for lineno, line in lines:
        reader.feed(line, lineno)
    return reader.finish()
