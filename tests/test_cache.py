"""The cache: private, JSON only, bounded, and right after a file changes."""

from __future__ import annotations

import json
import os
import stat

import pytest
from conftest import FIXTURES, cli, write_jobs

from upgraph import cache


@pytest.fixture
def private(tmp_path, monkeypatch):
    """A fresh cache home for one test."""
    home = tmp_path / "cachehome"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home / "upgraph"


def test_second_run_reuses_the_reading_and_sees_changes(private, tmp_path):
    d = write_jobs(tmp_path / "d", {"a.conf": "start on x\n", "b.conf": "emits x\n"})
    assert cli("show-config", "-d", str(d)).out == "a\n  start on x\nb\n  emits x\n"
    files = sorted(p.name for p in private.iterdir())
    assert len([f for f in files if f.startswith("jobs-")]) == 1
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    entry = json.loads(next(private.glob("jobs-*.json")).read_text())
    assert set(entry["jobs"]) == {"a", "b"}
    (d / "a.conf").write_text("start on y and x\n")  # same size class, new content
    assert cli("show-config", "-d", str(d)).out == "a\n  start on (y and x)\nb\n  emits x\n"
    (d / "b.conf").unlink()
    assert cli("show-config", "-d", str(d)).out == "a\n  start on (y and x)\n"
    again = json.loads(next(private.glob("jobs-*.json")).read_text())
    assert set(again["jobs"]) == {"a"}


def test_errors_are_remembered_too(private, tmp_path):
    d = write_jobs(tmp_path / "d", {"bad.conf": "start on (x\n"})
    first = cli("show-config", "-d", str(d))
    second = cli("show-config", "-d", str(d))
    assert (first.rc, first.err) == (second.rc, second.err) == (
        3, f"{d}/bad.conf:1:12: Mismatched parentheses\n")


def test_one_entry_per_job_set_and_bounded(private, tmp_path):
    for i in range(cache.MAX_JOBSETS + 3):
        d = write_jobs(tmp_path / f"set{i}", {"a.conf": f"start on e{i}\n"})
        cli("show-config", "-d", str(d))
        cli("show-config", "-d", str(d))
    assert len(list(private.glob("jobs-*.json"))) == cache.MAX_JOBSETS


def test_expression_templates_one_file_per_grammar(private, tmp_path):
    d = write_jobs(tmp_path / "d", {"a.conf": "start on (a and b) or c\n"})
    cli("show-config", "-d", str(d), "--no-cache")
    assert not private.exists() or not list(private.iterdir())
    from upgraph.parse import expr

    expr._LEARNT.append(("WORD",))  # as if this run had parsed something new
    expr.remember()
    expr.remember()
    assert len(list(private.glob("expr-*.json"))) == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to plant a file as another user")
def test_a_planted_cache_file_is_never_loaded(private, tmp_path):
    """A file another user planted in the cache directory (or one anybody may
    write) is not read: the cache holds JSON only, and only our own."""
    d = write_jobs(tmp_path / "d", {"a.conf": "start on x\n"})
    cli("show-config", "-d", str(d))
    entry = next(private.glob("jobs-*.json"))
    data = json.loads(entry.read_text())
    data["jobs"]["a"][1][3] = [["planted", [], None]]  # a lie about a's condition
    entry.write_text(json.dumps(data))
    os.chown(entry, 65534, 65534)  # now owned by `nobody`
    assert cli("show-config", "-d", str(d)).out == "a\n  start on x\n"
    os.chown(entry, 0, 0)
    entry.chmod(0o666)
    entry.write_text(json.dumps(data))
    assert cli("show-config", "-d", str(d)).out == "a\n  start on x\n"


def test_the_cache_is_never_read_through_a_symlink(private, tmp_path):
    d = write_jobs(tmp_path / "d", {"a.conf": "start on x\n"})
    cli("show-config", "-d", str(d))
    entry = next(private.glob("jobs-*.json"))
    data = json.loads(entry.read_text())
    data["jobs"]["a"][1][3] = [["planted", [], None]]
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps(data))
    entry.unlink()
    entry.symlink_to(elsewhere)
    assert cli("show-config", "-d", str(d)).out == "a\n  start on x\n"


def test_a_directory_others_can_write_is_not_used(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # world-writable, no sticky bit: anybody could swap files
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared))
    assert cache.directory() is None
    shared.chmod(0o1777)  # like /tmp: sticky, so our own directory is safe in it
    assert cache.directory() == str(shared / "upgraph")
    assert stat.S_IMODE((shared / "upgraph").stat().st_mode) == 0o700


def test_no_pickles_anywhere(private, tmp_path):
    d = write_jobs(tmp_path / "d", {"a.conf": "start on (a or b) and c\n"})
    cli("show-config", "-d", str(d))
    for f in private.iterdir():
        json.loads(f.read_text())  # every file is plain JSON


def test_cache_on_and_off_give_the_same_answers():
    on = cli("show-config", "-e", "-d", str(FIXTURES))
    on_again = cli("show-config", "-e", "-d", str(FIXTURES))
    off = cli("show-config", "-e", "--no-cache", "-d", str(FIXTURES))
    assert on.out == on_again.out == off.out
    assert cli("lint", "-d", str(FIXTURES)).out == \
        cli("lint", "--no-cache", "-d", str(FIXTURES)).out
