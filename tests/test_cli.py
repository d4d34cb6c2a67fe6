"""One command line: options anywhere, formats everywhere, exit codes with
one meaning each, help from one text, the typer application behind it all."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, REPO, cli
from hypothesis import given, settings
from hypothesis import strategies as st

from upgraph.cli.argv import parse
from upgraph.cli.spec import BY_NAME, COMMANDS, EXIT_CODES

F = ("-d", str(FIXTURES))


@pytest.mark.parametrize("args", [
    ["-q", "who-emits", "startup", *F],
    ["who-emits", "startup", "-q", *F],
    ["who-emits", "-q", "startup", *F],
    ["--quiet", "who-emits", *F, "startup"],
])
def test_global_options_before_or_after(args):
    res = cli(*args)
    assert (res.rc, res.out) == (0, "init built-in\n")


def test_values_given_after_the_command_win_and_lists_add_up(jobdir):
    d = jobdir({"a.conf": "start on p or q\n"})
    res = cli("--emitter", "x:p", "who-emits", "q", "--emitter", "y:q", "-d", str(d))
    assert res.out == "y configured\n"
    res = cli("--profile", "rhel6", "who-emits", "mounted", "--profile", "ubuntu", *F)
    assert res.out == "mountall\nmountall built-in\n"


LOG = str(FIXTURES.parent / "logs" / "kern.log")


@pytest.mark.parametrize("cmd", [c.name for c in COMMANDS])
def test_every_command_has_json(cmd):
    args = {"who-emits": ["startup"], "who-listens": ["startup"], "show": ["udev"],
            "why": ["udev"], "deps": ["udev"], "emit": ["control-alt-delete"],
            "export": [], "log": ["--log", LOG], "blame": ["--log", LOG]}.get(cmd, [])
    if cmd == "dot":
        args = ["-o", "-"]
    if cmd == "diff":
        args = [F[-1], F[-1]]
    if cmd == "fleet":
        args = [str(FIXTURES.parent / "bundles")]
    res = cli(cmd, *args, "--json", *([] if cmd in ("collect", "diff", "fleet") else F))
    assert res.rc in (0, 1, 3), res.err
    json.loads(res.out)


@pytest.mark.parametrize("cmd", ["who-emits startup", "list", "show-config", "lint"])
def test_unknown_format_lists_the_formats(cmd):
    res = cli(*cmd.split(), "--format", "yaml", *F)
    assert res.rc == 2 and res.out == ""
    assert res.err.startswith("upgraph: unknown format 'yaml'; this command prints: ")


def test_help_is_one_text_for_fast_path_and_typer():
    from typer.testing import CliRunner

    from upgraph.cli import help as helptext
    from upgraph.cli.app import build
    from upgraph.cli.run import run

    assert cli("--help").out == helptext.top() == cli().out
    app = build(run)
    assert CliRunner().invoke(app, ["--help"]).output == helptext.top()
    for cmd in COMMANDS:
        assert cli(cmd.name, "--help").out == helptext.command(cmd)
        assert cli(cmd.name, "-h").out == helptext.command(cmd)
        assert CliRunner().invoke(app, [cmd.name, "--help"]).output == helptext.command(cmd)


def test_help_reads_well():
    text = cli("--help").out + "".join(cli(c.name, "--help").out for c in COMMANDS)
    assert "<bool>" not in text and "/ --no-" not in text
    assert all(len(line) <= 79 for line in text.splitlines())
    for code, _ in EXIT_CODES:
        assert f"\n  {code} " in cli("--help").out


def test_version():
    from upgraph import __version__

    assert cli("--version").out == f"upgraph {__version__}\n"


@pytest.mark.parametrize(("args", "message"), [
    (["who-emits"], "Missing argument 'EVENT'"),
    (["who-emits", "x", "--bogus"], "No such option: --bogus"),
    (["dot", "--depth", "many"], "'many' is not a valid int"),
    (["nosuchcommand"], "No such command 'nosuchcommand'"),
])
def test_usage_errors_are_typers_with_status_2(args, message, capsys):
    res = cli(*args)
    captured = capsys.readouterr()  # typer writes through click's own streams
    assert res.rc == 2
    assert message in res.err + captured.err + captured.out


def test_completion_is_typers():
    from typer.testing import CliRunner

    from upgraph.cli.app import build
    from upgraph.cli.run import run

    out = CliRunner().invoke(build(run), ["--show-completion", "bash"],
                             prog_name="upgraph").output
    assert "complete" in out and "upgraph" in out


def test_man_page_is_current():
    from upgraph.cli.man import page

    assert (REPO / "docs" / "upgraph.1").read_text() == page()


# -- the fast path parses exactly as typer does ------------------------------

def _typer_values(argv: list[str]) -> tuple[str, dict] | None:
    """What the typer application hands the command for ARGV."""
    from typer.testing import CliRunner

    from upgraph.cli.app import build

    seen: list = []

    def record(command, values):
        seen.append((command.name, values))
        return 0

    res = CliRunner().invoke(build(record), argv)
    return seen[0] if seen and res.exit_code == 0 else None


_WORDS = ["who-emits", "who-listens", "dot", "lint", "show-config", "startup", "-q",
          "--quiet", "-d", "/x", "-f", "-", "--json", "--format", "text", "-e", "--start",
          "--job", "udev", "-r", "a,b", "--depth", "2", "-o", "out.dot", "--emitter", "n:e",
          "-i", "a,b", "--session", "--", "--depth=3", "-qe", "-d/y", "--fail-on", "info",
          "--color-job", "red", "--root", "/r", "--profile", "rhel6", "--compat"]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=9))
def test_fast_parser_agrees_with_typer(argv):
    parsed = parse(argv)
    if parsed is None or parsed.help or parsed.version or parsed.command is None:
        return  # handed to typer itself
    theirs = _typer_values(argv)
    assert theirs is not None, argv
    name, values = theirs
    assert name == parsed.command.name
    assert values == parsed.values, argv


def test_common_lines_take_the_fast_path():
    for argv, name in ((["who-emits", "startup", "-d", "/etc/init"], "who-emits"),
                       (["dot", "-f", "x.txt", "-o", "y.dot"], "dot"),
                       (["show-config", "-e"], "show-config"),
                       (["-q", "lint", "--format", "sarif"], "lint")):
        parsed = parse(argv)
        assert parsed is not None and parsed.command is BY_NAME[name]


# -- exit statuses -------------------------------------------------------------

def test_exit_statuses(jobdir):
    good = jobdir({"a.conf": "emits e\nstart on startup\n"}, "good")
    broken = jobdir({"a.conf": "emits e\nstart on startup\n", "b.conf": "start on (x\n"},
                    "broken")
    assert cli("who-emits", "e", "-d", str(good)).rc == 0
    assert cli("who-emits", "nobody", "-d", str(good)).rc == 1
    assert cli("who-emits", "e", "-d", str(broken)).rc == 3   # answered, input broken
    assert cli("who-listens", "x", "-d", str(broken)).rc == 3
    assert cli("who-emits", "e", "-d", str(good) + "/nope").rc == 2
    res = cli("who-emits", "e", "-d", str(good), "-d", str(good) + "/nope")
    assert (res.rc, res.out) == (3, "a\n")
    assert res.err == f"{good}/nope:1:1: no such directory\n"
