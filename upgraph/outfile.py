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


class OutputError(Exception):
    """The output cannot be written; the message says why."""


def write(path: str, data: bytes) -> None:
    if path == "":
        raise OutputError("an output file name is needed ('-' for standard output)")
    if path == "-":
        out = sys.stdout.buffer
        out.write(data)
        out.flush()
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
        _write_directly(path, data)
        return
    target = os.path.realpath(path) if os.path.islink(path) else path
    _replace(target, data, st)


def _write_directly(path: str, data: bytes) -> None:
    try:
        with open(path, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _replace(target: str, data: bytes, st: os.stat_result | None) -> None:
    import tempfile

    folder = os.path.dirname(os.path.abspath(target))
    if st is not None:
        mode = stat.S_IMODE(st.st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".upgraph-", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
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
