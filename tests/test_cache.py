"""The cache: private, JSON only, bounded, and right after a file changes."""

from __future__ import annotations

import json
import os
import stat
import zlib

import pytest
from conftest import FIXTURES, REPO, cli, write_jobs

from upgraph.read import cache


def _load(path) -> dict:
    """A cache file's JSON (after its checksum line)."""
    head, _, body = path.read_bytes().partition(b"\n")
    assert head == b"%08x" % zlib.crc32(body)
    return json.loads(body)


def _store(path, data) -> None:
    """DATA into a cache file with a right checksum: only what the checksum
    cannot tell (ownership, links, shape) is left to stop it."""
    body = json.dumps(data).encode()
    path.write_bytes(b"%08x\n" % zlib.crc32(body) + body)


def _job(data: dict, name: str) -> list:
    """NAME's job entry in a job set's cache file (stored column by column)."""
    return data["jobs"][data["names"].index(name)]


def _plant(entry, data: dict, later: list, name: str = "a") -> None:
    """LATER as NAME's conditions and other fields in a cache file, with
    every checksum and length right (the .later file holds each job's
    JSON back to back; its entry gives the length)."""
    blob = entry.with_suffix(".later").read_bytes()
    pieces, at = [], 0
    for job in data["jobs"]:
        if job is not None:
            pieces.append(blob[at:at + job[5]])
            at += job[5]
    lie = _job(data, name)
    text = json.dumps(later).encode()
    pieces[[id(j) for j in data["jobs"] if j is not None].index(id(lie))] = text
    lie[5] = len(text)
    blob = b"".join(pieces)
    entry.with_suffix(".later").write_bytes(blob)
    data["later"] = zlib.crc32(blob)
    _store(entry, data)


@pytest.fixture
def private(tmp_path, monkeypatch):
    """A fresh cache home for one test."""
    home = tmp_path / "cachehome"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home / "upgraph"


def test_second_run_reuses_the_reading_and_sees_changes(private, tmp_path):
    d = write_jobs(tmp_path / "d", {"a.conf": "start on x\n", "b.conf": "emits x\n"})
    assert cli("show-config", "-d", str(d)).out == "a\n  start on x\nb\n  emits x\n"
    files = sorted(p.name for p in private.iterdir() if p.name.startswith("jobs-"))
    assert [f.rsplit(".", 1)[1] for f in files] == ["json", "later"]  # one job set
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    entry = _load(next(private.glob("jobs-*.json")))
    assert entry["names"] == ["a", "b"]
    (d / "a.conf").write_text("start on y and x\n")  # same size class, new content
    assert cli("show-config", "-d", str(d)).out == "a\n  start on (y and x)\nb\n  emits x\n"
    (d / "b.conf").unlink()
    assert cli("show-config", "-d", str(d)).out == "a\n  start on (y and x)\n"
    again = _load(next(private.glob("jobs-*.json")))
    assert again["names"] == ["a"]


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
    assert len(list(private.glob("jobs-*.later"))) == cache.MAX_JOBSETS


def test_expression_templates_one_file_per_grammar(private, tmp_path):
    d = write_jobs(tmp_path / "d", {"a.conf": "start on (a and b) or c\n"})
    cli("show-config", "-d", str(d), "--no-cache")
    assert not private.exists() or not list(private.iterdir())
    from upgraph.read.session import Reading

    reading = Reading()
    reading.memo.template(("WORD",))  # as if this run had parsed something new
    reading.remember()
    reading.memo.template(("WORD", "AND", "WORD"))
    reading.remember()
    assert len(list(private.glob("expr-*.json"))) == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to plant a file as another user")
def test_a_planted_cache_file_is_never_loaded(private, tmp_path):
    """A file another user planted in the cache directory (or one anybody may
    write) is not read: the cache holds JSON only, and only our own."""
    d = write_jobs(tmp_path / "d", {"a.conf": "start on x\n"})
    cli("show-config", "-d", str(d))
    entry = next(private.glob("jobs-*.json"))
    data = _load(entry)
    _plant(entry, data, [[["planted", None]], None, [], {}])  # a lie
    assert cli("show-config", "-d", str(d)).out == "a\n  start on planted\n"  # ours: believed
    os.chown(entry, 65534, 65534)  # now owned by `nobody`
    assert cli("show-config", "-d", str(d)).out == "a\n  start on x\n"
    os.chown(entry, 0, 0)
    entry.chmod(0o666)
    _store(entry, data)
    assert cli("show-config", "-d", str(d)).out == "a\n  start on x\n"


def test_the_cache_is_never_read_through_a_symlink(private, tmp_path):
    d = write_jobs(tmp_path / "d", {"a.conf": "start on x\n"})
    cli("show-config", "-d", str(d))
    entry = next(private.glob("jobs-*.json"))
    data = _load(entry)
    _plant(entry, data, [[["planted", None]], None, [], {}])  # the control: ours is believed
    assert cli("show-config", "-d", str(d)).out == "a\n  start on planted\n"
    elsewhere = tmp_path / "elsewhere.json"
    _store(elsewhere, data)
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
        if f.suffix == ".later":  # JSON texts back to back, each entry gives its length
            data = _load(f.with_suffix(".json"))
            assert data["later"] == zlib.crc32(f.read_bytes())
            at = 0
            for job in data["jobs"]:
                json.loads(f.read_bytes()[at:at + job[5]])
                at += job[5]
            assert at == f.stat().st_size
        else:
            _load(f)  # every other file is a checksum line and plain JSON


def test_cache_on_and_off_give_the_same_answers():
    on = cli("show-config", "-e", "-d", str(FIXTURES))
    on_again = cli("show-config", "-e", "-d", str(FIXTURES))
    off = cli("show-config", "-e", "--no-cache", "-d", str(FIXTURES))
    assert on.out == on_again.out == off.out
    assert cli("lint", "-d", str(FIXTURES)).out == \
        cli("lint", "--no-cache", "-d", str(FIXTURES)).out


def _slots(job) -> dict:
    from upgraph.model import Job, canonical

    out = {}
    for name in Job.__slots__:
        value = getattr(job, name)
        if name in ("start_on", "stop_on") and value is not None:
            from upgraph.model import operands

            value = (type(value).__name__, canonical(value) if type(value).__name__ != "Enumerated"
                     else None, [(o.event, o.args, o.loc) for o in operands(value)])
        elif name in ("emits", "inferred"):
            value = [(e.event, e.loc, tuple(e.env)) for e in value]
        elif name in ("env", "export"):
            value = list(value)
        out[name] = value
    return out


@pytest.mark.parametrize("where", ["fixtures", "vendor", *[f"corpus:{c}" for c in
                                   ("raspbmc", "rhel6-initscripts", "ubports-session",
                                    "upstart-1.13")]])
def test_every_field_survives_the_cache(where):
    """A job read back from the cache equals the job as read: every field,
    every location (stanzas, operands, emits), conditions with their form."""
    from conftest import CORPORA, VENDOR

    from upgraph.read.cache import _job_from, _job_to
    from upgraph.read.session import load
    from upgraph.read.sources import SourceSpec

    d = {"fixtures": FIXTURES, "vendor": VENDOR}.get(where) or CORPORA / where.split(":")[1]
    if not d.is_dir():
        pytest.skip(f"{d} not here")
    jobs = load(SourceSpec(conf_dirs=[str(d)], cache=False)).jobs
    assert jobs
    for job in jobs.values():
        stored = json.loads(json.dumps(_job_to(job)))
        assert _slots(_job_from(job.name, stored, job.source)) == _slots(job), job.name


def test_long_lines_and_override_locations_survive(private, tmp_path):
    """A column past 65,535 and stanzas from an override in another file keep
    their exact locations through the cache."""
    d = write_jobs(tmp_path / "d", {"a.conf": "start on x " + "y" * 70000 + " or z\n",
                                    "a.override": "\n\nstop on q\n"})
    each = ["lint", "--disable", "never-starts,stop-never-fires", "-d", str(d)]
    first = cli(*each)
    second = cli(*each)
    assert first.out == second.out == cli(*each, "--no-cache").out
    assert f"{d}/a.conf:1:70016: warning: nothing emits 'z'" in second.out
    assert f"{d}/a.override:3:9: warning: nothing emits 'q'" in second.out


def test_a_damaged_entry_is_read_afresh(private, tmp_path):
    """A damaged cache file (its checksum does not match), or an entry of
    the wrong shape, means the job file is read again."""
    d = write_jobs(tmp_path / "d", {"a.conf": "start on x\nemits y\n"})
    assert cli("show-config", "-d", str(d)).out == "a\n  emits y\n  start on x\n"
    path = next(private.glob("jobs-*.json"))
    data = _load(path)
    path.write_bytes(path.read_bytes().replace(b'"x"', b'"z"'))  # behind the checksum
    assert cli("show-config", "-d", str(d)).out == "a\n  emits y\n  start on x\n"
    _job(data, "a")[5] = [None, None, 0, {"bogus": 1}]  # checksum right, shape wrong
    _store(path, data)
    assert cli("show-config", "-d", str(d)).out == "a\n  emits y\n  start on x\n"
    data = _load(path)
    _job(data, "a")[1] = {"bogus": 1}  # the lengths add up, an entry is wrong
    _store(path, data)
    assert cli("show-config", "-d", str(d)).out == "a\n  emits y\n  start on x\n"
    data = _load(path)
    _job(data, "a")[5] += 1  # lengths that do not add up to the file
    _store(path, data)
    assert cli("show-config", "-d", str(d)).out == "a\n  emits y\n  start on x\n"
    data["sigs"].append(data["sigs"][0])  # columns of different lengths
    _store(path, data)
    assert cli("show-config", "-d", str(d)).out == "a\n  emits y\n  start on x\n"


def test_paths_are_printed_as_given_whatever_was_cached(private, tmp_path):
    """The same directory named two ways: each run prints paths the way it
    was given them, the override's too, cache or not."""
    write_jobs(tmp_path / "init", {"a.conf": "start on x\n", "a.override": "manual\n"})
    absolute = cli("lint", "-d", str(tmp_path / "init"))
    relative = cli("lint", "-d", "init", cwd=tmp_path)
    again = cli("lint", "-d", "init", cwd=tmp_path)
    assert f"{tmp_path}/init/a.override:1:1: info: disabled by override" in absolute.out
    assert relative.out == again.out == absolute.out.replace(f"{tmp_path}/", "")


def test_a_damaged_later_file_is_never_used(private, tmp_path):
    """The conditions are kept apart (jobs-*.later); if that file changes
    behind the index's back, the jobs are read afresh."""
    d = write_jobs(tmp_path / "d", {"a.conf": "start on x\n"})
    assert cli("show-config", "-d", str(d)).out == "a\n  start on x\n"
    later = next(private.glob("jobs-*.later"))
    later.write_bytes(later.read_bytes().replace(b'"x"', b'"z"'))
    assert cli("show-config", "-d", str(d)).out == "a\n  start on x\n"
    assert b'"x"' in later.read_bytes()  # and written again as it should be


def test_the_cache_follows_the_code(tmp_path):
    """A reading stored by other code is never served: change a message in
    the package's own source and the very next run shows it, though no job
    file changed (the cache is keyed on a hash of upgraph's source)."""
    import shutil
    import subprocess
    import sys

    src = tmp_path / "src"
    shutil.copytree(REPO / "upgraph", src / "upgraph",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "grammar", src / "grammar")
    d = write_jobs(tmp_path / "init", {"a.conf": "nice 99\n", "b.conf": "start on x\n"})
    env = {**os.environ, "PYTHONPATH": str(src), "XDG_CACHE_HOME": str(tmp_path / "cache")}

    def run_copy() -> str:
        proc = subprocess.run([sys.executable, "-m", "upgraph", "show-config", "-d", str(d)],
                              capture_output=True, text=True, env=env, cwd=tmp_path)
        assert proc.returncode == 3, proc.stderr
        return proc.stderr

    assert run_copy() == f"{d}/a.conf:1:6: Illegal nice value, expected -20 to 19\n"
    assert list((tmp_path / "cache" / "upgraph").glob("jobs-*.json"))  # it was cached
    conf = src / "upgraph" / "read" / "conf.py"
    conf.write_text(conf.read_text().replace("Illegal nice value", "Nice value out of range"))
    assert run_copy() == f"{d}/a.conf:1:6: Nice value out of range, expected -20 to 19\n"
