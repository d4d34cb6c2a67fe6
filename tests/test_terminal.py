"""Names from job files never drive the terminal, and one record stays one line."""

from __future__ import annotations

import json
import os
import subprocess
import xml.dom.minidom

from conftest import cli, installed, write_jobs

from upgraph.render.escape import safe

EVIL = "\x1b]0;pwned\x07\x1b[2J"


def test_safe_escapes_controls_only():
    assert safe("plain") == "plain"
    assert safe("tab\tkept") == "tab\tkept"
    assert safe(EVIL) == "\\x1b]0;pwned\\x07\\x1b[2J"
    assert safe("new\nline") == "new\\nline"
    assert safe("c1\x9bx") == "c1\\x9bx"
    assert safe("bad\udcffbyte") == "bad\\xffbyte"
    assert safe("üñí ok") == "üñí ok"


def test_escape_sequences_in_job_files_are_shown_escaped(tmp_path):
    d = write_jobs(tmp_path / "d", {"j.conf": f'start on "{EVIL}"\nemits "x{EVIL}"\n'})
    for args in (["show-config"], ["show-config", "-e"], ["who-listens", EVIL],
                 ["show", "j"], ["list"], ["check-config"], ["lint"]):
        res = cli(*args, "-d", str(d))
        assert "\x1b" not in res.out + res.err, args
        assert "\x07" not in res.out + res.err, args
    assert cli("who-listens", EVIL, "-d", str(d)).out == \
        "j start on \\x1b]0;pwned\\x07\\x1b[2J\n"


def test_newline_in_a_path_keeps_a_diagnostic_on_one_line(tmp_path):
    d = tmp_path / "two\nlines"
    write_jobs(d, {"bad.conf": "start on (x\n"})
    res = cli("show-config", "-d", str(d))
    assert res.err.count("\n") == 1
    assert res.err == f"{tmp_path}/two\\nlines/bad.conf:1:12: Mismatched parentheses\n"


def test_non_utf8_file_names(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    name = os.fsencode(str(d)) + b"/caf\xe9.conf"
    with open(name, "wb") as fh:
        fh.write(b"start on startup\nemits x\n")
    for args in (["show-config"], ["dot", "-o", "-"], ["who-listens", "startup"]):
        proc = subprocess.run([installed(), *args, "-d", str(d)], capture_output=True,
                              env={**os.environ, "LC_ALL": "C.UTF-8"})
        assert proc.returncode == 0, proc.stderr
        assert b"\xe9" not in proc.stdout and b"caf\\" in proc.stdout
    dot = subprocess.run([installed(), "dot", "-o", "-", "-d", str(d)], capture_output=True)
    check = subprocess.run(["dot", "-Tsvg"], input=dot.stdout, capture_output=True)
    assert check.returncode == 0


def test_json_and_graphml_stay_valid(tmp_path):
    d = write_jobs(tmp_path / "d", {"j.conf": f'start on "{EVIL}"\nemits "x{EVIL}"\n'})
    json.loads(cli("show", "j", "--json", "-d", str(d)).out)
    graphml = cli("export", "--format", "graphml", "-d", str(d)).out
    xml.dom.minidom.parseString(graphml)  # valid XML 1.0
