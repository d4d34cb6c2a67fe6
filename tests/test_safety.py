"""Safe as root (issue 18): each attack of the second campaign, performed.

Attacks that need another user plant their files as that user (root can
chown them), and skip cleanly where the test cannot be root."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import FIXTURES, cli, installed, write_jobs


# -- 7. exit status and tracebacks ------------------------------------------------------

def _run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([installed(), *args], capture_output=False, stderr=subprocess.PIPE,
                          timeout=60, **kwargs)  # type: ignore[call-overload]


def test_closed_standard_output_is_one_line_and_exit_2():
    proc = _run("who-emits", "startup", "-d", str(FIXTURES), stdout=subprocess.DEVNULL,
                preexec_fn=lambda: os.close(1))
    assert (proc.returncode, proc.stderr) == (
        2, b"upgraph: cannot write standard output: it is closed\n")


def test_a_full_standard_output_is_one_line_and_exit_2():
    with open("/dev/full", "wb") as full:
        for args in (["who-emits", "startup", "-d", str(FIXTURES)], ["--help"]):
            proc = _run(*args, stdout=full)
            assert (proc.returncode, proc.stderr) == (
                2, b"upgraph: cannot write standard output: No space left on device\n")


def test_a_file_name_that_is_not_utf8_in_sarif(tmp_path):
    d = tmp_path / "init"
    d.mkdir()
    (d / os.fsdecode(b"a\xff.conf")).write_text("start on nobody-emits-this\n")
    res = cli("lint", "--format", "sarif", "-d", str(d))
    assert res.rc == 0
    uri = json.loads(res.out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"]["uri"]
    assert uri.endswith("a%FF.conf")


def test_no_process_to_fork_reads_in_one_process(monkeypatch, tmp_path):
    """ulimit -u: every fork fails (BlockingIOError); the answer is the same."""
    from upgraph.read import session

    d = write_jobs(tmp_path / "d", {f"j{i}.conf": f"start on e{i}\nemits f{i}\n"
                                    for i in range(40)})
    serial = cli("show-config", "--no-cache", "-d", str(d))

    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(session, "PARALLEL_MIN", 2)
    monkeypatch.setattr(session, "processors", lambda: 2)
    monkeypatch.setattr(os, "fork", no_fork)
    assert cli("show-config", "--no-cache", "-d", str(d)).out == serial.out
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cli("show-config", "-d", str(d))  # writes the cache (in this process)
    assert cli("show-config", "-d", str(d)).out == serial.out  # stats in this process
