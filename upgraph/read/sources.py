"""Where jobs come from: job directories, show-config text, or the defaults.

Everything here ends in one JobSet; nothing downstream knows which source a
job came from except through Job.source and its locations.

Directories are walked as Upstart walks them (symbolic links followed, loops
reported, hidden/backup/VCS/packaging directories skipped, regular `*.conf`
files only), iteratively, so no depth is too deep.  Text is streamed line by
line with a bound on what one line may cost, so no input can take the
machine's memory.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from operator import attrgetter

from upgraph.model import Diagnostic, Job, JobSet, Location

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import IO, Any

    from upgraph.read.cache import JobCache, Part

SYSTEM_DIR = "/etc/init"
MAX_FILE = 16 << 20  # a job file larger than this is not a job file
MAX_LINE = 1 << 20  # one line of show-config text
MAX_SKIP = 64 << 20  # of an over-long line, before giving up on the input
SNIFF = 64 << 10  # how much text decides what kind of text it is
# Lines no show-config output has: file names, JSON, `ls -l`.
_NOT_NAMES = re.compile(r"(?m)^(?:.*\.(?:conf|override)|[{\[].*|total \d+|"
                        r"[-dlcbps][-rwxsStT]{9}.*)$")


class NoSource(Exception):
    """Nothing to read: no option, no piped text, no default directory."""


class SourceSpec:
    """What the user asked to read, and how."""

    __slots__ = ("conf_dirs", "infiles", "session", "root", "dialect", "cache", "stdin",
                 "live")

    def __init__(self, conf_dirs: list[str] | None = None, infiles: list[str] | None = None,
                 session: bool = False, root: str | None = None, dialect: str | None = None,
                 cache: bool = True, stdin: IO[bytes] | None = None, live: bool = True) -> None:
        self.conf_dirs = list(conf_dirs or [])
        self.infiles = list(infiles or [])
        self.session = session
        self.root = root
        self.dialect = dialect  # None: detect
        self.cache = cache
        self.stdin = stdin
        self.live = live  # may a running Upstart be asked?


def session_dirs(env: dict[str, str] | None = None) -> list[str]:
    """A Session Init's job directories, in search order (first one wins)."""
    env = os.environ if env is None else env
    home = env.get("HOME") or os.path.expanduser("~")
    config = env.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    dirs = [os.path.join(config, "upstart"), os.path.join(home, ".init")]
    for d in (env.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(":"):
        if d:
            dirs.append(os.path.join(d, "upstart"))
    dirs.append("/usr/share/upstart/sessions")
    return dirs


def under_root(root: str | None, path: str) -> str:
    return os.path.join(root, path.lstrip("/")) if root else path


# -- reading files -------------------------------------------------------------

def read_bytes(path: str, diags: list[Diagnostic], limit: int = MAX_FILE,
               stats: dict[str, os.stat_result] | None = None) -> bytes | None:
    """A file's bytes, or None with a warning when it cannot be used; STATS,
    if given, receives the file's stat by PATH.

    Plain system calls: a 100,000-file tree pays this per file, and Python's
    buffered file objects cost more than the reading (a FIFO or a device is
    read in pieces up to LIMIT)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError as exc:
        return _unreadable(path, diags, exc)
    try:
        st = os.fstat(fd)
        if stats is not None:
            stats[path] = st
        want = min(st.st_size, limit) + 1
        pieces = [os.read(fd, want)]
        if not stat.S_ISREG(st.st_mode) or len(pieces[0]) == want:
            total = len(pieces[0])
            while pieces[-1] and total <= limit:
                pieces.append(os.read(fd, min(1 << 20, limit + 1 - total)))
                total += len(pieces[-1])
    except OSError as exc:
        return _unreadable(path, diags, exc)
    finally:
        os.close(fd)
    data = pieces[0] if len(pieces) == 1 else b"".join(pieces)
    if len(data) > limit:
        diags.append(Diagnostic("warning", f"larger than {limit >> 20} MiB, not read as a "
                                "job file", Location(path, 1), "unreadable"))
        return None
    return data


def _unreadable(path: str, diags: list[Diagnostic], exc: OSError) -> None:
    diags.append(Diagnostic("warning", f"cannot read: {exc.strerror or exc}",
                            Location(path, 1), "unreadable"))


def decode(data: bytes, path: str, diags: list[Diagnostic]) -> str | None:
    if b"\0" in data:
        diags.append(Diagnostic("warning", "binary file (contains NUL bytes), skipped",
                                Location(path, 1), "binary"))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        diags.append(Diagnostic("warning", "not valid UTF-8; undecodable bytes replaced",
                                Location(path, line), "encoding"))
        return data.decode("utf-8", errors="replace")


# -- directory walk ----------------------------------------------------------

_RCS_DIRS = {"RCS", "CVS", "CVS.adm", "SCCS", ".bzr", ".bzr.log", ".hg", ".git", ".svn",
             "BitKeeper", ".arch-ids", ".arch-inventory", "{arch}", "_darcs"}


def _ignored_dir(name: str) -> bool:
    """Directories Upstart's walk skips: hidden, backup, swap, VCS, packaging."""
    ext = name[name.rfind("."):] if "." in name else ""
    tail = name.rsplit(";", 1)[1] if ";" in name else ""
    return (name.startswith(".") or name.endswith(("~", ".bak", ".BAK", ".swp", ".swo",
                                                   ".swn", ",v"))
            or (len(name) >= 2 and name[0] == "#" and name[-1] == "#")
            or name in _RCS_DIRS or ext.startswith(".dpkg-")
            or ext in (".rpmsave", ".rpmorig", ".rpmnew")
            or (len(tail) == 8 and all(c in "0123456789abcdefABCDEF" for c in tail)))


class Found:
    """One job's files in one directory tree: its .conf and/or .override.

    The directory entries are kept: their stat (for the cache's signatures)
    is taken only when asked for, once."""

    __slots__ = ("conf", "override", "conf_entry", "override_entry")

    def __init__(self) -> None:
        self.conf: str | None = None
        self.override: str | None = None
        self.conf_entry: os.DirEntry[str] | None = None
        self.override_entry: os.DirEntry[str] | None = None


def scan(top: str, diags: list[Diagnostic]) -> dict[str, Found]:
    """{job name: Found} for one tree, names in Upstart's load order.

    Entries are visited sorted, depth first, as nih_dir_walk does; symbolic
    links are followed (a loop is reported once, not walked); only regular
    files count, and a name needs something before its extension (`.conf`
    alone is no job, `.x.conf` is).  Only directories are stat'ed: a file's
    type comes with its directory entry (100,000 system calls saved).
    """
    found: dict[str, Found] = {}
    top_st = os.stat(top)
    # (folder, relative prefix, ancestors' (dev, ino)) -- iterative, any depth
    stack: list[tuple[str, str, frozenset[tuple[int, int]]]] = [
        (top, "", frozenset({(top_st.st_dev, top_st.st_ino)}))]
    while stack:
        folder, rel, seen = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=_NAME)
        except OSError as exc:
            diags.append(Diagnostic("warning", f"cannot list: {exc.strerror or exc}",
                                    Location(folder, 1), "unreadable"))
            continue
        subdirs = []
        for entry in entries:
            name = entry.name
            try:
                if name.endswith(".conf") and len(name) > 5 and entry.is_file():
                    job = rel + name[:-5]
                    f = found.get(job) or found.setdefault(job, Found())
                    f.conf, f.conf_entry = entry.path, entry
                elif name.endswith(".override") and len(name) > 9 and entry.is_file():
                    job = rel + name[:-9]
                    f = found.get(job) or found.setdefault(job, Found())
                    f.override, f.override_entry = entry.path, entry
                elif entry.is_dir():
                    if _ignored_dir(name):
                        continue
                    st = entry.stat()
                    key = (st.st_dev, st.st_ino)
                    if key in seen:
                        diags.append(Diagnostic(
                            "warning", "directory loop (symbolic link), not followed",
                            Location(entry.path, 1), "unreadable"))
                        continue
                    subdirs.append((entry.path, f"{rel}{name}/", seen | {key}))
            except OSError:
                continue  # dangling link: Upstart cannot stat it either
        # depth first, in sorted order: push the last subdirectory first
        stack.extend(reversed(subdirs))
    return found


_NAME = attrgetter("name")  # a C function: sorting 100,000 entries calls it 100,000 times


# -- job files -------------------------------------------------------------------

_CONF_PARSER: list[Any] = []  # (Reader, settle), imported on the first job file


def _conf_parser() -> list[Any]:
    # imported once, not per job: an import statement costs ~1 us even when
    # the module is loaded, 0.1 s over 100,000 job files
    if not _CONF_PARSER:
        from upgraph.read.conf import Reader, settle

        _CONF_PARSER[:] = [Reader, settle]
    return _CONF_PARSER


def read_job(name: str, conf: str, override: str | None, diags: list[Diagnostic],
             stats: dict[str, os.stat_result] | None = None) -> Job | None:
    """Parse one job and its override; None when Upstart would not load it.
    STATS, if given, receives each file's stat as it was read."""
    Reader, settle = _CONF_PARSER or _conf_parser()

    data = read_bytes(conf, diags, stats=stats)
    text = decode(data, conf, diags) if data is not None else None
    if text is None:
        return None
    job = Job(name, conf, Location(conf, 1))
    error = Reader(job, text, conf, diags).read()
    if error is not None:
        diags.append(Diagnostic("error", error.message, Location(conf, error.line, error.col),
                                "syntax"))
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
            error = Reader(job, otext, override, diags).read()
            if error is not None:
                # Upstart keeps the job with the override's stanzas before the error
                diags.append(Diagnostic(
                    "error", f"{error.message} (the override's stanzas before this line "
                    "still apply)", Location(override, error.line, error.col), "syntax"))
    settle(job)
    return job


def load_conf_dirs(dirs: list[str], jobset: JobSet, cache: bool) -> None:
    """Read job directories in search order (Upstart session rules).

    The first directory holding NAME.conf owns the job; an override in that
    directory or an earlier one is parsed on top of it, stanza by stanza.
    A plain file given as a directory is read as one job (init-checkconf).
    """
    scans: list[dict[str, Found]] = []
    for d in dirs:
        if os.path.isfile(d):
            load_one_conf(d, jobset)
            continue
        if not os.path.isdir(d):
            what = "no such directory" if not os.path.exists(d) else "not a directory"
            jobset.diagnostics.append(Diagnostic("error", what, Location(d, 1), "no-source"))
            continue
        found = scan(d, jobset.diagnostics)
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
    todo: list[tuple[str, Found, Found | None]] = []
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
    if cache:
        from upgraph.read.cache import JobCache

        where = JobCache.find(dirs)
        if where is not None:
            if os.path.exists(where[0]):  # something to compare with: stat every file
                sigs = _signatures(todo)  # (forked processes start on it now)
            store = JobCache.load(*where)
    results: dict[str, tuple[Job | None, list[Diagnostic]]] = {}
    fresh = store.recall(todo, sigs, results) if store and sigs is not None else todo
    for name, record in _read_jobs(fresh, store):
        results[name] = record
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
        store.save(background=len(todo) >= PARALLEL_MIN)  # rewriting is the whole set
    # the reading's scaffolding (a directory entry per file, the cache's
    # index) is freed with the process, not now: see cli/commands.py _LAST
    _HELD[:] = [scans, todo, results, store]


_HELD: list[Any] = []
PARALLEL_MIN = 2000  # job files to read before a second process pays for itself
PART_MIN = 200  # job files a reader is handed at a time, at least
SIGN_CHUNK = 1000  # job files whose signatures a forked checker hands back at a time
_TODO: list[tuple[str, Found, Found | None]] = []  # what forked readers share


def _read_jobs(todo: list[tuple[str, Found, Found | None]], store: JobCache | None
               ) -> Iterator[tuple[str, tuple[Job | None, list[Diagnostic]]]]:
    """(name, (job, diagnostics)) for every job to read; what reading gave
    goes to STORE too, if given.

    Large sets are read by one process per processor (forked: they share the
    list of files): each hands back a part of the cache files, already JSON,
    and this process builds the jobs from it as parts come.  Reading and
    parsing is all the work, so two processors read 100,000 files nearly
    twice as fast.
    """
    workers = _processors() if len(todo) >= PARALLEL_MIN else 1
    if workers < 2:
        for name, record, entry in _read_here(todo, store is not None):
            if store is not None:
                store.put(name, entry)  # type: ignore[arg-type]
            yield name, record
        return
    import multiprocessing

    from upgraph.read.cache import decode_part
    from upgraph.read.expr import adopt, prepare

    _conf_parser()  # imported and built before the fork, not in each reader
    prepare()
    _TODO[:] = todo
    step = max(PART_MIN, len(todo) // (workers * 32))
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.imap(_read_part, [(i, i + step) for i in range(0, len(todo), step)])
            for start, (part, learnt) in zip(range(0, len(todo), step), parts, strict=True):
                adopt(learnt)  # kept for the next runs by this process (sources.load)
                rows = [(name, conf.conf) for name, conf, _ in todo[start:start + step]]
                if store is not None:
                    store.put_part(part)
                yield from decode_part(part, rows)  # type: ignore[arg-type]
    finally:
        _TODO.clear()


def _signatures(todo: list[tuple[str, Found, Found | None]]
                ) -> Iterator[tuple[str | None, str | None]]:
    """Each job's file signatures (see cache.signatures), in order.

    A second run's check costs one stat per file, a system call that costs
    more than everything else done per job.  On large sets forked processes
    (one per processor but this one) stat the files, SIGN_CHUNK jobs at a
    time in turn, starting at once, while this process reads the cache and
    builds the jobs whose signatures have come back.  They hand back plain
    text through pipes.  (Not a multiprocessing pool: its threads wait for
    the lock this process holds while it decodes the cache, so the forks
    would idle.)  A chunk that does not come back whole is stat'ed here.
    """
    from upgraph.read.cache import signatures

    workers = _processors() - 1 if len(todo) >= PARALLEL_MIN else 0
    if workers < 1:
        return (signatures(conf, over) for _, conf, over in todo)
    chunks = [todo[i:i + SIGN_CHUNK] for i in range(0, len(todo), SIGN_CHUNK)]
    try:
        from fcntl import F_SETPIPE_SZ, fcntl
    except ImportError:
        F_SETPIPE_SZ = None  # noqa: N806
    pipes: list[tuple[int, IO[bytes] | None]] = []
    for k in range(workers):
        r, w = os.pipe()
        if F_SETPIPE_SZ is not None:  # room for several chunks, so the forks run ahead
            try:
                fcntl(w, F_SETPIPE_SZ, 1 << 20)
            except OSError:
                pass
        try:
            pid = os.fork()
        except OSError:  # no process to spare: this one stats that share
            os.close(r)
            os.close(w)
            pipes.append((0, None))
            continue
        if pid == 0:  # the child: sign its chunks, leave without any clean-up
            code = 1
            try:
                os.close(r)
                with os.fdopen(w, "wb", buffering=0) as out:
                    for chunk in chunks[k::workers]:
                        out.write("".join(f"{c or ''}\t{o or ''}\n" for c, o in (
                            signatures(conf, over) for _, conf, over in chunk)).encode("ascii"))
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        pipes.append((pid, os.fdopen(r, "rb")))

    def drain() -> Iterator[tuple[str | None, str | None]]:
        broken: set[int] = set()
        try:
            for i, chunk in enumerate(chunks):
                k = i % workers
                pipe = pipes[k][1]
                lines = [] if pipe is None or k in broken else [pipe.readline() for _ in chunk]
                if not lines or not lines[-1].endswith(b"\n"):
                    broken.add(k)  # this one failed: its chunks are stat'ed here
                    yield from (signatures(conf, over) for _, conf, over in chunk)
                    continue
                for line in lines:
                    c, _, o = line[:-1].decode("ascii").partition("\t")
                    yield c or None, o or None
        finally:  # also when the reading stops early: a closed pipe ends its writer
            for pid, pipe in pipes:
                if pipe is not None:
                    pipe.close()
                    os.waitpid(pid, 0)

    return drain()


def _read_part(span: tuple[int, int]) -> tuple[Part, list[Any]]:
    """In a forked reader: the cache entries of the jobs in SPAN of _TODO,
    and the condition shapes it learnt (see parse/expr.py)."""
    from upgraph.read.cache import encode_part
    from upgraph.read.expr import take_learnt

    read = list(_read_here(_TODO[span[0]:span[1]], True))
    return (encode_part([name for name, _, _ in read], [entry for _, _, entry in read]),
            take_learnt())


def _read_here(todo: list[tuple[str, Found, Found | None]], entries: bool
               ) -> Iterator[tuple[str, tuple[Job | None, list[Diagnostic]], list[Any] | None]]:
    """_read_jobs, in this process."""
    from upgraph.read.cache import encode

    for name, conf, over in todo:
        diags: list[Diagnostic] = []
        stats: dict[str, os.stat_result] = {}
        job = read_job(name, conf.conf, over.override if over else None,  # type: ignore[arg-type]
                       diags, stats)
        yield name, (job, diags), (encode(conf, over, job, diags, stats) if entries else None)


def _processors() -> int:
    """Processors this process may use, on Linux (elsewhere, and where fork
    is not safe to use, one)."""
    if not sys.platform.startswith("linux"):
        return 1
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return 1


def load_one_conf(path: str, jobset: JobSet, name: str | None = None) -> None:
    """One job file given on its own, named after the file (init-checkconf)."""
    base = os.path.basename(path)
    name = name or (base[:-5] if base.endswith(".conf") and len(base) > 5 else base)
    diags: list[Diagnostic] = []
    job = read_job(name, path, None, diags)
    jobset.diagnostics.extend(diags)
    jobset.sources.append(path)
    if job is not None:
        jobset.jobs.setdefault(name, job)
    else:
        jobset.rejected[name] = next(d for d in diags if d.severity in ("error", "warning"))


# -- show-config text ------------------------------------------------------------

class NotShowConfig(Exception):
    """Text that is neither show-config output nor a job file."""

    def __init__(self, loc: Location, line: str) -> None:
        self.loc, self.line = loc, line
        super().__init__(f"{loc}: not `initctl show-config` output (nor a job file): {line!r}")


CHUNK = 1 << 20


def _blocks(stream: IO[bytes], source: str, diags: list[Diagnostic],
            first: bytes) -> Iterator[tuple[int, list[str]]]:
    """(number of the first line, lines) per block: read in chunks, decoded,
    bounded in length, a CR before each newline dropped.

    A line longer than MAX_LINE is skipped (at most MAX_SKIP bytes of it are
    read: an endless line ends the reading); NUL bytes (binary data) end it
    too.  Memory stays proportional to CHUNK, whatever the input.  Lines come
    in blocks so that the reader's loop, not a generator, runs per line.
    """
    buf = first
    lineno = 0  # lines handed out so far
    eof = False
    warned_utf8 = False
    skipping = 0  # bytes of an over-long line skipped so far
    while not eof:
        chunk = stream.read(CHUNK)
        if chunk:
            buf += chunk
        else:
            eof = True
        cut = len(buf) if eof else buf.rfind(b"\n")
        if cut < 0:  # no end of line yet
            if skipping or len(buf) > MAX_LINE:
                if not skipping:
                    lineno += 1
                    diags.append(Diagnostic("warning", f"line longer than {MAX_LINE >> 20} "
                                            "MiB, skipped", Location(source, lineno),
                                            "showconfig-line"))
                skipping += len(buf)
                buf = b""
                if skipping > MAX_SKIP or b"\0" in chunk:
                    diags.append(Diagnostic("warning", "endless line; the rest is not read",
                                            Location(source, lineno), "showconfig-line"))
                    return
            continue
        block, buf = buf[:cut], buf[cut + 1:]
        if skipping:  # the end of an over-long line
            nl = block.find(b"\n")
            block = block[nl + 1:] if nl >= 0 else b""
            skipping = 0
            if not block:
                continue
        nul = block.find(b"\0")
        if nul >= 0:
            whole = block[:block.rfind(b"\n", 0, nul) + 1]
            if whole:
                yield lineno + 1, _split(whole[:-1].decode("utf-8", errors="replace"))
            line = lineno + block.count(b"\n", 0, nul) + 1
            diags.append(Diagnostic("warning", "binary data (NUL bytes); the rest is not "
                                    "read", Location(source, line), "binary"))
            return
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError:
            text = block.decode("utf-8", errors="replace")
            if not warned_utf8:
                diags.append(Diagnostic("warning", "not valid UTF-8; undecodable bytes "
                                        "replaced", Location(source, lineno + 1), "encoding"))
                warned_utf8 = True
        lines = _split(text)
        if len(text) > MAX_LINE:  # only then can one line be too long
            for i, line in enumerate(lines):
                if len(line) > MAX_LINE:
                    diags.append(Diagnostic("warning", f"line longer than {MAX_LINE >> 20} "
                                            "MiB, skipped", Location(source, lineno + i + 1),
                                            "showconfig-line"))
                    lines[i] = ""
        yield lineno + 1, lines
        lineno += len(lines)


def _split(text: str) -> list[str]:
    """Lines of a block that ends at a line's end, without a CR before a newline."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if text.endswith("\r"):
            text = text[:-1]
    return text.split("\n")


def sniff(head: bytes) -> str:
    """"conf", "showconfig" or "other", from the first part of a text."""
    from upgraph.read.showconfig import is_detail

    lines = [raw.decode("utf-8", errors="replace").rstrip("\r")
             for raw in head.split(b"\n")[:2000]]
    if any(is_detail(line) for line in lines):
        return "showconfig"  # decided without the job file reader
    from upgraph.read.dialects import VENDOR_STANZAS
    from upgraph.read.conf import HOOKS, STANZAS

    keywords = {*STANZAS, *HOOKS, *VENDOR_STANZAS, "exec", "script", "end"}
    for line in lines:
        if not line.strip() or line[0] in " \t":
            continue
        words = line.split()
        first = words[0]
        if first.startswith("#") or first in keywords or (
                first in ("start", "stop") and words[1:2] == ["on"]):
            return "conf"
    # Only names: the show-config of jobs with no conditions - unless they
    # are plainly something else (a file listing, JSON, `ls -l`).
    text = head.decode("utf-8", errors="replace")
    if _NOT_NAMES.search(text):
        return "other"
    return "showconfig"


def load_text(stream: IO[bytes], source: str, jobset: JobSet) -> None:
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
            _one_conf_text(text, source, jobset)
        return
    if kind == "other":
        first = head.split(b"\n", 1)[0].decode("utf-8", errors="replace")
        raise NotShowConfig(Location(source, 1), first)
    jobs, diags = read_lines(_blocks(stream, source, jobset.diagnostics, head), source)
    jobset.diagnostics.extend(diags)
    jobset.sources.append(source)
    for job in jobs:
        if job.name in jobset.jobs:
            jobset.diagnostics.append(Diagnostic(
                "warning", f"job {job.name} given more than once; keeping the first",
                job.loc, "duplicate-job"))
            continue
        jobset.jobs[job.name] = job


def _one_conf_text(text: str, source: str, jobset: JobSet) -> None:
    from upgraph.read.conf import Reader, settle

    name = "stdin" if source == "<stdin>" else os.path.basename(source).removesuffix(".conf")
    job = Job(name, source, Location(source, 1))
    error = Reader(job, text, source, jobset.diagnostics).read()
    jobset.sources.append(source)
    if error is not None:
        diag = Diagnostic("error", error.message, Location(source, error.line, error.col),
                          "syntax")
        jobset.diagnostics.append(diag)
        jobset.rejected[name] = diag
        return
    settle(job)
    jobset.jobs[name] = job


def live_initctl(session: bool, diags: list[Diagnostic]) -> bytes | None:
    """`initctl show-config -e` from a running Upstart, if there is one."""
    import shutil
    import subprocess

    exe = shutil.which("initctl")
    if exe is None:
        return None
    cmd = [exe, "show-config", "-e"] if session else [exe, "--system", "show-config", "-e"]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        diags.append(Diagnostic("warning", f"cannot run {' '.join(cmd)}: {exc}"))
        return None
    if proc.returncode != 0:
        diags.append(Diagnostic("warning", f"{' '.join(cmd)} failed: "
                                f"{proc.stderr.decode(errors='replace').strip()}"))
        return None
    return proc.stdout


# -- everything ----------------------------------------------------------------------

def load(spec: SourceSpec) -> JobSet:
    """Read every source the user named, or fall back to the defaults.

    With no source: text piped on stdin; otherwise a running Upstart's
    `initctl show-config -e` (never with --root); otherwise the job
    directories (/etc/init, or the session directories), under --root when
    given; otherwise NoSource.
    """
    from upgraph.read.dialects import apply_dialect

    jobset = JobSet()
    jobset.session = spec.session
    _read_sources(spec, jobset)
    jobset.dialect = apply_dialect(list(jobset.jobs.values()), spec.dialect,
                                   jobset.diagnostics)
    if spec.cache:
        from upgraph.read.expr import remember

        remember()
    return jobset


def _read_sources(spec: SourceSpec, jobset: JobSet) -> None:
    import io

    for f in spec.infiles:
        if f == "-":
            stream = _stdin(spec)
            if stream is not None:
                load_text(stream, "<stdin>", jobset)
            continue
        path = under_root(spec.root, f) if spec.root and not os.path.exists(f) else f
        if os.path.isdir(path):
            jobset.diagnostics.append(Diagnostic("error", "is a directory (use --conf-dir)",
                                                 Location(path, 1), "no-source"))
            continue
        if path.endswith((".conf", ".override")) and os.path.isfile(path):
            load_one_conf(path, jobset)
            continue
        try:
            with open(path, "rb") as fh:
                load_text(fh, path, jobset)
        except OSError as exc:
            what = "no such file" if not os.path.exists(path) else exc.strerror or str(exc)
            jobset.diagnostics.append(Diagnostic("error", what, Location(path, 1),
                                                 "no-source"))
    if spec.conf_dirs:
        load_conf_dirs(spec.conf_dirs, jobset, spec.cache)
    if spec.infiles or spec.conf_dirs:
        return
    stream = _stdin(spec)
    if stream is not None:
        head = stream.read(1)
        if head:
            load_text(io.BufferedReader(_Prefixed(head, stream)), "<stdin>", jobset)
            return
    if spec.live and not spec.root:
        live = live_initctl(spec.session, jobset.diagnostics)
        if live is not None:
            load_text(io.BytesIO(live), "initctl show-config -e", jobset)
            return
    defaults = session_dirs() if spec.session else [SYSTEM_DIR]
    present = [d for d in (under_root(spec.root, d) for d in defaults) if os.path.isdir(d)]
    if present:
        load_conf_dirs(present, jobset, spec.cache)
        return
    where = " under " + spec.root if spec.root else ""
    raise NoSource(
        f"no jobs to read{where}: pass --conf-dir DIR (job .conf files), --infile FILE "
        "(initctl show-config output, '-' for stdin), or pipe show-config text in")


def _stdin(spec: SourceSpec) -> IO[bytes] | None:
    """Standard input when it can carry text: not a terminal, not closed."""
    stream = spec.stdin
    if stream is None:
        if sys.stdin is None:
            return None
        try:
            stream = sys.stdin.buffer
            if stream.isatty():
                return None
        except (AttributeError, ValueError, OSError):
            return None
    return stream


class _Prefixed:
    """A raw stream that gives back bytes already read, then the rest."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self.head, self.stream = head, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buf: bytearray) -> int:
        if self.head:
            n = min(len(buf), len(self.head))
            buf[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        data = self.stream.read(len(buf))
        buf[: len(data)] = data
        return len(data)

    @property
    def closed(self) -> bool:
        return False
