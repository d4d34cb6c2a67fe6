"""The one model every source produces and every query reads.

Sources (.conf trees, show-config text) differ in how much they know: a
.conf file gives positions and full expression trees, `show-config -e` text
gives only the flat list of operands.  The model keeps that difference
explicit (`Expr` versus `Enumerated`) instead of guessing operators.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Union

JOB_EVENTS = ("starting", "started", "stopping", "stopped")


@dataclass(frozen=True, slots=True)
class Location:
    path: str
    line: int
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Operand:
    """One `EVENT ARG...` match; args are dequoted, in source order."""

    event: str
    args: tuple[str, ...] = ()
    loc: Location | None = field(default=None, compare=False)

    @property
    def job(self) -> str | None:
        """The job a job event names, by initctl's rule.

        The first `JOB=` argument wins; otherwise the first argument when it
        is positional.  Only the four job events have a job.
        """
        if self.event not in JOB_EVENTS:
            return None
        return self._job_arg()[0]

    def _job_arg(self) -> tuple[str | None, int]:
        for i, arg in enumerate(self.args):
            if arg.startswith("JOB="):
                return arg[4:], i
            if i == 0 and "=" not in arg:
                return arg, i
        return None, -1

    @property
    def env(self) -> tuple[str, ...]:
        """The arguments other than the one naming the job."""
        if self.event not in JOB_EVENTS:
            return self.args
        _, index = self._job_arg()
        return tuple(a for i, a in enumerate(self.args) if i != index)

    def text(self) -> str:
        return " ".join((self.event, *self.args))


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str  # "and" | "or"
    left: Expr
    right: Expr


Expr = Union[Operand, BinOp]  # noqa: UP007 - runtime alias, py3.10


@dataclass(frozen=True, slots=True)
class Enumerated:
    """Operands known without their operators (from `show-config -e`)."""

    operands: tuple[Operand, ...]


Condition = Union[Operand, BinOp, Enumerated]  # noqa: UP007


def operands(cond: Condition | None) -> Iterator[Operand]:
    """Operands left to right, whatever the condition's form."""
    if cond is None:
        return
    if isinstance(cond, Enumerated):
        yield from cond.operands
    elif isinstance(cond, Operand):
        yield cond
    else:
        yield from operands(cond.left)
        yield from operands(cond.right)


def canonical(expr: Expr) -> str:
    """initctl's fully bracketed form: every binary operator adds one pair."""
    if isinstance(expr, Operand):
        return expr.text()
    return f"({canonical(expr.left)} {expr.op} {canonical(expr.right)})"


@dataclass(slots=True)
class Emit:
    event: str
    loc: Location | None = None
    inferred: bool = False  # found as `initctl emit` in a script, not declared


@dataclass(slots=True)
class Job:
    name: str
    source: str  # file path, or "<stdin>" etc. for show-config text
    loc: Location | None = None
    start_on: Condition | None = None
    stop_on: Condition | None = None
    emits: list[Emit] = field(default_factory=list)
    description: str | None = None
    author: str | None = None
    instance: str | None = None
    task: bool = False
    respawn: bool = False
    manual: bool = False
    usage: str | None = None
    env: list[str] = field(default_factory=list)
    # stanza keyword -> where it was last set (for `show` and lint)
    stanza_locs: dict[str, Location] = field(default_factory=dict)
    # process name ("main", "pre-start", ...) -> command or script text
    processes: dict[str, str] = field(default_factory=dict)
    override: str | None = None  # path of the .override applied, if any

    @property
    def emitted(self) -> list[str]:
        return [e.event for e in self.emits if not e.inferred]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: str  # "error" | "warning" | "info"
    message: str
    loc: Location | None = None
    code: str = ""

    def __str__(self) -> str:
        where = f"{self.loc}: " if self.loc else ""
        return f"{where}{self.severity}: {self.message}"


@dataclass(slots=True)
class JobSet:
    """Everything read from all sources: jobs by name, and what went wrong."""

    jobs: dict[str, Job] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    def sorted_jobs(self) -> list[Job]:
        return [self.jobs[n] for n in sorted(self.jobs)]
