"""Read one Upstart .conf (or .override) file into a Job.

Tokenizing follows libnih (grammar/conf.lark); what each stanza means and
which arguments it takes follows Upstart 1.13's stanza table below.  Where
stock Upstart rejects a whole job for an unknown stanza, we keep the job and
warn, because vendor dialects (ChromeOS) are real job sets people analyse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from upgraph.grammars import parser
from upgraph.model import Diagnostic, Emit, Job, Location
from upgraph.parse.expr import ExprError, build, dequote, explain

PROCESSES = ("pre-start", "post-start", "pre-stop", "post-stop")
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


class ConfError(Exception):
    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


class _ParenNewlines:
    """Let conditions span lines inside parentheses, as libnih does.

    A newline inside parentheses is dropped, but a line holding nothing (or
    only a comment) there is "Expected token" in Upstart, so we raise it.
    """

    always_accept = ("_NL",)
    # The last token handed to the parser and the one before it: lark does
    # not say which token preceded an error, and error messages depend on it.
    last: Any = None
    before: Any = None
    complete_end = 0  # offset just past the last complete stanza

    def process(self, stream: Iterator[Any]) -> Iterator[Any]:
        depth = 0
        prev = None
        self.last = self.before = None
        self.complete_end = 0
        for tok in stream:
            kind = tok.type
            if kind == "EWORD" and tok.value in ("and", "or"):
                # libnih tests for an operator before anything else, so a
                # bare `and` where an event is due is an operator, not an event.
                tok.type = kind = tok.value.upper()
            if kind == "LPAR":
                depth += 1
            elif kind == "RPAR":
                depth = max(depth - 1, 0)
            elif kind == "_NL" and depth:
                if prev is not None and prev.type == "_NL":
                    raise ConfError("Expected token", tok.line, 1)
                prev = tok
                continue
            prev = tok
            self.before, self.last = self.last, tok
            if kind == "_NL":
                self.complete_end = tok.end_pos
            yield tok


_POSTLEX = _ParenNewlines()


def _conf_parser() -> Any:
    return parser("conf", lexer="contextual", postlex=_POSTLEX)


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


# keyword -> (min args, max args or None, validator returning an error or None)
Validator = Callable[[list[str]], "str | None"]


def _one_of(*allowed: str) -> Validator:
    return lambda a: None if a[0] in allowed else "Unknown stanza"


def _arity(a: list[str], n: int) -> str | None:
    """Upstart's complaint when a sub-stanza has other than N words."""
    if len(a) < n:
        return "Expected token"
    return "Unexpected token" if len(a) > n else None


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
    if len(rest) < 2:
        return "Expected token"
    if len(rest) > 2:
        return "Unexpected token"
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
    if a[0] not in ("load", "switch"):
        return "Unknown stanza"
    return _arity(a, 2)


STANZAS: dict[str, tuple[int, int | None, Validator | None]] = {
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


def _locate(path: str, tok: Any) -> Location:
    return Location(path, tok.line, tok.column)


def _apply_simple(job: Job, path: str, children: list[Any], diags: list[Diagnostic]) -> None:
    key_tok, arg_toks = children[0], children[1:]
    key = str(key_tok)
    loc = _locate(path, key_tok)
    args = [dequote(str(t)) for t in arg_toks]
    spec = STANZAS.get(key)
    if spec is None:
        diags.append(Diagnostic("warning", f"Unknown stanza '{key}' (kept the job)", loc,
                                "unknown-stanza"))
        return
    lo, hi, check = spec
    if len(args) < lo:
        raise ConfError("Expected token", key_tok.end_line, key_tok.end_column)
    if hi is not None and len(args) > hi:
        bad = arg_toks[hi]
        raise ConfError("Unexpected token", bad.line, bad.column)
    problem = check(args) if check else None
    if problem:
        where = arg_toks[0] if arg_toks else key_tok
        raise ConfError(problem, where.line, where.column)
    job.stanza_locs[key] = loc
    if key == "emits":
        job.emits.extend(Emit(a, _locate(path, t)) for a, t in zip(args, arg_toks, strict=True))
    elif key == "manual":
        job.manual = True
        job.start_on = None
    elif key == "task":
        job.task = True
    elif key == "respawn":
        job.respawn = True
    elif key == "env":
        job.env.append(args[0])
    elif key in ("description", "author", "instance", "usage"):
        setattr(job, key, args[0])


def _apply(job: Job, path: str, tree: Any, diags: list[Diagnostic]) -> None:
    for stanza in tree.children:
        kind = stanza.data
        kids = stanza.children
        if kind == "simple":
            _apply_simple(job, path, kids, diags)
            continue
        head = kids[0]
        loc = _locate(path, head)
        if kind in ("start_on", "stop_on"):
            expr = build(kids[2], path)
            setattr(job, kind, expr)
            job.stanza_locs[kind.replace("_", " ")] = loc
        elif kind == "exec":
            if len(kids) < 2:
                raise ConfError("Expected token", head.end_line, head.end_column)
            job.processes["main"] = str(kids[1]).strip()
            job.stanza_locs["exec"] = loc
        elif kind == "script":
            job.processes["main"] = _script_text(str(kids[1]))
            job.stanza_locs["script"] = loc
        elif kind == "process":
            if len(kids) < 3:  # `pre-start exec` with no command
                raise ConfError("Expected token", kids[1].end_line, kids[1].end_column)
            body = str(kids[2])
            is_script = str(kids[1]) == "script"
            job.processes[str(head)] = _script_text(body) if is_script else body.strip()
            job.stanza_locs[str(head)] = loc


def _script_text(body: str) -> str:
    """The shell between the `script` line and `end script`."""
    lines = body.split("\n")[1:-1]
    return "\n".join(lines) + ("\n" if lines else "")


def _lark_error(exc: Exception, text: str) -> tuple[str, int, int]:
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    if isinstance(exc, UnexpectedCharacters):
        allowed = set(exc.allowed or ())
        if "SCRIPT_BODY" in allowed:
            rest = text.split("\n")[exc.line - 1][exc.column - 1:]
            stripped = rest.strip(" \t\r")
            if stripped and not stripped.startswith("#"):
                return "Unexpected token", exc.line, exc.column
            return "Unterminated block", exc.line, exc.column
        if allowed & {"ON", "EXEC", "SCRIPT"} and exc.char not in "\"'\\":
            return "Unknown stanza", exc.line, exc.column
    if isinstance(exc, UnexpectedToken):
        expected = set(exc.expected)
        tok = exc.token
        at_end = tok.type in ("_NL", "$END")
        if "SCRIPT_BODY" in expected:
            if at_end:
                last = _POSTLEX.last if tok.type == "$END" else _POSTLEX.before
                return "Unterminated block", last.line, last.column
            return "Unexpected token", tok.line, tok.column
        if ("ON" in expected or {"EXEC", "SCRIPT"} <= expected) and not at_end:
            return "Unknown stanza", tok.line, tok.column
        # lark adds $END itself, so it never went through the postlexer
        return explain(exc, _POSTLEX.last if tok.type == "$END" else _POSTLEX.before)
    return explain(exc, _POSTLEX.last)


def parse_into(job: Job, text: str, path: str, diags: list[Diagnostic]) -> bool:
    """Apply the stanzas of TEXT to JOB; False (and an error) if it is invalid.

    Upstart stops at a file's first error and drops the job, so do we: the
    caller must not keep a job for which this returned False.
    """
    from lark.exceptions import LarkError

    if not text.endswith("\n"):
        text += "\n"
    try:
        tree = _conf_parser().parse(text)
        _apply(job, path, tree, diags)
    except (ConfError, ExprError) as exc:
        diags.append(Diagnostic("error", exc.message, Location(path, exc.line, exc.col),
                                "syntax"))
        return False
    except LarkError as exc:
        message, line, col = _lark_error(exc, text)
        # Upstart stops at the FIRST error; a stanza before the syntax error
        # may already be invalid (a bad value, a positional after a named
        # argument), and that is the one to report.
        earlier = _first_semantic_error(text[: _POSTLEX.complete_end], path)
        if earlier is not None:
            message, line, col = earlier
        diags.append(Diagnostic("error", message, Location(path, line, col), "syntax"))
        return False
    return True


def _first_semantic_error(prefix: str, path: str) -> tuple[str, int, int] | None:
    """The error in the complete stanzas before a syntax error, if any."""
    if not prefix:
        return None
    try:
        _apply(Job("", path), path, _conf_parser().parse(prefix), [])
    except (ConfError, ExprError) as exc:
        return exc.message, exc.line, exc.col
    except Exception:  # noqa: BLE001 - the prefix parsed before; be safe anyway
        return None
    return None
