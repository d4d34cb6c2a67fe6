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

from upgraph.model import Diagnostic, Location

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import IO


SYSTEM_DIR = "/etc/init"
MAX_FILE = 16 << 20  # a job file larger than this is not a job file
MAX_LINE = 1 << 20  # one line of show-config text
# show-config text read from one source: twice the 100,000-job benchmark's
# 15 MB, and a thousand times a real machine's.  Memory grows with the text
# (up to about 60 bytes a byte, for `boot` and `lint`), so this bounds it.
MAX_TEXT = 32 << 20
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
    """A job file's bytes, or None with an error when it cannot be used;
    STATS, if given, receives the file's stat by PATH.

    Only a regular file is read, as fstat says of what was opened (a FIFO or
    a device swapped in after the scan, or linked to, is refused, and opening
    never waits: O_NONBLOCK).  A file that says it is empty is not read at
    all: /proc's files say so, and /proc/kmsg would wait for, and eat, the
    kernel's messages.  One over LIMIT is refused without being read.
    Plain system calls: a 100,000-file tree pays this per file, and Python's
    buffered file objects cost more than the reading."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError as exc:
        return _unreadable(path, diags, exc)
    try:
        st = os.fstat(fd)
        if stats is not None:
            stats[path] = st
        if not stat.S_ISREG(st.st_mode):
            diags.append(Diagnostic("error", "not a regular file (a FIFO, device or "
                                    "socket), not read", Location(path, 1), "unreadable"))
            return None
        if st.st_size == 0:
            return b""
        if st.st_size > limit:
            return _too_large(path, diags, limit)
        want = st.st_size + 1
        pieces = [os.read(fd, want)]
        if len(pieces[0]) == want:  # it grew since fstat: read on, up to the limit
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
        return _too_large(path, diags, limit)
    return data


def _too_large(path: str, diags: list[Diagnostic], limit: int) -> None:
    diags.append(Diagnostic("error", f"larger than {limit >> 20} MiB, not read as a "
                            "job file", Location(path, 1), "unreadable"))


def _unreadable(path: str, diags: list[Diagnostic], exc: OSError) -> None:
    diags.append(Diagnostic("error", f"cannot read: {exc.strerror or exc}",
                            Location(path, 1), "unreadable"))


def decode(data: bytes, path: str, diags: list[Diagnostic]) -> str | None:
    if b"\0" in data:
        diags.append(Diagnostic("error", "binary file (contains NUL bytes), skipped",
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


MAX_HOPS = 40  # symbolic links followed in one path, as the kernel allows


def in_root(root: str, path: str) -> str | None:
    """PATH (which lies under ROOT) with every symbolic link resolved inside
    ROOT, as chroot would: an absolute link starts again at ROOT, `..` stops
    at it.  None for a loop, or a path that is not under ROOT.  An image's
    `etc/init/leak.conf -> /etc/shadow` is then the image's own /etc/shadow,
    never the host's, and `etc/init/x.conf -> /usr/share/upstart/x.conf` is
    found in the image."""
    root = os.path.abspath(root)
    rel = os.path.relpath(os.path.abspath(path), root)
    if rel == ".." or rel.startswith(".." + os.sep):
        return None
    parts = [p for p in rel.split(os.sep) if p not in ("", ".")]
    done: list[str] = []
    hops = 0
    while parts:
        part = parts.pop(0)
        if part == "..":
            if done:
                done.pop()
            continue
        here = os.path.join(root, *done, part)
        try:
            st = os.lstat(here)
        except OSError:
            done.append(part)  # not there: the caller's stat says so
            continue
        if stat.S_ISLNK(st.st_mode):
            hops += 1
            if hops > MAX_HOPS:
                return None
            target = os.readlink(here)
            if target.startswith("/"):
                done = []
            parts = [p for p in target.split("/") if p not in ("", ".")] + parts
            continue
        done.append(part)
    return os.path.join(root, *done)


class _Resolved:
    """A directory entry reached through a link resolved inside a root (see
    in_root): its path, type and stat are those of what the link names
    there, never what it would name on the host."""

    __slots__ = ("path", "_st")

    def __init__(self, path: str, st: os.stat_result) -> None:
        self.path, self._st = path, st

    @classmethod
    def of(cls, root: str, entry: os.DirEntry[str], diags: list[Diagnostic]
           ) -> _Resolved | None:
        resolved = in_root(root, entry.path)
        if resolved is None:
            diags.append(Diagnostic("warning", "symbolic link loop, not followed",
                                    Location(entry.path, 1), "unreadable"))
            return None
        return cls(resolved, os.stat(resolved))  # OSError: dangling inside the image

    def is_file(self) -> bool:
        return stat.S_ISREG(self._st.st_mode)

    def is_dir(self) -> bool:
        return stat.S_ISDIR(self._st.st_mode)

    def stat(self, follow_symlinks: bool = True) -> os.stat_result:
        return os.stat(self.path)


def scan(top: str, diags: list[Diagnostic], root: str | None = None) -> dict[str, Found]:
    """{job name: Found} for one tree, names in Upstart's load order.

    Entries are visited sorted, depth first, as nih_dir_walk does; symbolic
    links are followed (a loop is reported once, not walked), inside ROOT
    when one is given (see in_root); only regular files count, and a name
    needs something before its extension (`.conf` alone is no job, `.x.conf`
    is).  Only directories are stat'ed: a file's type comes with its
    directory entry (100,000 system calls saved).
    """
    found: dict[str, Found] = {}
    if root is not None:
        top = in_root(root, top) or ""
        if not os.path.isdir(top):
            return found
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
                if root is not None and entry.is_symlink():  # resolved inside the image
                    entry = _Resolved.of(root, entry, diags)  # type: ignore[assignment]
                    if entry is None:
                        continue
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

    A line longer than MAX_LINE is skipped; NUL bytes (binary data) end the
    reading.  Memory stays proportional to CHUNK, whatever the input, and
    reading stops after MAX_TEXT bytes (an error: the answer covers the
    lines before).  Lines come in blocks so that the reader's loop, not a
    generator, runs per line.
    """
    buf = first
    lineno = 0  # lines handed out so far
    eof = False
    warned_utf8 = False
    skipping = False  # in the middle of an over-long line
    taken = len(first)  # bytes read so far
    over = False  # MAX_TEXT reached
    while not eof:
        chunk = stream.read(CHUNK)
        if chunk:
            taken += len(chunk)
            if taken > MAX_TEXT:  # keep the whole lines before the limit
                buf += chunk[:len(chunk) - (taken - MAX_TEXT)]
                buf = buf[:buf.rfind(b"\n") + 1]
                eof = over = True
            else:
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
                skipping = True
                buf = b""
                if b"\0" in chunk:
                    diags.append(Diagnostic("warning", "binary data (NUL bytes); the rest is "
                                            "not read", Location(source, lineno), "binary"))
                    return
            continue
        block, buf = buf[:cut], buf[cut + 1:]
        if skipping:  # the end of an over-long line
            nl = block.find(b"\n")
            block = block[nl + 1:] if nl >= 0 else b""
            skipping = False
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
    if over:
        diags.append(Diagnostic("error", f"more than {MAX_TEXT >> 20} MiB of show-config "
                                "text; the rest is not read", Location(source, lineno),
                                "unreadable"))


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
    from upgraph.read.conf import HOOKS, STANZAS
    from upgraph.read.dialects import VENDOR_STANZAS

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


class Prefixed:
    """A stream that gives back bytes already read (to sniff what it holds),
    then the rest: raw (readinto, under io.BufferedReader) or read(n)."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self.head, self.stream = head, stream

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self.head:
            head, self.head = self.head, b""
            if n < 0:
                return head + self.stream.read()
            return head + self.stream.read(max(0, n - len(head)))
        return self.stream.read(n)

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
