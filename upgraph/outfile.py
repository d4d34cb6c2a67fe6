"""Write an output file the way a careful admin would by hand.

upgraph runs as root on production machines, so `-o FILE` must not turn
someone's 0644 file into a root-owned 0600 one, replace a symbolic link by a
regular file, or replace /dev/null with a file.  A regular file (or a new
one) is written to a temporary file beside it and renamed over it, so
readers never see half a file; it gets the old file's mode and owner (a new
file: 0666 less the umask).  A symbolic link is followed and its target
replaced.  A device, FIFO or socket is written directly.  No temporary file
is ever left behind, whatever happens (a full disk, Ctrl-C).
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
    try:
        st = os.stat(path)  # follows a symbolic link to its target
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


def _write_directly(path: str, pieces: Iterable[bytes]) -> None:
    try:
        with open(path, "wb") as fh:
            for piece in pieces:
                fh.write(piece)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def temporary(folder: str) -> tuple[int, str]:
    """A new private file beside the target (what tempfile.mkstemp does,
    without its import cost)."""
    for _ in range(100):
        path = os.path.join(folder, f".upgraph-{os.getpid()}-{os.urandom(6).hex()}")
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL |
                           getattr(os, "O_NOFOLLOW", 0), 0o600), path
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
    tmp = None
    try:
        fd, tmp = temporary(folder)
        with os.fdopen(fd, "wb") as fh:
            for piece in pieces:
                fh.write(piece)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            if st is not None and os.geteuid() == 0:
                os.fchown(fh.fileno(), st.st_uid, st.st_gid)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        if tmp is not None:  # any failure, an interrupt included
            try:
                os.unlink(tmp)
            except OSError:
                pass
