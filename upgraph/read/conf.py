"""Read one Upstart job file (.conf or .override) onto a Job.

The stanza table below is Upstart 1.13's (parse_job.c): which stanzas exist,
how many arguments each takes, which values are legal, and the message
Upstart prints when they are not.  Tokenizing is libnih's (lexer.py); the
one nested syntax, the event expression, is lark's (expr.py).

Where stock Upstart rejects a whole job for an unknown stanza, we keep the
job and warn: an analysis must still see the rest of a job with a typo, and
vendor dialects (ChromeOS's `import`, `tmpfiles`) are real job sets.  Every
other error is Upstart's: the file's first error is reported and, for a
.conf, the job is not loaded; an .override that fails keeps the stanzas it
applied before the error (Upstart parses it onto the loaded job).
"""

from __future__ import annotations

import re

from upgraph.model import Emit, Job, Location, Operand
from upgraph.read.dialects import VENDOR_TABLE
from upgraph.read.errors import ParseError
from upgraph.read.expr import Memo, ShapeError, build, check_arguments
from upgraph.read.lexer import Scanner, dequote

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from upgraph.model import Diagnostic

SIGNALS = {
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "IOT", "BUS", "FPE", "KILL", "USR1",
    "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP",
    "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "POLL",
    "PWR", "SYS",
}
LIMITS = {
    "as", "core", "cpu", "data", "fsize", "memlock", "msgqueue", "nice", "nofile",
    "nproc", "rss", "rtprio", "sigpending", "stack",
}
HOOKS = ("pre-start", "post-start", "pre-stop", "post-stop")


def _num(value: str, lo: int | None = None, hi: int | None = None, base: int = 10) -> bool:
    try:
        n = int(value, base)
    except ValueError:
        return False
    return (lo is None or n >= lo) and (hi is None or n <= hi)


def _signal(value: str) -> bool:
    name = value.upper()
    name = name[3:] if name.startswith("SIG") else name
    return name in SIGNALS or _num(value, 1, 64)


def _arity(a: list[str], n: int) -> str | None:
    """Upstart's complaint when a sub-stanza has other than N words."""
    if len(a) < n:
        return "Expected token"
    return "Unexpected token" if len(a) > n else None


def _one_of(*allowed: str) -> Callable[[list[str]], str | None]:
    return lambda a: None if a[0] in allowed else "Unknown stanza"


def _kill(a: list[str]) -> str | None:
    if a[0] == "signal":
        return _arity(a, 2) or (None if _signal(a[1]) else "Illegal signal")
    if a[0] == "timeout":
        return _arity(a, 2) or (
            None if _num(a[1], 0) else "Illegal interval, expected number of seconds")
    return "Unknown stanza"


def _reload(a: list[str]) -> str | None:
    return _kill(a) if a[0] == "signal" else "Unknown stanza"


def _respawn(a: list[str]) -> str | None:
    if not a:
        return None
    if a[0] != "limit":
        return "Unexpected token"
    rest = a[1:]
    if rest == ["unlimited"]:
        return None
    problem = _arity(rest, 2)
    if problem:
        return problem
    if not _num(rest[0], 0):
        return "Illegal value"
    if not _num(rest[1], 0):
        return "Illegal interval, expected number of seconds"
    return None


def _normal(a: list[str]) -> str | None:
    if a[0] != "exit":
        return "Unknown stanza"
    if len(a) < 2:
        return "Expected token"
    for code in a[1:]:
        if not (_num(code, 0) or _signal(code)):
            return "Illegal exit status, expected integer"
    return None


def _oom(a: list[str]) -> str | None:
    value = a[1] if a[0] == "score" else a[0]
    problem = _arity(a, 2 if a[0] == "score" else 1)
    if problem:
        return problem
    if value == "never" or _num(value, -1000, 1000):
        return None
    return "Illegal oom adjustment, expected -1000 to 1000 or 'never'"


def _limit(a: list[str]) -> str | None:
    if a[0] not in LIMITS:
        return "Unknown resource"
    problem = _arity(a, 3)
    if problem:
        return problem
    for v in a[1:]:
        if v != "unlimited" and not _num(v, 0):
            return "Illegal limit, expected 'unlimited' or integer"
    return None


def _apparmor(a: list[str]) -> str | None:
    return _arity(a, 2) if a[0] in ("load", "switch") else "Unknown stanza"


# keyword -> (min args, max args or None, value check returning a message)
STANZAS: dict[str, tuple[int, int | None, Callable[[list[str]], str | None] | None]] = {
    "instance": (1, 1, None),
    "description": (1, 1, None),
    "author": (1, 1, None),
    "version": (1, 1, None),
    "env": (1, 1, None),
    "export": (1, None, None),
    "emits": (1, None, None),
    "expect": (1, 1, _one_of("stop", "daemon", "fork", "none")),
    "task": (0, 0, None),
    "kill": (1, None, _kill),
    "reload": (1, None, _reload),
    "respawn": (0, None, _respawn),
    "normal": (1, None, _normal),
    "console": (1, 1, _one_of("log", "output", "owner", "none")),
    "umask": (1, 1, lambda a: None if _num(a[0], 0, 0o777, 8)
              else "Illegal file creation mask, expected octal integer"),
    "nice": (1, 1, lambda a: None if _num(a[0], -20, 19)
             else "Illegal nice value, expected -20 to 19"),
    "oom": (1, None, _oom),
    "limit": (1, None, _limit),
    "chroot": (1, 1, None),
    "chdir": (1, 1, None),
    "setuid": (1, 1, None),
    "setgid": (1, 1, None),
    "debug": (0, 0, None),
    "manual": (0, 0, None),
    "usage": (1, 1, None),
    "apparmor": (1, None, _apparmor),
    "cgroup": (1, 4, None),
}
# Stanzas with their own readers (not KEYWORD ARG...).
STRUCTURED = ("start", "stop", "exec", "script", *HOOKS)

_EMIT = re.compile(r"\binitctl[ \t]+emit\b([^\n;&|]*)")


class Reader:
    """Applies the stanzas of one file to a job; one reader per file."""

    def __init__(self, job: Job, text: str, path: str, diags: list[Diagnostic],
                 memo: Memo | None = None) -> None:
        self.job, self.text, self.path, self.diags = job, text, path, diags
        self.memo = Memo() if memo is None else memo  # the reading's (see read/session.py)
        self.sc = Scanner(text)

    def read(self) -> ParseError | None:
        """Apply every stanza; the first error stops (and is returned)."""
        sc = self.sc
        if self.text.startswith("\ufeff"):
            return ParseError("Unknown stanza (the file starts with a UTF-8 byte-order "
                              "mark, which Upstart reads as part of the first keyword)", 1, 1)
        try:
            while sc.next_stanza():
                key, line, col = sc.word(value=True)
                self.stanza(key, Location(self.path, line, col))
        except ParseError as exc:
            return exc
        return None

    def stanza(self, key: str, loc: Location) -> None:
        job, sc = self.job, self.sc
        if key in ("start", "stop"):
            self.condition(key, loc)
        elif key == "exec":
            self.set_process("main", "exec", loc, *sc.command())
        elif key == "script":
            self.set_process("main", "script", loc, *sc.block(loc.line, loc.col), 1)
        elif key in HOOKS:
            self.hook(key, loc)
        else:
            spec = STANZAS.get(key) or VENDOR_TABLE.get(key)
            line, col = sc.here()
            toks = sc.args()
            if spec is None:
                self.unknown(key, toks, loc)
            args = [dequote(t[0]) for t in toks]
            lo, hi, check = spec
            if len(args) < lo:
                raise ParseError("Expected token", line, col)
            if hi is not None and len(args) > hi:
                raise ParseError("Unexpected token", toks[hi][1], toks[hi][2])
            problem = check(args) if check else None
            if problem:
                where = toks[0] if toks else (None, loc.line, loc.col)
                raise ParseError(problem, where[1], where[2])
            self.simple(job, key, args, toks, loc)

    def locate(self, key: str, loc: Location) -> None:
        if self.job.stanza_locs is None:
            self.job.stanza_locs = {}
        self.job.stanza_locs[key] = loc

    def simple(self, job: Job, key: str, args: list[str], toks: list, loc: Location) -> None:
        self.locate(key, loc)
        if key == "emits":
            job.emits.extend(Emit(a, Location(self.path, t[1], t[2]))
                             for a, t in zip(args, toks, strict=True))
        elif key == "manual":
            job.manual = loc
            job.start_on = None
        elif key == "task":
            job.task = True
        elif key == "respawn":
            job.respawn = job.respawn or not args
        elif key == "env":
            job.env = [*job.env, args[0]]
        elif key == "export":
            job.export = [*job.export, *args]
        elif key in ("description", "author", "version", "instance", "usage", "expect"):
            setattr(job, key, args[0])
        elif key in VENDOR_TABLE:
            if job.vendor is None:
                job.vendor = []
            job.vendor.append((key, loc))

    def unknown(self, key: str, toks: list, loc: Location) -> None:
        """Upstart rejects the whole job (`init: FILE:LINE: Unknown stanza`):
        a typo such as `strat on` removes the job from the machine."""
        from upgraph.suggest import suggest

        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{0,31}", key):
            # not a word a job file has (a line of /etc/shadow, say): quote
            # no more than a few characters of it
            raise ParseError(f"Unknown stanza (a line that is not a job file's: "
                             f"{key[:8]!r}...)", loc.line, loc.col, "unknown-stanza")
        hint = ""
        close = suggest(key, [*STANZAS, *STRUCTURED], n=1)
        if close:
            word = close[0]
            if word in ("start", "stop") and toks and dequote(toks[0][0]) == "on":
                word += " on"
            hint = f"; did you mean: {word}?"
        raise ParseError(f"Unknown stanza '{key}'{hint}", loc.line, loc.col, "unknown-stanza")

    def condition(self, key: str, loc: Location) -> None:
        sc = self.sc
        raw_on, line, col = sc.word() if sc.at_token() else ("", sc.line, sc.col())
        if raw_on != "on":
            raise ParseError("Unknown stanza" if raw_on else "Expected token", line, col)
        expr = self.read_condition()
        which = "start on" if key == "start" else "stop on"
        setattr(self.job, which.replace(" ", "_"), expr)
        self.locate(which, loc)

    def read_condition(self) -> object:
        """The condition from here, its tokens read once per distinct line.

        Job sets repeat their conditions (`runlevel [!2345]`, `filesystem`,
        `started dbus`) hundreds of times.  A condition that ends on the line
        it starts on is decided by the rest of that line alone, so it is
        remembered by that text and, when met again, only placed at its new
        line and column."""
        sc, path, memo = self.sc, self.path, self.memo
        lines, seen = memo.lines, memo.seen
        text, start, line = sc.text, sc.pos, sc.line
        eol = text.find("\n", start)
        key = text[start:eol] if eol >= 0 else ""
        known = lines.get(key) if key else None
        col = start - sc.bol  # of the condition's start, 0-based
        if known is not None:
            tmpl, placed = known
            sc.pos = sc.bol = eol + 1
            sc.line = line + 1
            if tmpl is None:  # one operand (the usual `stop on runlevel [!2345]`)
                return Operand(placed[0], placed[1], Location(path, line, col + placed[2]))
            return build(tmpl, lambda i, _end: Operand(
                placed[i][0], placed[i][1], Location(path, line, col + placed[i][2])))
        toks = sc.condition()
        one_line = key and sc.pos == eol + 1 and toks[-1][2] == line  # (tokens come in order)
        if not one_line:
            return condition_from_tokens(toks, path, memo)
        # a line with no quote or backslash: every word is its own value
        plain = _QUOTING.search(key) is None
        if key not in seen:  # the first time: remembered only if met again
            if len(seen) >= MAX_CONDITIONS:
                seen.clear()
            seen.add(key)
            return condition_from_tokens(toks, path, memo, plain=plain)
        operands: dict[int, tuple[str, tuple[str, ...], int]] = {}
        expr = condition_from_tokens(toks, path, memo, operands, plain)
        if len(lines) >= MAX_CONDITIONS:
            lines.clear()
        tmpl = memo.template(tuple(t[0] for t in toks))
        placed = {i: (e, a, c - col) for i, (e, a, c) in operands.items()}
        lines[key] = (None, placed[tmpl[0]]) if len(tmpl) == 2 else (tmpl, placed)
        return expr

    def hook(self, key: str, loc: Location) -> None:
        sc = self.sc
        if not sc.at_token():
            raise sc.fail("Expected token")
        raw, line, col = sc.arg()
        if raw == "exec":
            self.set_process(key, key, loc, *sc.command())
        elif raw == "script":
            self.set_process(key, key, loc, *sc.block(loc.line, loc.col), 1)
        else:
            raise ParseError("Unknown stanza", line, col)

    def set_process(self, name: str, stanza: str, loc: Location, text: str,
                    line: int, col: int) -> None:
        """Record a process; TEXT starts at LINE:COL (a script body at column 1)."""
        job = self.job
        if job.processes is None:
            job.processes = {}
        job.processes[name] = text
        self.locate(stanza, loc)
        # `initctl emit X` in the process: a real emitter nobody declared.
        if "initctl" not in text:
            return
        for event, env, offset in script_emits(text):
            lines = text.count("\n", 0, offset)
            at = offset - text.rfind("\n", 0, offset) if lines else col + offset
            job.inferred = [*job.inferred, Emit(event, Location(self.path, line + lines, at),
                                                env)]


MAX_CONDITIONS = 4096
_QUOTING = re.compile(r"[\"'\\]")


def condition_from_tokens(toks: list[tuple[str, str, int, int]], path: str, memo: Memo,
                          operands: dict[int, tuple[str, tuple[str, ...], int]] | None = None,
                          plain: bool = False) -> object:
    """A .conf condition's tokens (from the scanner) as a model expression;
    OPERANDS, if given, receives each operand as (event, args, column) by
    the index of its first token.  PLAIN: no token quotes or escapes."""
    shape = tuple(t[0] for t in toks)
    try:
        tmpl = memo.template(shape)
    except ShapeError as exc:
        raise _shape_error(exc, toks) from None

    def operand(start: int, end: int) -> Operand:
        words = [t[1] for t in toks[start:end]] if plain else \
            [dequote(t[1]) for t in toks[start:end]]
        bad = check_arguments(words[1:])
        if bad >= 0:
            t = toks[start + 1 + bad]
            raise ParseError("Expected variable name before value", t[2], t[3])
        first = toks[start]
        if operands is not None:
            operands[start] = (words[0], tuple(words[1:]), first[3])
        return Operand(words[0], tuple(words[1:]), Location(path, first[2], first[3]))

    return build(tmpl, operand)


def _shape_error(exc: ShapeError, toks: list[tuple[str, str, int, int]]) -> ParseError:
    if exc.index < 0:
        return ParseError(exc.message, toks[0][2] if toks else 1, 1)
    _kind, raw, line, col = toks[exc.index]
    if not exc.at_end:
        return ParseError(exc.message, line, col)
    if "\n" in raw:  # a quoted string spanning lines
        return ParseError(exc.message, line + raw.count("\n"), len(raw) - raw.rfind("\n"))
    return ParseError(exc.message, line, col + len(raw))


def script_emits(text: str) -> list[tuple[str, tuple[str, ...], int]]:
    """(event, literal KEY=VALUE words, offset) of every `initctl emit EVENT`
    in shell TEXT.

    Events given by a variable or a command substitution are skipped: they
    cannot be known without running the script (and we never run anything);
    so are environment words that hold one.
    """
    import shlex

    found = []
    for m in _EMIT.finditer(text):
        try:
            words = shlex.split(m.group(1), comments=True)
        except ValueError:
            words = m.group(1).split()
        words = [w for w in words if not w.startswith("-")]
        if words and words[0] and "$" not in words[0] and "`" not in words[0]:
            env = tuple(w for w in words[1:] if "=" in w and "$" not in w and "`" not in w)
            found.append((words[0], env, m.start()))
    return found


def settle(job: Job) -> None:
    """After the last file of a job: keep inferred emits that no declared
    `emits` covers (once each), so they mean "undeclared"."""
    if not job.inferred:
        return
    from fnmatch import fnmatchcase

    declared = job.emitted
    seen: set[str] = set()
    kept = []
    for emit in job.inferred:
        if emit.event in seen or any(fnmatchcase(emit.event, d) for d in declared):
            continue
        seen.add(emit.event)
        kept.append(emit)
    job.inferred = kept


