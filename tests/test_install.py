"""A few true end-to-end tests of the installed `upgraph` command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from conftest import FIXTURES, forked_children, installed, large_tree, run


def test_grammar_is_package_data(tmp_path):
    """The installed package carries its grammar (asked from another
    directory, so that `python -m pytest` in the checkout asks the same)."""
    code = ("from importlib import resources; "
            "print(*sorted(p.name for p in resources.files('upgraph.grammar').iterdir()))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path)
    assert "expr.lark" in proc.stdout.split(), proc.stderr


def test_runs_from_another_directory(tmp_path):
    res = run("who-emits", "startup", "-d", str(FIXTURES), cwd=tmp_path)
    assert (res.rc, res.out) == (0, "init built-in\n")


def test_piped_text_and_a_closed_pipe(tmp_path):
    text = run("show-config", "-d", str(FIXTURES)).out
    res = run("who-listens", "startup", stdin=text, cwd=tmp_path)
    assert res.out == ("hostname start on startup\nmountall start on startup\n"
                       "udevtrigger start on startup\n")
    proc = subprocess.run(f"{installed()} show-config -e -d {FIXTURES} | head -1",
                          shell=True, capture_output=True, text=True)
    assert proc.stdout == "acpid\n" and proc.stderr == ""


def test_common_commands_import_neither_typer_nor_lark_nor_networkx(tmp_path):
    """Start-up stays lean: a warm who-emits needs none of the heavy modules."""
    for args in (["who-emits", "startup", "-d", str(FIXTURES)],
                 ["show-config", "-d", str(FIXTURES)],
                 ["dot", "-o", "-", "-d", str(FIXTURES)]):
        run(*args)  # warm the cache
        proc = subprocess.run([sys.executable, "-X", "importtime", installed(), *args],
                              capture_output=True, text=True, cwd=tmp_path)
        imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                    if line.startswith("import time:")}
        assert not imported & {"typer", "click", "lark", "networkx", "graphviz",
                               "dataclasses", "typing"}, (args, imported)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="forked readers need 2 CPUs")
def test_ctrl_c_during_a_forked_read_is_one_line_and_exit_130(tmp_path):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it)
    while forked processes read a large tree: exit 130, one line on stderr,
    and no reader is left behind."""
    d = large_tree(tmp_path / "init")
    proc = subprocess.Popen([installed(), "who-emits", "f1", "--no-cache", "-d", str(d)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                            start_new_session=True)
    children = forked_children(proc)
    assert children, "the readers were never forked"
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, out, err) == (130, b"", b"upgraph: interrupted\n")
    for pid in children:
        assert not os.path.exists(f"/proc/{pid}") or \
            open(f"/proc/{pid}/stat").read().split()[2] == "Z"


def test_help_and_man_page():
    res = run("--help")
    for cmd in ("who-emits", "who-listens", "show", "list", "show-config", "check-config",
                "lint", "dot", "export"):
        assert f"\n  {cmd} " in res.out
