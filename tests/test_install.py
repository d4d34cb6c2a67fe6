"""A few true end-to-end tests of the installed `upgraph` command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from importlib import resources

from conftest import FIXTURES, installed, run


def test_grammar_is_package_data():
    assert "expr.lark" in {p.name for p in resources.files("upgraph.grammar").iterdir()}


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


def test_interrupt_is_a_quiet_130(tmp_path):
    r, w = os.pipe()  # stdin that never ends: upgraph waits reading it
    proc = subprocess.Popen([installed(), "who-emits", "startup"], stdin=r,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    os.close(w)
    os.close(r)
    assert proc.returncode == 130
    assert b"Traceback" not in err


def test_help_and_man_page():
    res = run("--help")
    for cmd in ("who-emits", "who-listens", "show", "list", "show-config", "check-config",
                "lint", "dot", "export"):
        assert f"\n  {cmd} " in res.out
