"""One reading of job files and show-config text: the Reading session.

A Reading owns everything that reading keeps while it works: the memo of
condition shapes and lines (read/expr.py's Memo, shared by every file it
reads), the forked readers (through read/workers.py), the cache of earlier
runs and the cache writes still running in the background.  Nothing of it
lives at module level, so two readings never share state, and a test makes
a new Reading instead of resetting globals.

The parsers (conf.py, showconfig.py, expr.py) know nothing of the cache: the
Reading asks the cache first, hands the parsers what it has (templates
learnt by earlier runs), and stores what they read.
"""

from __future__ import annotations

import os

from upgraph.model import Diagnostic, Job, JobSet, Location, Repeats
from upgraph.read.expr import Memo
from upgraph.read.sources import (
    MAX_FILE,
    SNIFF,
    SYSTEM_DIR,
    Found,
    NoSource,
    NotShowConfig,
    Prefixed,
    SourceSpec,
    _blocks,
    _stdin,
    decode,
    in_root,
    live_initctl,
    read_bytes,
    scan,
    session_dirs,
    sniff,
    under_root,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import IO, Any

    from upgraph.read.cache import JobCache, Part, Store

PARALLEL_MIN = 2000  # job files to read before a second process pays for itself
PART_MIN = 200  # job files a reader is handed at a time, at least
SIGN_CHUNK = 1000  # job files whose signatures a forked checker hands back at a time
PERSIST_LIMIT = 64  # templates of longer shapes are not worth a cache line


def processors() -> int:
    """How many processes may read at once (read/workers.py, imported only
    when there is forking to do)."""
    from upgraph.read.workers import processors as count

    return count()


def fork_map(func: Any, tasks: Any, workers: int) -> Any:
    from upgraph.read.workers import fork_map as run

    return run(func, tasks, workers)

Todo = list[tuple[str, Found, "Found | None"]]


class Reading:
    """One reading session (see the module's docstring).  CACHE: may the
    private cache of earlier runs be read and written?"""

    def __init__(self, cache: bool = True,
                 progress: Callable[[int, int], None] | None = None) -> None:
        from upgraph.read.cache import disabled

        self.progress = progress  # called with (jobs read, jobs to read) now and then
        self.cache = cache and not disabled()
        self.memo = Memo(load=self._kept_templates if self.cache else None)
        self.writers: list[int] = []  # cache writes running in the background
        # the reading's scaffolding (a directory entry per file, the cache's
        # index), freed with the process rather than object by object
        self.held: list[Any] = []
        self._parser: tuple[Any, Any] | None = None  # conf.Reader, conf.settle
        self._store: Store | None | bool = False  # False: not opened yet

    # -- what earlier runs learnt ---------------------------------------------

    @property
    def store(self) -> Store | None:
        """The cache directory, opened once for this reading (None: none usable)."""
        if self._store is False:
            from upgraph.read.cache import Store

            self._store = Store.open() if self.cache else None
        return self._store  # type: ignore[return-value]

    def _kept_templates(self) -> dict[str, Any]:
        from upgraph.read.expr import grammar

        store = self.store
        return store.load_shapes(grammar()) if store is not None else {}

    def remember(self) -> None:
        """Keep this reading's new templates for the next runs."""
        memo = self.memo
        if memo.learnt and any(len(s) <= PERSIST_LIMIT for s in memo.learnt):
            from upgraph.read.expr import grammar

            store = self.store
            if store is not None:
                store.save_shapes(grammar(), memo.export_templates(PERSIST_LIMIT))
        memo.learnt.clear()

    def writing(self) -> bool:
        """Whether a cache write runs in the background (see JobCache.save)."""
        return bool(self.writers)

    def finish(self) -> None:
        """Wait for the cache writes still running in the background."""
        if self.writers:
            from upgraph.read.workers import reap

            while self.writers:
                reap(self.writers.pop())

    # -- everything ------------------------------------------------------------

    def load(self, spec: SourceSpec) -> JobSet:
        """Read every source the user named, or fall back to the defaults.

        With no source: text piped on stdin; otherwise a running Upstart's
        `initctl show-config -e` (never with --root); otherwise the job
        directories (/etc/init, or the session directories), under --root
        when given; otherwise NoSource.
        """
        from upgraph.read.dialects import apply_dialect

        jobset = JobSet()
        jobset.session = spec.session
        self._read_sources(spec, jobset)
        apply_dialect(jobset, spec.dialect)
        if self.cache:
            self.remember()
        return jobset

    def _read_sources(self, spec: SourceSpec, jobset: JobSet) -> None:
        import io

        for f in spec.infiles:
            if f == "-":
                stream = _stdin(spec)
                if stream is not None:
                    self.load_text(stream, "<stdin>", jobset)
                continue
            path = under_root(spec.root, f) if spec.root and not os.path.exists(f) else f
            if os.path.isdir(path):
                jobset.diagnostics.append(Diagnostic("error", "is a directory (use --conf-dir)",
                                                     Location(path, 1), "no-source"))
                continue
            if path.endswith((".conf", ".override")) and os.path.isfile(path):
                self.load_one_conf(path, jobset)
                continue
            try:
                with open(path, "rb") as fh:
                    self.load_text(fh, path, jobset)
            except OSError as exc:
                what = "no such file" if not os.path.exists(path) else exc.strerror or str(exc)
                jobset.diagnostics.append(Diagnostic("error", what, Location(path, 1),
                                                     "no-source"))
        if spec.conf_dirs:
            self.load_conf_dirs(spec.conf_dirs, jobset)
        if spec.infiles or spec.conf_dirs:
            return
        stream = _stdin(spec)
        if stream is not None:
            head = stream.read(1)
            if head:
                self.load_text(io.BufferedReader(Prefixed(head, stream)), "<stdin>", jobset)
                return
        if spec.live and not spec.root:
            live = live_initctl(spec.session, jobset.diagnostics)
            if live is not None:
                self.load_text(io.BytesIO(live), "initctl show-config -e", jobset)
                return
        defaults = session_dirs() if spec.session else [SYSTEM_DIR]
        present = [d for d in (under_root(spec.root, d) for d in defaults)
                   if os.path.isdir(in_root(spec.root, d) or d if spec.root else d)]
        if present:
            self.load_conf_dirs(present, jobset, root=spec.root)
            return
        where = " under " + spec.root if spec.root else ""
        raise NoSource(
            f"no jobs to read{where}: pass --conf-dir DIR (job .conf files), --infile FILE "
            "(initctl show-config output, '-' for stdin), or pipe show-config text in")

    # -- show-config text ----------------------------------------------------------

    def load_text(self, stream: IO[bytes], source: str, jobset: JobSet) -> None:
        """show-config text (or, recognised, a job file) from an open stream."""
        from upgraph.read.showconfig import read_lines

        head = stream.read(SNIFF)
        if b"\0" in head:
            jobset.diagnostics.append(Diagnostic("warning", "binary data (NUL bytes), not read",
                                                 Location(source, 1), "binary"))
            return
        kind = sniff(head)
        if kind == "conf":
            data = head + stream.read(MAX_FILE)
            diags = jobset.diagnostics
            diags.append(Diagnostic("info", f"{source} holds a job file, not show-config "
                                    "output: reading it as one job", Location(source, 1),
                                    "conf-on-stdin"))
            text = decode(data, source, diags)
            if text is not None:
                self._one_conf_text(text, source, jobset)
            return
        if kind == "other":
            first = head.split(b"\n", 1)[0].decode("utf-8", errors="replace")
            raise NotShowConfig(Location(source, 1), first)
        jobs, diags = read_lines(_blocks(stream, source, jobset.diagnostics, head), source,
                                 self.memo)
        jobset.diagnostics.extend(diags)
        jobset.sources.append(source)
        repeats = Repeats(jobset.diagnostics)
        for job in jobs:
            if job.name in jobset.jobs:
                repeats.add(Diagnostic(
                    "warning", f"job {job.name} given more than once; keeping the first",
                    job.loc, "duplicate-job"))
                continue
            jobset.jobs[job.name] = job
            jobset.bare.add(job.name)
        repeats.close()

    def _one_conf_text(self, text: str, source: str, jobset: JobSet) -> None:
        Reader, settle = self._conf_parser()
        name = "stdin" if source == "<stdin>" else os.path.basename(source).removesuffix(".conf")
        job = Job(name, source, Location(source, 1))
        error = Reader(job, text, source, jobset.diagnostics, self.memo).read()
        jobset.sources.append(source)
        if error is not None:
            diag = Diagnostic("error", error.message, Location(source, error.line, error.col),
                              error.code)
            jobset.diagnostics.append(diag)
            jobset.rejected[name] = diag
            return
        settle(job)
        jobset.jobs[name] = job

    # -- job files -------------------------------------------------------------------

    def _conf_parser(self) -> tuple[Any, Any]:
        # imported once, not per job: an import statement costs ~1 us even when
        # the module is loaded, 0.1 s over 100,000 job files
        if self._parser is None:
            from upgraph.read.conf import Reader, settle

            self._parser = (Reader, settle)
        return self._parser

    def read_job(self, name: str, conf: str, override: str | None, diags: list[Diagnostic],
                 stats: dict[str, os.stat_result] | None = None) -> Job | None:
        """Parse one job and its override; None when Upstart would not load it.
        STATS, if given, receives each file's stat as it was read."""
        Reader, settle = self._parser or self._conf_parser()
        memo = self.memo

        data = read_bytes(conf, diags, stats=stats)
        text = decode(data, conf, diags) if data is not None else None
        if text is None:
            return None
        job = Job(name, conf, Location(conf, 1))
        error = Reader(job, text, conf, diags, memo).read()
        if error is not None:
            diags.append(Diagnostic("error", error.message,
                                    Location(conf, error.line, error.col), error.code))
            return None
        if override is not None:
            job.override = override
            data = read_bytes(override, diags, stats=stats)
            otext = decode(data, override, diags) if data is not None else None
            if otext is None:
                # Upstart cannot read it either: it keeps the job as the .conf says
                diags.append(Diagnostic("warning", f"override not applied; {name} is used as "
                                        f"{conf} defines it", Location(override, 1),
                                        "unreadable"))
                job.override = None
            else:
                error = Reader(job, otext, override, diags, memo).read()
                if error is not None:
                    # Upstart keeps the job with the override's stanzas before the error
                    diags.append(Diagnostic(
                        "error", f"{error.message} (the override's stanzas before this line "
                        "still apply)", Location(override, error.line, error.col),
                        error.code))
        settle(job)
        return job

    def load_one_conf(self, path: str, jobset: JobSet, name: str | None = None) -> None:
        """One job file given on its own, named after the file (init-checkconf)."""
        base = os.path.basename(path)
        name = name or (base[:-5] if base.endswith(".conf") and len(base) > 5 else base)
        diags: list[Diagnostic] = []
        job = self.read_job(name, path, None, diags)
        jobset.diagnostics.extend(diags)
        jobset.sources.append(path)
        if job is not None:
            jobset.jobs.setdefault(name, job)
        else:
            jobset.rejected[name] = next(d for d in diags if d.severity in ("error", "warning"))

    def load_conf_dirs(self, dirs: list[str], jobset: JobSet, root: str | None = None
                       ) -> None:
        """Read job directories in search order (Upstart session rules).

        The first directory holding NAME.conf owns the job; an override in that
        directory or an earlier one is parsed on top of it, stanza by stanza.
        A plain file given as a directory is read as one job (init-checkconf).
        """
        scans: list[dict[str, Found]] = []
        for d in dirs:
            if os.path.isfile(d):
                self.load_one_conf(d, jobset)
                continue
            if not os.path.isdir(d):
                what = "no such directory" if not os.path.exists(d) else "not a directory"
                jobset.diagnostics.append(Diagnostic("error", what, Location(d, 1),
                                                     "no-source"))
                continue
            found = scan(d, jobset.diagnostics, root)
            if not any(f.conf for f in found.values()):
                jobset.diagnostics.append(Diagnostic("warning", f"no *.conf in {d}",
                                                     Location(d, 1), "empty-source"))
            scans.append(found)
            jobset.sources.append(d)
        if not scans:
            return
        # which files make each job: the first directory holding NAME.conf owns
        # it; an override there or in an earlier directory applies
        taken = jobset.jobs.keys() | jobset.rejected.keys()
        todo: Todo = []
        if len(scans) == 1:
            todo = [(name, f, f if f.override else None) for name, f in scans[0].items()
                    if f.conf and name not in taken]
        else:
            for name in dict.fromkeys(n for s in scans for n, f in s.items() if f.conf):
                if name in taken:
                    continue
                owner = next(i for i, s in enumerate(scans) if name in s and s[name].conf)
                conf = scans[owner][name]
                over = next((s[name] for s in scans[: owner + 1]
                             if name in s and s[name].override), None)
                todo.append((name, conf, over))
        store = sigs = None
        if self.store is not None:
            from upgraph.read.cache import JobCache

            name, key = self.store.job_set(dirs)
            if self.store.exists(name):  # something to compare with: stat every file
                sigs = self._signatures(todo)  # (forked processes start on it now)
            store = JobCache.load(self.store, name, key)
        results: dict[str, tuple[Job | None, list[Diagnostic]]] = {}
        fresh = store.recall(todo, sigs, results) if store and sigs is not None else todo
        progress = self.progress
        for n, (name, record) in enumerate(self._read_jobs(fresh, store), 1):
            results[name] = record
            if progress is not None and not n % 1000:
                progress(n, len(fresh))
        for name, conf, _over in todo:  # in load order, however they were read
            job, diags = results[name]
            if diags:
                jobset.diagnostics.extend(diags)
            if job is not None:
                jobset.jobs[name] = job
            else:
                jobset.rejected[name] = next(
                    (d for d in diags if d.severity == "error"),
                    Diagnostic("error", "cannot be read", Location(conf.conf or name, 1)))
        if store:
            self._save(store, background=len(todo) >= PARALLEL_MIN)
        self.held += [scans, todo, results, store]

    def _save(self, store: JobCache, background: bool) -> None:
        """Write the cache; BACKGROUND: in a forked process, while this one
        answers (writing 100,000 jobs takes half a second); `finish` waits."""
        if not store.changed():
            store.touch()
            return
        from upgraph.read.workers import fork_background

        pid = fork_background(store.write) if background else None
        if pid is None:
            store.write()
        else:
            self.writers.append(pid)

    def _read_jobs(self, todo: Todo, store: JobCache | None
                   ) -> Iterator[tuple[str, tuple[Job | None, list[Diagnostic]]]]:
        """(name, (job, diagnostics)) for every job to read; what reading gave
        goes to STORE too, if given.

        Large sets are read by one process per processor (forked: they share
        the list of files): each hands back a part of the cache files, already
        JSON, and this process builds the jobs from it as parts come.  Reading
        and parsing is all the work, so two processors read 100,000 files
        nearly twice as fast.
        """
        workers = processors() if len(todo) >= PARALLEL_MIN else 1
        if workers < 2:
            for name, record, entry in self._read_here(todo, store is not None):
                if store is not None:
                    store.put(name, entry)  # type: ignore[arg-type]
                yield name, record
            return
        from upgraph.read.cache import decode_part, encode_part

        self._conf_parser()  # imported and built before the fork, not in each reader
        self.memo.prepare()
        step = max(PART_MIN, len(todo) // (workers * 32))

        def read_part(start: int) -> tuple[Part, list[Any]]:
            """In a forked reader: the cache entries of its jobs, and the
            condition shapes it learnt."""
            read = list(self._read_here(todo[start:start + step], True))
            return (encode_part([name for name, _, _ in read], [e for _, _, e in read]),
                    self.memo.take_learnt())

        starts = range(0, len(todo), step)
        for start, (part, learnt) in zip(starts, fork_map(read_part, starts, workers),
                                         strict=True):
            self.memo.adopt(learnt)  # kept for the next runs by this process
            rows = [(name, conf.conf) for name, conf, _ in todo[start:start + step]]
            if store is not None:
                store.put_part(part)
            yield from decode_part(part, rows)  # type: ignore[arg-type]

    def _signatures(self, todo: Todo) -> Iterator[tuple[str | None, str | None]]:
        """Each job's file signatures (see cache.signatures), in order.

        A second run's check costs one stat per file, a system call that
        costs more than everything else done per job.  On large sets forked
        processes (one per processor but this one) stat the files, SIGN_CHUNK
        jobs at a time in turn, starting at once, while this process reads
        the cache and builds the jobs whose signatures have come back.
        """
        from upgraph.read.cache import signatures

        workers = processors() - 1 if len(todo) >= PARALLEL_MIN else 0
        if workers < 1:
            return (signatures(conf, over) for _, conf, over in todo)

        def sign(start: int) -> list[tuple[str | None, str | None]]:
            return [signatures(conf, over) for _, conf, over in todo[start:start + SIGN_CHUNK]]

        chunks = fork_map(sign, range(0, len(todo), SIGN_CHUNK), workers)
        return (sig for chunk in chunks for sig in chunk)

    def _read_here(self, todo: Todo, entries: bool
                   ) -> Iterator[tuple[str, tuple[Job | None, list[Diagnostic]],
                                       list[Any] | None]]:
        """_read_jobs, in this process."""
        from upgraph.read.cache import encode

        for name, conf, over in todo:
            diags: list[Diagnostic] = []
            stats: dict[str, os.stat_result] = {}
            job = self.read_job(name, conf.conf, over.override if over else None,  # type: ignore[arg-type]
                                diags, stats)
            yield name, (job, diags), (encode(conf, over, job, diags, stats) if entries else None)


def load(spec: SourceSpec) -> JobSet:
    """SPEC read by a Reading of its own (tests, and one-off readers)."""
    reading = Reading(cache=spec.cache)
    try:
        return reading.load(spec)
    finally:
        reading.finish()
