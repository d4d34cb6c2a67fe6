"""check-config prints what `initctl check-config` prints (semantics §6)."""

from __future__ import annotations

from conftest import cli

PLYMOUTH = ("start on (starting mountall or (runlevel [016] and (stopped gdm or stopped kdm "
            "or stopped xdm or stopped lxdm)))\n")


def test_first_failing_node_right_most_first(jobdir):
    d = jobdir({"plymouth.conf": PLYMOUTH, "mountall.conf": ""})
    res = cli("check-config", "--ignore-events=runlevel", "-d", str(d))
    assert res.out == ("plymouth\n  start on: unknown job lxdm\n  start on: unknown job xdm\n"
                       "  start on: unknown job kdm\n  start on: unknown job gdm\n")
    assert res.rc == 1


def test_or_with_one_known_side_is_fine_unless_warn(jobdir):
    d = jobdir({"j.conf": "start on startup or bogus\n"})
    res = cli("check-config", "-d", str(d))
    assert (res.rc, res.out) == (0, "")
    res = cli("check-config", "--warn", "-d", str(d))
    assert (res.rc, res.out) == (1, "j\n  start on: unknown event bogus\n")


def test_start_before_stop_and_job_and_event_kinds(jobdir):
    d = jobdir({"foo.conf": "stop on peach\nstart on starting grape\n"})
    assert cli("check-config", "-d", str(d)).out == \
        "foo\n  start on: unknown job grape\n  stop on: unknown event peach\n"


def test_and_of_partly_known(jobdir):
    d = jobdir({"bar.conf": "start on (A and (started B or (starting C or D)))\n",
                "a.conf": "emits A\n"})
    assert cli("check-config", "-d", str(d)).out == (
        "bar\n  start on: unknown event D\n  start on: unknown job C\n"
        "  start on: unknown job B\n")


def test_glob_emits_known_everywhere_and_variables(jobdir):
    d = jobdir({"bridge.conf": "emits *-device-added\n",
                "n.conf": "start on net-device-added and started $WAIT_FOR\n"
                          "stop on stopped JOB=$X\n"})
    assert cli("check-config", "-d", str(d)).rc == 0


def test_init_events_known_and_session_end(jobdir):
    d = jobdir({"j.conf": "start on startup and control-alt-delete and keyboard-request "
                          "and power-status-changed and debug\nstop on session-end\n"})
    assert cli("check-config", "-d", str(d)).out == "j\n  stop on: unknown event session-end\n"
    assert cli("check-config", "--session", "-d", str(d)).rc == 0


def test_names_with_spaces_are_misread_like_initctl(jobdir):
    d = jobdir({"q.conf": "start on 'single quoted'\nstop on stopping JOB=\"a b\"\n"})
    assert cli("check-config", "-d", str(d)).out == (
        "q\n  start on: unknown event single\n  start on: unknown job quoted\n"
        "  stop on: unknown job a b\n")


def test_single_job_and_invalid_job_class(jobdir):
    d = jobdir({"a.conf": "start on x\n", "b.conf": "start on y\n"})
    assert cli("check-config", "b", "-d", str(d)).out == "b\n  start on: unknown event y\n"
    res = cli("check-config", "nope", "-d", str(d))
    assert (res.rc, res.out) == (1, "")
    assert res.err == "upgraph: Invalid job class: nope\n"


def test_clean_set_exits_0(jobdir):
    d = jobdir({"a.conf": "emits x\nstart on startup\n", "b.conf": "start on x or started a\n"})
    res = cli("check-config", "-d", str(d))
    assert (res.rc, res.out) == (0, "")


def test_enumerated_input_checked_as_and_with_one_warning(jobdir):
    d = jobdir({"j.conf": "start on startup or bogus\n"})
    text = cli("show-config", "-e", "-d", str(d)).out
    res = cli("check-config", stdin=text)
    assert (res.rc, res.out) == (1, "j\n  start on: unknown event bogus\n")
    assert res.err.count("\n") == 1 and "as if every operator were `and`" in res.err


def test_json(jobdir):
    import json

    d = jobdir({"foo.conf": "stop on peach\nstart on starting grape\n"})
    data = json.loads(cli("check-config", "--json", "-d", str(d)).out)
    assert data == {"ok": False, "operators_known": True, "jobs": [
        {"name": "foo", "lines": ["start on: unknown job grape", "stop on: unknown event peach"]}]}
