"""JSON for scripts: the same results the text renderer reads, as data.

Objects become their public attributes (slots included), keys sorted, so
outputs diff well.  A few kinds need a shape of their own: show-config (the
conditions as text and as operands), lint (with counts) and the graph
(networkx node-link form).  Big documents are written one item per line with
the C encoder: `indent` would force Python's slow one.
"""

from __future__ import annotations

import json

from upgraph.model import Enumerated, canonical, operands

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

BIG = 2000  # list items beyond which a list is written one compact item per line


def plain(value: Any) -> Any:
    """VALUE as JSON-able data."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return [plain(v) for v in items]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {n: plain(getattr(value, n)) for n in value.__dataclass_fields__}
    names = [n for n in _attributes(type(value)) if not n.startswith("_")]
    return {n: plain(getattr(value, n)) for n in names}


def _attributes(cls: type) -> list[str]:
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        names += [n for n in getattr(klass, "__slots__", ()) if n not in names]
    return names


def _instance_attrs(value: Any) -> dict[str, Any]:
    data = {n: v for n, v in vars(value).items() if not n.startswith("_")}
    return {n: plain(v) for n, v in data.items()}


def to_data(result: Any) -> Any:
    special = SHAPES.get(result.render_as)
    if special is not None:
        return special(result)
    if hasattr(result, "__dict__"):
        return _instance_attrs(result)
    return plain(result)


def _condition(cond: Any) -> Any:
    if cond is None:
        return None
    return {"text": None if isinstance(cond, Enumerated) else canonical(cond),
            "operators_known": not isinstance(cond, Enumerated),
            "operands": [{"event": op.event, "job": op.job, "env": list(op.env),
                          "location": str(op.loc) if op.loc else None}
                         for op in operands(cond)]}


def _show_config(r: Any) -> Any:
    return {"jobs": [{"name": j.name, "emits": j.emitted,
                      "start_on": _condition(j.start_on), "stop_on": _condition(j.stop_on)}
                     for j in r.jobs]}


def _check_config(r: Any) -> Any:
    return {"ok": r.ok, "operators_known": not r.enumerated,
            "jobs": [{"name": job, "lines": lines} for job, lines in r.reports]}


def _lint(r: Any) -> Any:
    return {"findings": [plain(f) for f in r.findings], "counts": r.counts()}


def _graph(g: Any) -> Any:
    from upgraph.model import is_glob

    nodes = [{"id": f"event:{e}", "kind": "event", "name": e, "glob": is_glob(e)}
             for e in sorted(g.events)]
    nodes += [{"id": f"job:{j}", "kind": "job", "name": j, "glob": False}
              for j in sorted(g.jobs)]
    links = [{"source": s, "target": t, "kind": k, "event": ev or None}
             for s, t, k, ev in g.edges]
    return {"directed": True, "multigraph": False,
            "graph": {"restricted": g.restricted, "depth": g.depth,
                      "direction": g.direction if g.restricted else None},
            "nodes": nodes, "links": links}


def _boot(r: Any) -> Any:
    if r.to:  # --to: the chain, not the whole boot
        return {"model": r.model.name, "to": r.to, "reached": bool(r.reached),
                "why_not": r.why_not, "partial": r.partial, "assumptions": r.assumptions,
                "chain": [plain(link) for link in r.chain]}
    m = r.machine
    jobs: dict[str, Any] = {}
    for c in sorted(m.classes, key=lambda c: c.name):
        labels = {h.label for h in c.history} | set(
            i.label for i in c.instances.values())
        for label in sorted(labels) or [c.name]:
            inst = next((i for i in c.instances.values() if i.label == label), None)
            states = [f"{h.old}->{h.new}" for h in c.history if h.label == label]
            jobs[label] = {"goal": inst.goal if inst else "stop",
                           "state": inst.state if inst else "waiting",
                           "started": any(s.endswith("->running") for s in states),
                           "states": states}
    never = [{"job": n.job, "reason": n.reason, "why": n.summary, "cause": n.cause,
              "try": n.try_} for n in r.never]
    return {
        "model": r.model.name,
        "order": r.order, "settled": r.settled, "cut": m.cut, "waves": m.wave,
        "assumptions": r.assumptions,
        "jobs": jobs,
        "events": [{"name": e.name, "env": e.env, "wave": e.wave,
                    "finished": e.finished_wave is not None, "source": e.source}
                   for e in m.events],
        "never_started": never,
        "unknown_actions": [{"instance": label, "action": act.text(), "at": str(act.loc),
                             "process": act.process, "why": f"{what} has no value offline"}
                            for label, act, what in getattr(r.model, "unknown", {}).values()],
        "refused_actions": [{"instance": label, "action": text, "why": what}
                            for label, text, what in getattr(r.model, "refusals", {})],
        "stalled": sorted(i.label for i in r.not_at_rest()),
        "unfinished": [{"event": e.name, "env": e.env, "held_by": held, "waiting": waiting}
                       for e, held, waiting in r.unfinished()],
        "livelock": r.cycle(),
        "log": plain(r.compared) if r.compared is not None else None,
        "chain": [plain(link) for link in r.chain],
    }


def _process(p: Any) -> Any:
    return {"process": p.process, "pid": p.pid, "exit": p.exit, "signal": p.signal,
            "time": p.time, "line": p.line, "spawned": p.spawned}


def _log(r: Any) -> Any:
    h = r.history
    if r.listing:
        return {"boots": [plain(b) for b in r.boots]}
    return {
        "jobs": {label: {"states": j.states, "goal": j.goal, "state": j.state,
                         "processes": [_process(p) for p in j.processes],
                         "respawns": j.respawns, "failed": j.failed,
                         "respawn_limit": j.respawn_limit}
                 for label, j in sorted(h.jobs.items())
                 if not r.failed_only or j.failed},
        "events": [{"name": e.name, "time": e.time, "line": e.line} for e in h.events],
        "failures": [plain(f) for f in h.failures],
        "boot": {**plain(r.boot), "boots": len(r.boots), "detail": h.detail,
                 "sources": r.sources, "config_errors": [
                     {"line": where, "message": m} for where, m in h.config_errors]},
    }


def _blame(r: Any) -> Any:
    return {"jobs": [{"job": job, "seconds": s, "what": what} for job, s, what in r.rows],
            "detail": r.detail}


def _why(w: Any) -> Any:
    return {"job": w.job, "starts": w.starts, "reason": w.reason, "summary": w.summary,
            "condition": w.condition, "model": w.model,
            "operands": [{"operand": leaf.operand, "status": leaf.status,
                          "reason": leaf.reason, "detail": leaf.detail,
                          "location": leaf.location}
                         for _d, _t, leaf in w.tree if leaf is not None],
            "chain": w.chain, "notes": w.notes, "log": w.log, "evidence": w.evidence,
            "real": w.real}


def _node(n: Any) -> Any:
    out = {"name": n.label, "kind": n.kind, "note": n.note, "mark": n.mark, "children": []}
    stack = [(n, out)]
    while stack:
        node, data = stack.pop()
        for child in node.children:
            sub = {"name": child.label, "kind": child.kind, "note": child.note,
                   "mark": child.mark, "children": []}
            data["children"].append(sub)
            stack.append((child, sub))
    return out


def _deps(d: Any) -> Any:
    return {"reverse": d.reverse, "depth": d.depth or None, "tree": _node(d.root)}


def _emit(e: Any) -> Any:
    return {"event": e.event, "env": e.env, "starts": e.started(), "stops": e.stopped(),
            "events": [{"name": ev.name, "env": ev.env, "wave": ev.wave - e.wave0}
                       for ev in e.events],
            "jobs": {name: [f"{c.old}->{c.new}" for c in hist]
                     for name, hist in sorted(e.changes.items())},
            "partial": e.partial}


SHAPES: dict[str, Callable[[Any], Any]] = {
    "boot": _boot,
    "why": _why,
    "deps": _deps,
    "emit": _emit,
    "show-config": _show_config,
    "check-config": _check_config,
    "lint": _lint,
    "graph": _graph,
    "log": _log,
    "blame": _blame,
    "collect": lambda r: {"script": r.text, "bundle_version": r.version},
    "fleet": lambda f: {
        "hosts": f.hosts, "outcomes": f.outcomes, "failures": f.failures, "refused": f.refused,
        "variants": [{"key": v.key, "hosts": v.hosts, "outcome": v.outcome, "jobs": v.jobs,
                      "started": v.started, "against_largest": v.vs} for v in f.variants]},
    "diff": lambda d: {
        "a": d.a, "b": d.b, "differs": d.differs, "added": d.added, "removed": d.removed,
        "changed": [{"job": c.job, "a": c.a, "b": c.b, "diff": c.diff} for c in d.changed],
        "emitters": [{"event": c.what, "gained": c.gained, "lost": c.lost}
                     for c in d.emitters],
        "listeners": [{"event": c.what, "gained": c.gained, "lost": c.lost}
                      for c in d.listeners],
        "findings_new": d.findings_new, "findings_gone": d.findings_gone,
        "boot": {"started": [{"job": s.job, "starts_in": s.starts, "why_not": s.why}
                             for s in d.started],
                 "chains": [{"job": c.what, "a": c.lost, "b": c.gained} for c in d.chains]},
        "notes": d.notes},
}


def dumps(data: Any) -> str:
    """Indented JSON; a long list one compact item per line (fast, diffable)."""
    if isinstance(data, dict):
        big = [k for k, v in data.items() if isinstance(v, list) and len(v) > BIG]
        if big:
            parts = []
            for key in sorted(data):
                value = data[key]
                if key in big:
                    items = ",\n".join("    " + json.dumps(v, sort_keys=True) for v in value)
                    parts.append(f"  {json.dumps(key)}: [\n{items}\n  ]")
                else:
                    parts.append(f"  {json.dumps(key)}: "
                                 + json.dumps(value, sort_keys=True))
            return "{\n" + ",\n".join(parts) + "\n}"
    return json.dumps(data, indent=2, sort_keys=True)


def render(result: Any, fmt: str, settings: str | None = None, **options: Any) -> str:
    data = to_data(result)
    if settings is not None and isinstance(data, dict):
        data["settings"] = settings  # which upgraph.toml the answer rests on
    return dumps(data) + "\n"
