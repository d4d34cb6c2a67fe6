"""Safe as root (issue 18): each attack of the second campaign, performed.

Attacks that need another user plant their files as that user (root can
chown them), and skip cleanly where the test cannot be root."""

from __future__ import annotations

import json
import os
import subprocess

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


# -- 9. escaping --------------------------------------------------------------------------

def test_bidi_controls_and_line_separators_are_escaped(tmp_path):
    d = tmp_path / "init"
    d.mkdir()
    for name in ("evil\u202etxt.exe", "iso\u2066late", "two\u2028lines", "para\u2029x"):
        (d / f"{name}.conf").write_text("start on startup\n")
    out = cli("list", "-d", str(d)).out
    for shown in ("evil\\u202etxt.exe", "iso\\u2066late", "two\\u2028lines", "para\\u2029x"):
        assert shown in out
    for raw in ("\u202e", "\u2066", "\u2028", "\u2029"):
        assert raw not in out


def test_the_escape_is_one_to_one_and_names_never_merge(tmp_path):
    d = tmp_path / "init"
    d.mkdir()
    (d / "e\x1b.conf").write_text("start on startup\nemits x\n")
    (d / "e\\x1b.conf").write_text("start on startup\nemits x\n")
    out = cli("who-emits", "x", "-d", str(d)).out.splitlines()
    assert sorted(out) == ["e\\\\x1b", "e\\x1b"]  # two names, two lines, told apart
    nodes = json.loads(cli("export", "--format", "json", "-d", str(d)).out)["nodes"]
    graphml = cli("export", "--format", "graphml", "-d", str(d)).out
    dot = cli("dot", "-o", "-", "-d", str(d)).out
    assert graphml.count("<node ") == len(nodes) == 4  # 2 jobs, 2 events
    assert dot.count("shape=record") == 2
