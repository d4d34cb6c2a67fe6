"""The grammars ship inside the package, whatever directory we run from."""

from __future__ import annotations

from importlib import resources

from conftest import FIXTURES, run


def test_grammars_are_package_data():
    files = {p.name for p in resources.files("upgraph.grammar").iterdir()}
    assert {"conf.lark", "expr.lark", "showconfig.lark"} <= files


def test_runs_from_another_directory(tmp_path):
    res = run("who-emits", "startup", "-d", str(FIXTURES), cwd=tmp_path)
    assert (res.rc, res.out) == (0, "init built-in\n")


def test_help_lists_commands():
    res = run("--help")
    for cmd in ("who-emits", "who-listens", "show", "show-config"):
        assert cmd in res.out


def test_common_queries_do_not_import_heavy_modules(tmp_path):
    """Start-up stays lean: answering who-emits needs neither networkx nor graphviz."""
    import subprocess
    import sys

    for args in (["who-emits", "startup"], ["show-config"], ["dot", "-o", "-"]):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "upgraph", *args,
                               "-d", str(FIXTURES)], capture_output=True, text=True,
                              cwd=tmp_path)
        imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                    if line.startswith("import time:")}
        assert "networkx" not in imported and "graphviz" not in imported, args
