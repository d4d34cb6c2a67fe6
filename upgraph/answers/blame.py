"""blame: which jobs took longest in a real boot, as systemd-analyze blame
says it: each job from `starting` to `running`, and each task (a job whose
main process exited normally) by its run, from `starting` to `waiting`.
Only the log's own times: a log of warnings only has none, and says so."""

from __future__ import annotations

from upgraph.model import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.answers.context import Context


class Blame(Record):
    __slots__ = ("rows", "detail")  # rows: (job, seconds, what), longest first
    render_as = "blame"

    @property
    def ok(self) -> bool:
        return bool(self.rows)

    @property
    def complaint(self) -> str | None:
        if self.rows:
            return None
        if self.detail == "warn":
            from upgraph.answers.log import WARN_ONLY

            return "no times to blame: " + WARN_ONLY
        return "no job went from starting to running in this boot's log"


def answer(ctx: Context) -> Blame:
    from upgraph.answers.log import history_of

    history = history_of(ctx)
    o = ctx.o
    tasks = None
    if o.conf_dir or o.infile or o.root:  # the job files say which jobs are tasks
        tasks = {name for name, job in ctx.knowledge.jobs.items() if job.task}
    return Blame(history.blame(tasks), history.detail)
