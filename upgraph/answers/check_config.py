"""`initctl check-config`, reproduced exactly and offline (semantics §6).

initctl sees each operand as the text "EVENT" or "EVENT JOB" and splits it at
the first space, so names holding spaces are misread; we reproduce that on
purpose here (`upgraph lint` reports such names correctly instead).  Which
events count as known is initctl's rule (Knowledge.known_to_initctl), not
upgraph's wider one.
"""

from __future__ import annotations

from upgraph.model import fold

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.answers.context import Context
    from upgraph.knowledge.index import Knowledge
    from upgraph.model import Condition, Operand


class _Node:
    """An evaluated condition node; `ok` is initctl's truth value."""

    __slots__ = ("ok", "op", "left", "right", "bad_event", "bad_job")

    def __init__(self, ok: bool, op: str | None = None, left: _Node | None = None,
                 right: _Node | None = None) -> None:
        self.ok, self.op, self.left, self.right = ok, op, left, right
        self.bad_event: str | None = None
        self.bad_job: str | None = None


class CheckConfig:
    """What initctl check-config reports for a job set: (job, lines) pairs."""

    render_as = "check-config"

    def __init__(self, reports: list[tuple[str, list[str]]], enumerated: bool) -> None:
        self.reports = reports
        self.enumerated = enumerated  # some conditions came from -e text

    @property
    def ok(self) -> bool:
        return not self.reports

    @property
    def complaint(self) -> str | None:
        if not self.enumerated:
            return None
        return ("warning: conditions read from `show-config -e` text have no operators; "
                "they are checked as if every operator were `and` (like --warn)")


def _operand(k: Knowledge, op: Operand) -> _Node:
    text = op.event
    job = op.job
    if job is not None:
        text += " " + job
    event, sep, ref = text.partition(" ")
    node = _Node(True)
    if sep and not k.job_reference_ok(ref):
        node.bad_job = ref
    if not k.known_to_initctl(event):
        node.bad_event = event
    node.ok = node.bad_event is None and node.bad_job is None
    return node


def report(k: Knowledge, cond: Condition, warn: bool) -> list[str]:
    """The `unknown ...` lines initctl prints for one condition.

    An `and` is in error when either side is, an `or` only when both are
    (`--warn`: every `or` counts as `and`).  The first node in error, looking
    at the root, then right subtrees before left ones, is reported; inside it
    every unknown operand, right-most first.
    """
    def node(op: str, left: _Node, right: _Node) -> _Node:
        ok = left.ok and right.ok if op == "and" or warn else left.ok or right.ok
        return _Node(ok, op, left, right)

    root = fold(cond, lambda op: _operand(k, op), node)
    culprit = None
    stack = [root]
    while stack:
        n = stack.pop()
        if (n.op is not None or n is root) and not n.ok:
            culprit = n
            break
        if n.op is not None:
            stack += (n.left, n.right)  # right popped first
    lines: list[str] = []
    stack = [culprit] if culprit is not None else []
    while stack:
        n = stack.pop()
        if n.op is not None:
            stack += (n.left, n.right)
            continue
        if n.bad_event is not None:
            lines.append(f"unknown event {n.bad_event}")
        if n.bad_job is not None:
            lines.append(f"unknown job {n.bad_job}")
    return lines


def check_config(k: Knowledge, job: str | None = None, warn: bool = False) -> CheckConfig:
    """initctl's report for the whole job set (or one job)."""
    from upgraph.model import Enumerated

    reports = []
    enumerated = False
    for j in k.sorted_jobs():
        if job is not None and j.name != job:
            continue
        lines = []
        for label, cond in j.conditions():
            enumerated = enumerated or isinstance(cond, Enumerated)
            lines += [f"{label}: {msg}" for msg in report(k, cond, warn)]
        if lines:
            reports.append((j.name, lines))
    return CheckConfig(reports, enumerated)


def answer(ctx: Context) -> CheckConfig:
    from upgraph.answers.context import EXIT_NO, Stop

    o = ctx.o
    if o.job is not None and o.job not in ctx.jobset.jobs:
        raise Stop(EXIT_NO, f"Invalid job class: {o.job}")
    return check_config(ctx.knowledge, o.job, bool(o.warn))
