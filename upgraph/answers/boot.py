"""boot: the simulated boot from `startup` (boot/), with every job that never
started explained by `why`; `--to JOB` keeps the critical chain to JOB."""

from __future__ import annotations

from upgraph.model import Record, is_glob

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.answers.context import Context
    from upgraph.answers.why import Why
    from upgraph.boot.model import BootResult
    from upgraph.knowledge.history import History


class Differs(Record):
    """One job on which the machine and the model disagree: WHAT the log
    shows (with its TIME and LINE), and what to TRY to make them agree."""

    __slots__ = ("job", "what", "time", "line", "why", "try_")


class Compared(Record):
    """The real boot (its log) beside the simulation (`boot --log`)."""

    __slots__ = ("log", "detail", "failed", "only_real", "events_only_real",
                 "events_only_model")


def _assume(w: Why) -> str | None:
    """The --assume that would give W's first missing operand its event."""
    leaf = next((leaf for _d, _t, leaf in w.tree if leaf is not None
                 and leaf.status == "missing"), None)
    if leaf is None:
        return None
    words = leaf.operand.split()
    if is_glob(words[0]):
        return None
    env = [x for x in words[1:] if "=" in x and "!=" not in x and not is_glob(x)]
    return "--assume '" + " ".join([words[0], *env]) + "'"


def compare(result: BootResult, history: History, log: str) -> Compared:
    """Where the log and the model part ways (see Compared)."""
    from upgraph.answers.why import why

    model = set(result.started())
    real = {j.name for j in history.jobs.values() if j.times.get("running") is not None}
    failed: list[Differs] = []
    for name in sorted(model):
        jobs = history.of_job(name)
        bad = next((f for j in jobs for f in j.failures), None)
        if bad is not None:
            failed.append(Differs(name, f"{bad.text}", bad.time, bad.line, None, None))
        elif history.detail != "warn" and name not in real:
            failed.append(Differs(name, "it never reached running on the machine"
                                  + ("" if jobs else " (it never appears in the log)"),
                                  None, None, None, None))
    only_real = []
    for name in sorted(real - model):
        if name not in result.machine.by_name:
            continue  # not among the job files given
        j = history.of_job(name)[0]
        w = why(result, name)
        only_real.append(Differs(name, "it ran on the machine", j.times.get("running"),
                                 None, w.summary, _assume(w)))
    handled = {e.name for e in history.events}
    emitted = {e.name for e in result.machine.events}
    return Compared(log, history.detail, failed, only_real, sorted(handled - emitted),
                    sorted(emitted - handled) if history.detail != "warn" else [])


def boot(result: BootResult) -> BootResult:
    """RESULT with each job that never started explained."""
    from upgraph.answers.why import why

    started = set(result.started())
    result.never = [why(result, c.name) for c in sorted(result.machine.classes,
                                                        key=lambda c: c.name)
                    if c.name not in started]
    return result


def answer(ctx: Context) -> BootResult:
    o = ctx.o
    if o.to is not None:
        ctx.job_arg(o.to, loaded=True)
    result = ctx.simulation()
    if not o.to:
        boot(result)
    if o.log:
        from upgraph.answers.log import history_of

        result.compared = compare(result, history_of(ctx), ", ".join(ctx.logs.sources))
    return result
