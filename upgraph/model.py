"""The one model every source produces and every analysis reads.

Sources differ in what they know: a .conf file gives positions and full
condition trees, `initctl show-config -e` text gives only the flat list of
operands.  The model keeps that difference explicit (`Enumerated` versus an
expression tree) instead of guessing operators.

Why plain classes with __slots__ and not dataclasses: importing `dataclasses`
costs ~16 ms (it imports `inspect`), a large share of a whole `upgraph who-emits`
run; slots also keep 100,000-job sets small.

Conditions may be 100,000 operands long or 10,000 parentheses deep (tools
generate such lines), so nothing here recurses: `walk`, `fold` and `canonical`
use explicit stacks.
"""

from __future__ import annotations

TYPE_CHECKING = False  # `typing` costs ~6 ms to import; annotations are strings
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any, TypeVar

    Expr = "Operand | BinOp"
    Condition = "Operand | BinOp | Enumerated"
    T = TypeVar("T")

JOB_EVENTS = ("starting", "started", "stopping", "stopped")
JOB_EVENT = frozenset(JOB_EVENTS)  # for `in` tests, which run per operand


class Location:
    """Where something was read: path, 1-based line and column."""

    __slots__ = ("path", "line", "col")

    def __init__(self, path: str, line: int, col: int = 1) -> None:
        self.path, self.line, self.col = path, line, col

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"

    def __repr__(self) -> str:
        return f"Location({self})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Location) and (self.path, self.line, self.col) == (
            other.path, other.line, other.col)

    def __hash__(self) -> int:
        return hash((self.path, self.line, self.col))


class Operand:
    """One `EVENT ARG...` match: dequoted arguments, in source order.

    Equality ignores the location: two jobs waiting for `runlevel [2345]`
    wait for the same thing.
    """

    __slots__ = ("event", "args", "loc")

    def __init__(self, event: str, args: tuple[str, ...] = (),
                 loc: Location | None = None) -> None:
        self.event, self.args, self.loc = event, args, loc

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Operand) and (self.event, self.args) == (
            other.event, other.args)

    def __hash__(self) -> int:
        return hash((self.event, self.args))

    def __repr__(self) -> str:
        return f"Operand({self.text()!r})"

    def _job_arg(self) -> int:
        """Index of the argument naming the job (initctl's rule), or -1.

        The first `JOB=` argument wins; otherwise the first argument when it is
        positional.  Only the four job events name a job.
        """
        if self.event not in JOB_EVENT:
            return -1
        for i, arg in enumerate(self.args):
            if arg.startswith("JOB="):
                return i
            if i == 0 and "=" not in arg:
                return 0
        return -1

    @property
    def job(self) -> str | None:
        if self.event not in JOB_EVENT:
            return None
        args = self.args
        if args and "=" not in args[0]:  # the usual `started JOB`: decided at once
            return args[0]
        i = self._job_arg()
        if i < 0:
            return None
        arg = self.args[i]
        return arg[4:] if arg.startswith("JOB=") else arg

    @property
    def env(self) -> tuple[str, ...]:
        """The arguments other than the one naming the job."""
        i = self._job_arg()
        return self.args if i < 0 else self.args[:i] + self.args[i + 1:]

    def text(self) -> str:
        return " ".join((self.event, *self.args))


class BinOp:
    """`left and right` / `left or right` (equal precedence, left-associative)."""

    __slots__ = ("op", "left", "right")

    def __init__(self, op: str, left: Expr, right: Expr) -> None:
        self.op, self.left, self.right = op, left, right

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BinOp):
            return False
        return canonical(self) == canonical(other)

    def __hash__(self) -> int:
        return hash(canonical(self))

    def __repr__(self) -> str:
        return f"BinOp({canonical(self)!r})"


class Enumerated:
    """Operands known without their operators (read from `show-config -e`)."""

    __slots__ = ("operands",)

    def __init__(self, operands: tuple[Operand, ...]) -> None:
        self.operands = operands

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Enumerated) and self.operands == other.operands

    def __hash__(self) -> int:
        return hash(self.operands)

    def __repr__(self) -> str:
        return f"Enumerated({[o.text() for o in self.operands]!r})"


# -- walking conditions: the one way every reader does it -------------------

def operands(cond: Condition | None) -> Iterator[Operand]:
    """Operands left to right, whatever the condition's form."""
    if cond is None:
        return
    if isinstance(cond, Enumerated):
        yield from cond.operands
        return
    stack: list[Any] = [cond]
    while stack:
        node = stack.pop()
        if isinstance(node, Operand):
            yield node
        else:
            stack.append(node.right)
            stack.append(node.left)


def fold(cond: Condition, leaf: Callable[[Operand], T],
         node: Callable[[str, T, T], T]) -> T:
    """Evaluate a condition bottom-up: LEAF for operands, NODE(op, l, r) above.

    An `Enumerated` condition has lost its operators; it folds as a chain of
    `and`, which is how initctl check-config treats such text (callers that
    need another reading convert it first).
    """
    if isinstance(cond, Enumerated):
        it = iter(cond.operands)
        acc = leaf(next(it))
        for op in it:
            acc = node("and", acc, leaf(op))
        return acc
    values: list[T] = []
    stack: list[tuple[Any, bool]] = [(cond, False)]
    while stack:
        item, expanded = stack.pop()
        if isinstance(item, Operand):
            values.append(leaf(item))
        elif expanded:
            right = values.pop()
            left = values.pop()
            values.append(node(item.op, left, right))
        else:
            stack.append((item, True))
            stack.append((item.right, False))
            stack.append((item.left, False))
    return values[0]


def postorder(cond: Condition) -> list[Any]:
    """Every node (operands and operators) children first; for evaluators
    that keep per-node state (the boot simulator's latches) and for the
    cache's postfix form.  (Node, right, left) order, reversed: one list,
    no bookkeeping per node."""
    if isinstance(cond, Enumerated):
        return list(cond.operands)
    out: list[Any] = []
    stack: list[Any] = [cond]
    while stack:
        item = stack.pop()
        out.append(item)
        if type(item) is not Operand:
            stack.append(item.left)
            stack.append(item.right)
    out.reverse()
    return out


def canonical(expr: Expr) -> str:
    """initctl's fully bracketed form: every binary operator adds one pair."""
    out: list[str] = []
    stack: list[Any] = [expr]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, Operand):
            out.append(item.text())
        else:
            stack += (")", item.right, f" {item.op} ", item.left, "(")
    return "".join(out)


def as_chain(cond: Condition, op: str) -> Expr:
    """An Enumerated condition read as OP over all its operands (left-deep)."""
    if not isinstance(cond, Enumerated):
        return cond
    it = iter(cond.operands)
    acc: Expr = next(it)
    for operand in it:
        acc = BinOp(op, acc, operand)
    return acc


# -- jobs ---------------------------------------------------------------------

class Emit:
    """An event a job says it emits: declared (`emits`) or inferred from an
    `initctl emit` line in one of its scripts (kept apart: initctl never
    sees inferred emits; ENV holds that line's literal KEY=VALUE words)."""

    __slots__ = ("event", "loc", "env")

    def __init__(self, event: str, loc: Location | None = None,
                 env: tuple[str, ...] = ()) -> None:
        self.event, self.loc, self.env = event, loc, env

    def __repr__(self) -> str:
        return f"Emit({self.event!r})"


PROCESSES = ("pre-start", "main", "post-start", "pre-stop", "post-stop")


class Job:
    """One job class as Upstart would load it."""

    __slots__ = (
        "name", "source", "loc", "start_on", "stop_on", "emits", "inferred",
        "description", "author", "version", "instance", "task", "respawn", "manual",
        "usage", "env", "export", "expect", "processes", "stanza_locs", "override",
        "vendor",
    )

    def __init__(self, name: str, source: str, loc: Location | None = None) -> None:
        self.name = name
        self.source = source  # file path, or "<stdin>"-like for show-config text
        self.loc = loc
        self.start_on: Condition | None = None
        self.stop_on: Condition | None = None
        self.emits: list[Emit] = []
        # Rarely set: shared empty tuples until then (a 100,000-job set would
        # otherwise hold 300,000 empty lists); readers assign new lists.
        self.inferred: list[Emit] | tuple[()] = ()
        self.description: str | None = None
        self.author: str | None = None
        self.version: str | None = None
        self.instance: str | None = None
        self.task = False
        self.respawn = False
        self.manual: Location | None = None  # where `manual` was last seen
        self.usage: str | None = None
        self.env: list[str] | tuple[()] = ()
        self.export: list[str] | tuple[()] = ()
        self.expect: str | None = None
        # process name (see PROCESSES) -> command line or script text
        self.processes: dict[str, str] | None = None
        # stanza keyword -> where it was last set
        self.stanza_locs: dict[str, Location] | None = None
        self.override: str | None = None  # path of the .override applied
        self.vendor: list[tuple[str, Location]] | None = None  # dialect stanzas

    def __repr__(self) -> str:
        return f"Job({self.name!r})"

    def conditions(self) -> Iterator[tuple[str, Condition]]:
        """("start on", cond) then ("stop on", cond), for those present."""
        if self.start_on is not None:
            yield "start on", self.start_on
        if self.stop_on is not None:
            yield "stop on", self.stop_on

    def where(self, stanza: str) -> Location | None:
        """Where STANZA was last set, else where the job is defined."""
        if self.stanza_locs and stanza in self.stanza_locs:
            return self.stanza_locs[stanza]
        return self.loc

    @property
    def emitted(self) -> list[str]:
        """Declared emits, in stanza order (what initctl prints)."""
        return [e.event for e in self.emits]

    @property
    def has_process(self) -> bool:
        return bool(self.processes)

    def process(self, name: str) -> str | None:
        return self.processes.get(name) if self.processes else None


class Diagnostic:
    """A problem with the input; severity "error" means Upstart would not
    load (this part of) it."""

    __slots__ = ("severity", "message", "loc", "code")

    def __init__(self, severity: str, message: str, loc: Location | None = None,
                 code: str = "") -> None:
        self.severity, self.message, self.loc, self.code = severity, message, loc, code

    def __repr__(self) -> str:
        return f"Diagnostic({self.severity}, {self.message!r}, {self.loc}, {self.code!r})"


UNREAD = frozenset({"unreadable", "binary"})  # diagnostic codes of input not read


class Repeats:
    """Diagnostics that can repeat once per line of an input (a show-config
    text of a million unbalanced conditions, one job name given a million
    times): the first LIMIT of each code are kept and the rest are counted,
    then said in one line at the last one's place.  So memory and stderr grow
    with the kinds of problem in an input, not with its length."""

    LIMIT = 100

    def __init__(self, into: list[Diagnostic]) -> None:
        self.into = into
        self.counts: dict[str, int] = {}
        self.last: dict[str, Diagnostic] = {}

    def add(self, d: Diagnostic) -> None:
        n = self.counts[d.code] = self.counts.get(d.code, 0) + 1
        if n <= self.LIMIT:
            self.into.append(d)
        else:
            self.last[d.code] = d

    def close(self) -> None:
        """Say how many were not kept, once per code."""
        for code, d in self.last.items():
            self.into.append(Diagnostic(d.severity, f"{self.counts[code] - self.LIMIT} more "
                                        f"like the above ({code}) not shown; the last is here",
                                        d.loc, code))
        self.last.clear()


class JobSet:
    """Everything read from all sources: jobs by name, and what went wrong.

    `rejected` maps a job name to the error that kept Upstart from loading it,
    so questions about it can say "not loaded" instead of "unknown job".
    """

    __slots__ = ("jobs", "diagnostics", "sources", "rejected", "session", "dialect",
                 "dialect_given", "bare")

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.diagnostics: list[Diagnostic] = []
        self.sources: list[str] = []
        self.rejected: dict[str, Diagnostic] = {}
        self.session = False
        self.dialect = "upstart"
        self.dialect_given = False  # --dialect named it (else it was detected)
        # Jobs read from `initctl show-config` text: it has no `task`, no
        # scripts and no processes, so those are unknown, not absent.
        self.bare: set[str] = set()

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    @property
    def unread(self) -> bool:
        """Some input could not be read at all (a file over the size limit,
        unreadable or binary; show-config text cut at its limit): answers
        cover the rest, and say so by their exit status."""
        return any(d.severity == "error" and d.code in UNREAD for d in self.diagnostics)

    def sorted_jobs(self) -> list[Job]:
        return [self.jobs[n] for n in sorted(self.jobs)]


def show_config_block(job: Job) -> list[str]:
    """JOB's block of `initctl show-config` (its lines, unescaped): the one
    form show-config prints and diff compares."""
    lines = [job.name]
    lines += [f"  emits {e}" for e in job.emitted]
    for label, cond in job.conditions():
        lines.append(f"  {label} {canonical(cond)}")  # type: ignore[arg-type]
    return lines


def show_config_enumerated(job: Job) -> list[str]:
    """JOB's block of `initctl show-config -e`: one line per operand."""
    lines = [job.name]
    lines += [f"  emits {e}" for e in job.emitted]
    for label, cond in job.conditions():
        for op in operands(cond):
            ref = op.job
            env = "".join(" " + a for a in op.env)
            field = "" if ref is None else " " + ref
            lines.append(f"  {label} {op.event} (job:{field}, env:{env})")
    return lines


def is_glob(name: str) -> bool:
    """Whether an event name is a pattern (as `emits` allows)."""
    return "*" in name or "?" in name or "[" in name


class Record:
    """A named record: fields are the class's __slots__, given by position
    or by name (defaults in _defaults).  Not a dataclass: importing
    dataclasses (and typing) would cost every command its start-up."""

    __slots__ = ()
    _defaults: dict[str, object] = {}

    def __init__(self, *args: object, **kwargs: object) -> None:
        names = self.__slots__
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__} takes {len(names)} fields")
        for name, value in zip(names, args, strict=False):
            setattr(self, name, value)
        for name, value in kwargs.items():
            setattr(self, name, value)
        for name in names[len(args):]:
            if name not in kwargs:
                if name not in self._defaults:
                    raise TypeError(f"{type(self).__name__} needs {name}")
                default = self._defaults[name]
                setattr(self, name, list(default) if isinstance(default, list) else default)

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None  # type: ignore[assignment]


def condition_text(cond: Condition | None) -> str | None:
    """A condition for people: initctl's form, or its operands when -e text
    lost the operators."""
    if cond is None:
        return None
    if isinstance(cond, Enumerated):
        return " ? ".join(op.text() for op in cond.operands) + "  (operators unknown)"
    return canonical(cond)
