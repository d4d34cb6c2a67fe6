"""The boot simulator, rule by rule (shared/docs/upstart-boot-semantics.md),
against a real daemon's outcomes, and the boot/why/deps/emit commands."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from conftest import CORPORA, EXPECTED, FIXTURES, cli, needs_shared, write_jobs

from upgraph.answers.why import why
from upgraph.boot.machine import fnv_bin, matches
from upgraph.boot.model import simulate
from upgraph.knowledge.index import Knowledge
from upgraph.read.session import load
from upgraph.read.sources import SourceSpec

FULL_START = ["waiting->starting", "starting->security-spawning",
              "security-spawning->security", "security->pre-starting",
              "pre-starting->pre-start", "pre-start->spawning", "spawning->spawned",
              "spawned->post-starting", "post-starting->post-start", "post-start->running"]
TASK_END = ["running->stopping", "stopping->killed", "killed->post-stopping",
            "post-stopping->post-stop", "post-stop->waiting"]


def boot(tmp_path, jobs: dict[str, str], **kw):
    d = write_jobs(tmp_path / "init", {f"{n}.conf": t for n, t in jobs.items()})
    k = Knowledge(load(SourceSpec([str(d)], cache=False)))
    return simulate(k, "declared" if kw.pop("declared_only", True) else "real", **kw)


def states(r, name: str) -> list[str]:
    return [f"{c.old}->{c.new}" for c in r.machine.by_name[name].history]


def first_wave(r, name: str, to: str) -> int:
    return next(c.wave for c in r.machine.by_name[name].history if c.new == to)


def event(r, name: str, *env: str):
    return next(e for e in r.machine.events if e.name == name and tuple(e.env) == env)


# -- the daemon's own outcomes ---------------------------------------------------

def outcome(r) -> dict:
    m = r.machine
    counts = Counter((e.name, tuple(e.env)) for e in m.events)
    return {
        "started": sorted(r.started()),
        "final": r.final(),
        "per_job_states": {c.name: [f"{h.old}->{h.new}" for h in c.history]
                           for c in m.classes if c.history},
        "events_multiset": sorted([n, list(env), c] for (n, env), c in counts.items()),
        "unfinished_events": sorted([e.name, e.env, held, waiting]
                                    for e, held, waiting in r.unfinished()),
        "jobs_not_at_rest": sorted(i.label for i in r.not_at_rest()),
        "never_started": sorted(c.name for c in m.classes if c.name not in r.started()),
    }


DAEMON_SETS = sorted(str(p.parent.relative_to(EXPECTED))
               for p in EXPECTED.rglob("boot-declared-only.json")) \
    if EXPECTED.is_dir() else []


@needs_shared
@pytest.mark.parametrize("order", ["upstart", "alpha"])
@pytest.mark.parametrize("jobset", DAEMON_SETS)
def test_declared_only_reproduces_the_daemon(jobset, order):
    want = json.loads((EXPECTED / jobset / "boot-declared-only.json").read_text())
    k = Knowledge(load(SourceSpec([str(CORPORA / jobset)], cache=False)))
    got = outcome(simulate(k, "declared", order=order))
    want["unfinished_events"] = sorted(want["unfinished_events"])
    for key, value in got.items():
        assert value == want[key], key


@needs_shared
def test_declared_only_json_carries_what_the_daemon_showed():
    data = json.loads(cli("boot", "--declared-only", "--json", "-d",
                          str(CORPORA / "raspbmc")).out)
    want = json.loads((EXPECTED / "raspbmc" / "boot-declared-only.json").read_text())
    assert sorted(j for j, v in data["jobs"].items() if v["started"]) == want["started"]
    assert sorted(f"{j} {v['goal']}/{v['state']}" for j, v in data["jobs"].items()) == \
        want["final"]
    assert {j: v["states"] for j, v in data["jobs"].items() if v["states"]} == \
        want["per_job_states"]
    assert data["settled"] is True and data["model"] == "declared"
    unfinished = sorted([u["event"], u["env"], u["held_by"], u["waiting"]]
                        for u in data["unfinished"])
    assert unfinished == sorted(want["unfinished_events"])
    assert {e["name"] for e in data["events"] if not e["finished"]} == \
        {u[0] for u in want["unfinished_events"]}


# -- rules --------------------------------------------------------------------------

def test_hash_order_is_fnv1_mod_17():
    # the semantics document's example: plymouth 3, mountall 6, udevtrigger 11, hostname 13
    assert [fnv_bin(n) for n in ("plymouth", "mountall", "udevtrigger", "hostname")] == \
        [3, 6, 11, 13]


def test_every_start_passes_through_security_and_a_job_without_processes_is_instant(
        tmp_path):
    r = boot(tmp_path, {"abstract": "start on startup\n", "svc": "start on startup\n"
                        "exec sleep 1\n"})
    assert states(r, "abstract") == FULL_START
    assert {c.wave for c in r.machine.by_name["abstract"].history} == {0}
    assert states(r, "svc") == FULL_START


def test_a_hook_blocks_until_the_job_it_started_finishes(tmp_path):
    r = boot(tmp_path, {
        "a": "start on startup\nexec daemon\n",
        "hook": "start on starting a\ntask\nexec true\n",
    })
    assert first_wave(r, "hook", "waiting") <= first_wave(r, "a", "pre-starting")
    starting_a = event(r, "starting", "JOB=a", "INSTANCE=")
    assert starting_a.finished_wave == first_wave(r, "hook", "waiting")
    assert r.settled


def test_service_releases_at_running_task_at_waiting(tmp_path):
    r = boot(tmp_path, {
        "emitter": "start on startup\nemits go\nexec x\n",
        "svc": "start on go\nexec sleep 1\n",
        "tsk": "start on go\ntask\nexec true\n",
    })
    go = event(r, "go")
    assert go.finished_wave == first_wave(r, "tsk", "waiting")
    assert go.finished_wave > first_wave(r, "svc", "running")


def test_and_latches_and_holds_what_it_matched(tmp_path):
    r = boot(tmp_path, {
        "x": "start on startup\nemits a\nexec x\n",
        "y": "start on started x\nemits b\nexec y\n",
        "j": "start on a and b\nexec j\n",
    })
    a, b = event(r, "a"), event(r, "b")
    assert a.wave < b.wave
    assert a.finished_wave >= first_wave(r, "j", "running")  # held until j runs
    assert "j" in r.started()


def test_half_matched_and_holds_forever(tmp_path):
    """Confirmed on the daemon: X waits in starting forever, startup never finishes."""
    r = boot(tmp_path, {"x": "start on startup\nexec x\n",
                        "w": "start on starting x and started x\nexec w\n"})
    assert [i.label + " " + i.goal + "/" + i.state for i in r.not_at_rest()] == \
        ["x start/starting"]
    assert {e.name for e, _h, _w in r.unfinished()} == {"startup", "starting"}
    assert not r.settled
    w = why(r, "x")
    assert w.reason == "cycle" and "held by w (half of its start condition)" in w.chain[0]
    assert w.chain[-1] == "w and x wait for each other (a deadlock)"
    w = why(r, "w")
    assert w.reason == "cycle"
    assert w.summary == ("w never starts: a deadlock with x: it waits for `started x`, but x "
                         "is stuck in start/starting until `starting JOB=x INSTANCE=` "
                         "finishes, and w holds that event (half of its start condition)")


@pytest.mark.parametrize(("pattern", "env", "result"), [
    ("runlevel [2345]", ["RUNLEVEL=2", "PREVLEVEL=N"], True),
    ("runlevel [!2345]", ["RUNLEVEL=2", "PREVLEVEL=N"], False),
    ("runlevel N", ["RUNLEVEL=2", "PREVLEVEL=N"], False),
    ("runlevel RUNLEVEL!=2", ["RUNLEVEL=2", "PREVLEVEL=N"], False),
    ("runlevel FOO!=x", ["RUNLEVEL=2", "PREVLEVEL=N"], False),  # != needs FOO
    ("runlevel PREVLEVEL=N", ["RUNLEVEL=2", "PREVLEVEL=N"], True),
    ("runlevel 2 N", ["RUNLEVEL=2", "PREVLEVEL=N"], True),
    ("runlevel", ["RUNLEVEL=2", "PREVLEVEL=N"], True),
    ("stopped rc RUNLEVEL=[2345]", ["JOB=rc", "INSTANCE=", "RESULT=ok", "RUNLEVEL=2",
                                    "PREVLEVEL=N"], True),
    ("started udev", ["JOB=udev", "INSTANCE="], True),
    ("started JOB=udev", ["JOB=udev", "INSTANCE="], True),
    ("mounted MOUNTPOINT!=/", [], False),
    ("e X=a*", ["X=abc"], True),
    ("e X=${NOPE:-abc}", ["X=abc"], True),
    ("e X=$NOPE", ["X=abc"], False),
])
def test_matching(pattern, env, result):
    from upgraph.boot.machine import Event
    from upgraph.model import Operand

    words = pattern.split()
    assert matches(Operand(words[0], tuple(words[1:])), Event(1, words[0], env, 0, "t"),
                   None) is result


def test_variables_in_start_on_are_never_expanded(tmp_path):
    """Confirmed on the daemon: env WHO=x + start on stopped JOB=$WHO never starts."""
    r = boot(tmp_path, {"x": "start on startup\ntask\nexec true\n",
                        "j": "env WHO=x\nstart on stopped JOB=$WHO\nexec j\n"})
    assert "j" not in r.started()
    w = why(r, "j")
    assert w.reason == "env-mismatch" and "never expanded in a start condition" in w.summary


def test_stop_on_expands_from_the_instance(tmp_path):
    r = boot(tmp_path, {
        "src": "start on startup\nemits tty-added tty-removed\ntask\nexec true\n",
        "t": "instance $TTY\nstart on tty-added\nstop on tty-removed TTY=$TTY\nexec t\n",
    }, declared_only=True, assume=["tty-added TTY=tty1", "tty-added TTY=tty2",
                                   "tty-added TTY=tty1", "tty-removed TTY=tty1"])
    final = r.final()
    assert "t (tty2) start/running" in final
    assert not any(f.startswith("t (tty1)") for f in final)
    cls = r.machine.by_name["t"]
    assert cls.created == 2  # the repeated tty-added TTY=tty1 made no third instance


def test_unexpandable_instance_uses_up_the_event(tmp_path):
    """Confirmed: `instance $UNDEFINED` starts nothing, and classes later in
    hash order never see the event."""
    names = sorted(["inst", "later1", "later2", "later3"], key=fnv_bin)
    jobs = {"inst": "instance $UNDEFINED\nstart on go\nexec x\n"}
    later = [n for n in names if fnv_bin(n) > fnv_bin("inst")]
    for n in later:
        jobs[n] = "start on go\nexec x\n"
    r = boot(tmp_path, jobs, assume=["go"])
    assert "inst" not in r.started()
    assert not set(later) & set(r.started())
    assert why(r, "inst").reason == "instance-error"


def test_manual_in_an_override(tmp_path):
    d = write_jobs(tmp_path / "init", {"j.conf": "start on startup\nexec j\n",
                                       "j.override": "manual\n"})
    r = simulate(Knowledge(load(SourceSpec([str(d)], cache=False))), "declared")
    w = why(r, "j")
    assert (w.starts, w.reason) == (False, "manual")
    assert w.summary == f"j is disabled by `manual` in {d}/j.override:1:1"


def test_one_event_in_both_conditions_restarts_without_stopped(tmp_path):
    """Confirmed: stopping is emitted, stopped is not."""
    r = boot(tmp_path, {"src": "start on startup\nemits foo\ntask\nexec true\n",
                        "x": "start on foo\nstop on foo\nexec x\n"}, assume=["foo"])
    names = [e.name for e in r.machine.events if "JOB=x" in e.env]
    assert names.count("stopping") == 1 and "stopped" not in names
    assert names.count("starting") == 2
    assert states(r, "x")[-6:] == ["stopping->killed", "killed->post-stopping",
                                   "post-stopping->post-stop", "post-stop->starting",
                                   "starting->security-spawning",
                                   "security-spawning->security"][:6] or \
        "post-stop->starting" in states(r, "x")
    assert "x start/running" in r.final()


def test_livelock_is_cut_at_the_bound(tmp_path):
    r = boot(tmp_path, {"a": "start on startup or stopped b\ntask\nexec true\n",
                        "b": "start on stopped a\ntask\nexec true\n"}, bound=500)
    assert r.machine.cut and not r.settled
    assert r.cycle() == ["a", "b"]
    res = cli("boot", "--bound", "300", "-d", str(tmp_path / "init"))
    assert res.rc == 1
    assert "cut at 300 events: the boot does not settle (a livelock?); still changing: a, b" \
        in res.out


def test_stall_on_a_hook_d1(tmp_path):
    r = boot(tmp_path, {"a": "start on startup\nexec a\n",
                        "w": "start on starting a and net-device-up IFACE=eth0\nexec w\n"})
    assert [i.label for i in r.not_at_rest()] == ["a"]
    w = why(r, "a")
    assert w.reason == "stalled"
    assert w.chain == ["a is start/starting, waiting for `starting JOB=a INSTANCE=` to "
                       "finish; held by w (half of its start condition)",
                       "w still waits for `net-device-up IFACE=eth0`: only ifupdown emits "
                       "it, outside the simulation (try --assume 'net-device-up ...')"]
    r2 = boot(tmp_path / "2", {"a": "start on startup\nexec a\n",
                               "w": "start on starting a and net-device-up IFACE=eth0\n"
                                    "exec w\n"}, assume=["net-device-up IFACE=eth0"])
    assert r2.settled and "a" in r2.started()


def test_no_start_on_and_never_emitted(tmp_path):
    r = boot(tmp_path, {"hand": "exec x\n", "lonely": "start on nobody-emits-this\n",
                        "dep": "start on started lonely\n"})
    assert why(r, "hand").reason == "no-start-on"
    w = why(r, "lonely")
    assert (w.reason, w.summary) == ("never-emitted", "lonely never starts: it waits for "
                                     "`nobody-emits-this`: nothing emits it")
    assert why(r, "dep").summary == ("dep never starts: it waits for `started lonely`: job "
                                     "lonely never reaches running")


# -- the default model ----------------------------------------------------------------

def test_default_model_boots_the_fixtures_with_its_assumptions_listed():
    res = cli("boot", "-d", str(FIXTURES))
    assert res.rc == 0
    assert "  assumes: job scripts run their initctl, start/stop/restart and telinit lines " \
        "(every branch)\n" in res.out
    assert "  event runlevel RUNLEVEL=2 PREVLEVEL=N  (from rc-sysinit)\n" in res.out
    assert res.out.rstrip().endswith("(waves are a partial order: inside one, the order of "
                                     "independent events is Upstart's hash order, which it "
                                     "does not promise)")
    data = json.loads(cli("boot", "--json", "-d", str(FIXTURES)).out)
    assert data["jobs"]["tty1"]["state"] == "running" and data["settled"]
    assert {"tty1", "ssh", "cron", "lightdm", "rc"} <= {
        j for j, v in data["jobs"].items() if v["started"]}
    assert any(e["name"] == "runlevel" and e["env"] == ["RUNLEVEL=2", "PREVLEVEL=N"]
               for e in data["events"])


def test_runlevel_and_assume_options(jobdir):
    d = jobdir({"rc-sysinit.conf": "env DEFAULT_RUNLEVEL=3\nstart on startup\ntask\n"
                                   "exec telinit\n",
                "three.conf": "start on runlevel 3\nexec x\n",
                "five.conf": "start on runlevel 5\nexec x\n",
                "eth.conf": "start on net-device-up IFACE=eth0\nexec x\n"})
    data = json.loads(cli("boot", "--json", "-d", str(d)).out)
    assert data["jobs"]["three"]["started"] and not data["jobs"]["five"]["started"]
    data = json.loads(cli("boot", "--json", "--runlevel", "5", "--assume",
                          "net-device-up IFACE=eth0", "-d", str(d)).out)
    assert data["jobs"]["five"]["started"] and data["jobs"]["eth"]["started"]
    assert "assumed at startup: net-device-up IFACE=eth0" in data["assumptions"]


def test_boot_assume_from_the_configuration(jobdir, tmp_path):
    d = jobdir({"eth.conf": "start on net-device-up IFACE=eth0\nexec x\n"})
    cfg = tmp_path / "u.toml"
    cfg.write_text('[boot]\nassume = ["net-device-up IFACE=eth0"]\n')
    data = json.loads(cli("boot", "--json", "--config", str(cfg), "-d", str(d)).out)
    assert data["jobs"]["eth"]["started"]


# -- the commands ---------------------------------------------------------------------

def test_why_exit_statuses_and_unknown_job():
    assert cli("why", "tty1", "-d", str(FIXTURES)).rc == 0
    res = cli("why", "rcS", "-d", str(FIXTURES))
    assert res.rc == 1
    assert res.out.startswith("rcS never starts: it waits for `runlevel S`: `runlevel "
                              "RUNLEVEL=2 PREVLEVEL=N` was emitted in wave ")
    res = cli("why", "tty9", "-d", str(FIXTURES))
    assert res.rc == 2 and "unknown job 'tty9'; did you mean: tty6" in res.err
    data = json.loads(cli("why", "net/apache", "--json", "-d", str(FIXTURES)).out)
    assert (data["starts"], data["reason"]) == (False, "env-mismatch")


def test_why_of_a_job_that_was_not_loaded(jobdir):
    d = jobdir({"pre-shutdown.conf": "exec 'x\n", "ok.conf": "start on startup\n"})
    res = cli("why", "pre-shutdown", "--json", "-d", str(d))
    assert res.rc == 3
    data = json.loads(res.out)
    assert (data["starts"], data["reason"]) == (False, "not-loaded")
    assert f"{d}/pre-shutdown.conf:1:6: Unterminated quoted string" in data["summary"]


def test_boot_simulates_a_set_with_errors(jobdir):
    d = jobdir({"bad.conf": "start on (\n", "ok.conf": "start on startup\nexec x\n"})
    res = cli("boot", "--json", "-d", str(d))
    assert res.rc == 3  # answered, input had errors
    assert json.loads(res.out)["jobs"]["ok"]["started"]


def test_deps_both_ways():
    res = cli("deps", "tty1", "--depth", "2", "-d", str(FIXTURES))
    assert res.out.splitlines()[:9] == [
        "tty1", "└─ start on: and", "   ├─ stopped rc RUNLEVEL=[2345]", "   │  └─ rc",
        "   │     └─ start on runlevel [0123456]", "   │        ├─ rc-sysinit",
        "   │        └─ telinit [built-in]", "   └─ or", "      ├─ not-container"]
    res = cli("deps", "udev", "--reverse", "--depth", "1", "-d", str(FIXTURES))
    assert res.out == ("udev\n├─ udev-finish (start on started udev)\n"
                       "└─ udevtrigger (start on started udev)\n")
    assert cli("deps", "udevv", "-d", str(FIXTURES)).rc == 2


def test_emit_after_boot():
    res = cli("emit", "control-alt-delete", "-d", str(FIXTURES))
    assert res.rc == 0
    assert res.out.splitlines()[-2:] == ["starts: control-alt-delete",
                                         "stops: control-alt-delete"]
    data = json.loads(cli("emit", "runlevel", "RUNLEVEL=0", "--json", "-d",
                          str(FIXTURES)).out)
    assert "tty1" in data["stops"]
    assert cli("emit", "x", "NOTKV", "-d", str(FIXTURES)).rc == 2


def test_boot_to_a_job_prints_its_critical_chain():
    res = cli("boot", "--to", "tty1", "-d", str(FIXTURES))
    lines = res.out.splitlines()
    assert lines[0].startswith("tty1 (running in wave ")
    assert lines[-1].strip() == "<- startup (wave 0, from init)"


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_boot_chart(tmp_path, fmt):
    out = tmp_path / f"boot.{fmt}"
    res = cli("boot", "-d", str(FIXTURES), "-o", str(out))
    assert res.rc == 0, res.err
    head = out.read_bytes()[:8]
    assert head.startswith({"svg": b"<?xml", "png": b"\x89PNG"}[fmt])


def test_two_thousand_chained_jobs_all_start_in_under_ten_events_each(tmp_path):
    """A synthetic 2,000-job chain boots whole, handling fewer than ten events
    per job (how its time grows with size is measured in bench/, not here)."""
    jobs = {}
    for i in range(2000):
        prev = f"j{i - 1}" if i else None
        cond = f"started {prev}" if prev and i % 3 else "startup"
        jobs[f"j{i}"] = f"start on {cond}\nemits e{i}\nexec x\n"
    r = boot(tmp_path, jobs)
    assert r.settled and len(r.started()) == 2000
    assert r.machine.handled < 20000


def test_mutual_starting_hooks_are_not_a_deadlock(tmp_path):
    """§8: the second hook finds the other job's goal already start."""
    r = boot(tmp_path, {"a": "start on startup or starting b\nexec a\n",
                        "b": "start on starting a\nexec b\n"})
    assert r.settled and {"a", "b"} <= set(r.started())


def test_a_job_that_stops_on_its_own_hook_is_stuck_d5(tmp_path):
    r = boot(tmp_path, {"j": "instance $N\nstart on go\nstop on starting j\nexec j\n"},
             assume=["go N=1"])
    assert [f"{i.label} {i.goal}/{i.state}" for i in r.not_at_rest()] == ["j (1) stop/starting"]
    w = why(r, "j")
    assert (w.starts, w.reason) == (False, "cycle")
    assert w.chain[-1] == "j (1) again: the jobs wait for each other (a deadlock)"
