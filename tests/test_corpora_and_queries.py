"""Real job sets load cleanly and the questions get complete answers."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from conftest import FIXTURES, corpus_dirs, run

pytestmark = pytest.mark.skipif(not corpus_dirs(), reason="../shared/corpora not present")


@pytest.mark.parametrize("d", corpus_dirs(), ids=lambda p: p.name)
def test_every_corpus_job_loads(d):
    res = run("show-config", "-d", str(d))
    names = [ln for ln in res.out.splitlines() if not ln.startswith(" ")]
    expected = sorted(p.relative_to(d).as_posix()[:-5] for p in d.rglob("*.conf"))
    assert names == expected
    assert res.rc == 0, res.err


@pytest.mark.parametrize("d", corpus_dirs(), ids=lambda p: p.name)
def test_enumerated_roundtrip(d):
    first = run("show-config", "-e", "-d", str(d)).out
    assert run("show-config", "-e", "-f", "-", stdin=first).out == first


def _grep_conf(d, pattern: str) -> set[str]:
    """Independent check: which .conf files mention PATTERN in a condition."""
    hits = set()
    for p in d.rglob("*.conf"):
        text = p.read_text(errors="replace")
        text = re.sub(r"(?ms)^\s*(pre-start|post-start|pre-stop|post-stop)?\s*script\b.*?"
                      r"^\s*end script", "", text)
        for m in re.finditer(r"(?m)^\s*(start|stop) on\b((?:.*\\\n|.*\(\n?)*.*)", text):
            if re.search(rf"(?<![\w-]){re.escape(pattern)}(?![\w-])", m.group(2)):
                hits.add(p.relative_to(d).as_posix()[:-5])
    return hits


def test_who_listens_startup_raspbmc_complete():
    d = [c for c in corpus_dirs() if c.name == "raspbmc"][0]
    res = run("who-listens", "startup", "-d", str(d))
    jobs = {ln.split(" ")[0] for ln in res.out.splitlines()}
    assert jobs == _grep_conf(d, "startup")
    assert res.rc == 0


def test_who_emits_startup_is_init():
    for d in corpus_dirs():
        res = run("who-emits", "startup", "-d", str(d))
        assert res.out == "init built-in\n"


def test_grep_excerpt_finds_every_listener_and_emitter(tmp_path):
    """`initctl show-config | grep -B8 startup` excerpts, cut-off records included."""
    d = [c for c in corpus_dirs() if c.name == "raspbmc"][0]
    for flag in ([], ["-e"]):
        full = run("show-config", *flag, "-d", str(d)).out
        (tmp_path / "full").write_text(full)
        excerpt = subprocess.run(["grep", "-B8", "startup", str(tmp_path / "full")],
                                 capture_output=True, text=True).stdout
        want = run("who-listens", "startup", "-d", str(d)).out
        got = run("who-listens", "startup", stdin=excerpt)
        assert {ln.split(" ")[0] for ln in got.out.splitlines()} == \
            {ln.split(" ")[0] for ln in want.splitlines()}


def test_grep_excerpt_with_cut_off_first_record():
    text = ("  emits mounted\n  emits virtual-filesystems\n  start on startup\n--\n"
            "udev\n  start on startup\n  stop on runlevel [06]\n")
    res = run("who-listens", "startup", stdin=text)
    assert res.out == ("<unnamed at <stdin>:1> start on startup\n"
                       "udev start on startup\n")
    assert "no job name above them" in res.err
    emit = run("who-emits", "virtual-filesystems", stdin=text)
    assert emit.out == "<unnamed at <stdin>:1>\nmountall built-in\n"


def test_fixtures_who_emits_glob_and_builtin():
    res = run("who-emits", "net-device-up", "-d", str(FIXTURES))
    assert res.out == "network-interface\nnetworking\nifupdown built-in\n"
    res = run("who-emits", "usb-device-added", "-d", str(FIXTURES))
    assert res.out == "upstart-udev-bridge built-in via *-device-added\n"


def test_fixtures_who_listens_job_filter_and_stop():
    res = run("who-listens", "started", "--job", "udev", "-d", str(FIXTURES))
    assert res.out == ("udev-finish start on started udev\n"
                       "udevtrigger start on started udev\n")
    res = run("who-listens", "runlevel", "--stop", "-d", str(FIXTURES))
    lines = res.out.splitlines()
    assert "rc stop on runlevel [!$RUNLEVEL]" in lines
    assert all(" stop on " in ln for ln in lines)


def test_json_output_is_data():
    res = run("who-emits", "local-filesystems", "--json", "-d", str(FIXTURES))
    data = json.loads(res.out)
    assert data["event"] == "local-filesystems"
    assert [(e["name"], e["kind"]) for e in data["emitters"]] == \
        [("mountall", "job"), ("mountall", "built-in")]
    assert data["emitters"][0]["location"].endswith("fixtures/init/mountall.conf:8:7")


def test_unknown_event_suggests_and_exits_1():
    res = run("who-emits", "local-filesystem", "-d", str(FIXTURES))
    assert res.rc == 1 and res.out == ""
    assert "unknown event 'local-filesystem'; did you mean: local-filesystems" in res.err


def test_emitters_of_job_declared_events():
    res = run("who-emits", "plymouth-ready", "-d", str(FIXTURES))
    assert res.out == "plymouth-ready\n" and res.rc == 0
    res = run("who-emits", "unmounted-remote-filesystems", "-d", str(FIXTURES))
    assert res.out.splitlines()[0] == "rc"


def test_show_reports_waits_and_waiters():
    res = run("show", "udev", "-d", str(FIXTURES))
    assert res.rc == 0
    assert "  start on     virtual-filesystems" in res.out
    assert "    start on virtual-filesystems  <- mountall, mountall [built-in]" in res.out
    assert "    udevtrigger start on started udev" in res.out


def test_piped_showconfig_is_read_from_stdin():
    text = run("show-config", "-d", str(FIXTURES)).out
    res = run("who-listens", "startup", stdin=text)
    assert res.out == ("hostname start on startup\nmountall start on startup\n"
                       "udevtrigger start on startup\n")
