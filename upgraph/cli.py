"""Command line: wires options to functions, nothing more.

Exit status: 0 answered; 1 no answer (unknown name, nobody emits/listens)
or some input had errors; 2 usage problems (typer) or nothing to read.
Heavy modules are imported inside the commands so `--help` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from upgraph.model import JobSet

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="See and check the job graph of an Upstart init system, offline.",
    context_settings={"help_option_names": ["-h", "--help"]},
)

ConfDir = typer.Option(
    None, "--conf-dir", "-d", metavar="DIR",
    help="Directory of job .conf files (searched recursively); repeatable, "
         "first directory holding a job owns it.")
InFile = typer.Option(
    None, "--infile", "-f", metavar="FILE",
    help="`initctl show-config` output, plain or -e ('-' = stdin); repeatable.")
Json = typer.Option(False, "--json", help="Print JSON instead of text.")


_QUIET = {"on": False}


@app.callback()
def _options(
    quiet: bool = typer.Option(False, "--quiet", "-q",
                               help="Hide warnings about the input (errors are still shown)."),
) -> None:
    """See and check the job graph of an Upstart init system, offline."""
    _QUIET["on"] = quiet


def _err(message: str) -> None:
    sys.stderr.write(f"upgraph: {message}\n")


def _load(conf_dir: list[str] | None, infile: list[str] | None, quiet: bool = False,
          user: bool = False) -> JobSet:
    from upgraph.sources import NoSource, SourceSpec, load

    try:
        jobset = load(SourceSpec(list(conf_dir or []), list(infile or []), user))
    except NoSource as exc:
        _err(str(exc))
        raise typer.Exit(2) from None
    for d in [] if quiet else jobset.diagnostics:
        if d.severity != "error" and _QUIET["on"]:
            continue
        if d.severity == "error" and d.loc is not None:
            sys.stderr.write(f"{d.loc}: {d.message}\n")
        else:
            sys.stderr.write(f"{d}\n")
    return jobset


def _finish(jobset: JobSet, answered: bool = True) -> None:
    raise typer.Exit(0 if answered and not jobset.has_errors else 1)


def _print(lines: list[str]) -> None:
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")


def _output(as_json: bool, data: Any, lines: Callable[[Any], list[str]]) -> None:
    """JSON of DATA, or LINES(upgraph.render.text) for people."""
    if as_json:
        from upgraph.render.json import dumps

        _print([dumps(data)])
    else:
        from upgraph.render import text

        _print(lines(text))


def _unknown(exc: Any) -> None:
    _err(str(exc))
    raise typer.Exit(1)


@app.command("who-emits")
def who_emits(
    event: str = typer.Argument(..., help="Event name (globs allowed: 'net-device-*')."),
    conf_dir: list[str] | None = ConfDir,
    infile: list[str] | None = InFile,
    json: bool = Json,
) -> None:
    """Every job whose `emits` covers EVENT, and the built-in emitters."""
    from upgraph.query import UnknownName
    from upgraph.query import who_emits as query

    jobset = _load(conf_dir, infile)
    try:
        found = query(jobset, event)
    except UnknownName as exc:
        _unknown(exc)
    _output(json, {"event": event, "emitters": found},
            lambda text: [text.emitter_line(e) for e in found])
    if not found:
        _err(f"nothing emits '{event}'")
    _finish(jobset, bool(found))


@app.command("who-listens")
def who_listens(
    event: str = typer.Argument(..., help="Event name (globs allowed)."),
    start: bool = typer.Option(False, "--start", help="Only start conditions."),
    stop: bool = typer.Option(False, "--stop", help="Only stop conditions."),
    job: str | None = typer.Option(
        None, "--job", metavar="NAME", help="Only job events naming this job."),
    conf_dir: list[str] | None = ConfDir,
    infile: list[str] | None = InFile,
    json: bool = Json,
) -> None:
    """Every job whose start or stop condition mentions EVENT."""
    from upgraph.query import UnknownName, check_event, check_job
    from upgraph.query import who_listens as query

    jobset = _load(conf_dir, infile)
    which = "start" if start and not stop else "stop" if stop and not start else None
    found = query(jobset, event, which, job)
    if not found:
        try:
            if job is not None:
                check_job(jobset, job)
            check_event(jobset, event)
        except UnknownName as exc:
            _unknown(exc)
        _err(f"nothing listens for '{event}'")
    _output(json, {"event": event, "job": job, "listeners": found},
            lambda text: [text.listener_line(x) for x in found])
    _finish(jobset, bool(found))


@app.command("show")
def show(
    job: str = typer.Argument(..., help="Job name (e.g. mountall, net/apache)."),
    conf_dir: list[str] | None = ConfDir,
    infile: list[str] | None = InFile,
    json: bool = Json,
) -> None:
    """Where JOB is defined, its conditions, what it waits for, who waits for it."""
    from upgraph.graph import build_graph
    from upgraph.query import UnknownName, show_job

    jobset = _load(conf_dir, infile)
    try:
        report = show_job(build_graph(jobset), jobset, job)
    except UnknownName as exc:
        _unknown(exc)
    _output(json, report, lambda text: text.job_report(report))
    _finish(jobset)


@app.command("show-config")
def show_config(
    job: str | None = typer.Argument(None, help="Only this job."),
    enumerate_: bool = typer.Option(
        False, "--enumerate", "-e", help="One line per operand, as initctl show-config -e."),
    conf_dir: list[str] | None = ConfDir,
    infile: list[str] | None = InFile,
) -> None:
    """What `initctl show-config` prints for the same jobs (sorted by name)."""
    from upgraph.query import UnknownName, check_job
    from upgraph.render.showconfig import OperatorsUnknown, enumerated, plain

    jobset = _load(conf_dir, infile)
    jobs = jobset.sorted_jobs()
    if job is not None:
        try:
            check_job(jobset, job)
        except UnknownName as exc:
            _unknown(exc)
        jobs = [jobset.jobs[job]]
    lines: list[str] = []
    failed = False
    for j in jobs:
        try:
            lines += enumerated(j) if enumerate_ else plain(j)
        except OperatorsUnknown as exc:
            _err(str(exc))
            failed = True
    _print(lines)
    _finish(jobset, not failed)


@app.command("check-config")
def check_config(
    job: str | None = typer.Argument(None, help="Only report this job."),
    ignore_events: str | None = typer.Option(
        None, "--ignore-events", "-i", metavar="A,B,...",
        help="Comma-separated events to treat as known."),
    warn: bool = typer.Option(False, "--warn", "-w",
                              help="Report every unknown operand (each `or` counts as `and`)."),
    session: bool = typer.Option(False, "--session",
                                 help="User-session job set: session-end is init's event too."),
    conf_dir: list[str] | None = ConfDir,
    infile: list[str] | None = InFile,
) -> None:
    """What `initctl check-config` prints for the same jobs: unknown events and jobs."""
    from upgraph.checkconfig import check_config as run_check
    from upgraph.model import Enumerated

    jobset = _load(conf_dir, infile)
    if job is not None and job not in jobset.jobs:
        _err(f"Invalid job class: {job}")
        raise typer.Exit(1)
    ignored = [e for e in (ignore_events or "").split(",") if e]
    if any(isinstance(c, Enumerated) for j in jobset.jobs.values()
           for c in (j.start_on, j.stop_on)):
        _err("warning: conditions read from `show-config -e` text have no operators; "
             "they are checked as if every operator were `and` (like --warn)")
    lines = run_check(jobset, job, ignored, warn, session)
    _print(lines)
    _finish(jobset, not lines)


@app.command("lint")
def lint(
    format_: str = typer.Option("text", "--format", help="text, json or sarif."),
    fail_on: str = typer.Option(
        "error", "--fail-on", help="Exit 1 on findings of this severity or worse: "
        "error, warning or info."),
    ignore_events: str | None = typer.Option(
        None, "--ignore-events", "-i", metavar="A,B,...", help="Events to treat as emitted."),
    emitter: list[str] | None = typer.Option(
        None, "--emitter", metavar="NAME:EV1,EV2",
        help="Declare an emitter upgraph cannot see (e.g. a D-Bus daemon); repeatable."),
    config: str | None = typer.Option(
        None, "--config", metavar="FILE",
        help="upgraph.toml or pyproject.toml ([tool.upgraph]); default: the one in the "
             "first --conf-dir."),
    conf_dir: list[str] | None = ConfDir,
    infile: list[str] | None = InFile,
) -> None:
    """Findings initctl never reports: unknown events, dead conditions, cycles..."""
    from upgraph.lint import SEVERITIES, fails, load_config
    from upgraph.lint import lint as run_lint

    if format_ not in ("text", "json", "sarif") or fail_on not in SEVERITIES:
        _err("--format takes text, json or sarif; --fail-on takes error, warning or info")
        raise typer.Exit(2)
    try:
        cfg = load_config(config, list(conf_dir or []))
    except (OSError, ValueError) as exc:
        _err(f"cannot read config: {exc}")
        raise typer.Exit(2) from None
    cfg.ignore_events |= {e for e in (ignore_events or "").split(",") if e}
    for spec in emitter or []:
        name, _, events = spec.partition(":")
        if not name or not events:
            _err(f"--emitter wants NAME:EVENT[,EVENT...], not {spec!r}")
            raise typer.Exit(2)
        cfg.emitters.setdefault(name, []).extend(e for e in events.split(",") if e)
    jobset = _load(conf_dir, infile, quiet=True)
    findings = run_lint(jobset, cfg)
    if format_ == "json":
        from upgraph.render.json import dumps

        _print([dumps({"findings": findings, "counts": {
            s: sum(f.severity == s for f in findings) for s in SEVERITIES}})])
    elif format_ == "sarif":
        from upgraph.render.sarif import dumps as sarif

        _print([sarif(findings)])
    else:
        from upgraph.render.text import finding_line

        _print([finding_line(f) for f in findings])
    raise typer.Exit(1 if fails(findings, fail_on) else 0)


def _restriction(values: list[str] | None) -> list[str]:
    """-r a,b -r c, with blanks around names tolerated."""
    return [n.strip() for v in values or [] for n in v.split(",") if n.strip()]


def _picture(jobset: JobSet, restrict: list[str] | None, depth: int) -> Any:
    from upgraph.picture import UnknownJobs, build_picture

    if depth < 1:
        _err("--depth must be 1 or more")
        raise typer.Exit(2)
    try:
        return build_picture(jobset, _restriction(restrict), depth)
    except UnknownJobs as exc:
        _err(str(exc))
        raise typer.Exit(1) from None


def _write(outfile: str, data: bytes) -> None:
    """Write all or nothing: an existing file is never left truncated."""
    import os
    import tempfile

    if outfile == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    folder = os.path.dirname(os.path.abspath(outfile))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".upgraph-", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, outfile)
    except OSError as exc:
        _err(f"cannot write {outfile}: {exc.strerror or exc}")
        raise typer.Exit(1) from None


Restrict = typer.Option(
    None, "--restrict-to-jobs", "-r", metavar="JOB,JOB,...",
    help="Only these jobs and their neighbourhood (comma-separated; repeatable).")
Depth = typer.Option(1, "--depth", help="With -r: widen the neighbourhood N steps.")
RENDERED = ("svg", "png", "pdf")


@app.command("dot")
def dot(
    outfile: str = typer.Option("upstart.dot", "--outfile", "-o", "-w", metavar="FILE",
                                help="Output file ('-' = stdout); .svg/.png/.pdf render."),
    format_: str | None = typer.Option(
        None, "--format", help="dot, svg, png or pdf (default: from the file name)."),
    restrict: list[str] | None = Restrict,
    depth: int = Depth,
    color_emits: str = typer.Option("green", help="Colour of 'emits' lines."),
    color_start_on: str = typer.Option("blue", help="Colour of 'start on' lines."),
    color_stop_on: str = typer.Option("red", help="Colour of 'stop on' lines."),
    color_event: str = typer.Option("thistle", help="Colour of event diamonds."),
    color_text: str = typer.Option("black", help="Colour of the legend text."),
    color_bg: str = typer.Option("white", help="Background colour."),
    color_event_text: str = typer.Option("black", help="Colour of text in events."),
    color_job_text: str = typer.Option("black", help="Colour of text in jobs."),
    color_job: str = typer.Option("#DCDCDC", help="Colour of job boxes."),
    system: bool = typer.Option(False, "--system",
                                help="Ask a running Upstart about the system (default)."),
    user: bool = typer.Option(False, "--user", help="Ask a running Upstart about the "
                              "user session instead."),
    conf_dir: list[str] | None = ConfDir,
    infile: list[str] | None = InFile,
) -> None:
    """Draw the job graph as initctl2dot does (dot text, or rendered SVG/PNG/PDF)."""
    from upgraph.render.dot import Colors, legend_text, to_dot

    fmt = (format_ or (outfile.rsplit(".", 1)[-1] if "." in outfile else "dot")).lower()
    if fmt not in ("dot", "gv", *RENDERED):
        fmt = "dot"
    jobset = _load(conf_dir, infile, user=user and not system)
    pic = _picture(jobset, restrict, depth)
    colors = Colors(color_emits, color_start_on, color_stop_on, color_event, color_job,
                    color_text, color_bg, color_event_text, color_job_text)
    text = to_dot(pic, colors, legend_text(jobset.sources, pic, colors, user and not system))
    data = text.encode()
    if fmt in RENDERED:
        import graphviz

        try:
            data = graphviz.Source(text).pipe(format=fmt)
        except graphviz.ExecutableNotFound:
            _err("rendering needs Graphviz's `dot` program, which is not installed; "
                 "install it (Debian/Ubuntu: apt-get install graphviz) or write .dot output")
            raise typer.Exit(1) from None
        except graphviz.CalledProcessError as exc:
            detail = exc.stderr.decode(errors="replace").strip() if exc.stderr else exc
            _err(f"dot failed: {detail}")
            raise typer.Exit(1) from None
    _write(outfile, data)
    _finish(jobset)


@app.command("export")
def export(
    format_: str = typer.Option(..., "--format", help="json, graphml or mermaid."),
    outfile: str = typer.Option("-", "--outfile", "-o", metavar="FILE",
                                help="Output file ('-' = stdout)."),
    restrict: list[str] | None = Restrict,
    depth: int = Depth,
    conf_dir: list[str] | None = ConfDir,
    infile: list[str] | None = InFile,
) -> None:
    """The same graph as `dot`, as data: JSON node-link, GraphML or Mermaid."""
    from upgraph.render import export as formats

    writers = {"json": formats.to_json, "graphml": formats.to_graphml,
               "mermaid": formats.to_mermaid}
    if format_ not in writers:
        _err("--format takes json, graphml or mermaid")
        raise typer.Exit(2)
    jobset = _load(conf_dir, infile)
    pic = _picture(jobset, restrict, depth)
    _write(outfile, writers[format_](pic).encode())
    _finish(jobset)


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # `upgraph ... | head`
        sys.stderr.close()
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
