"""`upgraph deps`: what a job waits for, or what waits for it, as a tree.

Forward: each operand of the job's start condition, and under it the jobs
(and built-in or configured emitters) that make it happen, recursively.
Reverse: every job whose start condition waits for the job or for an event
it emits, recursively: the answer to "what breaks if I remove this job?".
A job met again is not expanded again (marked), so the tree stays finite.
"""

from __future__ import annotations

from upgraph.model import Enumerated, Operand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.answers.context import Context
    from upgraph.knowledge.index import Knowledge


class Node:
    __slots__ = ("label", "kind", "children", "note", "mark")

    def __init__(self, label: str, kind: str, note: str | None = None) -> None:
        self.label, self.kind, self.note = label, kind, note
        self.mark: str | None = None  # "cycle", or "above": expanded earlier
        self.children: list[Node] = []


class Deps:
    render_as = "deps"
    ok = True

    def __init__(self, root: Node, reverse: bool, depth: int) -> None:
        self.root, self.reverse, self.depth = root, reverse, depth


def deps(k: Knowledge, name: str, reverse: bool = False, depth: int = 0) -> Deps:
    k.require_job(name)
    root = Node(name, "job")
    expanded: set[str] = set()
    # Depth first and iterative (any depth); the jobs on the current path are
    # one set, kept as the walk enters and leaves a job (an (exit, job) entry
    # under its children): the cost follows the tree's size, never its
    # size times its depth.
    on_path: set[str] = set()
    stack: list[tuple[Node | None, str, int]] = [(root, name, 0)]
    while stack:
        node, job_name, level = stack.pop()
        if node is None:  # leaving JOB_NAME: its subtree is done
            on_path.discard(job_name)
            continue
        if depth and level >= depth:
            continue
        if job_name in on_path:
            node.mark = "cycle"
            continue
        if job_name in expanded:
            node.mark = "above"
            continue
        expanded.add(job_name)
        on_path.add(job_name)
        stack.append((None, job_name, level))
        children = _dependents(k, job_name) if reverse else _needs(k, job_name)
        todo = []
        for child, jobs in children:
            node.children.append(child)
            for sub in jobs:
                if sub.label in on_path:
                    sub.mark = "cycle"
                elif sub.kind == "job" and sub.label in k.jobs:
                    todo.append((sub, sub.label, level + 1))
        stack += reversed(todo)  # depth first, in reading order
    return Deps(root, reverse, depth)


def _tree(cond: object) -> tuple[Node, list[tuple[Node, Operand]]]:
    """A start condition as nodes: one per operator (a run of one operator
    is one node: `a or b or c` is one `or` with three operands), one per
    operand, in reading order; returns the top node and (node, operand)
    pairs.  Iterative: 100,000 operands make no deeper a walk."""
    if isinstance(cond, Operand):
        node = Node(f"start on {cond.text()}", "condition")
        return node, [(node, cond)]
    if isinstance(cond, Enumerated):  # show-config -e lost the operators
        top = Node("start on: all of (as listed)", "and")
        pairs = [(Node(op.text(), "condition"), op) for op in cond.operands]
        top.children = [n for n, _ in pairs]
        return top, pairs
    top = Node(f"start on: {cond.op}", cond.op)  # type: ignore[attr-defined]
    pairs = []
    stack: list[tuple[object, Node, str]] = [(cond, top, cond.op)]  # type: ignore[attr-defined]
    while stack:
        item, parent, op = stack.pop()
        if isinstance(item, Operand):
            node = Node(item.text(), "condition")
            parent.children.append(node)
            pairs.append((node, item))
            continue
        if item.op != op:  # type: ignore[attr-defined]
            node = Node(item.op, item.op)  # type: ignore[attr-defined]
            parent.children.append(node)
            parent, op = node, item.op  # type: ignore[attr-defined]
        stack.append((item.right, parent, op))  # type: ignore[attr-defined]
        stack.append((item.left, parent, op))  # type: ignore[attr-defined]
    return top, pairs


def _needs(k: Knowledge, name: str) -> list[tuple[Node, list[Node]]]:
    """(condition node, the job nodes under it): the start condition as an
    and/or tree, each operand with the emitters that make it happen."""
    job = k.jobs[name]
    if job.start_on is None:
        return []
    top, placed = _tree(job.start_on)
    found: list[Node] = []
    for node, op in placed:
        jobs: list[Node] = []
        ref = op.job
        if ref is not None:
            sub = Node(ref, "job" if ref in k.jobs else "missing",
                       None if ref in k.jobs else "no such job")
            node.children.append(sub)
            jobs.append(sub)
        else:
            for e in k.emitters(op.event):
                sub = Node(e.name, e.kind, "inferred" if e.inferred else None)
                node.children.append(sub)
                if e.kind == "job":
                    jobs.append(sub)
            if not node.children:
                node.children.append(Node("nothing emits it", "missing"))
        found += jobs
    return [(top, found)]


def _dependents(k: Knowledge, name: str) -> list[tuple[Node, list[Node]]]:
    """Jobs that cannot start without NAME: their start condition names it
    or an event it emits (a `stop on` that names it breaks nothing)."""
    operands_of: dict[str, list[str]] = {}
    for lst in k.dependents(k.jobs[name]):
        if lst.condition == "start on":
            operands_of.setdefault(lst.job, []).append(lst.operand)
    out = []
    for job, ops in operands_of.items():
        sub = Node(job, "job", "start on " + "; ".join(ops))
        out.append((sub, [sub]))
    return out


def answer(ctx: Context) -> Deps:
    o = ctx.o
    ctx.job_arg(o.job, loaded=True)
    return deps(ctx.knowledge, o.job, bool(o.reverse), o.depth or 0)
