"""who-emits, who-listens, show and list: complete answers, text and JSON."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, REPO, cli

from upgraph.answers.show import show
from upgraph.answers.who_emits import who_emits
from upgraph.answers.who_listens import who_listens
from upgraph.knowledge.index import Knowledge, UnknownName
from upgraph.read.session import load
from upgraph.read.sources import SourceSpec

CHROMEOS = REPO / "fixtures" / "chromeos"


@pytest.fixture(scope="module")
def k() -> Knowledge:
    return Knowledge(load(SourceSpec([str(FIXTURES)], cache=False)))


def test_who_emits_declared_glob_builtin(k):
    assert [(e.name, e.kind, e.via) for e in who_emits(k, "net-device-up").emitters] == [
        ("network-interface", "job", None), ("networking", "job", None),
        ("ifupdown", "built-in", None)]
    assert [(e.name, e.via) for e in who_emits(k, "usb-device-added").emitters] == [
        ("upstart-udev-bridge", "*-device-added")]


def test_who_emits_glob_question_covers_every_event(k):
    names = {e.name for e in who_emits(k, "net-device-*").emitters}
    assert names == {"network-interface", "networking", "ifupdown", "upstart-udev-bridge"}


def test_inferred_emitters_are_marked_and_apart(k):
    found = who_emits(k, "run-ready").emitters
    assert [(e.name, e.inferred, e.location) for e in found] == [
        ("mounted-run", True, f"{FIXTURES}/mounted-run.conf:6:5")]
    assert k.jobs["mounted-run"].emitted == []


def test_unknown_event_suggests(k):
    with pytest.raises(UnknownName) as exc:
        who_emits(k, "local-filesystem")
    assert str(exc.value) == ("unknown event 'local-filesystem'; did you mean: "
                              "local-filesystems, filesystem, virtual-filesystems, "
                              "remote-filesystems?")


def test_who_listens_filters(k):
    assert [(x.job, x.operand) for x in who_listens(k, "started", job="udev").listeners] == [
        ("udev-finish", "started udev"), ("udevtrigger", "started udev")]
    stops = who_listens(k, "runlevel", which="stop").listeners
    assert stops and all(x.condition == "stop on" for x in stops)
    assert ("rc", "runlevel [!$RUNLEVEL]") in {(x.job, x.operand) for x in stops}


def test_configured_emitters_count_for_who_emits_too(jobdir):
    d = jobdir({"s.conf": "start on start-user-session\n"})
    res = cli("who-emits", "start-user-session", "--emitter", "session_manager:"
              "start-user-session", "-d", str(d))
    assert (res.rc, res.out) == (0, "session_manager configured\n")
    res = cli("who-emits", "start-user-session", "-d", str(d))
    assert (res.rc, res.out, res.err) == (1, "", "upgraph: nothing emits "
                                          "'start-user-session'\n")


def test_builtins_follow_the_system_profile():
    res = cli("who-emits", "local-filesystems", "-d", str(CHROMEOS))
    assert res.rc == 1
    assert res.err == "upgraph: unknown event 'local-filesystems'\n"
    res = cli("who-emits", "login-prompt-visible", "--json", "-d", str(CHROMEOS))
    data = json.loads(res.out)["emitters"][0]
    assert (data["name"], data["kind"], data["profile"]) == (
        "session_manager", "built-in", "chromeos")
    res = cli("who-emits", "local-filesystems", "--profile", "ubuntu", "-d", str(CHROMEOS))
    assert res.out == "mountall built-in\n"


def test_session_mode_knows_session_end_everywhere(jobdir):
    d = jobdir({"a.conf": "start on startup\nstop on session-end\n"})
    assert cli("who-emits", "session-end", "--session", "-d", str(d)).out == "init built-in\n"
    assert cli("check-config", "--session", "-d", str(d)).out == ""
    assert cli("check-config", "-d", str(d)).out == "a\n  stop on: unknown event session-end\n"


def test_show_report_text(k):
    res = cli("show", "udev", "-d", str(FIXTURES))
    assert res.rc == 0
    assert res.out == f"""udev
  defined at   {FIXTURES}/udev.conf:1:1
  description  device node and kernel event manager
  type         service
  start on     virtual-filesystems
  stop on      runlevel [06]
  emits        -
  waits for
    start on virtual-filesystems  <- mountall, mountall [built-in]
    stop on runlevel [06]  <- rc-sysinit, telinit [built-in]
  waited on by
    udev-finish start on started udev
    udevtrigger start on started udev
"""


def test_show_json_locates_waiters_like_who_listens(k):
    data = json.loads(cli("show", "udev", "--json", "-d", str(FIXTURES)).out)
    where = {x["job"]: x["location"] for x in data["waited_on_by"]}
    listens = json.loads(cli("who-listens", "started", "--job", "udev", "--json", "-d",
                             str(FIXTURES)).out)
    assert where == {x["job"]: x["location"] for x in listens["listeners"]}
    assert all(where.values())


def test_show_keeps_inferred_apart(k):
    report = show(k, "mounted-run")
    assert (report.emits, report.inferred_emits) == ([], ["run-ready"])


def test_show_of_a_job_that_was_not_loaded(jobdir):
    d = jobdir({"pre-shutdown.conf": "start on x\nexec foo 'unclosed\n",
                "ui.conf": "stop on stopping pre-shutdown\n"})
    res = cli("show", "pre-shutdown", "-d", str(d))
    assert res.rc == 3  # input errors: see spec.EXIT_CODES
    assert res.err.endswith(f"upgraph: {d}/pre-shutdown.conf was not loaded: line 2:10: "
                            "Unterminated quoted string\n")


def test_list_states(jobdir):
    d = jobdir({"a.conf": "start on x\n", "b.conf": "start on y\ntask\n",
                "b.override": "manual\n", "c.conf": "instance $X\n"})
    res = cli("list", "-d", str(d))
    assert res.out == (
        f"a  enabled   service  {d}/a.conf:1:1\n"
        f"b  disabled  task     {d}/b.conf:1:1  (manual in {d}/b.override:1:1)\n"
        f"c  by-hand   service  {d}/c.conf:1:1 instance $X  (no start on)\n")
    rows = json.loads(cli("list", "--json", "-d", str(d)).out)["rows"]
    assert [(r["name"], r["state"], r["why"]) for r in rows] == [
        ("a", "enabled", None), ("b", "disabled", f"manual in {d}/b.override:1:1"),
        ("c", "by-hand", "no start on")]


def test_an_unknown_job_on_the_command_line_is_a_usage_error():
    """show, who-listens --job, why, deps, boot --to, dot -r: exit 2 with close
    matches; an unknown event is an answer (1); show-config keeps initctl's 1."""
    from conftest import FIXTURES

    d = str(FIXTURES)
    for args in (["show", "udv"], ["who-listens", "started", "--job", "udv"],
                 ["why", "udv"], ["deps", "udv"], ["boot", "--to", "udv"]):
        res = cli(*args, "-d", d)
        assert (res.rc, res.out) == (2, ""), args
        assert res.err == "upgraph: unknown job 'udv'; did you mean: udev?\n", args
    res = cli("dot", "-r", "udv", "-o", "-", "-d", d)
    assert res.rc == 2 and "did you mean: udev?" in res.err
    assert cli("who-emits", "no-such-event", "-d", d).rc == 1
    assert cli("show-config", "udv", "-d", d).rc == 1
