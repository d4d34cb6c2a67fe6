"""Bad input: Upstart's message at path:line:col, the job dropped, the rest
analysed, exit status 1, never a traceback."""

from __future__ import annotations

import pytest
from conftest import run

ERRORS = [
    ("start on a or\nstart on b\n", "1:14", "Expected event"),
    ("start on a and and b\n", "1:16", "Expected event"),
    ("start on (a\n", "1:12", "Mismatched parentheses"),
    ("start on a)\n", "1:11", "Mismatched parentheses"),
    ("start on (a or\n# only a comment\n b)\n", "2:1", "Expected token"),
    ("start on (a or\n\n b)\n", "2:1", "Expected token"),
    ("script\n  echo hi\n", "1:1", "Unterminated block"),
    ("start on foo a=b c\n", "1:18", "Expected variable name before value"),
    ("exec\n", "1:5", "Expected token"),
    ("pre-start exec\n", "1:15", "Expected token"),
    ("post-stop bogus\n", "1:11", "Unknown stanza"),
    ("env\n", "1:4", "Expected token"),
    ("stop on\n", "1:8", "Expected token"),
    ("start on a (b)\n", "1:12", "Expected operator"),
    ("task now\n", "1:6", "Unexpected token"),
    ("expect forked\n", "1:8", "Unknown stanza"),
    ('description "never closed\n', "1:13", "Unterminated quoted string"),
    ("nice 40\n", "1:6", "Illegal nice value, expected -20 to 19"),
]


@pytest.mark.parametrize(("text", "where", "message"), ERRORS)
def test_syntax_error_reported_job_dropped(jobdir, text, where, message):
    d = jobdir({"bad.conf": text, "good.conf": "start on startup\n"})
    res = run("show-config", "-d", str(d))
    assert res.rc == 1
    assert res.out == "good\n  start on startup\n"
    assert res.err == f"{d}/bad.conf:{where}: {message}\n"


def test_unknown_stanza_is_a_warning_and_job_kept(jobdir):
    d = jobdir({"v.conf": "import FOO\ntmpfiles /x\nstart on a\n"})
    res = run("show-config", "-d", str(d))
    assert res.rc == 0
    assert res.out == "v\n  start on a\n"
    assert res.err == (f"{d}/v.conf:1:1: warning: Unknown stanza 'import' (kept the job)\n"
                       f"{d}/v.conf:2:1: warning: Unknown stanza 'tmpfiles' (kept the job)\n")


@pytest.mark.parametrize("content", [
    b"\x00\x01\x02binary\xff",
    b"start on \xff\xfe bad utf8\n",
    b"start on " + b"x" * 1_000_000 + b"\n",
    b"start on ((((((((a\n",
    b"start on ))))\n",
    b"pre-start script\necho\n",
    b"\\",
    b"'",
    b"start on (\n",
    bytes(range(1, 256)),
])
def test_hostile_bytes_never_traceback(jobdir, content):
    d = jobdir({"x.conf": content, "ok.conf": "emits fine\n"})
    res = run("show-config", "-d", str(d))  # run() asserts no traceback
    assert "ok\n  emits fine\n" in res.out
    assert res.rc in (0, 1)


def test_binary_file_warns_and_others_load(jobdir):
    d = jobdir({"bin.conf": b"\x00ELF", "ok.conf": "start on a\n"})
    res = run("show-config", "-d", str(d))
    assert res.out == "ok\n  start on a\n"
    assert "bin.conf:1:1: warning: binary file" in res.err


def test_no_source_at_all_exits_2(tmp_path):
    # stdin is empty and /etc/init does not exist on the test machine
    import os

    if os.path.isdir("/etc/init"):
        pytest.skip("/etc/init exists here")
    res = run("who-emits", "startup", cwd=tmp_path)
    assert res.rc == 2
    assert "pass --conf-dir" in res.err


def test_missing_directory_is_an_error(tmp_path):
    res = run("show-config", "-d", str(tmp_path / "nope"))
    assert res.rc == 1
    assert "not a directory" in res.err


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
    res = run("show-config", "-d", str(top))
    assert res.out == (".dot\n  emits e\nreal/r\n  start on r\nsub/link/r\n  start on r\n"
                       "sub/s\n  start on b\n")
    assert res.err.count("directory loop (symbolic link), not followed") == 2
    assert res.rc == 0


def test_first_error_of_a_file_is_the_one_reported(jobdir):
    d = jobdir({"two.conf": "emits ok\nnice 40\nstart on foo a=b c\nstart on (a\n"})
    res = run("show-config", "-d", str(d))
    assert res.err == f"{d}/two.conf:2:6: Illegal nice value, expected -20 to 19\n"
    assert (res.rc, res.out) == (1, "")


def test_quiet_hides_warnings_not_errors(jobdir):
    d = jobdir({"v.conf": "import X\nstart on a\n", "bad.conf": "start on (\n"})
    res = run("--quiet", "show-config", "-d", str(d))
    assert res.err == f"{d}/bad.conf:1:11: Expected event\n"
    assert (res.rc, res.out) == (1, "v\n  start on a\n")
