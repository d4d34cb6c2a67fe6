"""What upgraph remembers between runs, and why it is safe to.

Two things are kept, both as JSON (data that cannot run code, unlike the
pickles lark's own cache uses):

* the expression templates learnt from the grammar (expr.py): one file per
  grammar, so most runs never import lark;
* each job set read from directories: per job, the stat signature of its
  .conf and .override and what reading them gave, so a second run re-reads
  only files that changed.

upgraph runs as root on production machines, so the cache lives only in the
user's own private directory ($XDG_CACHE_HOME/upgraph or ~/.cache/upgraph),
created 0700; it is not used when that directory, or a file in it, belongs
to someone else, is open to others, or is reached through a symbolic link.
Files are replaced atomically.  At most MAX_JOBSETS job sets are kept (the
least recently used go), so the cache never grows without bound.
"""

from __future__ import annotations

import json
import os
import stat
import zlib
from itertools import accumulate

from upgraph import __version__
from upgraph.model import (
    BinOp,
    Diagnostic,
    Emit,
    Enumerated,
    Job,
    Location,
    Operand,
    postorder,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import Any

    # consecutive cache entries, as JSON (see encode_part): the items of the
    # five columns (names, sigs, overrides, jobs, diagnostics), and the jobs'
    # deferred parts back to back
    Part = tuple[bytes, bytes, bytes, bytes, bytes, bytes]

    from upgraph.read.sources import Found

MAX_JOBSETS = 8
FORMAT = 7  # bumped whenever what is stored changes
MAX_BYTES = 1 << 30


def disabled() -> bool:
    """UPGRAPH_NO_CACHE=1: neither read nor write the cache."""
    return os.environ.get("UPGRAPH_NO_CACHE", "") not in ("", "0")


def directory() -> str | None:
    """The private cache directory, made if needed; None if it is not safe."""
    if disabled():
        return None
    base = os.environ.get("XDG_CACHE_HOME") or ""
    chosen = os.path.isabs(base)  # XDG: made, with its parents, if missing
    if not chosen:
        home = os.environ.get("HOME") or os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    path = os.path.join(base, "upgraph")
    try:
        # nothing is made, nor used, where another user could change the way
        # to it (see _parents_safe): not even ~/.cache in another user's home
        if not _parents_safe(base if os.path.lexists(base) else os.path.dirname(base) + "/x"):
            return None
        # ~/.cache is made only inside a home that exists: a home directory
        # is never created (HOME=/nonexistent runs without a cache)
        if not os.path.lexists(base):
            if chosen:
                os.makedirs(base, 0o700)
            else:
                os.mkdir(base, 0o700)
        if not _parents_safe(path):
            return None  # somebody else could swap our directory
        if not os.path.lexists(path):
            os.mkdir(path, 0o700)
        st = os.lstat(path)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
            return None
        if st.st_mode & 0o077:
            os.chmod(path, 0o700)
    except OSError:
        return None
    return path


_OPEN = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY


def _private_bytes(dirfd: int, name: str) -> bytes | None:
    """A cache file's bytes (NAME in the cache directory DIRFD), if it is a
    regular file we own and nobody else can write; never through a link,
    never waiting on a FIFO."""
    try:
        fd = os.open(name, os.O_RDONLY | _OPEN, dir_fd=dirfd)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid()
                or st.st_mode & 0o022 or st.st_size > MAX_BYTES):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(MAX_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def read(dirfd: int, name: str) -> Any:
    """JSON from a cache file we own and nobody else can write; else None.

    The file is a checksum line, then the JSON: a file damaged on disk (or
    cut short) is never used."""
    data = _private_bytes(dirfd, name)
    if data is None:
        return None
    head, _, body = data.partition(b"\n")
    if head != b"%08x" % zlib.crc32(body):
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def write(dirfd: int, name: str, data: Any) -> None:
    """Replace NAME with DATA as JSON (after its checksum line), atomically,
    mode 0600; errors ignored (a cache that cannot be written is only a
    slower next run)."""
    try:
        # dumps, not dump: only the one-shot encoder is the C one (5x faster)
        body = json.dumps(data, separators=(",", ":")).encode("ascii")  # \u escapes
    except (ValueError, RecursionError):
        return
    write_bytes(dirfd, name, [b"%08x\n" % zlib.crc32(body), body])


def write_bytes(dirfd: int, name: str, pieces: list[bytes]) -> bool:
    """Replace NAME in the cache directory with PIECES, atomically, mode
    0600, every step relative to the directory's descriptor (a directory
    renamed away or swapped for a link mid-run takes nothing with it);
    False if it failed."""
    from upgraph.outfile import temporary

    tmp = None
    try:
        fd, tmp = temporary(dir_fd=dirfd)
        with os.fdopen(fd, "wb") as fh:
            for piece in pieces:
                fh.write(piece)
        os.replace(tmp, name, src_dir_fd=dirfd, dst_dir_fd=dirfd)
        tmp = None
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp, dir_fd=dirfd)
            except OSError:
                pass


def code_key(dirfd: int) -> str:
    """A hash of upgraph's own source files (and its grammar): what a reading
    depends on.  A reading stored by other code (a parser fix, a changed
    message) is then never served.  The hash is computed once per install
    and kept in the cache directory under the files' sizes and times, so a
    run costs one stat per source file, not reading them."""
    from upgraph.read.expr import GRAMMAR

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    data = read(dirfd, "code.json")
    if isinstance(data, dict) and isinstance(data.get("hash"), str) and \
            isinstance(data.get("paths"), list) and data.get("package") == package:
        # the files (and folders: a file added or removed changes them) as
        # they were when the hash was made: one stat each, no listing
        if data.get("stamp") == _stamp(data["paths"]):
            return data["hash"]
    dirs_seen, files = [], [GRAMMAR]
    for top, dirs, names in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        dirs_seen.append(top)
        files += sorted(os.path.join(top, n) for n in names if n.endswith((".py", ".lark")))
    stamp = _stamp(dirs_seen + files)
    if stamp is None:
        return "unknown-" + __version__
    crc = 0
    for f in files:
        try:
            with open(f, "rb") as fh:
                crc = zlib.crc32(fh.read(), zlib.crc32(os.path.relpath(f, package).encode(), crc))
        except OSError:
            crc = zlib.crc32(b"?", crc)
    digest = f"{crc:08x}-{len(files)}"
    write(dirfd, "code.json", {"package": package, "paths": dirs_seen + files,
                               "stamp": stamp, "hash": digest})
    return digest


def _stamp(paths: list[str]) -> str | None:
    """What says these files and folders are unchanged (None: one is gone)."""
    try:
        return _key("\0".join(f"{p}\0{stat_signature(os.stat(p))}" for p in paths))
    except (OSError, TypeError):
        return None


def _key(text: str) -> str:
    return f"{zlib.crc32(text.encode('utf-8', 'surrogateescape')):08x}"


# -- the directory, opened once per reading -------------------------------------

def _parents_safe(path: str) -> bool:
    """Whether no one but us and root can change the way to PATH: every
    directory above it belongs to root or to us, and none can be written by
    others (unless sticky, as /tmp is, where others cannot rename what is
    ours)."""
    from upgraph.outfile import others_may_change

    folder = os.path.dirname(os.path.realpath(path))
    while True:
        try:
            if others_may_change(os.stat(folder), sticky_protects=True):
                return False
        except OSError:
            return False
        parent = os.path.dirname(folder)
        if parent == folder:
            return True
        folder = parent


class Store:
    """The private cache directory, opened once for a reading: every file in
    it is then reached through that descriptor (`dir_fd`), so a directory
    renamed away, or a parent swapped for a symbolic link, mid-run, changes
    nothing of what is read or written.  It is refused (and the run goes on
    without a cache) when any directory above it belongs to, or can be
    written by, another user: root running with another user's HOME (sudo
    -E) never writes where that user points it.  Also the hash of the code
    whose readings it serves (code_key, computed once)."""

    def __init__(self, folder: str, fd: int) -> None:
        self.folder, self.fd = folder, fd
        self._code: str | None = None

    @classmethod
    def open(cls) -> Store | None:
        """The cache, or None when there is no safe cache directory."""
        folder = directory()
        if folder is None or not _parents_safe(folder):
            return None
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            return None
        st = os.fstat(fd)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077:
            os.close(fd)
            return None
        return cls(folder, fd)

    @property
    def code(self) -> str:
        if self._code is None:
            self._code = code_key(self.fd)
        return self._code

    def names(self) -> list[str]:
        try:
            return os.listdir(self.fd)
        except OSError:
            return []

    # expression templates: one file per grammar and code

    def shapes_file(self, grammar: str) -> str:
        return f"expr-{_key(grammar + self.code)}.json"

    def save_shapes(self, grammar: str, data: dict[str, Any]) -> None:
        name = self.shapes_file(grammar)
        write(self.fd, name, {"grammar": _key(grammar), "shapes": data})
        for other in self.names():  # one entry per grammar and code
            if other.startswith("expr-") and other != name:
                try:
                    os.unlink(other, dir_fd=self.fd)
                except OSError:
                    pass

    def load_shapes(self, grammar: str) -> dict[str, Any]:
        data = read(self.fd, self.shapes_file(grammar))
        if isinstance(data, dict) and data.get("grammar") == _key(grammar):
            shapes = data.get("shapes")
            if isinstance(shapes, dict):
                return shapes
        return {}

    def job_set(self, dirs: list[str]) -> tuple[str, str]:
        """(file name, key) of the job set DIRS; the file may not exist yet."""
        # the directories as spelled (paths in entries are), and where from
        key = "\0".join([self.code, str(FORMAT), *(f"{os.path.abspath(d)}\0{d}" for d in dirs)])
        return f"jobs-{_key(key)}.json", key

    def exists(self, name: str) -> bool:
        try:
            os.stat(name, dir_fd=self.fd, follow_symlinks=False)
            return True
        except OSError:
            return False


# -- job sets ----------------------------------------------------------------------

def signature(entry: os.DirEntry[str] | None) -> str | None:
    """What says a file is unchanged: "size:mtime:ctime:inode:device" (the
    inode and device name the file wherever it is found; one string, because
    a second run decodes 100,000 of them and JSON's long integers are slow);
    None when there is no file or it cannot be stat'ed."""
    if entry is None:
        return None
    try:
        return stat_signature(entry.stat())
    except OSError:
        return None


def signatures(conf: Found, over: Found | None) -> tuple[str | None, str | None]:
    """The signatures of a job's .conf and .override (None: no override)."""
    return signature(conf.conf_entry), signature(over.override_entry) if over else None


def stat_signature(st: os.stat_result) -> str:
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}:{st.st_dev}"


def encode(conf: Found, over: Found | None, job: Job | None, diags: list[Diagnostic],
           read: dict[str, os.stat_result]) -> list[Any]:
    """What reading one job gave, as a cache entry: [conf signature,
    override signature, job, diagnostics] (JSON-able lists only, so a
    worker process can hand it over too).  READ holds the stat of each file
    as it was read (one system call fewer per file, and the signature of
    the very file read); a file not read is stat'ed now."""
    conf_sig = stat_signature(read[conf.conf]) if conf.conf in read else \
        signature(conf.conf_entry)
    over_sig = None if over is None else stat_signature(read[over.override]) \
        if over.override in read else signature(over.override_entry)
    return [conf_sig, over_sig, _job_to(job) if job is not None else None,
            [_diag_to(d) for d in diags]]


def encode_part(names: list[str], entries: list[list[Any]]) -> Part:
    """The entries of jobs read one after another (by a forked reader) as
    the stored files hold them: each column's JSON items, and the jobs'
    deferred parts back to back.  The files are then written by joining
    parts, not by encoding 100,000 entries again (see JobCache.write)."""
    laters = []
    for entry in entries:
        job = entry[2]
        if job is not None:
            laters.append(job[5])
            job[5] = len(job[5])  # ASCII: as many bytes as characters
    return (_items(names), *(_items([e[i] for e in entries]) for i in range(4)),
            "".join(laters).encode("ascii"))


def decode_part(part: Part, rows: list[tuple[str, str]]
                ) -> Iterator[tuple[str, tuple[Job | None, list[Diagnostic]]]]:
    """What encode_part gave back as (name, (job or None, diagnostics)), one
    per (name, job file path) in ROWS.  ValueError if damaged."""
    try:
        jobs = json.loads(b"[" + part[3] + b"]")
        diags = json.loads(b"[" + part[4] + b"]")
    except ValueError as exc:
        raise ValueError("damaged cache entry") from exc
    at = 0
    for (name, path), job, d in zip(rows, jobs, diags, strict=True):
        yield name, _decoded(name, job, d, path, part[5], at)
        if job is not None:
            at += job[5]


def _items(values: list[Any]) -> bytes:
    return _ENCODE(values)[1:-1].encode("ascii")


def _decoded(name: str, job: Any, diags: Any, path: str, later: bytes,
             at: int) -> tuple[Job | None, list[Diagnostic]]:
    try:
        return (_job_from(name, job, path, later, at) if job is not None else None,
                [_diag_from(d) for d in diags] if diags else [])
    except (TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
        raise ValueError("damaged cache entry") from exc


class JobCache:
    """The remembered reading of one job set (a list of directories):
    entries (see encode) by job name, in two files.  jobs-KEY.json holds
    what every run reads (names, signatures, emits), column by column (one
    list of names, one of signatures, ...: JSON objects with 100,000 keys
    decode at half the speed); jobs-KEY.later holds, back to back and in
    the same order, the JSON of what only some runs need (conditions, stanza
    locations, other fields), each job's entry giving its length: a second
    `who-emits` over 100,000 jobs reads it as bytes and parses none of it.
    The first file holds the second's checksum, so the two are only ever
    used together."""

    def __init__(self, store: Store, name: str, key: str, columns: list[list[Any]],
                 later: bytes, offsets: list[int]) -> None:
        self.store, self.name, self.key = store, name, key
        self.later, self.offsets = later, offsets
        names, self.sigs, self.overs, self.jobs, self.diags = columns
        self.index = {name: i for i, name in enumerate(names)}
        self.new: dict[str, int | list[Any]] = {}  # an index into the columns, or a fresh entry
        self.parts: list[Part] = []  # fresh entries from forked readers
        self.dirty = False

    @classmethod
    def load(cls, store: Store, name: str, key: str) -> JobCache:
        """The job set stored as NAME under KEY (empty if none, or damaged)."""
        data = read(store.fd, name)
        if isinstance(data, dict) and data.get("key") == key:
            later = _private_bytes(store.fd, name[:-len(".json")] + ".later")
            columns = [data.get(c) for c in _COLUMNS]
            if (later is not None and zlib.crc32(later) == data.get("later")
                    and all(type(c) is list and len(c) == len(columns[0]) for c in columns)):
                offsets = _offsets(columns[3], len(later))
                if offsets is not None:
                    return cls(store, name, key, columns, later, offsets)
        return cls(store, name, key, [[] for _ in _COLUMNS], b"", [0])

    def recall(self, todo: list[tuple[str, Found, Found | None]],
               sigs: Iterable[tuple[str | None, str | None]],
               results: dict[str, tuple[Job | None, list[Diagnostic]]]
               ) -> list[tuple[str, Found, Found | None]]:
        """Into RESULTS, what reading each job of TODO gave last time, if its
        files still have the signatures SIGS (in order, see signatures); the
        jobs whose files changed, or whose entries are damaged, are
        returned.  (One loop for the whole set: a second run over 100,000
        jobs spends most of its time here.)"""
        index, old_sigs, old_overs, jobs, diags = (self.index, self.sigs, self.overs,
                                                   self.jobs, self.diags)
        offsets, blob, new = self.offsets, self.later, self.new
        fresh = []
        for row, (conf_sig, over_sig) in zip(todo, sigs, strict=True):
            name = row[0]
            i = index.get(name)
            if i is None or old_sigs[i] != conf_sig or old_overs[i] != over_sig:
                fresh.append(row)
                continue
            try:
                results[name] = _decoded(name, jobs[i], diags[i], row[1].conf,  # type: ignore[arg-type]
                                         blob, offsets[i])
            except ValueError:
                fresh.append(row)
                continue
            new[name] = i
        return fresh

    def put(self, name: str, entry: list[Any]) -> None:
        self.dirty = True
        self.new[name] = entry

    def put_part(self, part: Part) -> None:
        """Entries of jobs not put otherwise (see encode_part)."""
        self.dirty = True
        self.parts.append(part)

    def changed(self) -> bool:
        """Whether anything differs from what is stored (jobs read afresh, jobs gone)."""
        return self.dirty or len(self.new) != len(self.index)

    def touch(self) -> None:
        """Still in use: keep it among the newest MAX_JOBSETS."""
        try:
            os.utime(self.name, dir_fd=self.store.fd, follow_symlinks=False)
        except (OSError, NotImplementedError):
            pass

    def write(self) -> None:
        """Store the job set as it now is; keep the newest MAX_JOBSETS sets.
        (The Reading decides whether a forked process does it: session.py.)"""
        entries, pieces = [], []
        for v in self.new.values():
            if type(v) is list:  # read afresh: its deferred part is JSON text
                entry = v
                job = v[2]
                if job is not None:
                    piece = job[5].encode("ascii")
                    entry = [v[0], v[1], [*job[:5], len(piece)], v[3]]
                    pieces.append(piece)
            else:  # as stored: its deferred part is a slice of the old file
                entry = [self.sigs[v], self.overs[v], self.jobs[v], self.diags[v]]
                if entry[2] is not None:
                    pieces.append(self.later[self.offsets[v]:self.offsets[v + 1]])
            entries.append(entry)
        pieces += (part[5] for part in self.parts)
        fd = self.store.fd
        if not write_bytes(fd, self.name[:-len(".json")] + ".later", pieces):
            return
        # the index, joined from JSON items: what forked readers encoded is not encoded again
        body = [b'{"key":%s,"later":%d' % (json.dumps(self.key).encode("ascii"),
                                           _crc(pieces))]
        for i, column in enumerate(_COLUMNS):
            items = [_items(list(self.new) if i == 0 else [e[i - 1] for e in entries])] \
                if entries else []
            items += (part[i] for part in self.parts)
            body += (b',"%s":[' % column.encode("ascii"), b",".join(items), b"]")
        body.append(b"}")
        write_bytes(fd, self.name, [b"%08x\n" % _crc(body), *body])
        try:
            sets = sorted((n for n in self.store.names() if n.startswith("jobs-")
                           and n.endswith(".json")),
                          key=lambda n: os.stat(n, dir_fd=fd, follow_symlinks=False).st_mtime_ns)
            for old in sets[:-MAX_JOBSETS]:
                os.unlink(old, dir_fd=fd)
                os.unlink(old[:-len(".json")] + ".later", dir_fd=fd)
        except OSError:
            pass


_COLUMNS = ("names", "sigs", "overrides", "jobs", "diagnostics")  # as stored


def _crc(pieces: list[bytes]) -> int:
    """The checksum of PIECES joined, without joining them."""
    crc = 0
    for piece in pieces:
        crc = zlib.crc32(piece, crc)
    return crc


def _offsets(jobs: list[Any], size: int) -> list[int] | None:
    """Where each job's deferred part starts in the .later file (and, last,
    where the last one ends), from the lengths its entries give; None if
    they do not add up to the file's SIZE."""
    try:
        sizes = [0 if job is None else job[5] for job in jobs]
    except (TypeError, IndexError, KeyError):
        return None
    if not set(map(type, sizes)) <= {int} or (sizes and min(sizes) < 0):
        return None
    offsets = list(accumulate(sizes, initial=0))
    return offsets if offsets[-1] == size else None


# -- jobs as JSON-able lists -------------------------------------------------------

# built once, not per call; our lists hold no cycles, and checking for them
# costs a fifth of the encoding
_ENCODE = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
#
# Compact, because a second run over 100,000 jobs decodes all of it: a
# location in the job's own file is one number (line << 16 | column), others
# are [path, line, column]; an operand is [event, location, arg...]; a
# condition is a postfix list (operators as strings); lists of pairs are flat.

_LINE = 16
_COLS = 1 << _LINE


def _loc_to(loc: Location | None, own: str) -> Any:
    if loc is None:
        return None
    if loc.path == own and 0 < loc.col < _COLS:
        return loc.line << _LINE | loc.col
    return [loc.path, loc.line, loc.col]


def _loc_from(data: Any, own: str) -> Location | None:
    if data is None:
        return None
    if type(data) is int:
        return Location(own, data >> _LINE, data & (_COLS - 1))
    path, line, col = data
    return Location(path, line, col)


def _cond_to(cond: Any, own: str) -> Any:
    if cond is None:
        return None
    if type(cond) is Operand:  # the usual `stop on runlevel [!2345]`: no walk
        return [[cond.event, _loc_to(cond.loc, own), *cond.args]]
    out = [[node.event, _loc_to(node.loc, own), *node.args] if type(node) is Operand
           else node.op for node in postorder(cond)]
    return {"enum": out} if isinstance(cond, Enumerated) else out


def _cond_from(data: Any, own: str) -> Any:
    if data is None:
        return None
    if isinstance(data, dict):
        return Enumerated(tuple(Operand(op[0], tuple(op[2:]), _loc_from(op[1], own))
                                for op in data["enum"]))
    stack: list[Any] = []
    for item in data:
        if type(item) is str:
            right = stack.pop()
            stack.append(BinOp(item, stack.pop(), right))
        else:
            stack.append(Operand(item[0], tuple(item[2:]), _loc_from(item[1], own)))
    if len(stack) != 1:
        raise ValueError("bad condition")
    return stack[0]


# fields stored only when they differ from a new Job's
_FIELDS = ("description", "author", "version", "instance", "task", "respawn", "usage",
           "env", "export", "expect", "processes", "override")
_UNSET = (None, False, ())
# what a StoredJob builds only when one of them is first read
_LATER = frozenset(("start_on", "stop_on", "stanza_locs", *_FIELDS))


class StoredJob(Job):
    """A job read back from the cache.

    What nearly every question needs is built at once: the name, where it
    is defined, what it emits.  The rest (conditions, stanza locations, the
    other fields) stays as decoded JSON until one of them is first read: a
    second `who-emits` over 100,000 jobs builds 100,000 emits, not 100,000
    jobs' worth of objects.  Python calls __getattr__ only for a slot not
    yet set, so after the first read an attribute costs what a Job's does.
    """

    __slots__ = ("_later",)

    def __getattr__(self, name: str) -> Any:
        if name not in _LATER:
            raise AttributeError(name)
        try:
            later = self._later
        except AttributeError:  # already built: a slot nobody set
            raise AttributeError(name) from None
        del self._later
        if type(later) is not str:  # (bytes, offset, length): a slice of the .later file
            blob, at, size = later
            later = blob[at:at + size]
        start_on, stop_on, stanza_locs, fields = json.loads(later)
        own = self.source
        self.start_on = _cond_from(start_on, own)
        self.stop_on = _cond_from(stop_on, own)
        self.stanza_locs = {stanza_locs[i]: _loc_from(stanza_locs[i + 1], own)  # type: ignore[misc]
                            for i in range(0, len(stanza_locs), 2)} if stanza_locs else None
        for f in _FIELDS:
            setattr(self, f, fields.get(f, _DEFAULTS[f]))
        return getattr(self, name)


_DEFAULTS = {f: getattr(Job("", ""), f) for f in _FIELDS}


def _job_to(job: Job) -> list[Any]:
    own = job.source
    stanza_locs: list[Any] = []
    if job.stanza_locs:
        for k, v in job.stanza_locs.items():
            stanza_locs += (k, _loc_to(v, own))
    emits: list[Any] = []
    for e in job.emits:
        emits += (e.event, _loc_to(e.loc, own))
    fields = {}
    for f in _FIELDS:
        v = getattr(job, f)
        if v not in _UNSET:
            fields[f] = v
    return [
        _loc_to(job.loc, own), emits,
        [[e.event, _loc_to(e.loc, own), list(e.env)] for e in job.inferred]
        if job.inferred else [],
        _loc_to(job.manual, own) if job.manual is not None else None,
        [[k, _loc_to(v, own)] for k, v in job.vendor] if job.vendor else 0,
        # JSON text, stored apart (JobCache.save): most runs never need it
        _ENCODE([_cond_to(job.start_on, own), _cond_to(job.stop_on, own), stanza_locs,
                 fields]),
    ]


def _job_from(name: str, data: list[Any], own: str, blob: bytes = b"", at: int = 0) -> Job:
    """A job from its entry, whose deferred part is JSON text, or the
    length of the one at AT in BLOB."""
    loc, emits, inferred, manual, vendor, later = data
    # what is built later was written by _job_to and is covered by the
    # files' checksums; its kind is checked now, while the job file can
    # still be read afresh
    if type(later) is int:
        if not (0 < later and 0 <= at and at + later <= len(blob) and blob[at] == 91):  # "["
            raise ValueError("damaged job entry")
        later = (blob, at, later)
    elif type(later) is not str or not later.startswith("["):
        raise ValueError("damaged job entry")
    job = StoredJob.__new__(StoredJob)
    job.name, job.source, job.loc = name, own, _loc_from(loc, own)
    job.emits = [Emit(emits[i], _loc_from(emits[i + 1], own))
                 for i in range(0, len(emits), 2)] if emits else []
    job.inferred = [Emit(e, _loc_from(lc, own), tuple(env))
                    for e, lc, env in inferred] if inferred else ()
    job.manual = _loc_from(manual, own) if manual is not None else None
    job.vendor = [(k, _loc_from(v, own)) for k, v in vendor] if vendor else None  # type: ignore[misc]
    job._later = later
    return job


def _diag_to(d: Diagnostic) -> list[Any]:
    return [d.severity, d.message, _loc_to(d.loc, ""), d.code]


def _diag_from(data: list[Any]) -> Diagnostic:
    severity, message, loc, code = data
    return Diagnostic(severity, message, _loc_from(loc, ""), code)
