"""Read a bundle made by `upgraph collect` (answers/collect.py).

A bundle comes from a machine that may not be trusted, so it is hostile
until checked.  It is read with tarfile's member list only (nothing is
extracted by tarfile): every member must be a directory or a regular file
under `upgraph-bundle/`, with a relative name and no `..`; links, devices
and FIFOs, a member over MEMBER_MAX bytes, more than MEMBERS_MAX members or
more than TOTAL_MAX bytes in all (a bomb) refuse the whole bundle.  The
regular files are then written by upgraph itself, one by one, into a
private temporary directory (mode 0700, O_EXCL|O_NOFOLLOW), which the
caller removes (Bundle.close).

What the bundle gives every command: its `root/` as --root (the job
directories, /etc/inittab for the default runlevel), the profile from its
OS release files, `initctl list` as --list, and its logs as --log.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import IO, Any

TOP = "upgraph-bundle"
MEMBER_MAX = 64 << 20
TOTAL_MAX = 1 << 30
MEMBERS_MAX = 200_000


RELEASE_FILES = ("os-release", "lsb-release", "redhat-release", "system-release")
# The files of /etc a bundle holds that shape the boot: collect takes them
# (and /etc/hostname), fleet tells job sets apart by them too.
ETC_FILES = ("inittab", *RELEASE_FILES, "debian_version")


def profile_of(release: str, debian: bool = False) -> str | None:
    """The profile a host's OS release text names: ubuntu, rhel6 or
    chromeos; None when it does not say."""
    text = release.lower()
    if "chromeos" in text or "chromium os" in text:
        return "chromeos"
    if any(w in text for w in ("red hat", "centos", "amazon linux", "rhel", "fedora")):
        return "rhel6"
    if debian or any(w in text for w in ("ubuntu", "debian")):
        return "ubuntu"
    return None


class BadBundle(Exception):
    """Not a bundle, or a hostile one: the message says which and why."""


class Bundle:
    """A checked bundle, written out under DIR (removed by close)."""

    def __init__(self, path: str, where: str) -> None:
        self.path = path
        self.dir = where
        self.top = os.path.join(where, TOP)
        self.root = os.path.join(self.top, "root")

    def shown(self, path: str) -> str:
        """PATH as the bundle names it (host.tar.gz:etc/init/x.conf,
        host.tar.gz:logs/1.txt), not as our temporary copy; others as given."""
        for prefix in (self.root + os.sep, self.top + os.sep):
            if path.startswith(prefix):
                return f"{self.path}:{path[len(prefix):]}"
        return path

    def file(self, *parts: str) -> str | None:
        """The bundle's file at PARTS, if it holds one."""
        p = os.path.join(self.top, *parts)
        return p if os.path.isfile(p) else None

    @property
    def listing(self) -> str | None:
        return self.file("initctl", "list.txt")

    @property
    def logs(self) -> list[str]:
        d = os.path.join(self.top, "logs")
        if not os.path.isdir(d):
            return []
        return [os.path.join(d, n) for n in sorted(os.listdir(d))
                if os.path.isfile(os.path.join(d, n)) and os.path.getsize(os.path.join(d, n))]

    @property
    def hostname(self) -> str:
        p = self.file("host", "hostname")
        if p is None:
            return os.path.basename(self.path)
        with open(p, "rb") as f:
            return f.read(256).decode("utf-8", "replace").strip() or os.path.basename(self.path)

    def profile(self) -> str | None:
        """ubuntu, rhel6 or chromeos, from the OS release files; None: unknown."""
        text = ""
        for name in RELEASE_FILES:
            p = os.path.join(self.root, "etc", name)
            if os.path.isfile(p):
                with open(p, "rb") as f:
                    text += f.read(65536).decode("utf-8", "replace")
        return profile_of(text, os.path.isfile(os.path.join(self.root, "etc", "debian_version")))

    def manifest(self) -> list[str]:
        p = self.file("MANIFEST")
        if p is None:
            return []
        with open(p, "rb") as f:
            return f.read(1 << 20).decode("utf-8", "replace").splitlines()

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def is_bundle(path: str) -> bool:
    """Does PATH look like a bundle (a gzip or tar file), not a directory?"""
    if not os.path.isfile(path):
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(262)
    except OSError:
        return False
    return head[:2] == b"\x1f\x8b" or head[257:262] == b"ustar"


def open_bundle(path: str) -> Bundle:
    """Check the bundle at PATH and write its files out; BadBundle if not."""
    import tarfile

    if os.path.isdir(path):
        raise BadBundle(f"{path}: a directory; --bundle takes a file made by `upgraph "
                        "collect` (a job directory goes to -d)")
    try:
        fh: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise BadBundle(f"{path}: {exc.strerror or exc}") from None
    where = tempfile.mkdtemp(prefix="upgraph-bundle-")
    try:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise BadBundle(f"{path}: not a regular file")
        try:
            tar = tarfile.open(fileobj=fh, mode="r:*")
        except (tarfile.TarError, OSError, EOFError, zlib.error):
            raise BadBundle(f"{path}: not a bundle (not a tar or tar.gz file)") from None
        with tar:
            _write_out(path, tar, where)
        bundle = Bundle(path, where)
        version = bundle.file("VERSION")
        if version is None:
            raise BadBundle(f"{path}: not a bundle from `upgraph collect` (no "
                            f"{TOP}/VERSION)")
        with open(version, "rb") as f:
            if not f.read(64).startswith(b"upgraph-bundle 1"):
                raise BadBundle(f"{path}: a bundle of a version this upgraph does not read")
        return bundle
    except BaseException:
        shutil.rmtree(where, ignore_errors=True)
        raise
    finally:
        fh.close()


def checked(path: str, tar: object) -> Iterator[tuple[list[str], Any]]:
    """(name parts, member) of every regular file of a bundle's TAR, after
    the checks of the module text; BadBundle on the first that fails."""
    import tarfile

    total = count = 0
    try:
        for m in tar:  # type: ignore[attr-defined]
            count += 1
            if count > MEMBERS_MAX:
                raise BadBundle(f"{path}: more than {MEMBERS_MAX} members (a bomb?)")
            name = m.name
            parts = [p for p in name.split("/") if p not in ("", ".")]
            if name.startswith("/") or ".." in parts or not parts or parts[0] != TOP or \
                    "\\" in name or "\0" in name:
                raise BadBundle(f"{path}: member {name!r} escapes the bundle")
            if m.isdir():
                continue
            if not m.isreg():
                what = "a link" if m.issym() or m.islnk() else "a device or FIFO"
                raise BadBundle(f"{path}: member {name!r} is {what}; a bundle holds regular "
                                "files only")
            if m.size > MEMBER_MAX:
                raise BadBundle(f"{path}: member {name!r} is {m.size} bytes (more than "
                                f"{MEMBER_MAX >> 20} MiB)")
            total += m.size
            if total > TOTAL_MAX:
                raise BadBundle(f"{path}: more than {TOTAL_MAX >> 20} MiB in all (a bomb?)")
            yield parts, m
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise BadBundle(f"{path}: a damaged bundle ({exc})") from None


def _write_out(path: str, tar: object, where: str) -> None:
    import tarfile

    try:
        for parts, m in checked(path, tar):
            src = tar.extractfile(m)  # type: ignore[attr-defined]
            if src is not None:
                _write(where, parts, src, m.size)
    except (tarfile.TarError, EOFError, zlib.error) as exc:  # a member cut short
        raise BadBundle(f"{path}: a damaged bundle ({exc})") from None
    except OSError as exc:  # our side: a full disk, say
        raise BadBundle(f"{path}: cannot write its files out: {exc.strerror or exc}") from None


def _write(where: str, parts: list[str], src: IO[bytes], size: int) -> None:
    """Write one member at WHERE/PARTS, creating its directories, never
    following a link (there are none: only this function writes here)."""
    d = where
    for p in parts[:-1]:
        d = os.path.join(d, p)
        try:
            os.mkdir(d, 0o700)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(d).st_mode):
                raise BadBundle(f"member {'/'.join(parts)!r}: {p} is a file and a "
                                "directory") from None
    target = os.path.join(d, parts[-1])
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        raise BadBundle(f"member {'/'.join(parts)!r} appears twice") from None
    with os.fdopen(fd, "wb") as out:
        left = size
        while left > 0:
            chunk = src.read(min(left, 1 << 20))
            if not chunk:
                break
            out.write(chunk)
            left -= len(chunk)


def relabel(jobset: object, bundle: Bundle) -> None:
    """Name every place in JOBSET by the bundle (host.tar.gz:etc/init/x.conf)
    instead of the temporary copy upgraph reads."""
    from upgraph.model import operands

    seen: set[int] = set()

    def fix(loc: object) -> None:
        if loc is None or id(loc) in seen:
            return
        seen.add(id(loc))
        path = getattr(loc, "path", None)
        if isinstance(path, str):
            loc.path = bundle.shown(path)  # type: ignore[attr-defined]

    for job in jobset.jobs.values():  # type: ignore[attr-defined]
        job.source = bundle.shown(job.source)
        fix(job.loc)
        for loc in (job.stanza_locs or {}).values():
            fix(loc)
        for cond in (job.start_on, job.stop_on):
            for op in operands(cond):
                fix(op.loc)
        for e in (*job.emits, *job.inferred):
            fix(e.loc)
        if job.manual is not None:
            fix(job.manual)
        for _stanza, loc in job.vendor or ():
            fix(loc)
        if job.override:
            job.override = bundle.shown(job.override)
    for d in jobset.diagnostics:  # type: ignore[attr-defined]
        fix(d.loc)
    for d in jobset.rejected.values():  # type: ignore[attr-defined]
        fix(d.loc)
    jobset.sources = [bundle.shown(s) for s in jobset.sources]  # type: ignore[attr-defined]
