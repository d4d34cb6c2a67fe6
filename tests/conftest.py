"""Shared helpers: run the installed `upgraph` as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "init"
SHARED = REPO.parent / "shared"
CORPORA = SHARED / "corpora"


class Result:
    def __init__(self, proc: subprocess.CompletedProcess) -> None:
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __repr__(self) -> str:
        return f"<rc={self.rc} out={self.out!r} err={self.err!r}>"


def run(*args: str, stdin: str | bytes | None = None, cwd: Path | None = None) -> Result:
    """`upgraph ARGS` in a subprocess, from another directory than the repo."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run(
        [sys.executable, "-m", "upgraph", *args],
        input=data if data is not None else b"",
        capture_output=True,
        cwd=cwd or Path("/"),
        timeout=120,
    )
    res = Result(proc)
    res.out = proc.stdout.decode()
    res.err = proc.stderr.decode()
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
    def make(jobs: dict[str, str | bytes]) -> Path:
        return write_jobs(tmp_path / "init", jobs)

    return make


def corpus_dirs() -> list[Path]:
    dirs = [CORPORA / "upstart-1.13" / "system", CORPORA / "upstart-1.13" / "session",
            CORPORA / "raspbmc"]
    return [d for d in dirs if d.is_dir()]
