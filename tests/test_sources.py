"""Where jobs come from: directories walked as Upstart walks them, files,
standard input, the defaults (and --root, session directories)."""

from __future__ import annotations

import os

import pytest
from conftest import FIXTURES, cli, write_jobs

from upgraph.read.sources import session_dirs


def test_directory_walk_follows_upstart(tmp_path):
    """Hidden/backup/VCS directories are skipped, hidden files are jobs,
    symbolic links are followed and loops reported, not walked forever."""
    top = tmp_path / "init"
    for folder in (".hidden", "sub", "old~", ".git", "CVS", "x.dpkg-old", "real"):
        (top / folder).mkdir(parents=True)
    for rel, text in {".hidden/h.conf": "start on a\n", "sub/s.conf": "start on b\n",
                      "old~/o.conf": "", ".git/g.conf": "", "CVS/c.conf": "",
                      "x.dpkg-old/d.conf": "", ".dot.conf": "emits e\n", ".conf": "",
                      "real/r.conf": "start on r\n", "notes.conf.dpkg-old": ""}.items():
        (top / rel).write_text(text)
    (top / "sub" / "link").symlink_to("../real")
    (top / "real" / "loop").symlink_to("..")
    res = cli("show-config", "-d", str(top))
    assert res.out == (".dot\n  emits e\nreal/r\n  start on r\nsub/link/r\n  start on r\n"
                       "sub/s\n  start on b\n")
    assert res.err.count("directory loop (symbolic link), not followed") == 2
    assert res.rc == 0


def test_very_deep_tree(tmp_path):
    top = tmp_path / "init"
    path = top
    for _ in range(300):
        path = path / "d"
    path.mkdir(parents=True)
    (path / "deep.conf").write_text("start on x\n")
    os.symlink(str(top / ("d/" * 150)), str(path / "up"))  # a loop far down
    res = cli("show-config", "-d", str(top))
    assert res.out == "d/" * 300 + "deep\n  start on x\n"
    assert "directory loop" in res.err


def test_repeated_conf_dirs_first_owns_the_job_overrides_from_earlier(tmp_path):
    first = write_jobs(tmp_path / "user", {"a.conf": "start on user\n", "b.override": "manual\n"})
    second = write_jobs(tmp_path / "system", {"a.conf": "start on system\n",
                                              "b.conf": "start on x\n", "c.conf": "emits y\n",
                                              "c.override": "emits z\n"})
    res = cli("show-config", "-d", str(first), "-d", str(second))
    assert res.out == "a\n  start on user\nb\nc\n  emits y\n  emits z\n"


def test_mixing_dirs_and_show_config_text(tmp_path):
    text = tmp_path / "sc.txt"
    text.write_text("x\n  start on q\n")
    d = write_jobs(tmp_path / "d", {"y.conf": "emits q\n"})
    res = cli("who-emits", "q", "-f", str(text), "-d", str(d))
    assert res.out == "y\n"
    assert cli("who-listens", "q", "-f", str(text), "-d", str(d)).out == "x start on q\n"


def test_a_single_conf_file_is_one_job(tmp_path):
    f = write_jobs(tmp_path, {"udev.conf": (FIXTURES / "udev.conf").read_text()}) / "udev.conf"
    for flag in ("-d", "-f"):
        res = cli("show-config", flag, str(f))
        assert res.out == "udev\n  start on virtual-filesystems\n  stop on runlevel [06]\n"
        assert res.rc == 0


@pytest.mark.parametrize(("flag", "message"), [("-d", "no such directory"),
                                               ("-f", "no such file")])
def test_missing_sources_are_errors(tmp_path, flag, message):
    res = cli("who-emits", "startup", flag, str(tmp_path / "nope"))
    assert res.rc == 2 and res.out == ""
    assert res.err == f"{tmp_path}/nope:1:1: {message}\n"


def test_empty_directory_says_so(tmp_path):
    (tmp_path / "empty").mkdir()
    res = cli("who-emits", "startup", "-d", str(tmp_path / "empty"))
    assert (res.rc, res.out) == (0, "init built-in\n")
    assert res.err == f"{tmp_path}/empty:1:1: warning: no *.conf in {tmp_path}/empty\n"


def test_binary_files_are_input_errors_and_others_load(tmp_path):
    d = write_jobs(tmp_path / "d", {"bin.conf": b"\x00ELF", "ok.conf": "start on a\n"})
    res = cli("show-config", "-d", str(d))
    assert (res.rc, res.out) == (3, "ok\n  start on a\n")
    assert f"{d}/bin.conf:1:1: binary file (contains NUL bytes), skipped\n" in res.err


def test_an_oversized_job_file_is_exit_3_and_said_even_with_quiet(tmp_path):
    """A 17 MB backdoor.conf must not vanish without a word."""
    d = write_jobs(tmp_path / "d", {"backdoor.conf": "start on startup\n" + "#" * (17 << 20),
                                    "ok.conf": "start on a\n"})
    res = cli("list", "-q", "-d", str(d))
    assert res.rc == 3
    assert res.err == f"{d}/backdoor.conf:1:1: larger than 16 MiB, not read as a job file\n"


def test_an_unreadable_job_file_is_exit_3_with_quiet(monkeypatch, tmp_path):
    """A job file the system refuses to open (as a 0600 file refuses a user
    who is not root): simulated, since the tests may run as root."""
    d = write_jobs(tmp_path / "d", {"secret.conf": "start on a\n", "ok.conf": "start on a\n"})
    real_open = os.open

    def refusing(path, *args, **kwargs):
        if str(path).endswith("secret.conf"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing)
    res = cli("list", "-q", "--no-cache", "-d", str(d))
    assert res.rc == 3
    assert res.err == f"{d}/secret.conf:1:1: cannot read: Permission denied\n"


def test_override_that_fails_keeps_the_stanzas_before_the_error(tmp_path):
    d = write_jobs(tmp_path / "d", {"j.conf": "start on a\nemits e1\n",
                                    "j.override": "emits e2\nstart on (b\n"})
    res = cli("show-config", "-d", str(d))
    assert res.out == "j\n  emits e1\n  emits e2\n  start on a\n"
    assert res.err == (f"{d}/j.override:2:12: Mismatched parentheses (the override's "
                       "stanzas before this line still apply)\n")
    assert res.rc == 3


def test_an_unreadable_override_is_not_applied_and_is_an_input_error(tmp_path):
    d = write_jobs(tmp_path / "d", {"j.conf": "start on a\n", "j.override": b"\x00\x01manual"})
    res = cli("show-config", "-d", str(d))
    assert (res.rc, res.out) == (3, "j\n  start on a\n")
    assert "j.override:1:1: binary file" in res.err
    assert "override not applied; j is used as" in res.err


def test_root_takes_default_paths_under_it(tmp_path):
    root = tmp_path / "image"
    write_jobs(root / "etc" / "init", {"a.conf": "start on startup\n"})
    res = cli("who-listens", "startup", "--root", str(root), cwd=tmp_path)
    assert res.out == "a start on startup\n"
    res = cli("who-listens", "startup", "--root", str(tmp_path / "empty"), cwd=tmp_path)
    assert res.rc == 2 and "no jobs to read under" in res.err


def test_session_directories_in_search_order():
    env = {"HOME": "/home/u", "XDG_CONFIG_HOME": "/c", "XDG_CONFIG_DIRS": "/x:/y"}
    assert session_dirs(env) == ["/c/upstart", "/home/u/.init", "/x/upstart", "/y/upstart",
                                 "/usr/share/upstart/sessions"]
    env = {"HOME": "/home/u"}
    assert session_dirs(env)[:3] == ["/home/u/.config/upstart", "/home/u/.init",
                                     "/etc/xdg/upstart"]


def test_session_mode_reads_session_directories(tmp_path, monkeypatch):
    write_jobs(tmp_path / "cfg" / "upstart", {"mine.conf": "start on desktop-start\n"})
    write_jobs(tmp_path / "xdg" / "upstart", {"mine.conf": "start on other\n",
                                              "theirs.conf": "start on startup\n"})
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    res = cli("--session", "show-config", "--no-cache", cwd=tmp_path)
    assert res.out == "mine\n  start on desktop-start\ntheirs\n  start on startup\n"


def test_closed_stdin_and_no_source(tmp_path):
    import subprocess

    from conftest import installed

    proc = subprocess.run([installed(), "who-emits", "startup", "--root", str(tmp_path)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert proc.returncode == 2 and "pass --conf-dir" in proc.stderr
    proc = subprocess.run(f"{installed()} who-emits startup --root {tmp_path} <&-",
                          shell=True, capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_huge_lines_and_endless_input_are_bounded(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "w") as fh:
        fh.write("a\n  start on x\n")
        fh.write("b\n  start on " + "y" * (2 << 20) + "\n")
        fh.write("c\n  start on z\n")
    res = cli("show-config", "-f", str(big))
    assert res.out == "a\n  start on x\nb\nc\n  start on z\n"
    assert "line longer than 1 MiB, skipped" in res.err
    res = cli("show-config", "-f", "/dev/zero")
    assert (res.rc, res.out) == (0, "")
    assert res.err == "/dev/zero:1:1: warning: binary data (NUL bytes), not read\n"


@pytest.mark.parametrize("cache", ["--no-cache", "--cache"])
def test_a_job_given_as_text_is_not_read_again_from_a_directory(tmp_path, monkeypatch, cache):
    """--infile is read before --conf-dir: a job it gives is that job."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    text = tmp_path / "show-config.txt"
    text.write_text("a\n  start on from-text\n")
    d = write_jobs(tmp_path / "d", {"a.conf": "start on from-dir\n", "b.conf": "task\n"})
    res = cli("show-config", *([cache] if cache == "--no-cache" else []),
              "-f", str(text), "-d", str(d))
    assert (res.rc, res.out) == (0, "a\n  start on from-text\nb\n")


@pytest.mark.parametrize("cache", ["--no-cache", "--cache"])
def test_reading_in_parallel_gives_the_same_job_set(monkeypatch, tmp_path, cache):
    """Large trees are read by forked processes; whatever the split, the
    jobs, their order, their diagnostics and what is cached are the same."""
    from upgraph.read import session

    d = write_jobs(tmp_path / "d", {
        **{f"j{i:02d}.conf": f"start on started j{i - 1:02d} or e{i}\nemits e{i + 1}\n"
           for i in range(30)},
        "bad.conf": "start on (x\n", "bad2.conf": "nice 99\n",
        "j05.override": "stop on runlevel [06]\n", "sub/deep.conf": "task\n"})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    args = [cache] if cache == "--no-cache" else []
    serial = [cli(*c, *args, "-d", str(d)) for c in (["show-config", "-e"], ["lint"])]
    monkeypatch.setattr(session, "PARALLEL_MIN", 2)
    monkeypatch.setattr(session, "processors", lambda: 3)
    monkeypatch.setattr(session, "PART_MIN", 4)  # several parts, out of step
    if cache == "--cache":
        for f in (tmp_path / "cache" / "upgraph").iterdir():
            f.unlink()  # read afresh, in parallel
    from upgraph.read import expr

    parallel = [cli(*c, *args, "-d", str(d)) for c in (["show-config", "-e"], ["lint"])]
    assert [(r.rc, r.out, r.err) for r in parallel] == [(r.rc, r.out, r.err) for r in serial]
    assert "bad2.conf:1:6: Illegal nice value, expected -20 to 19" in serial[0].err
    if cache == "--cache":  # the shapes the forked readers learnt are kept
        from upgraph.read.cache import Store

        assert "WORD WORD OR WORD" in Store.open().load_shapes(expr.grammar())


def test_forked_checkers_notice_every_changed_file(monkeypatch, tmp_path):
    """On a second run of a large set, forked processes check which files
    changed: the changed ones are read afresh, wherever they fall in the
    parts, and the rest come from the cache."""
    from upgraph.read import session

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(session, "PARALLEL_MIN", 2)
    monkeypatch.setattr(session, "processors", lambda: 3)  # two checkers
    monkeypatch.setattr(session, "PART_MIN", 3)
    monkeypatch.setattr(session, "SIGN_CHUNK", 3)  # taking chunks in turn
    d = write_jobs(tmp_path / "d", {f"j{i:02d}.conf": f"start on e{i}\n" for i in range(20)})
    want = "".join(f"j{i:02d}\n  start on e{i}\n" for i in range(20))
    assert cli("show-config", "-d", str(d)).out == want
    for i in (0, 7, 19):  # first, middle and last part
        (d / f"j{i:02d}.conf").write_text(f"start on new{i}\n")
        want = want.replace(f"start on e{i}\n", f"start on new{i}\n")
    (d / "j08.override").write_text("manual\n")
    want = want.replace("j08\n  start on e8\n", "j08\n")
    assert cli("show-config", "-d", str(d)).out == want
    assert cli("show-config", "-d", str(d), "--no-cache").out == want
    # and what has not changed does come from the cache: a planted lie shows
    from test_cache import _load, _plant

    index = next((tmp_path / "cache" / "upgraph").glob("jobs-*.json"))
    _plant(index, _load(index), [[["planted", None]], None, [], {}], "j13")
    planted = want.replace("start on e13\n", "start on planted\n")
    assert cli("show-config", "-d", str(d)).out == planted

    def no_fork() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)  # no process to spare: stat'ed here
    assert cli("show-config", "-d", str(d)).out == planted
