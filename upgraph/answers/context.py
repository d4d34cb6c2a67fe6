"""What every answer starts from: the parsed options, the job set, its
Knowledge and the settings, read once and on demand.

An answer module's `answer(ctx)` asks the Context for what it needs and
returns one report; it never prints.  It ends a command early by raising
Stop with the exit status (see spec.EXIT_CODES); the runner in
upgraph/cli/run.py prints the message.
"""

from __future__ import annotations

import os
import sys

from upgraph.render.escape import safe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from upgraph.knowledge.index import Knowledge
    from upgraph.model import JobSet
    from upgraph.read.config import Config

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
    if sys.stderr is not None:  # `2>&-`: nowhere to say it
        sys.stderr.write(f"upgraph: {safe(message)}\n")


def _diagnostic_line(d: Any) -> str:
    where = f"{d.loc}: " if d.loc else ""
    if d.severity == "error" and d.loc is not None:
        return f"{where}{d.message}"  # Upstart's own form: path:line: message
    return f"{where}{d.severity}: {d.message}"


def print_diagnostics(jobset: JobSet, quiet: bool) -> None:
    print_diagnostics_of([d for d in jobset.diagnostics if not quiet or d.severity == "error"])


def print_diagnostics_of(diags: list[Any]) -> None:
    diags = sorted(diags, key=lambda d: (d.loc.path, d.loc.line, d.loc.col) if d.loc
                   else ("", 0, 0))
    if diags and sys.stderr is not None:
        sys.stderr.write("".join(safe(_diagnostic_line(d)) + "\n" for d in diags))


class Context:
    """One command's inputs.  The job set is read on first need, once; the
    Reading session that read it is kept with it (its scaffolding is freed
    with the process, not object by object: see cli/run.py)."""

    def __init__(self, o: Options, show_diagnostics: bool = True) -> None:
        self.o = o
        self.show_diagnostics = show_diagnostics
        self._jobset: JobSet | None = None
        self._knowledge: Knowledge | None = None
        self._config: Config | None = None
        self._logs: Any = None
        self._listing: dict[str, Any] | None = None
        self._model: tuple[str, list[str], str | None] | None = None
        self.bundle: Any = None  # read.bundle.Bundle (--bundle, or --root FILE)
        self.opened: list[Any] = []  # other bundles this run opened (diff, fleet)
        self._open_bundle()
        self.reading: Any = None
        self.progress: Any = None  # (done, total) -> None, for long readings (the runner's)
        self.fmt = "text"  # the format the report will be printed in (the runner's)

    # -- inputs --------------------------------------------------------------

    def _open_bundle(self) -> None:
        """--bundle FILE (or --root naming a file): check it and let it stand
        for --root, --list and --log wherever those were not given."""
        o = self.o
        path = o.bundle
        if path is None and o.root and os.path.isfile(o.root):
            path = o.root
        if path is None:
            return
        from upgraph.read.bundle import BadBundle, open_bundle

        try:
            self.bundle = b = open_bundle(path)
        except BadBundle as exc:
            raise Stop(EXIT_USAGE, str(exc)) from None
        o.root = b.root
        if o.listing is None and b.listing is not None:
            o.listing = b.listing
        if not o.log and b.logs:
            o.log = b.logs
        if o.profile is None:
            o.profile = b.profile()

    def close(self) -> None:
        """Remove what this run wrote for itself (a bundle's files)."""
        for b in [self.bundle, *self.opened]:
            if b is not None:
                b.close()
        self.bundle, self.opened = None, []

    @property
    def config(self) -> Config:
        if self._config is None:
            from upgraph.read.config import ConfigError
            from upgraph.read.config import load as read

            o = self.o
            avoid = [*(o.conf_dir or []), *([o.root] if o.root else [])]
            try:
                config = read(o.config, avoid, warn=err)
            except ConfigError as exc:
                raise Stop(EXIT_USAGE, str(exc)) from None
            if o.verbose:
                err(f"settings from {config.path}" if config.path else "no settings file")
            for spec in o.emitter or []:
                name, _, events = spec.partition(":")
                if not name or not events:
                    raise Stop(EXIT_USAGE, f"--emitter wants NAME:EVENT[,EVENT...], not {spec!r}")
                config.emitters.setdefault(name, []).extend(e for e in events.split(",") if e)
            for item in o.ignore_events or []:
                config.ignore_events.update(e for e in item.split(",") if e)
            self._config = config
        return self._config

    @property
    def jobset(self) -> JobSet:
        if self._jobset is None:
            from upgraph.read.session import Reading
            from upgraph.read.sources import NoSource, NotShowConfig, SourceSpec

            o = self.o
            for d in o.conf_dir or []:
                if os.path.isfile(d) and not d.endswith(".conf"):
                    raise Stop(EXIT_USAGE, f"{d}: not a job directory nor a .conf file "
                               "(--conf-dir takes a directory of job files, or one .conf; "
                               "show-config text goes to --infile)")
            spec = SourceSpec(o.conf_dir, o.infile, session=bool(o.session), root=o.root,
                              dialect=o.dialect, cache=not o.no_cache and self.bundle is None)
            self.reading = Reading(cache=spec.cache, progress=self.progress)
            try:
                jobset = self.reading.load(spec)
            except (NoSource, NotShowConfig) as exc:
                raise Stop(EXIT_USAGE, str(exc)) from None
            finally:
                if self.progress is not None:
                    self.progress.clear()
            if self.bundle is not None:  # name its files as the bundle's, not our copies
                from upgraph.read.bundle import relabel

                relabel(jobset, self.bundle)
            if self.show_diagnostics:
                print_diagnostics(jobset, bool(o.quiet))
            if not jobset.jobs and any(d.code == "no-source" for d in jobset.diagnostics):
                if not self.show_diagnostics:  # say what is missing all the same
                    print_diagnostics(jobset, True)
                raise Stop(EXIT_USAGE)  # every source named is missing: nothing to read
            self._jobset = jobset
        return self._jobset

    @property
    def knowledge(self) -> Knowledge:
        if self._knowledge is None:
            self.config  # noqa: B018 - settings errors before reading errors
            self._knowledge = self.knowledge_of(self.jobset, self.o.profile)
        return self._knowledge

    LOG_FILES = ("/var/log/upstart.log", "/var/log/kern.log", "/var/log/messages",
                 "/var/log/syslog")

    @property
    def logs(self) -> Any:
        """The logs --log names (else piped standard input, else the first of
        the system's own log files, under --root), read once (read/logs.py)."""
        if self._logs is None:
            from upgraph.read.logs import NotALog, read_logs
            from upgraph.read.sources import SourceSpec, _stdin, under_root

            o = self.o
            paths = list(o.log or [])
            stdin = _stdin(SourceSpec())
            if not paths:
                if stdin is not None and not (o.conf_dir or o.infile) and self._jobset is None:
                    paths = ["-"]
                else:
                    found = [p for p in (under_root(o.root, f) for f in self.LOG_FILES)
                             if os.path.isfile(p)]
                    if not found:
                        raise Stop(EXIT_USAGE, "no log to read: pass --log FILE (dmesg "
                                   "output, kern.log, syslog, messages, upstart.log, .gz "
                                   "too; '-' for standard input: dmesg | upgraph log --log -)")
                    paths = found[:1]
            try:
                reader = read_logs(paths, stdin)
            except NotALog as exc:
                raise Stop(EXIT_USAGE, str(exc)) from None
            if self.bundle is not None:  # the bundle's names, not our copies'
                reader.sources = [self.bundle.shown(p) for p in reader.sources]
                for d in reader.diagnostics:
                    if d.loc is not None:
                        d.loc.path = self.bundle.shown(d.loc.path)
            if reader.diagnostics and not o.quiet:
                print_diagnostics_of(reader.diagnostics)
            self._logs = reader
        return self._logs

    @property
    def listing(self) -> dict[str, Any] | None:
        """`initctl list` output (--list FILE) as {label: Listed}, or None."""
        if self.o.listing is None:
            return None
        if self._listing is None:
            from upgraph.read.logs import NotALog, read_list
            from upgraph.read.sources import SourceSpec, _stdin

            try:
                found, diags = read_list(self.o.listing, _stdin(SourceSpec()))
            except NotALog as exc:
                raise Stop(EXIT_USAGE, str(exc)) from None
            if diags and not self.o.quiet:
                print_diagnostics_of(diags)
            self._listing = found
        return self._listing

    @property
    def settings_file(self) -> str | None:
        """The settings file in use, if this command read one."""
        return self._config.path if self._config is not None else None

    def model_name(self) -> str:
        """declared, scripts or real (--model; --declared-only is declared)."""
        return "declared" if self.o.declared_only else (self.o.model or "real")

    def simulation(self) -> Any:
        """The boot of the job set the options name: what boot, why and emit
        each start from."""
        return self.simulate(self.knowledge, self.o.root, self.o.to)

    def simulate(self, k: Knowledge, root: str | None = None, to: str | None = None) -> Any:
        """A boot of K under the options' model (boot/model.py): model,
        branches, assumptions, runlevel, service exits, order, bound; ROOT
        is where K's inittab lies.  Every command that simulates (boot, why,
        emit, diff, fleet) asks here.  Bad values are usage errors (exit 2)."""
        from upgraph.boot.model import simulate

        o = self.o
        model, assume, level = self.model_options()
        if k.jobset.bare and not o.quiet and model != "declared":
            err("note: show-config text has no `task`, scripts or processes; this answer "
                "lacks them (read the job directory with -d for the whole answer)")
        exits = self._job_list(o.exits, "--exits", k)
        stays = self._job_list(o.stays, "--stays", k)
        return simulate(k, model, assume, level, o.order or "upstart", o.bound or None, to,
                        o.branches or "all", exits, stays, root)

    def model_options(self) -> tuple[str, list[str], str | None]:
        """(model, assumed events, runlevel), checked once (warnings once)."""
        if self._model is None:
            from upgraph.boot.model import ASSUME_EXAMPLE, parse_event

            o = self.o
            assume = [*self.config.assume, *(o.assume or [])]
            for text in assume:
                try:
                    parse_event(text)
                except ValueError as exc:
                    raise Stop(EXIT_USAGE, f"--assume {exc} ({ASSUME_EXAMPLE})") from None
            level = o.runlevel
            if level is not None and level not in tuple("0123456Ss"):
                raise Stop(EXIT_USAGE, f"--runlevel {level!r}: a runlevel is one of 0-6 or S "
                           "(for example --runlevel 3)")
            model = self.model_name()
            if level is not None and model == "declared":
                err("--runlevel is not used by the declared model (no telinit runs)")
            self._model = (model, assume, level)
        return self._model

    def _job_list(self, values: list[str] | None, flag: str, k: Knowledge) -> list[str]:
        """--exits/--stays names; for the job set the command names, each must
        be one of its jobs (diff's and fleet's sides may each lack some)."""
        names = [n.strip() for v in values or [] for n in v.split(",") if n.strip()]
        if k is self._knowledge:
            for name in names:
                if name not in k.jobs:
                    self.job_arg(name)
                    raise Stop(EXIT_USAGE, f"{flag} {name}: no such job")
        return names

    def knowledge_of(self, jobset: JobSet, profile: str | None) -> Knowledge:
        """The knowledge index of JOBSET with the settings' emitters and
        ignored events: the job set the command names, and diff's and
        fleet's sides."""
        from upgraph.knowledge.index import Knowledge

        config = self.config
        return Knowledge(jobset, profile, config.emitters, config.ignore_events)

    # -- rules every answer shares ----------------------------------------------

    def status(self, ok: bool) -> int:
        """The exit status: input errors, then the answer (spec.EXIT_CODES)."""
        if self._jobset is not None and self._jobset.has_errors:
            return EXIT_INPUT
        return EXIT_OK if ok else EXIT_NO

    def job_arg(self, name: str, loaded: bool = False) -> None:
        """A job named on the command line: unknown is a usage error (with
        "did you mean"); one Upstart would not load is an answer (exit 1, or
        3), raised here when LOADED is required, else left to the answer."""
        from upgraph.knowledge.index import UnknownName

        k = self.knowledge
        try:
            k.require_job(name)
        except UnknownName as exc:
            if not exc.note:
                raise Stop(EXIT_USAGE, str(exc)) from None
            if loaded:
                raise Stop(self.status(False), str(exc)) from None
