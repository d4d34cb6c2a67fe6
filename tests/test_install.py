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
