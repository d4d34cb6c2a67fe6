"""What a job's processes do to Upstart, read from their shell text (§11).

The scripts model needs, for each process (`pre-start`, the main process,
`post-start`, `pre-stop`, `post-stop`), the commands in it that talk to
init: `initctl emit|start|stop|restart`, bare `start|stop|restart`, and
`telinit`.  Each is an `Action`, and each is either unconditional (it
stands at the top level of its process) or conditional, with the line of
the outermost construct that guards it.

Why a parser and not a regular expression: whether an action is
conditional depends on where it stands (inside `if`, `case`, a loop, a
function, `( … )`, `{ … }`, or after the first command of an `&&`/`||`
list), and here-documents, quotes and comments must not produce actions.
This reader never fails: shell text it cannot follow (an unclosed quote,
a stray `fi`) is read as far as it goes, the rest closing at the end.

Nothing here runs anything: words keep their quotes and `$` until the
simulator expands them with one instance's environment (`expand_words`).
"""

from __future__ import annotations

import re

from upgraph.boot.machine import Unexpandable, expand
from upgraph.model import Location, Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.model import Job

PROCESSES = ("pre-start", "main", "post-start", "pre-stop", "post-stop")
_PREFIXES = ("/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/")
_ASSIGN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BRACED = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:]?[-+][^}]*)?\}")
_RESERVED = {"if", "then", "elif", "else", "fi", "do", "done", "case", "esac", "while",
             "until", "for", "in", "{", "}", "!", "function"}
_META = set(" \t\n;&|()<>")


class Action(Record):
    """One command that talks to init: VERB (emit, start, stop, restart,
    telinit) with its raw shell ARGS (options removed; quotes and `$` kept);
    NOWAIT when `--no-wait`/`-n` was given; where it stands (LOC); GUARD, the
    first line of the outermost construct holding it, or None when it is
    unconditional; PROCESS, the process it runs in."""

    __slots__ = ("process", "verb", "args", "nowait", "loc", "guard", "written")

    def __init__(self, process: str, verb: str, args: tuple[str, ...], nowait: bool,
                 loc: Location, guard: Location | None, written: str = "") -> None:
        self.process, self.verb, self.args, self.nowait = process, verb, args, nowait
        self.loc, self.guard = loc, guard
        self.written = written  # the command as the script writes it

    @property
    def conditional(self) -> bool:
        return self.guard is not None

    @property
    def event(self) -> str | None:
        """The event an `initctl emit` names as written (None: another verb,
        or a name only known when it runs, as `$EV`)."""
        return literal(self.args[0]) if self.verb == "emit" and self.args else None

    def text(self) -> str:
        if self.written:
            return self.written
        verb = self.verb if self.verb in ("telinit",) else f"initctl {self.verb}"
        return " ".join((verb, *self.args))


# -- words -----------------------------------------------------------------------------

class Unknown(Exception):
    """A word whose value cannot be known offline: an unset variable, `$(…)`
    or backquotes.  ARGS[0] says which."""


def expand_words(raw: tuple[str, ...], env: list[str]) -> list[str]:
    """The fields the shell would make of RAW words with ENV as its only
    variables: quotes removed, `$VAR`/`${VAR…}` expanded, unquoted
    expansions split on blanks.  Raises Unknown."""
    out: list[str] = []
    for word in raw:
        out += _expand_word(word, env)
    return out


_PLAIN = re.compile(r"[^'\"\\$`]*")  # a word the shell gives back as it is


def _expand_word(word: str, env: list[str]) -> list[str]:
    if _PLAIN.fullmatch(word):  # most words: no quote, backslash or expansion
        return [word] if word else []
    fields: list[str] = []
    cur: list[str] = []
    quoted_any = False
    i, n = 0, len(word)

    def variable(at: int) -> tuple[str, int]:
        """Expand the `$` at AT; return (value, index after it)."""
        nxt = word[at + 1] if at + 1 < n else ""
        if nxt == "(":
            raise Unknown("$(…)")
        if nxt == "{":
            end = word.find("}", at)
            if end < 0:
                return "$", at + 1
            text = word[at:end + 1]
            if not _BRACED.fullmatch(text):
                raise Unknown(text)
            try:
                return expand(text, env), end + 1
            except Unexpandable as exc:
                raise Unknown("$" + exc.args[0]) from None
        m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", word[at + 1:])
        if m:
            try:
                return expand("$" + m.group(0), env), at + 1 + m.end()
            except Unexpandable as exc:
                raise Unknown("$" + exc.args[0]) from None
        if nxt and (nxt.isdigit() or nxt in "@*#?$!-"):
            raise Unknown("$" + nxt)
        return "$", at + 1

    while i < n:
        c = word[i]
        if c == "'":
            end = word.find("'", i + 1)
            end = n if end < 0 else end
            cur.append(word[i + 1:end])
            quoted_any = True
            i = end + 1
        elif c == '"':
            quoted_any = True
            i += 1
            while i < n and word[i] != '"':
                d = word[i]
                if d == "\\" and i + 1 < n and word[i + 1] in '$`"\\\n':
                    cur.append(word[i + 1])
                    i += 2
                elif d == "`":
                    raise Unknown("`…`")
                elif d == "$":
                    value, i = variable(i)
                    cur.append(value)
                else:
                    cur.append(d)
                    i += 1
            i += 1
        elif c == "\\":
            cur.append(word[i + 1] if i + 1 < n else "")
            i += 2
        elif c == "`":
            raise Unknown("`…`")
        elif c == "$":
            value, i = variable(i)
            parts = value.split()
            if not parts:
                continue
            if value[:1].isspace() and (cur or quoted_any):
                fields.append("".join(cur))
                cur, quoted_any = [], False
            for part in parts[:-1]:
                cur.append(part)
                fields.append("".join(cur))
                cur, quoted_any = [], False
            cur.append(parts[-1])
            if value[-1:].isspace():
                fields.append("".join(cur))
                cur, quoted_any = [], False
        else:
            cur.append(c)
            i += 1
    if cur or quoted_any:
        fields.append("".join(cur))
    return fields


def literal(word: str) -> str | None:
    """A word's value when it needs no environment, else None."""
    if "$" in word or "`" in word:
        return None
    try:
        fields = _expand_word(word, [])
    except Unknown:
        return None
    return fields[0] if len(fields) == 1 else None


# -- the lexer ---------------------------------------------------------------------------

WORD, OP, NEWLINE, END = "word", "op", "newline", "end"
_OPS = ("&&", "||", ";;", "<<-", "<<", ">>", "<&", ">&", "<>", ">|", ";", "&", "|", "(", ")",
        "<", ">")


def tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, line) of shell TEXT; line 0 is its first line."""
    out: list[tuple[str, str, int]] = []
    heredocs: list[tuple[str, bool]] = []
    i, n, line = 0, len(text), 0
    while i < n:
        c = text[i]
        if c in " \t\r":
            i += 1
        elif c == "\\" and text.startswith("\\\n", i):
            i += 2
            line += 1
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif c == "\n":
            out.append((NEWLINE, "\n", line))
            i += 1
            line += 1
            for delim, strip in heredocs:  # skip the bodies
                while i < n:
                    end = text.find("\n", i)
                    end = n if end < 0 else end
                    body = text[i:end]
                    i = end + 1
                    line += 1
                    if (body.lstrip("\t") if strip else body) == delim:
                        break
            heredocs = []
        elif c in "&|;()<>":
            op = next(o for o in _OPS if text.startswith(o, i))
            out.append((OP, op, line))
            i += len(op)
            if op in ("<<", "<<-"):
                while i < n and text[i] in " \t":
                    i += 1
                start = i
                i, _ = _word_end(text, i)
                raw = text[start:i]
                out.append((WORD, raw, line))
                heredocs.append((re.sub(r"[\"'\\]", "", raw), op == "<<-"))
        else:
            start = i
            i, lines = _word_end(text, i)
            out.append((WORD, text[start:i], line))
            line += lines
    out.append((END, "", line))
    return out


def _word_end(text: str, i: int) -> tuple[int, int]:
    """Where the word at I ends, and how many newlines it holds."""
    n = len(text)
    start = i
    while i < n and text[i] not in _META:
        c = text[i]
        if c == "'":
            end = text.find("'", i + 1)
            i = n if end < 0 else end + 1
        elif c == '"':
            i = _close_double(text, i + 1)
        elif c == "\\":
            i += 2
        elif c == "`":
            end = text.find("`", i + 1)
            i = n if end < 0 else end + 1
        elif c == "$" and text.startswith("$(", i):
            i = _close_paren(text, i + 2)
        elif c == "$" and text.startswith("${", i):
            end = text.find("}", i)
            i = n if end < 0 else end + 1
        else:
            i += 1
    i = min(i, n)
    return i, text.count("\n", start, i)


def _close_double(text: str, i: int) -> int:
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
        elif c == '"':
            return i + 1
        elif text.startswith("$(", i):
            i = _close_paren(text, i + 2)
        elif c == "`":
            end = text.find("`", i + 1)
            i = n if end < 0 else end + 1
        else:
            i += 1
    return n


def _close_paren(text: str, i: int) -> int:
    depth, n = 1, len(text)
    while i < n and depth:
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "'":
            end = text.find("'", i + 1)
            i = n - 1 if end < 0 else end
        elif c == '"':
            i = _close_double(text, i + 1) - 1
        elif c == "\\":
            i += 1
        i += 1
    return i


# -- the parser ----------------------------------------------------------------------------

class _Reader:
    """Walks the tokens of one process, collecting actions in order, with
    each one's guard; stops collecting after a top-level `exec CMD`/`exit`."""

    def __init__(self, text: str, process: str, path: str, first: int) -> None:
        self.toks = tokens(text)
        self.i = 0
        self.process, self.path, self.first = process, path, first
        self.actions: list[Action] = []
        self.ended = False

    def loc(self, line: int) -> Location:
        return Location(self.path, self.first + line)

    def peek(self) -> tuple[str, str, int]:
        return self.toks[self.i]

    def take(self) -> tuple[str, str, int]:
        tok = self.toks[self.i]
        if tok[0] != END:
            self.i += 1
        return tok

    def reserved(self, *words: str) -> bool:
        kind, text, _ = self.peek()
        return kind == WORD and text in words

    def skip_newlines(self) -> None:
        while self.peek()[0] == NEWLINE or self.peek()[1] == ";":
            self.take()

    def run(self) -> list[Action]:
        while self.peek()[0] != END:
            before = self.i
            self.commands(None, ())
            if self.i == before:
                self.take()  # a stray `fi`, `)`, `;;`: step over it
        return self.actions

    def commands(self, guard: Location | None, stop: tuple[str, ...]) -> None:
        """A list of and-or lists, until a reserved word in STOP (or `)`,
        `;;` or the end)."""
        while True:
            self.skip_newlines()
            kind, text, _ = self.peek()
            if kind == END or (kind == WORD and text in stop) or \
                    (kind == OP and text in (")", ";;")) or (kind == WORD and text == "}"):
                return
            before = self.i
            self.and_or(guard)
            if self.i == before:
                return
            kind, text, _ = self.peek()
            if kind == OP and text in (";", "&"):
                self.take()

    def and_or(self, guard: Location | None) -> None:
        start = self.peek()[2]
        self.pipeline(guard)
        while self.peek()[0] == OP and self.peek()[1] in ("&&", "||"):
            self.take()
            while self.peek()[0] == NEWLINE:
                self.take()
            self.pipeline(guard or self.loc(start))

    def pipeline(self, guard: Location | None) -> None:
        if self.reserved("!"):
            self.take()
        self.command(guard)
        while self.peek()[0] == OP and self.peek()[1] == "|":
            self.take()
            while self.peek()[0] == NEWLINE:
                self.take()
            self.command(guard)

    def command(self, guard: Location | None) -> None:
        kind, text, line = self.peek()
        inner = guard or self.loc(line)
        if kind == WORD and text in ("if", "while", "until"):
            self.take()
            self.commands(inner, ("then", "do"))
            while self.reserved("then", "elif", "else", "do"):
                self.take()
                self.commands(inner, ("elif", "else", "fi", "then", "done"))
            if self.reserved("fi", "done"):
                self.take()
        elif kind == WORD and text == "for":
            self.take()
            while self.peek()[0] != END and not self.reserved("do"):
                self.take()
            if self.reserved("do"):
                self.take()
                self.commands(inner, ("done",))
                if self.reserved("done"):
                    self.take()
        elif kind == WORD and text == "case":
            self.case(inner)
        elif kind == WORD and text == "{":
            self.take()
            self.commands(inner, ())
            if self.reserved("}"):
                self.take()
        elif kind == OP and text == "(":
            self.take()
            self.commands(inner, ())
            if self.peek()[1] == ")":
                self.take()
        elif kind == WORD and text == "function":
            self.take()
            self.take()  # its name
            self.function_body(inner)
            return
        elif kind == WORD and self.i + 2 < len(self.toks) and \
                self.toks[self.i + 1][:2] == (OP, "(") and \
                self.toks[self.i + 2][:2] == (OP, ")") and _NAME.fullmatch(text):
            self.i += 3
            self.function_body(inner)
            return
        else:
            self.simple(guard)
            return
        self.redirections()

    def function_body(self, inner: Location) -> None:
        if self.reserved("(") or self.peek()[1] == "(":
            self.take()
            if self.peek()[1] == ")":
                self.take()
        while self.peek()[0] == NEWLINE:
            self.take()
        self.command(inner)

    def case(self, inner: Location) -> None:
        self.take()
        while self.peek()[0] != END and not self.reserved("in"):
            self.take()
        if self.reserved("in"):
            self.take()
        while True:
            self.skip_newlines()
            if self.peek()[0] == END:
                return
            if self.reserved("esac"):
                self.take()
                self.redirections()
                return
            if self.peek()[1] == "(":
                self.take()
            while self.peek()[0] != END and self.peek()[1] != ")":
                self.take()  # the patterns
            self.take()
            self.commands(inner, ("esac",))
            if self.peek()[1] == ";;":
                self.take()

    def redirections(self) -> None:
        while self.peek()[0] == OP and self.peek()[1] in ("<", ">", ">>", "<&", ">&", "<>",
                                                          ">|", "<<", "<<-"):
            self.take()
            if self.peek()[0] == WORD:
                self.take()

    def simple(self, guard: Location | None) -> None:
        words: list[str] = []
        line = self.peek()[2]
        while True:
            kind, text, _ = self.peek()
            if kind == WORD:
                words.append(text)
                self.take()
            elif kind == OP and text in ("<", ">", ">>", "<&", ">&", "<>", ">|", "<<", "<<-"):
                if words and words[-1].isdigit():
                    words.pop()  # an IO number (2>/dev/null)
                self.take()
                if self.peek()[0] == WORD:
                    self.take()
            else:
                break
        if words and not self.ended:
            self.found(words, guard, line)

    def found(self, words: list[str], guard: Location | None, line: int) -> None:
        i = 0
        while i < len(words) and _ASSIGN.match(words[i]):
            i += 1
        if i == len(words):
            return
        first = literal(words[i])
        ends = False
        if first == "exec":
            if i + 1 == len(words):
                return  # `exec >FILE`: redirections only, ends nothing
            ends = guard is None
            i += 1
            first = literal(words[i])
        elif first == "exit":
            self.ended = guard is None
            return
        action = _action(words[i:], first)
        if action is not None:
            verb, args, nowait = action
            written = " ".join(words[i:])
            if len(written) > 120:
                written = written[:117] + "..."
            self.actions.append(Action(self.process, verb, args, nowait, self.loc(line),
                                       guard, written))
        self.ended = ends


def _action(words: list[str], first: str | None) -> tuple[str, tuple[str, ...], bool] | None:
    """(verb, arguments, no-wait) when WORDS are an init command."""
    if first is None:
        return None
    for prefix in _PREFIXES:
        if first.startswith(prefix):
            first = first[len(prefix):]
            break
    rest = words[1:]
    if first == "initctl":
        while rest and (literal(rest[0]) or "").startswith("-"):
            rest = rest[1:]
        sub = literal(rest[0]) if rest else None
        if sub not in ("emit", "start", "stop", "restart"):
            return None
        first, rest = sub, rest[1:]
    elif first in ("ifup", "ifdown"):  # ifupdown: only the real model reads these
        return first, tuple(rest), False
    elif first not in ("start", "stop", "restart", "telinit"):
        return None
    options = [w for w in rest if (literal(w) or "").startswith("-")]
    args = tuple(w for w in rest if not (literal(w) or "").startswith("-"))
    nowait = any(literal(o) in ("--no-wait", "-n") for o in options)
    return first, args, nowait


def read_actions(text: str, process: str, path: str, first_line: int) -> list[Action]:
    """The actions of one process's shell TEXT, which starts at FIRST_LINE
    of PATH, in the order written (none after a top-level exec or exit)."""
    if not any(v in text for v in ("start", "stop", "emit", "telinit", "ifup", "ifdown")):
        return []  # most processes: no need to parse them
    return _Reader(text, process, path, first_line).run()


def job_actions(job: Job) -> dict[str, list[Action]]:
    """Every process of JOB with its actions (processes with none omitted)."""
    out: dict[str, list[Action]] = {}
    procs = job.processes or {}
    locs = job.stanza_locs or {}
    for name in PROCESSES:
        text = procs.get(name)
        if not text:
            continue
        script = text.endswith("\n")
        where = locs.get(name if name != "main" else "script" if script else "exec")
        path = where.path if where is not None else job.source
        line = (where.line if where is not None else 0) + (1 if script else 0)
        # an `exec LINE` stanza runs as `sh -c "exec LINE"`: its first command
        # replaces the shell, and whatever follows it (`; more`) never runs
        acts = read_actions(text if script else "exec " + text, name, path, line)
        if acts:
            out[name] = acts
    return out
