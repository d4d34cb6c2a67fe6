"""What a new user meets first: each complaint of issue 15 ("what users
hit"), performed as the user did it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from conftest import FIXTURES, REPO, cli, installed, run

needs_graphviz = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz")


# -- shell completion ---------------------------------------------------------------

def _complete(line: str, env: dict[str, str] | None = None) -> list[str]:
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    res = run(env={"_UPGRAPH_COMPLETE": "complete_bash", "COMP_WORDS": line,
                   "COMP_CWORD": str(cword), **(env or {})})
    assert res.rc == 0 and res.err == ""
    return res.out.splitlines()


def test_completion_script_is_bash_and_calls_upgraph_back():
    out = run("--show-completion", "bash").out
    assert "complete -o default -F" in out and "_UPGRAPH_COMPLETE=complete_bash" in out


def test_completion_of_commands_options_choices_jobs_and_events():
    assert _complete("upgraph who-") == ["who-emits", "who-listens"]
    assert _complete("upgraph lint --fail") == ["--fail-on"]
    assert _complete("upgraph lint --fail-on ") == ["error", "warning", "info"]
    assert _complete(f"upgraph why -d {FIXTURES} tt") == [f"tty{i}" for i in range(1, 7)]
    assert _complete(f"upgraph who-emits -d {FIXTURES} local-f") == ["local-filesystems"]
    assert _complete(f"upgraph dot -d {FIXTURES} -r udev,mountall-") == ["udev,mountall-net"]
    assert _complete("upgraph lint --disable never-starts,unknown-e") == [
        "never-starts,unknown-event"]
    assert _complete("upgraph lint -d ") == []  # bash completes directory names itself


def test_completion_never_prints_an_error_for_a_missing_directory():
    assert _complete("upgraph why -d /nonexistent tt") == []


# -- where output goes --------------------------------------------------------------

@needs_graphviz
def test_dot_picture_format_without_o_goes_to_upstart_dot_format(tmp_path):
    res = cli("dot", "--format", "png", "-d", str(FIXTURES), cwd=tmp_path)
    assert (res.rc, res.out) == (0, "")
    assert (tmp_path / "upstart.png").read_bytes()[:4] == b"\x89PNG"
    assert not (tmp_path / "upstart.dot").exists()


def test_dot_json_without_o_goes_to_standard_output(tmp_path):
    res = cli("dot", "--json", "-d", str(FIXTURES), cwd=tmp_path)
    assert res.rc == 0 and json.loads(res.out)["directed"] is True
    assert list(tmp_path.iterdir()) == []


def test_dot_without_o_keeps_initctl2dots_upstart_dot(tmp_path):
    res = cli("dot", "-d", str(FIXTURES), cwd=tmp_path)
    assert (res.rc, res.out) == (0, "")
    assert (tmp_path / "upstart.dot").read_text().startswith("digraph upstart {")


# -- bad sources ----------------------------------------------------------------------

def test_lint_of_a_missing_directory_says_so_with_exit_2():
    res = cli("lint", "-d", "/nonexistent-upgraph")
    assert (res.rc, res.out) == (2, "")
    assert res.err == "/nonexistent-upgraph:1:1: no such directory\n"


def test_a_file_that_is_not_a_job_given_to_d_is_exit_2():
    res = cli("list", "-d", str(REPO / "README.md"))
    assert (res.rc, res.out) == (2, "")
    assert res.err.startswith(f"upgraph: {REPO}/README.md: not a job directory nor a .conf")


def test_a_missing_home_is_never_created(tmp_path):
    home = tmp_path / "nonexistent"
    res = run("who-emits", "startup", "-d", str(FIXTURES),
              env={"HOME": str(home), "XDG_CACHE_HOME": ""})
    assert (res.rc, res.out, res.err) == (0, "init built-in\n", "")
    assert not home.exists()


def test_dash_capital_v_is_version():
    from upgraph import __version__

    assert cli("-V").out == cli("--version").out == f"upgraph {__version__}\n"


# -- what is printed ----------------------------------------------------------------------

def test_tree_lines_are_ascii_outside_a_utf8_locale(monkeypatch):
    monkeypatch.setenv("LC_ALL", "C")
    res = cli("deps", "udev", "--reverse", "--depth", "1", "-d", str(FIXTURES))
    assert res.out == ("udev\n|- udev-finish (start on started udev)\n"
                       "`- udevtrigger (start on started udev)\n")
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert cli("deps", "udev", "--reverse", "--depth", "1", "-d", str(FIXTURES)).out == (
        "udev\n├─ udev-finish (start on started udev)\n└─ udevtrigger (start on started udev)\n")


def test_lint_with_the_chromeos_dialect_reports_none_of_its_stanzas(jobdir):
    d = jobdir({"a.conf": "import X\ntmpfiles /x\nstart on startup\n"})
    res = cli("lint", "--dialect", "chromeos", "--fail-on", "info", "-d", str(d))
    assert (res.rc, res.out) == (0, "")


def test_lint_disable_on_the_command_line(jobdir):
    d = jobdir({"a.conf": "emits x\nstart on startup\n"})
    assert "[unused-emit]" in cli("lint", "-d", str(d)).out
    assert cli("lint", "--disable", "unused-emit", "-d", str(d)).out == ""
    res = cli("lint", "--disable", "unused-emits", "-d", str(d))
    assert (res.rc, res.err) == (2, "upgraph: --disable: no rule 'unused-emits'; did you "
                                    "mean: unused-emit, undeclared-emit?\n")


def test_who_emits_a_glob_names_the_event_of_each_line():
    res = cli("who-emits", "net-device-*", "-d", str(FIXTURES))
    assert res.out == (
        "network-interface for net-device-down\n"
        "network-interface for net-device-up\n"
        "networking for net-device-up\n"
        "ifupdown built-in for net-device-down\n"
        "ifupdown built-in for net-device-up\n"
        "upstart-udev-bridge built-in for net-device-added via *-device-added\n"
        "upstart-udev-bridge built-in for net-device-removed via *-device-removed\n")
    rows = json.loads(cli("who-emits", "net-device-*", "-d", str(FIXTURES), "--json").out)
    assert {(e["name"], e["event"], e["via"]) for e in rows["emitters"]
            if e["name"] == "upstart-udev-bridge"} == {
        ("upstart-udev-bridge", "net-device-added", "*-device-added"),
        ("upstart-udev-bridge", "net-device-removed", "*-device-removed")}


def test_unknown_stanza_is_a_lint_error_with_did_you_mean(jobdir):
    d = jobdir({"a.conf": "strat on startup\nexec x\n", "b.conf": "start on started a\n"})
    res = cli("lint", "-d", str(d))
    assert res.rc == 1
    assert f"{d}/a.conf:1:1: error: Unknown stanza 'strat'; did you mean: start on? " \
           "[unknown-stanza]" in res.out.splitlines()


def test_dot_restrict_takes_globs():
    res = cli("export", "-r", "mount*", "-d", str(FIXTURES))
    assert json.loads(res.out)["graph"]["restricted"] == [
        "mountall", "mountall-net", "mounted-run", "mounted-tmp"]
    res = cli("dot", "-r", "zz*", "-o", "-", "-d", str(FIXTURES))
    assert (res.rc, res.err) == (2, "upgraph: -r zz*: no job matches\n")


# -- the terminal ------------------------------------------------------------------------

def _on_a_terminal(argv: list[str], env: dict[str, str]) -> bytes:
    """ARGV run with a pseudo-terminal as standard input, output and error."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child
        os.environ.update(env)
        try:
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    out = b""
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
    os.waitpid(pid, 0)
    return out


def test_colour_on_a_terminal_and_never_with_no_color():
    argv = [installed(), "lint", "--no-pager", "-d", str(FIXTURES)]
    coloured = _on_a_terminal(argv, {"TERM": "xterm"})
    assert b"\x1b[33mwarning\x1b[0m" in coloured
    assert b"\x1b[" not in _on_a_terminal(argv, {"TERM": "xterm", "NO_COLOR": "1"})
    assert b"\x1b[" not in subprocess.run(argv, capture_output=True).stdout


def test_long_output_on_a_terminal_goes_through_the_pager(tmp_path):
    paged = tmp_path / "paged"
    env = {"PAGER": f"cat > {paged}", "LINES": "10", "COLUMNS": "80", "TERM": "xterm"}
    out = _on_a_terminal([installed(), "list", "-d", str(FIXTURES)], env)
    assert out == b"" and paged.read_text().count("\n") == 39
    paged.unlink()
    out = _on_a_terminal([installed(), "list", "--no-pager", "-d", str(FIXTURES)], env)
    assert out.count(b"\n") == 39 and not paged.exists()
    out = _on_a_terminal([installed(), "who-emits", "startup", "-d", str(FIXTURES)], env)
    assert out == b"init built-in\r\n" and not paged.exists()  # short: printed at once


def test_the_man_page_has_examples_files_and_environment():
    page = (REPO / "docs" / "upgraph.1").read_text()
    for section in (".SH EXAMPLES", ".SH FILES", ".SH ENVIRONMENT"):
        assert section in page
    for name in ("XDG_CACHE_HOME", "UPGRAPH_NO_CACHE", "NO_COLOR", "PAGER", "upgraph.toml"):
        assert name in page


def test_progress_shows_after_a_second_on_a_terminal_only_and_is_cleared(monkeypatch):
    import io

    from upgraph.cli import terminal

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    clock = [100.0]
    monkeypatch.setattr(terminal.time, "monotonic", lambda: clock[0])
    out = Tty()
    progress = terminal.Progress("reading job files", out)
    progress(1000, 5000)  # within the first second: nothing
    assert out.getvalue() == ""
    clock[0] += 1.5
    progress(2000, 5000)
    progress.clear()
    assert out.getvalue() == "\rreading job files: 2000/5000\x1b[K\r\x1b[K"
    quiet = io.StringIO()  # not a terminal: never
    progress = terminal.Progress("reading job files", quiet)
    clock[0] += 5
    progress(3000, 5000)
    progress.clear()
    assert quiet.getvalue() == ""


def test_a_long_reading_reports_its_progress(monkeypatch, tmp_path):
    from upgraph.read import session
    from upgraph.read.session import Reading
    from upgraph.read.sources import SourceSpec

    d = tmp_path / "init"
    d.mkdir()
    for i in range(2500):
        (d / f"j{i}.conf").write_text(f"start on e{i}\n")
    seen: list[tuple[int, int]] = []
    monkeypatch.setattr(session, "processors", lambda: 1)
    reading = Reading(cache=False, progress=lambda done, total: seen.append((done, total)))
    assert len(reading.load(SourceSpec([str(d)], cache=False)).jobs) == 2500
    assert seen == [(1000, 2500), (2000, 2500)]
