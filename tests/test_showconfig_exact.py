"""show-config must match initctl byte for byte (semantics §3-§5, §9)."""

from __future__ import annotations

import pytest
from conftest import run

CASES = [
    # (start on text, expected canonical form)
    ("A or B and C", "((A or B) and C)"),
    ("a or b or c or d", "(((a or b) or c) or d)"),
    ("A and (B FOO=BAR or starting C x=y)", "(A and (B FOO=BAR or starting C x=y))"),
    ("(starting mountall or (runlevel [016] and (stopped gdm or stopped kdm or "
     "stopped xdm A=B or stopping lxdm)))",
     "(starting mountall or (runlevel [016] and (((stopped gdm or stopped kdm) or "
     "stopped xdm A=B) or stopping lxdm)))"),
    ('"and" or B', "(and or B)"),
    ("'single quoted' x='a b'", "single quoted x=a b"),
    ('stopping JOB="a b"', "stopping JOB=a b"),
    ("(((a)))", "a"),
    ("stopping dbus#x", "stopping dbus"),
    ("(a or # comment\n   b\n   and c)", "((a or b) and c)"),
    ("runlevel [!2345] colour=blue or starting rocket",
     "(runlevel [!2345] colour=blue or starting rocket)"),
    ("started $WAIT_FOR", "started $WAIT_FOR"),
    ("foo a\\ b c=\"d\\\"e\"", 'foo a b c=d"e'),
    ("net-device-up IFACE!=lo", "net-device-up IFACE!=lo"),
]


@pytest.mark.parametrize(("cond", "expected"), CASES)
def test_canonical_start_on(jobdir, cond, expected):
    d = jobdir({"j.conf": f"start on {cond}\n"})
    res = run("show-config", "-d", str(d))
    assert res.out == f"j\n  start on {expected}\n"
    assert res.rc == 0


def test_full_record_order_emits_start_stop(jobdir):
    d = jobdir({"foo.conf": "stop on (bar HELLO=world testing=123 or stopping wibble)\n"
                            "emits boing\nstart on starting A and (B or C var=2)\n"
                            "emits blip\n"})
    res = run("show-config", "-d", str(d))
    assert res.out == (
        "foo\n  emits boing\n  emits blip\n"
        "  start on (starting A and (B or C var=2))\n"
        "  stop on (bar HELLO=world testing=123 or stopping wibble)\n")


def test_enumerated_form(jobdir):
    d = jobdir({"foo.conf":
                "emits bong\n"
                "start on starting boo P=Q c=sea and B x=y or runlevel [016]\n"
                "stop on A or stopping c=d JOB=bang e=f g=h\n"})
    res = run("show-config", "-e", "-d", str(d))
    assert res.out == (
        "foo\n  emits bong\n"
        "  start on starting (job: boo, env: P=Q c=sea)\n"
        "  start on B (job:, env: x=y)\n"
        "  start on runlevel (job:, env: [016])\n"
        "  stop on A (job:, env:)\n"
        "  stop on stopping (job: bang, env: c=d e=f g=h)\n")


def test_enumerated_quoted_job(jobdir):
    d = jobdir({"q.conf": 'start on stopping JOB="a b"\n'})
    assert run("show-config", "-e", "-d", str(d)).out == \
        "q\n  start on stopping (job: a b, env:)\n"


def test_job_event_without_job_and_first_job_arg_wins(jobdir):
    d = jobdir({"a.conf": "start on started x=y\nstop on stopped foo JOB=bar\n"})
    assert run("show-config", "-e", "-d", str(d)).out == (
        "a\n  start on started (job:, env: x=y)\n"
        "  stop on stopped (job: foo, env: JOB=bar)\n")


def test_sorted_by_name_and_empty_conf(jobdir):
    d = jobdir({"b.conf": "start on x\n", "a.conf": "", "sub/c.conf": "emits e\n"})
    assert run("show-config", "-d", str(d)).out == \
        "a\nb\n  start on x\nsub/c\n  emits e\n"


def test_manual_ordering(jobdir):
    d = jobdir({"before.conf": "manual\nstart on a\n", "after.conf": "start on a\nmanual\n"})
    assert run("show-config", "-d", str(d)).out == "after\nbefore\n  start on a\n"


def test_last_stanza_wins_and_emits_accumulate(jobdir):
    d = jobdir({"j.conf": "start on a\nemits x y\nstart on b\nemits z\n"})
    assert run("show-config", "-d", str(d)).out == \
        "j\n  emits x\n  emits y\n  emits z\n  start on b\n"


def test_override_replaces_start_adds_emits(jobdir):
    d = jobdir({"j.conf": "start on a\nemits x\n", "j.override": "start on b\nemits y\n",
                "k.conf": "start on a\n", "k.override": "manual\n",
                "orphan.override": "start on z\n"})
    assert run("show-config", "-d", str(d)).out == \
        "j\n  emits x\n  emits y\n  start on b\nk\n"


def test_single_job_and_unknown_job(jobdir):
    d = jobdir({"mountall.conf": "start on startup\n", "udev.conf": ""})
    assert run("show-config", "udev", "-d", str(d)).out == "udev\n"
    res = run("show-config", "mountal", "-d", str(d))
    assert res.rc == 1 and res.out == ""
    assert "unknown job 'mountal'; did you mean: mountall?" in res.err


def test_script_bodies_are_not_stanzas(jobdir):
    d = jobdir({"j.conf": "script\n  start on bogus\n  emits nothing\n  end script # c\n"
                          "pre-start script\nexec foo\n   end   script\n"
                          "start on real\n"})
    res = run("show-config", "-d", str(d))
    assert (res.rc, res.out, res.err) == (0, "j\n  start on real\n", "")


def test_plain_roundtrip_through_showconfig_text(jobdir):
    """Reading our own plain output back gives the same output."""
    d = jobdir({"p.conf": "start on (starting mountall or (runlevel [016] and "
                          "(stopped gdm or stopped kdm)))\nstop on a or b and c\nemits q\n"})
    first = run("show-config", "-d", str(d)).out
    again = run("show-config", "-f", "-", stdin=first).out
    assert again == first


def test_every_upstart_stanza_form_is_accepted(jobdir):
    """The stanzas of init(5) in their documented forms load without a word."""
    d = jobdir({"all.conf": "\n".join([
        "instance $TTY", 'description "d"', 'author "a"', "version 1.0", "env K=V",
        "export K", "emits e", "expect fork", "task", "kill signal INT", "kill timeout 5",
        "reload signal USR1", "respawn", "respawn limit 10 5", "respawn limit unlimited",
        "normal exit 0 1 TERM SIGHUP", "console log", "console output", "console owner",
        "console none", "umask 022", "nice -5", "oom score -500", "oom score never",
        "limit nofile 1024 unlimited", "chroot /srv", "chdir /tmp", "setuid daemon",
        "setgid daemon", "debug", 'usage "tty DEV=ttyX"', "apparmor load /etc/p",
        "apparmor switch /usr/sbin/cupsd", "cgroup cpu", "cgroup memory $UPSTART_CGROUP "
        "limit_in_bytes 52428800", "pre-start exec /bin/true", "post-stop script",
        "  true", "end script", "exec /bin/sleep 1", "start on a", "stop on b", ""])})
    res = run("show-config", "-d", str(d))
    assert (res.rc, res.err) == (0, "")
    assert res.out == "all\n  emits e\n  start on a\n  stop on b\n"
