"""`initctl check-config`, reproduced exactly and offline (semantics §6).

initctl sees each operand as the text "EVENT" or "EVENT JOB" and splits it
at the first space, so names holding spaces are misread; we reproduce that
on purpose here (`upgraph lint` reports such names correctly instead).
"""

from __future__ import annotations

from dataclasses import dataclass

from upgraph.globs import Patterns
from upgraph.model import JOB_EVENTS, Condition, Enumerated, JobSet, Operand

INIT_EVENTS = ("startup", "debug", "control-alt-delete", "keyboard-request",
               "power-status-changed", *JOB_EVENTS)


@dataclass
class _Node:
    """An evaluated condition node; `ok` is initctl's truth value."""

    ok: bool
    op: str | None = None  # "and"/"or" for operators, None for operands
    left: _Node | None = None
    right: _Node | None = None
    bad_event: str | None = None
    bad_job: str | None = None


class Checker:
    def __init__(self, jobset: JobSet, ignore_events: list[str] | None = None,
                 warn: bool = False, session: bool = False) -> None:
        self.jobs = set(jobset.jobs)
        self.emitted = Patterns(e for j in jobset.jobs.values() for e in j.emitted)
        self.ignored = set(ignore_events or [])
        self.init_events = set(INIT_EVENTS) | ({"session-end"} if session else set())
        self.warn = warn

    def event_known(self, event: str) -> bool:
        return (self.emitted.covers(event) or event in self.init_events
                or event in self.ignored)

    def job_known(self, job: str) -> bool:
        return job in self.jobs or job.startswith("$")

    def _operand(self, op: Operand) -> _Node:
        text = op.event
        job = op.job
        if job is not None:
            text += " " + job
        event, sep, ref = text.partition(" ")
        node = _Node(ok=True)
        if sep and not self.job_known(ref):
            node.bad_job = ref
        if not self.event_known(event):
            node.bad_event = event
        node.ok = node.bad_event is None and node.bad_job is None
        return node

    def evaluate(self, cond: Condition) -> _Node:
        if isinstance(cond, Operand):
            return self._operand(cond)
        if isinstance(cond, Enumerated):
            # -e text has no operators: check as if all were `and` (= --warn)
            nodes = [self._operand(o) for o in cond.operands]
            root = nodes[0]
            for n in nodes[1:]:
                root = _Node(root.ok and n.ok, "and", root, n)
            return root
        left, right = self.evaluate(cond.left), self.evaluate(cond.right)
        if cond.op == "and" or self.warn:
            ok = left.ok and right.ok
        else:
            ok = left.ok or right.ok
        return _Node(ok, cond.op, left, right)

    def report(self, cond: Condition) -> list[str]:
        """The `unknown ...` lines initctl prints for one condition."""
        root = self.evaluate(cond)
        culprit = _first_in_error(root, is_root=True)
        if culprit is None:
            return []
        lines: list[str] = []
        _collect(culprit, lines)
        return lines


def _first_in_error(node: _Node, is_root: bool = False) -> _Node | None:
    """Operator nodes (and the root) top-down, right subtree before left."""
    if node.op is None and not is_root:
        return None
    if not node.ok:
        return node
    for child in (node.right, node.left):
        if child is not None:
            found = _first_in_error(child)
            if found is not None:
                return found
    return None


def _collect(node: _Node, lines: list[str]) -> None:
    """Every unknown operand below NODE, right-most first."""
    if node.op is not None:
        _collect(node.right, lines)  # type: ignore[arg-type]
        _collect(node.left, lines)  # type: ignore[arg-type]
        return
    if node.bad_event is not None:
        lines.append(f"unknown event {node.bad_event}")
    if node.bad_job is not None:
        lines.append(f"unknown job {node.bad_job}")


def check_config(jobset: JobSet, job: str | None = None, ignore_events: list[str] | None = None,
                 warn: bool = False, session: bool = False) -> list[str]:
    """initctl's output lines for the whole job set (or one job)."""
    checker = Checker(jobset, ignore_events, warn, session)
    out: list[str] = []
    for j in jobset.sorted_jobs():
        if job is not None and j.name != job:
            continue
        lines = []
        for label, cond in (("start on", j.start_on), ("stop on", j.stop_on)):
            if cond is not None:
                lines += [f"  {label}: {msg}" for msg in checker.report(cond)]
        if lines:
            out += [j.name, *lines]
    return out



