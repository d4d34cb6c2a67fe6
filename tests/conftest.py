"""Shared helpers: run upgraph in-process (most tests) or as the installed
command (a few end-to-end tests), and make job directories."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "init"
VENDOR = REPO / "fixtures" / "vendor"
SHARED = REPO.parent / "shared"
CORPORA = SHARED / "corpora"
EXPECTED = SHARED / "expected"

# Tests never write into the checkout or the user's own cache.
settings.register_profile("upgraph", database=None, deadline=None)
settings.load_profile("upgraph")
_CACHE = tempfile.mkdtemp(prefix="upgraph-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE
# Tree lines as a UTF-8 terminal draws them, whatever the machine's locale
# (tests that want ASCII set LC_ALL=C themselves); no pager, no colour.
os.environ["LC_ALL"] = "C.UTF-8"
os.environ.pop("PAGER", None)


class Result:
    def __init__(self, rc: int, out: str, err: str) -> None:
        self.rc, self.out, self.err = rc, out, err

    def __repr__(self) -> str:
        return f"<rc={self.rc} out={self.out!r} err={self.err!r}>"


class _Stdin(io.TextIOWrapper):
    def isatty(self) -> bool:
        return False


def cli(*args: str, stdin: str | bytes | None = None, cwd: Path | str | None = None) -> Result:
    """`upgraph ARGS` in this process, the way the console script runs it."""
    from upgraph.cli import run_argv

    data = stdin.encode() if isinstance(stdin, str) else (stdin or b"")
    out, err = io.StringIO(), io.StringIO()
    out.buffer = io.BytesIO()  # type: ignore[attr-defined]
    saved = sys.stdin, sys.stdout, sys.stderr, os.getcwd()
    sys.stdin = _Stdin(io.BytesIO(data))
    sys.stdout, sys.stderr = out, err
    try:
        if cwd is not None:
            os.chdir(cwd)
        rc = run_argv(list(args))
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved[:3]
        os.chdir(saved[3])
    text = out.getvalue()
    raw = out.buffer.getvalue()  # type: ignore[attr-defined]
    if raw:
        text += raw.decode("utf-8", "replace")
    return Result(rc, text, err.getvalue())


def installed() -> str:
    """The installed console script (not `python -m`, which would import the
    source tree of the current directory)."""
    return str(Path(sys.executable).with_name("upgraph"))


def run(*args: str, stdin: str | bytes | None = None, cwd: Path | None = None,
        env: dict[str, str] | None = None) -> Result:
    """The installed `upgraph ARGS` in a subprocess, from another directory."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run([installed(), *args], input=data if data is not None else b"",
                          capture_output=True, cwd=cwd or Path("/"), timeout=120,
                          env={**os.environ, **(env or {})})
    res = Result(proc.returncode, proc.stdout.decode(errors="replace"),
                 proc.stderr.decode(errors="replace"))
    assert "Traceback" not in res.err, res.err
    return res


def write_jobs(root: Path, jobs: dict[str, str | bytes]) -> Path:
    for name, text in jobs.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    return root


@pytest.fixture
def jobdir(tmp_path: Path):
    def make(jobs: dict[str, str | bytes], name: str = "init") -> Path:
        return write_jobs(tmp_path / name, jobs)

    return make


def corpus_sets() -> list[str]:
    """The real job sets that have real Upstart's outputs beside them."""
    if not EXPECTED.is_dir():
        return []
    return sorted(str(p.parent.relative_to(EXPECTED)) for p in EXPECTED.rglob("show-config.txt"))


needs_shared = pytest.mark.skipif(not CORPORA.is_dir(), reason="../shared/corpora not present")


# -- another user: attacks on root's runs, and runs without root -----------------------

def other_user() -> tuple[int, int] | None:
    """(uid, gid) of an unprivileged user to plant files as, or run as."""
    import pwd

    for name in ("nobody", "daemon"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        if entry.pw_uid != 0:
            return entry.pw_uid, entry.pw_gid
    return None


needs_root = pytest.mark.skipif(os.geteuid() != 0 or other_user() is None,
                                reason="needs root and an unprivileged user to act as")


def plant(path: Path) -> Path:
    """PATH made another user's (a file, link or directory that user planted)."""
    uid, gid = other_user()  # type: ignore[misc]
    os.lchown(path, uid, gid)
    return path


def run_as_other(*args: str, cwd: Path | str = "/",
                 env: dict[str, str] | None = None) -> Result:
    """The installed `upgraph ARGS`, run as the unprivileged user."""
    uid, gid = other_user()  # type: ignore[misc]
    proc = subprocess.run([installed(), *args], capture_output=True, cwd=cwd, timeout=120,
                          user=uid, group=gid, extra_groups=[],
                          env={**os.environ, "UPGRAPH_NO_CACHE": "1", **(env or {})})
    return Result(proc.returncode, proc.stdout.decode(errors="replace"),
                  proc.stderr.decode(errors="replace"))


def large_tree(root: Path, n: int = 6000) -> Path:
    """N job files over subdirectories: enough to be read by forked processes."""
    for i in range(n):
        sub = root / f"d{i // 1000:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"j{i}.conf").write_text(f"start on e{i} or started j{i - 1}\nemits f{i}\n")
    return root


def forked_children(proc: subprocess.Popen, seconds: float = 30) -> list[int]:
    """The pids of PROC's children, as soon as it has forked any ([] if it
    ends, or never forks, first)."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as fh:
                children = [int(p) for p in fh.read().split()]
        except OSError:
            return []
        if children:
            return children
    return []
