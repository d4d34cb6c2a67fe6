"""Write an output file the way a careful admin would by hand.

upgraph runs as root on production machines, so `-o FILE` must not turn
someone's 0644 file into a root-owned 0600 one, replace a symbolic link by a
regular file, or replace /dev/null with a file.  A regular file (or a new
one) is written to a temporary file beside it and renamed over it, so
readers never see half a file; it gets the old file's mode and owner (a new
file: 0666 less the umask).  A symbolic link of our own is followed and its
target replaced.  A device, or a FIFO of our own, is written directly (a FIFO
with no reader is an error, not a wait).

What another user controls is never followed: a symbolic link or FIFO that
belongs to another user, or one that lies in a directory another user can
write (sticky or not) and is not our own, is refused.  Otherwise root could
be made to replace /etc/passwd through /tmp/graph.dot, or to block for ever.

No temporary file is left behind: not on a full disk, not on Ctrl-C, nor on
SIGTERM, SIGHUP, SIGQUIT or SIGUSR1 (cli/__init__.py turns them into an
exception, so every clean-up runs); one left by a process killed outright is
removed by the next run that writes beside it.
"""

from __future__ import annotations

import os
import stat
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable


class OutputError(Exception):
    """The output cannot be written; the message says why."""


def write(path: str, data: bytes | Iterable[bytes]) -> None:
    """Write DATA (bytes, or bytes in pieces) to PATH ('-': standard output)."""
    if path == "":
        raise OutputError("an output file name is needed ('-' for standard output)")
    pieces = [data] if isinstance(data, bytes) else data
    if path == "-":
        if sys.stdout is None:  # `upgraph ... >&-`
            raise OutputError("cannot write standard output: it is closed")
        try:
            out = sys.stdout.buffer
            for piece in pieces:
                out.write(piece)
            out.flush()
        except BrokenPipeError:
            raise  # the reader went away: a quiet 141, as git does (cli/__init__.py)
        except (OSError, ValueError) as exc:  # /dev/full, a closed stream
            raise OutputError("cannot write standard output: "
                              f"{getattr(exc, 'strerror', None) or exc}") from None
        return
    _refuse_others(path)
    try:
        st = os.stat(path)  # follows a symbolic link (of our own) to its target
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"cannot write {path}: it is a directory")
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_directly(path, pieces)
        return
    target = os.path.realpath(path) if os.path.islink(path) else path
    _replace(target, pieces, st)


def others_may_change(st: os.stat_result, sticky_protects: bool = False) -> bool:
    """Whether a user other than us (and root) may change the entries of the
    directory whose stat is ST: it is theirs, or they may write it.  With
    STICKY_PROTECTS, a sticky directory (/tmp) counts as safe for what is
    ours, since others cannot rename or remove it there."""
    if st.st_uid not in (os.geteuid(), 0):
        return True
    if sticky_protects and st.st_mode & stat.S_ISVTX:
        return False
    return bool(st.st_mode & 0o002) or (bool(st.st_mode & 0o020) and st.st_gid != os.getegid())


def _others_can_write(folder: str) -> bool:
    try:
        return others_may_change(os.stat(folder))
    except OSError:
        return False


def _refuse_others(path: str) -> None:
    """OutputError for a target another user controls (see the docstring)."""
    try:
        lst = os.lstat(path)
    except OSError:
        return
    kind = "symbolic link" if stat.S_ISLNK(lst.st_mode) else \
        "FIFO" if stat.S_ISFIFO(lst.st_mode) else None
    if kind is None:
        return
    me = os.geteuid()
    if lst.st_uid not in (me, 0):
        raise OutputError(f"refusing to write {path}: a {kind} that belongs to another "
                          f"user (uid {lst.st_uid})")
    if lst.st_uid != me and _others_can_write(os.path.dirname(os.path.abspath(path))):
        raise OutputError(f"refusing to write {path}: a {kind} in a directory another "
                          "user can write")


def _write_directly(path: str, pieces: Iterable[bytes]) -> None:
    try:
        # non-blocking, so that a FIFO with no reader is an error, not a wait
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError as exc:
        why = "a FIFO with no reader" if exc.errno == 6 else exc.strerror or exc  # ENXIO
        raise OutputError(f"cannot write {path}: {why}") from None
    try:
        os.set_blocking(fd, True)
        with os.fdopen(fd, "wb") as fh:
            for piece in pieces:
                fh.write(piece)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def temporary(folder: str = "", dir_fd: int | None = None,
              claim: list[str] | None = None) -> tuple[int, str]:
    """A new private file in FOLDER, or (named relative to it) in the open
    directory DIR_FD: what tempfile.mkstemp does, without its import cost.
    Ours left by a process that is gone are removed first.  CLAIM, when
    given, holds the name from before the file exists: a signal that
    arrives as os.open returns (raised at once, cli/__init__.py) still
    leaves the caller its name to remove."""
    remove_stale(folder if dir_fd is None else dir_fd)
    for _ in range(100):
        name = f"{PREFIX}{os.getpid()}-{os.urandom(6).hex()}"
        path = name if dir_fd is not None else os.path.join(folder, name)
        if claim is not None:
            claim[:] = [path]
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW |
                           os.O_CLOEXEC, 0o600, dir_fd=dir_fd), path
        except FileExistsError:
            continue
    raise FileExistsError(folder)


def _replace(target: str, pieces: Iterable[bytes], st: os.stat_result | None) -> None:
    folder = os.path.dirname(os.path.abspath(target))
    if st is not None:
        mode = stat.S_IMODE(st.st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    tmp: list[str] = []  # the temporary's name, from before it exists
    try:
        fd, _ = temporary(folder, claim=tmp)
        with os.fdopen(fd, "wb") as fh:
            for piece in pieces:
                fh.write(piece)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            if st is not None and os.geteuid() == 0:
                os.fchown(fh.fileno(), st.st_uid, st.st_gid)
        os.replace(tmp[0], target)
        tmp.clear()
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        if tmp:  # any failure, an interrupt included
            try:
                os.unlink(tmp[0])
            except OSError:
                pass


PREFIX = ".upgraph-"


def remove_stale(where: str | int) -> None:
    """Remove our own temporary files (.upgraph-PID-...) whose process is
    gone, in the folder WHERE (a path, or an open directory's descriptor):
    left by a run killed outright (SIGKILL, the OOM killer)."""
    me = os.geteuid()
    try:
        with os.scandir(where) as it:
            stale = [e for e in it if e.name.startswith(PREFIX)]
    except OSError:
        return
    for entry in stale:
        try:
            pid = int(entry.name[len(PREFIX):].split("-", 1)[0])
            if pid == os.getpid() or entry.stat(follow_symlinks=False).st_uid != me:
                continue
            try:
                os.kill(pid, 0)
                continue  # still running
            except ProcessLookupError:
                pass
            except PermissionError:
                continue  # someone else's process
            if isinstance(where, int):
                os.unlink(entry.name, dir_fd=where)
            else:
                os.unlink(entry.path)
        except (ValueError, OSError):
            continue
