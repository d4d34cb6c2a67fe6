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

from upgraph import __version__
from upgraph.model import BinOp, Diagnostic, Emit, Enumerated, Job, Location, Operand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from upgraph.sources import Found

MAX_JOBSETS = 8
FORMAT = 2  # bumped whenever what is stored changes
MAX_BYTES = 1 << 30
_DISABLED = os.environ.get("UPGRAPH_NO_CACHE", "") not in ("", "0")


def directory() -> str | None:
    """The private cache directory, made if needed; None if it is not safe."""
    if _DISABLED:
        return None
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        home = os.environ.get("HOME") or os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    path = os.path.join(base, "upgraph")
    try:
        parent = os.lstat(base) if os.path.lexists(base) else None
        if parent is not None and parent.st_mode & 0o002 and not parent.st_mode & stat.S_ISVTX:
            return None  # anybody could swap our directory
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.lstat(path)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
            return None
        if st.st_mode & 0o077:
            os.chmod(path, 0o700)
    except OSError:
        return None
    return path


def read(path: str) -> Any:
    """JSON from a cache file we own and nobody else can write; else None."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid()
                or st.st_mode & 0o022 or st.st_size > MAX_BYTES):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return json.loads(fh.read())
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)


def write(path: str, data: Any) -> None:
    """Replace PATH with DATA as JSON, atomically, mode 0600; errors ignored
    (a cache that cannot be written is only a slower next run)."""
    from upgraph.outfile import temporary

    folder = os.path.dirname(path)
    tmp = None
    try:
        fd, tmp = temporary(folder)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, separators=(",", ":"))
        os.replace(tmp, path)
        tmp = None
    except (OSError, ValueError, RecursionError):
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _key(text: str) -> str:
    return f"{zlib.crc32(text.encode('utf-8', 'surrogateescape')):08x}"


# -- expression templates ----------------------------------------------------

def shapes_file(grammar: str) -> str | None:
    folder = directory()
    return os.path.join(folder, f"expr-{_key(grammar)}.json") if folder else None


def save_shapes(grammar: str, data: dict[str, Any]) -> None:
    path = shapes_file(grammar)
    if path is None:
        return
    write(path, {"grammar": _key(grammar), "shapes": data})
    for name in os.listdir(os.path.dirname(path)):  # one entry per grammar
        if name.startswith("expr-") and name != os.path.basename(path):
            try:
                os.unlink(os.path.join(os.path.dirname(path), name))
            except OSError:
                pass


def load_shapes(grammar: str) -> dict[str, Any]:
    path = shapes_file(grammar)
    data = read(path) if path else None
    if isinstance(data, dict) and data.get("grammar") == _key(grammar):
        shapes = data.get("shapes")
        if isinstance(shapes, dict):
            return shapes
    return {}


# -- job sets ----------------------------------------------------------------------

def _signature(path: str | None, st: os.stat_result | None) -> list[Any] | None:
    if path is None or st is None:
        return None
    return [path, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


class JobCache:
    """The remembered reading of one job set (a list of directories).

    Entries are keyed by job name: [signature, job, diagnostics]; the paths
    they mention are numbers into one list, so big sets stay small.
    """

    def __init__(self, path: str, key: str, entries: dict[str, Any],
                 paths: list[str]) -> None:
        self.path, self.key, self.old = path, key, entries
        self.new: dict[str, Any] = {}
        self.path_list = list(paths)  # old entries keep their numbers
        self.paths = {p: i for i, p in enumerate(self.path_list)}
        self.dirty = False

    @classmethod
    def open(cls, dirs: list[str]) -> JobCache | None:
        folder = directory()
        if folder is None:
            return None
        key = "\0".join([__version__, str(FORMAT), *(os.path.abspath(d) for d in dirs)])
        path = os.path.join(folder, f"jobs-{_key(key)}.json")
        data = read(path)
        if (isinstance(data, dict) and data.get("key") == key
                and isinstance(data.get("jobs"), dict) and isinstance(data.get("paths"), list)
                and all(isinstance(p, str) for p in data["paths"])):
            return cls(path, key, data["jobs"], data["paths"])
        return cls(path, key, {}, [])

    @staticmethod
    def signature(conf: Found, over: Found | None) -> list[Any]:
        return [_signature(conf.conf, conf.conf_stat),
                _signature(over.override, over.override_stat) if over else None]

    def get(self, name: str, conf: Found, over: Found | None) -> tuple[Job | None,
                                                                      list[Diagnostic]] | None:
        """What reading NAME gave last time, if its files have not changed."""
        entry = self.old.get(name)
        if not isinstance(entry, list) or len(entry) != 3 or \
                entry[0] != self.signature(conf, over):
            return None
        try:
            paths = self.path_list
            job = _job_from(entry[1], paths) if entry[1] is not None else None
            diags = [_diag_from(d, paths) for d in entry[2]]
        except (TypeError, ValueError, IndexError, KeyError, AttributeError):
            return None
        self.new[name] = entry
        return job, diags

    def put(self, name: str, conf: Found, over: Found | None, job: Job | None,
            diags: list[Diagnostic]) -> None:
        self.dirty = True
        self.new[name] = [self.signature(conf, over), _job_to(job, self._pid) if job else None,
                          [_diag_to(d, self._pid) for d in diags]]

    def _pid(self, path: str) -> int:
        i = self.paths.get(path)
        if i is None:
            i = self.paths[path] = len(self.path_list)
            self.path_list.append(path)
        return i

    def save(self) -> None:
        """Write what changed (jobs read afresh, jobs gone); keep the newest
        MAX_JOBSETS job sets."""
        if not self.dirty and self.new.keys() == self.old.keys():
            try:
                os.utime(self.path)  # still in use: keep it among the newest
            except OSError:
                pass
            return
        write(self.path, {"key": self.key, "paths": self.path_list, "jobs": self.new})
        folder = os.path.dirname(self.path)
        try:
            sets = sorted((e for e in os.scandir(folder) if e.name.startswith("jobs-")),
                          key=lambda e: e.stat(follow_symlinks=False).st_mtime_ns)
            for old in sets[:-MAX_JOBSETS]:
                os.unlink(old.path)
        except OSError:
            pass


# -- jobs as JSON-able lists -------------------------------------------------------

def _loc_to(loc: Location | None, pid: Any) -> list[int] | None:
    return None if loc is None else [pid(loc.path), loc.line, loc.col]


def _loc_from(data: list[int] | None, paths: list[str]) -> Location | None:
    return None if data is None else Location(paths[data[0]], data[1], data[2])


def _cond_to(cond: Any, pid: Any) -> Any:
    """A condition as a postfix list: operands as lists, operators as strings."""
    from upgraph.model import postorder

    if cond is None:
        return None
    out: list[Any] = []
    for node in postorder(cond):
        if isinstance(node, Operand):
            out.append([node.event, list(node.args), _loc_to(node.loc, pid)])
        else:
            out.append(node.op)
    return {"enum": out} if isinstance(cond, Enumerated) else out


def _cond_from(data: Any, paths: list[str]) -> Any:
    if data is None:
        return None
    if isinstance(data, dict):
        return Enumerated(tuple(Operand(e, tuple(a), _loc_from(loc, paths))
                                for e, a, loc in data["enum"]))
    stack: list[Any] = []
    for item in data:
        if isinstance(item, str):
            right = stack.pop()
            stack.append(BinOp(item, stack.pop(), right))
        else:
            e, a, loc = item
            stack.append(Operand(e, tuple(a), _loc_from(loc, paths)))
    if len(stack) != 1:
        raise ValueError("bad condition")
    return stack[0]


_FIELDS = ("description", "author", "version", "instance", "task", "respawn", "usage",
           "env", "export", "expect", "processes", "override")


def _job_to(job: Job, pid: Any) -> list[Any]:
    return [
        job.name, job.source, _loc_to(job.loc, pid),
        _cond_to(job.start_on, pid), _cond_to(job.stop_on, pid),
        [[e.event, _loc_to(e.loc, pid)] for e in job.emits],
        [[e.event, _loc_to(e.loc, pid), list(e.env)] for e in job.inferred],
        _loc_to(job.manual, pid),
        {k: _loc_to(v, pid) for k, v in job.stanza_locs.items()} if job.stanza_locs else None,
        [[k, _loc_to(v, pid)] for k, v in job.vendor] if job.vendor else None,
        [getattr(job, f) for f in _FIELDS],
    ]


def _job_from(data: list[Any], paths: list[str]) -> Job:
    (name, source, loc, start_on, stop_on, emits, inferred, manual, stanza_locs,
     vendor, fields) = data
    job = Job(name, source, _loc_from(loc, paths))
    job.start_on = _cond_from(start_on, paths)
    job.stop_on = _cond_from(stop_on, paths)
    job.emits = [Emit(e, _loc_from(lc, paths)) for e, lc in emits]
    job.inferred = [Emit(e, _loc_from(lc, paths), tuple(env)) for e, lc, env in inferred]
    job.manual = _loc_from(manual, paths)
    if stanza_locs:
        job.stanza_locs = {k: _loc_from(v, paths) for k, v in stanza_locs.items()}  # type: ignore[misc]
    if vendor:
        job.vendor = [(k, _loc_from(v, paths)) for k, v in vendor]  # type: ignore[misc]
    for f, value in zip(_FIELDS, fields, strict=True):
        setattr(job, f, value)
    return job


def _diag_to(d: Diagnostic, pid: Any) -> list[Any]:
    return [d.severity, d.message, _loc_to(d.loc, pid), d.code]


def _diag_from(data: list[Any], paths: list[str]) -> Diagnostic:
    severity, message, loc, code = data
    return Diagnostic(severity, message, _loc_from(loc, paths), code)
