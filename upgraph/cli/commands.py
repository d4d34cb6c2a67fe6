"""What each command does: read, ask the core one question, print.

Every command body is three steps: the job set and its Knowledge (shared
`context`), one core call, one `answer` through the render registry.  Exit
statuses are decided in `status` and nowhere else (see spec.EXIT_CODES).
Nothing here imports typer.
"""

from __future__ import annotations

import os
import sys

from upgraph.render.escape import safe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from upgraph.cli.spec import Command
    from upgraph.knowledge.index import Knowledge
    from upgraph.model import JobSet

EXIT_OK, EXIT_NO, EXIT_USAGE, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class Stop(Exception):
    """End the command with CODE after printing MESSAGE (if any) on stderr."""

    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class Options:
    """The parsed command line: one attribute per parameter."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    def __getattr__(self, name: str) -> Any:  # parameters a command does not have
        return None


def err(message: str) -> None:
    sys.stderr.write(f"upgraph: {safe(message)}\n")


# -- reading -------------------------------------------------------------------

def _diagnostic_line(d: Any) -> str:
    where = f"{d.loc}: " if d.loc else ""
    if d.severity == "error" and d.loc is not None:
        return f"{where}{d.message}"  # Upstart's own form: path:line: message
    return f"{where}{d.severity}: {d.message}"


def print_diagnostics(jobset: JobSet, quiet: bool) -> None:
    diags = [d for d in jobset.diagnostics if not quiet or d.severity == "error"]
    diags.sort(key=lambda d: (d.loc.path, d.loc.line, d.loc.col) if d.loc else ("", 0, 0))
    if diags:
        sys.stderr.write("".join(safe(_diagnostic_line(d)) + "\n" for d in diags))


def load(o: Options, show: bool = True) -> JobSet:
    from upgraph.read.sources import NoSource, NotShowConfig, SourceSpec
    from upgraph.read.sources import load as read

    if o.dialect not in (None, "upstart", "chromeos"):
        raise Stop(EXIT_USAGE, f"--dialect takes upstart or chromeos, not {o.dialect!r}")
    spec = SourceSpec(o.conf_dir, o.infile, session=bool(o.session), root=o.root,
                      dialect=o.dialect, cache=not o.no_cache)
    try:
        jobset = read(spec)
    except NoSource as exc:
        raise Stop(EXIT_USAGE, str(exc)) from None
    except NotShowConfig as exc:
        raise Stop(EXIT_USAGE, str(exc)) from None
    if show:
        print_diagnostics(jobset, bool(o.quiet))
    if not jobset.jobs and any(d.code == "no-source" for d in jobset.diagnostics):
        raise Stop(EXIT_USAGE)  # every source named is missing: nothing to read
    return jobset


def settings(o: Options) -> Any:
    from upgraph.read.config import ConfigError
    from upgraph.read.config import load as read

    try:
        config = read(o.config)
    except ConfigError as exc:
        raise Stop(EXIT_USAGE, str(exc)) from None
    for spec in o.emitter or []:
        name, _, events = spec.partition(":")
        if not name or not events:
            raise Stop(EXIT_USAGE, f"--emitter wants NAME:EVENT[,EVENT...], not {spec!r}")
        config.emitters.setdefault(name, []).extend(e for e in events.split(",") if e)
    for item in o.ignore_events or []:
        config.ignore_events.update(e for e in item.split(",") if e)
    return config


def context(o: Options, show: bool = True) -> tuple[JobSet, Knowledge, Any]:
    """The job set, its Knowledge, and the settings: what every command reads."""
    from upgraph.knowledge.index import Knowledge
    from upgraph.knowledge.profiles import PROFILES

    config = settings(o)
    jobset = load(o, show)
    if o.profile is not None and o.profile not in PROFILES:
        raise Stop(EXIT_USAGE, f"--profile takes {', '.join(PROFILES)}, not {o.profile!r}")
    k = Knowledge(jobset, o.profile, config.emitters, config.ignore_events)
    _LAST[:] = [jobset, k]
    return jobset, k, config


# The last command's job set, index and answer: kept until the next command,
# or the end of the process (main ends it without tearing the heap down):
# freeing 100,000 jobs object by object costs more than a small set's run.
_LAST: list[Any] = []


# -- answering -------------------------------------------------------------------

def status(ok: bool, jobset: JobSet | None) -> int:
    """The exit status: input errors, then the answer (spec.EXIT_CODES)."""
    if jobset is not None and jobset.has_errors:
        return EXIT_INPUT
    return EXIT_OK if ok else EXIT_NO


def chosen_format(o: Options, kind: str, default: str) -> str:
    """--json, else --format, else the -o file's extension when this kind of
    result has such a format (boot.svg, report.sarif), else DEFAULT."""
    from upgraph.render import UnknownFormat, check, formats

    ext = _extension(o.outfile)
    if not o.json and o.format is None and ext in formats(kind):
        default = ext
    fmt = "json" if o.json else (o.format or default)
    if o.json and o.format not in (None, "json"):
        raise Stop(EXIT_USAGE, f"--json and --format {o.format} disagree")
    try:
        check(kind, fmt)
    except UnknownFormat as exc:
        raise Stop(EXIT_USAGE, str(exc)) from None
    return fmt


def answer(o: Options, result: Any, fmt: str, outfile: str | None = None,
           **render_options: Any) -> None:
    from upgraph.cli.outfile import OutputError, write
    from upgraph.render import RenderError, render

    _LAST.append(result)  # freed with the job set (see _LAST)
    try:
        data = render(result, fmt, **render_options)
    except RenderError as exc:
        raise Stop(EXIT_USAGE, str(exc)) from None
    if isinstance(data, bytes):
        pieces: Any = [data]
    elif isinstance(data, str):
        pieces = [data.encode("utf-8", "surrogateescape")]
    else:  # text in pieces
        pieces = (chunk.encode("utf-8", "surrogateescape") for chunk in data)
    target = o.outfile if outfile is None else outfile
    try:
        write("-" if target is None else target, pieces)
    except OutputError as exc:
        raise Stop(EXIT_USAGE, str(exc)) from None


def _unknown(exc: Exception, jobset: JobSet) -> Stop:
    return Stop(status(False, jobset), str(exc))


# -- the commands ------------------------------------------------------------------

def who_emits(o: Options) -> int:
    from upgraph.knowledge.index import UnknownName
    from upgraph.answers.queries import who_emits as ask

    fmt = chosen_format(o, "who-emits", "text")
    jobset, k, _ = context(o)
    try:
        result = ask(k, o.event)
    except UnknownName as exc:
        raise _unknown(exc, jobset) from None
    answer(o, result, fmt)
    if not result.ok:
        err(f"nothing emits '{o.event}'")
    return status(result.ok, jobset)


def who_listens(o: Options) -> int:
    from upgraph.knowledge.index import UnknownName
    from upgraph.answers.queries import who_listens as ask

    fmt = chosen_format(o, "who-listens", "text")
    jobset, k, _ = context(o)
    which = "start" if o.start and not o.stop else "stop" if o.stop and not o.start else None
    if o.job is not None:
        _job_arg(k, o.job)
    try:
        result = ask(k, o.event, which, o.job)
    except UnknownName as exc:
        raise _unknown(exc, jobset) from None
    if not result.ok:
        err(f"nothing listens for '{o.event}'")
    answer(o, result, fmt)
    return status(result.ok, jobset)


def show(o: Options) -> int:
    from upgraph.knowledge.index import UnknownName
    from upgraph.answers.queries import show as ask

    fmt = chosen_format(o, "show", "text")
    jobset, k, _ = context(o)
    _job_arg(k, o.job)
    try:
        result = ask(k, o.job)
    except UnknownName as exc:
        raise _unknown(exc, jobset) from None
    answer(o, result, fmt)
    return status(True, jobset)


def list_jobs(o: Options) -> int:
    from upgraph.answers.queries import job_list

    fmt = chosen_format(o, "list", "text")
    jobset, k, _ = context(o)
    answer(o, job_list(k), fmt)
    return status(True, jobset)


def show_config(o: Options) -> int:
    from upgraph.knowledge.index import UnknownName
    from upgraph.answers.queries import OperatorsUnknown
    from upgraph.answers.queries import show_config as ask

    fmt = chosen_format(o, "show-config", "text")
    jobset, k, _ = context(o)
    try:
        result = ask(k, o.job, bool(o.enumerate))
    except UnknownName as exc:
        raise _unknown(exc, jobset) from None
    except OperatorsUnknown as exc:
        raise Stop(EXIT_NO, str(exc)) from None
    answer(o, result, fmt)
    return status(True, jobset)


def check_config(o: Options) -> int:
    from upgraph.answers.check_config import check_config as ask

    fmt = chosen_format(o, "check-config", "text")
    jobset, k, _ = context(o)
    if o.job is not None and o.job not in jobset.jobs:
        raise Stop(EXIT_NO, f"Invalid job class: {o.job}")
    result = ask(k, o.job, bool(o.warn))
    if result.enumerated:
        err("warning: conditions read from `show-config -e` text have no operators; "
            "they are checked as if every operator were `and` (like --warn)")
    answer(o, result, fmt)
    return status(result.ok, jobset)


def lint(o: Options) -> int:
    from upgraph.answers.lint import SEVERITIES
    from upgraph.answers.lint import lint as ask

    fmt = chosen_format(o, "lint", "text")
    if o.fail_on not in SEVERITIES:
        raise Stop(EXIT_USAGE, f"--fail-on takes {', '.join(SEVERITIES)}, not {o.fail_on!r}")
    files = _job_dirs_of(o) if o.paths else None
    _jobset, k, config = context(o, show=False)  # input problems are findings here
    result = ask(k, config.disable)
    if files is not None:
        result.findings = [f for f in result.findings if f.path is None or
                           os.path.abspath(f.path) in files]
    answer(o, result, fmt)
    return EXIT_NO if result.fails(o.fail_on) else EXIT_OK


def _job_dirs_of(o: Options) -> set[str]:
    """For `lint PATH...`: read each file within its job directory (the
    nearest directory named `init` above it) so that jobs are named as
    Upstart names them, or alone when there is none (as init-checkconf
    does: never a whole unrelated directory such as / or /etc); returns the
    files whose findings are wanted."""
    dirs = list(o.conf_dir or [])
    files: set[str] = set()
    for path in o.paths:
        path = os.path.normpath(path)
        if os.path.isdir(path):
            dirs.append(path)
            files.update(os.path.abspath(os.path.join(root, f))
                         for root, _, names in os.walk(path) for f in names)
            continue
        if not os.path.exists(path):
            raise Stop(EXIT_USAGE, f"{path}: no such file")
        files.add(os.path.abspath(path))
        top = os.path.dirname(path) or "."
        while os.path.basename(top) != "init" and os.path.dirname(top) not in (top, ""):
            top = os.path.dirname(top)
        dirs.append(top if os.path.basename(top) == "init" else path)
    o.conf_dir = list(dict.fromkeys(dirs))
    return files


def _graph(o: Options, k: Knowledge) -> Any:
    from upgraph.knowledge.graph import UnknownJobs, build

    if o.depth is not None and o.depth < 1:
        raise Stop(EXIT_USAGE, "--depth must be 1 or more")
    if o.direction not in ("up", "down", "both"):
        raise Stop(EXIT_USAGE, f"--direction takes up, down or both, not {o.direction!r}")
    names = [n.strip() for v in o.restrict or [] for n in v.split(",") if n.strip()]
    try:
        return build(k, names, o.depth or 1, o.direction, bool(o.compat))
    except UnknownJobs as exc:
        raise Stop(EXIT_USAGE, str(exc)) from None


def _extension(outfile: str | None) -> str | None:
    if not outfile or outfile == "-":
        return None
    base = os.path.basename(outfile)
    return base.rsplit(".", 1)[-1].lower() if "." in base else None


def dot(o: Options) -> int:
    ext = _extension(o.outfile)
    if o.format is None and not o.json and ext not in (None, "gv"):
        o.format = ext  # a picture's extension must be one we can draw (x.jpg is not)
    fmt = chosen_format(o, "graph", "dot")
    jobset, k, _ = context(o)
    colors = {key[len("color_"):]: value for key, value in vars(o).items()
              if key.startswith("color_")}
    answer(o, _graph(o, k), fmt, colors=colors)
    return status(True, jobset)


def export(o: Options) -> int:
    fmt = chosen_format(o, "graph", "json")
    jobset, k, _ = context(o)
    answer(o, _graph(o, k), fmt)
    return status(True, jobset)


def _simulation(o: Options, k: Knowledge, config: Any) -> Any:
    from upgraph.boot.model import simulate

    if o.order not in ("upstart", "alpha"):
        raise Stop(EXIT_USAGE, f"--order takes upstart or alpha, not {o.order!r}")
    if o.bound is not None and o.bound < 1:
        raise Stop(EXIT_USAGE, "--bound must be 1 or more")
    assume = [*config.assume, *(o.assume or [])]
    for text in assume:
        if not text.split():
            raise Stop(EXIT_USAGE, "--assume needs an event: 'EVENT [KEY=VALUE...]'")
    return simulate(k, bool(o.declared_only), assume, o.runlevel, o.order, o.bound or 20000,
                    o.to)


def _job_arg(k: Knowledge, name: str) -> None:
    """A job named on the command line: unknown is a usage error (with "did
    you mean"); a job Upstart would not load is reported as such.  (Only
    show-config and check-config answer 1 there, as initctl does.)"""
    from upgraph.knowledge.index import UnknownName

    try:
        k.require_job(name)
    except UnknownName as exc:
        if exc.note:  # not loaded: an answer, not a usage error
            return
        raise Stop(EXIT_USAGE, str(exc)) from None


def boot(o: Options) -> int:
    fmt = chosen_format(o, "boot", "text")
    jobset, k, config = context(o)
    if o.to is not None:
        _job_arg(k, o.to)
        if o.to not in k.jobs:
            raise Stop(status(False, jobset), str(_not_loaded(k, o.to)))
    result = _simulation(o, k, config)
    answer(o, result, fmt)
    return status(result.ok, jobset)


def why(o: Options) -> int:
    from upgraph.answers.why import Why
    from upgraph.answers.why import why as ask

    fmt = chosen_format(o, "why", "text")
    jobset, k, config = context(o)
    _job_arg(k, o.job)
    if o.job not in k.jobs:
        bad = k.rejected(o.job)
        result = Why(o.job, False, "not-loaded", f"{o.job} was not loaded: "
                     f"{bad.loc}: {bad.message}" if bad else f"{o.job} was not loaded")
    else:
        result = ask(_simulation(o, k, config), o.job)
    answer(o, result, fmt)
    return status(result.ok, jobset)


def deps(o: Options) -> int:
    from upgraph.answers.deps import deps as ask

    fmt = chosen_format(o, "deps", "text")
    if o.depth is not None and o.depth < 0:
        raise Stop(EXIT_USAGE, "--depth must be 0 (all) or more")
    jobset, k, _ = context(o)
    _job_arg(k, o.job)
    if o.job not in k.jobs:
        raise Stop(status(False, jobset), str(_not_loaded(k, o.job)))
    answer(o, ask(k, o.job, bool(o.reverse), o.depth or 0), fmt)
    return status(True, jobset)


def _not_loaded(k: Knowledge, name: str) -> Exception:
    from upgraph.knowledge.index import UnknownName

    try:
        k.require_job(name)
    except UnknownName as exc:
        return exc
    return Exception(name)


def emit(o: Options) -> int:
    from upgraph.boot.model import emit_after

    fmt = chosen_format(o, "emit", "text")
    for entry in o.env or []:
        if "=" not in entry:
            raise Stop(EXIT_USAGE, f"event environment is KEY=VALUE, not {entry!r}")
    jobset, k, config = context(o)
    result = emit_after(_simulation(o, k, config), o.event, list(o.env or []))
    answer(o, result, fmt)
    return status(result.ok, jobset)


def run(command: Command, values: dict[str, Any]) -> int:
    """Run COMMAND with its parsed VALUES; the exit status."""
    o = Options(values)
    _LAST.clear()
    try:
        return globals()[command.run](o)
    except Stop as stop:
        if stop.message:
            err(stop.message)
        return stop.code
