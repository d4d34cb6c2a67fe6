"""The scripts model (semantics §11) rule by rule, the real model's outside
world and guesses, and the answers built on them (why, boot --to, emit)."""

from __future__ import annotations

import json

import pytest
from conftest import CORPORA, FIXTURES, cli, needs_shared, write_jobs
from hypothesis import given, settings
from hypothesis import strategies as st

from upgraph.answers.why import why
from upgraph.boot.actions import Unknown, expand_words, read_actions
from upgraph.boot.model import simulate
from upgraph.knowledge.index import Knowledge
from upgraph.read.session import load
from upgraph.read.sources import SourceSpec


def boot(tmp_path, jobs: dict[str, str], model: str = "scripts", **kw):
    d = write_jobs(tmp_path / "init", {f"{n}.conf": t for n, t in jobs.items()})
    return simulate(Knowledge(load(SourceSpec([str(d)], cache=False))), model, **kw)


def states(r, name: str) -> list[str]:
    return [f"{c.old}->{c.new}" for c in r.machine.by_name[name].history]


def events(r) -> list[str]:
    return [e.text() for e in r.machine.events]


def final(r, name: str) -> str:
    return next((f.split(" ", 1)[1] for f in r.final() if f.split(" ", 1)[0] == name), "")


# -- reading actions from shell text ------------------------------------------------

def verbs(text: str) -> list[tuple[str, tuple[str, ...], bool, int | None]]:
    return [(a.verb, a.args, a.nowait, a.guard.line if a.guard else None)
            for a in read_actions(text, "main", "j.conf", 1)]


def test_top_level_actions_are_unconditional_and_nested_ones_name_their_guard():
    text = ("initctl emit a\n"
            "if [ -x /bin/x ]; then\n"
            "  start b\n"
            "else\n"
            "  /sbin/initctl stop --no-wait c X=1\n"
            "fi\n"
            "test -e /x || initctl emit d\n"
            "f() { initctl emit e; }\n"
            "( telinit 2 )\n"
            "for i in 1 2; do restart g; done\n"
            "case $x in a) initctl emit h ;; esac\n")
    assert verbs(text) == [("emit", ("a",), False, None), ("start", ("b",), False, 2),
                           ("stop", ("c", "X=1"), True, 2), ("emit", ("d",), False, 7),
                           ("emit", ("e",), False, 8), ("telinit", ("2",), False, 9),
                           ("restart", ("g",), False, 10), ("emit", ("h",), False, 11)]


def test_nothing_runs_after_a_top_level_exec_or_exit_but_a_conditional_one_ends_nothing():
    assert verbs("initctl emit a\nexec telinit 3\ninitctl emit never\n") == [
        ("emit", ("a",), False, None), ("telinit", ("3",), False, None)]
    assert verbs("exit 0\ninitctl emit never\n") == []
    assert verbs("exec >/dev/kmsg 2>&1\ninitctl emit yes\n") == [("emit", ("yes",), False, None)]
    assert verbs("[ -f x ] && exit 0\nif true; then exec foo; fi\ninitctl emit yes\n") == [
        ("emit", ("yes",), False, None)]


def test_here_documents_comments_and_quotes_hold_no_actions():
    text = ("cat <<EOF\ninitctl emit inside\nEOF\n"
            "# initctl emit comment\n"
            "echo 'initctl emit quoted'\n"
            "logger \"start x\"\n"
            "start-stop-daemon --start --exec /bin/x\n"
            "initctl status x\n"
            "initctl emit real\n")
    assert verbs(text) == [("emit", ("real",), False, None)]


def test_words_take_the_job_environment_and_unknown_values_are_refused():
    env = ["A=1", "B=two words", "UPSTART_JOB=j"]
    assert expand_words(("X=$A", "'$A'", '"${B}"', "$B", "${C:-d}"), env) == [
        "X=1", "$A", "two words", "two", "words", "d"]
    for word in ("$C", "$(cat x)", "`cat x`", "$1", "${A%x}"):
        with pytest.raises(Unknown):
            expand_words((word,), env)


def test_reading_shell_text_never_fails():
    for text in ("if then fi fi ) ;; esac }", "'unclosed", '"x', "$(", "cat <<E\n", "f() ",
                 "a && || b", "case", "for", "\\"):
        read_actions(text + " start x", "main", "j.conf", 1)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="start op emit initctl telinit ;&|(){}'\"$`\\\n#<>=-x1", max_size=80))
def test_fuzzed_shell_text_reads_without_error(text):
    for action in read_actions(text, "main", "j.conf", 1):
        assert action.verb in ("emit", "start", "stop", "restart", "telinit", "ifup", "ifdown")


# -- when each process acts ---------------------------------------------------------

def test_post_stop_emits_only_when_the_job_stops(tmp_path):
    r = boot(tmp_path, {"w": "start on startup\nexec sleep\npost-stop exec initctl emit "
                             "restart-wifi\n",
                        "loop": "start on restart-wifi\ntask\nexec restart w\n"})
    assert "restart-wifi" not in events(r) and r.settled
    assert final(r, "w") == "start/running"


def test_stop_in_pre_start_skips_the_main_process_and_stops_ok(tmp_path):
    r = boot(tmp_path, {"j": "start on startup\npre-start script\n  stop; exit 0\nend script\n"
                             "exec daemon\npost-stop exec true\n"})
    assert states(r, "j") == [
        "waiting->starting", "starting->security-spawning", "security-spawning->security",
        "security->pre-starting", "pre-starting->pre-start", "pre-start->stopping",
        "stopping->killed", "killed->post-stopping", "post-stopping->post-stop",
        "post-stop->waiting"]
    assert [e for e in events(r) if "JOB=j" in e] == [
        "starting JOB=j INSTANCE=", "stopping JOB=j INSTANCE= RESULT=ok",
        "stopped JOB=j INSTANCE= RESULT=ok"]
    w = why(r, "j")
    assert w.reason == "stopped"
    assert w.summary.startswith("j is started on `startup`, but its pre-start runs `stop` ("), \
        w.summary


def test_start_waits_for_a_service_to_run_and_a_task_to_finish(tmp_path):
    r = boot(tmp_path, {"a": "start on startup\ntask\npre-start script\n  start svc\n"
                             "  start tsk\nend script\nexec true\n",
                        "svc": "exec daemon\n",
                        "tsk": "task\nexec true\n"})
    moves = [(c.wave, c.label, c.new) for n in ("a", "svc", "tsk")
             for c in r.machine.by_name[n].history]
    wave = {(label, new): w for w, label, new in moves}
    assert wave[("svc", "running")] <= wave[("tsk", "starting")]
    assert wave[("tsk", "waiting")] < wave[("a", "spawned")]
    assert final(r, "a") == "stop/waiting" and final(r, "svc") == "start/running"


def test_no_wait_goes_on_at_once(tmp_path):
    r = boot(tmp_path, {"a": "start on startup\npre-start exec initctl start --no-wait svc\n"
                             "exec daemon\n",
                        "svc": "pre-start exec sleep 1\nexec daemon\n"})
    wave = {(c.label, c.new): c.wave for n in ("a", "svc") for c in r.machine.by_name[n].history}
    assert wave[("a", "spawned")] <= wave[("svc", "spawned")]


def test_emit_waits_until_the_event_finished(tmp_path):
    r = boot(tmp_path, {"a": "start on startup\ntask\nscript\n  initctl emit go\n"
                             "  initctl emit after\nend script\n",
                        "b": "start on go\ntask\npre-start exec sleep 1\nexec true\n"})
    order = events(r)
    assert order.index("stopped JOB=b INSTANCE= RESULT=ok") < order.index("after")


def test_telinit_emits_runlevel_with_the_previous_level(tmp_path):
    r = boot(tmp_path, {"a": "start on startup\ntask\nscript\n  telinit 3\n  telinit 5\n"
                             "  telinit 9\nend script\n"})
    assert [e for e in events(r) if e.startswith("runlevel")] == [
        "runlevel RUNLEVEL=3 PREVLEVEL=N", "runlevel RUNLEVEL=5 PREVLEVEL=3"]
    assert list(r.model.refusals) == [("a", "telinit 9", "not a runlevel")]


def test_restart_stops_and_starts_again_without_waiting_state(tmp_path):
    r = boot(tmp_path, {"svc": "start on startup\nexec daemon\n",
                        "a": "start on started svc\ntask\nexec restart svc\n"})
    assert states(r, "svc")[10:17] == [
        "running->pre-stopping", "pre-stopping->pre-stop", "pre-stop->stopping",
        "stopping->killed", "killed->post-stopping", "post-stopping->post-stop",
        "post-stop->starting"]
    assert states(r, "svc")[-1] == "post-start->running"
    assert final(r, "svc") == "start/running" and final(r, "a") == "stop/waiting"
    assert events(r).count("stopped JOB=svc INSTANCE= RESULT=ok") == 0


def test_a_refused_action_changes_nothing_and_the_process_goes_on(tmp_path):
    r = boot(tmp_path, {"a": "start on startup\ntask\nscript\n  start a\n  stop nosuch\n"
                             "  initctl emit done\nend script\n"})
    assert "done" in events(r)
    assert [(who, why) for who, _t, why in r.model.refusals] == [
        ("a", "Job is already running"), ("a", "Unknown job: nosuch")]


def test_branches_all_runs_both_arms_and_none_only_the_top_level(tmp_path):
    jobs = {"p": "start on startup\ntask\nemits one two\nscript\n  if x; then\n"
                 "    initctl emit one\n  else\n    initctl emit two\n  fi\n"
                 "  initctl emit three\nend script\n"}
    everything = boot(tmp_path / "a", jobs)
    assert [e for e in events(everything) if e in ("one", "two", "three")] == \
        ["one", "two", "three"]
    top = boot(tmp_path / "b", jobs, branches="none")
    assert [e for e in events(top) if e in ("one", "two", "three")] == ["three"]


def test_values_come_from_env_the_event_and_upstart_job(tmp_path):
    r = boot(tmp_path, {"a": "start on startup\ntask\nexec initctl emit up IFACE=eth0\n",
                        "b": "start on up\nenv MODE=fast\ntask\nscript\n"
                             "  initctl emit seen I=$IFACE M=$MODE J=$UPSTART_JOB\n"
                             "  initctl emit nope X=$UNSET\nend script\n"})
    assert "seen I=eth0 M=fast J=b" in events(r)
    assert not any(e.startswith("nope") for e in events(r))
    [(label, action, what)] = r.model.unknown.values()
    assert (label, action.text(), what) == ("b", "initctl emit nope X=$UNSET", "$UNSET")


def test_declared_emits_no_action_names_are_still_emitted(tmp_path):
    r = boot(tmp_path, {"a": "start on startup\nemits named other\ntask\nscript\n"
                             "  initctl emit named K=1\nend script\n"})
    assert [e for e in events(r) if e.split()[0] in ("named", "other")] == \
        ["other", "named K=1"]


def test_the_declared_model_ignores_scripts(tmp_path):
    r = boot(tmp_path, {"a": "start on startup\ntask\nscript\n  initctl emit x\nend script\n"},
             model="declared")
    assert "x" not in events(r)


# -- the real model ------------------------------------------------------------------

def test_a_service_whose_stopped_event_others_wait_for_is_guessed_to_exit(tmp_path):
    jobs = {"delay": "start on startup\nexec sleep 10\n",
            "after": "start on stopped delay\nexec daemon\n"}
    r = boot(tmp_path / "a", jobs, model="real")
    assert final(r, "after") == "start/running" and final(r, "delay") == "stop/waiting"
    assert any(a.startswith("guess: service delay exits by itself") for a in r.assumptions)
    assert any("rests on a guess" in n for n in why(r, "after").notes)
    kept = boot(tmp_path / "b", jobs, model="real", stays=["delay"])
    assert final(kept, "after") == "stop/waiting"
    assert not any("guess" in a for a in kept.assumptions)
    forced = boot(tmp_path / "c", jobs, model="scripts", exits=["delay"])
    assert final(forced, "after") == "start/running"


def test_the_real_model_telinits_to_the_default_runlevel_when_the_level_is_unknown(tmp_path):
    jobs = {"rcS": "start on startup\ntask\nexec true\npost-stop script\n"
                   "  runlevel=$(awk x /etc/inittab)\n  exec telinit $runlevel\nend script\n",
            "rc": "start on runlevel [0123456]\ntask\nexport RUNLEVEL\nexec rc $RUNLEVEL\n",
            "prefdm": "start on stopped rc RUNLEVEL=5\nexec x\n",
            "start-ttys": "start on stopped rc RUNLEVEL=[2345]\ntask\nexec true\n"}
    scripts = boot(tmp_path / "a", jobs)
    assert final(scripts, "rc") == "stop/waiting" and not scripts.machine.by_name["rc"].history
    real = boot(tmp_path / "b", jobs, model="real")
    assert "runlevel RUNLEVEL=3 PREVLEVEL=N" in events(real)  # RHEL 6's default
    five = boot(tmp_path / "c", jobs, model="real", runlevel="5")
    assert "runlevel RUNLEVEL=5 PREVLEVEL=N" in events(five)
    assert final(five, "prefdm") == "start/running"
    inittab = tmp_path / "d"
    (inittab / "init").mkdir(parents=True)
    (inittab / "inittab").write_text("id:4:initdefault:\n")
    four = boot(inittab, jobs, model="real")
    assert "runlevel RUNLEVEL=4 PREVLEVEL=N" in events(four)


def test_built_in_emitters_act_without_their_job_on_ubuntu(tmp_path):
    r = boot(tmp_path, {"rc-sysinit": "start on (filesystem and static-network-up) or "
                                      "failsafe-boot\nstop on runlevel\ntask\n"
                                      "env DEFAULT_RUNLEVEL=2\nscript\n  telinit "
                                      "\"${DEFAULT_RUNLEVEL}\"\nend script\n",
                        "tty1": "start on runlevel [23]\nexec getty\n"}, model="real")
    assert final(r, "tty1") == "start/running"
    assert any(a.startswith("mountall (built in, no job file)") for a in r.assumptions)


@needs_shared
def test_ubuntu_stock_jobs_start_tty1_in_the_real_model():
    data = json.loads(cli("boot", "--json", "-d", str(CORPORA / "upstart-1.13/system")).out)
    assert data["jobs"]["tty1"]["state"] == "running" and data["model"] == "real"


@needs_shared
def test_raspbmc_starts_procps_and_samba_in_the_real_model():
    data = json.loads(cli("boot", "--json", "-d", str(CORPORA / "raspbmc")).out)
    started = {j for j, v in data["jobs"].items() if v["started"]}
    assert {"procps", "samba"} <= started and data["settled"]


@needs_shared
def test_rhel6_reaches_runlevel_3_and_starts_rc():
    data = json.loads(cli("boot", "--json", "-d", str(CORPORA / "rhel6-initscripts")).out)
    assert any(e["name"] == "runlevel" and "RUNLEVEL=3" in e["env"] for e in data["events"])
    assert data["jobs"]["rc"]["started"]


def test_emit_a_network_device_brings_it_up():
    out = cli("emit", "net-device-added", "INTERFACE=eth0", "-d", str(FIXTURES)).out
    assert "  event net-device-up IFACE=eth0 LOGICAL=eth0 ADDRFAM=inet METHOD=dhcp\n" in out
    assert "net-device-down" not in out and "IFACE=lo" not in out


# -- answers ----------------------------------------------------------------------------

def test_boot_to_exits_0_only_when_the_job_runs_and_json_is_the_chain():
    res = cli("boot", "--to", "tty1", "--json", "-d", str(FIXTURES))
    data = json.loads(res.out)
    assert res.rc == 0 and data["reached"] and data["to"] == "tty1"
    assert [link["job"] for link in data["chain"]][:2] == ["tty1", "rc"]
    assert "jobs" not in data
    res = cli("boot", "--to", "rcS", "-d", str(FIXTURES))
    assert res.rc == 1 and res.out.startswith("rcS never starts: it waits for `runlevel S`")


def test_why_uses_the_one_matching_rule_and_names_the_first_failing_argument(tmp_path):
    r = boot(tmp_path, {"j": "start on ev A=1 B=2\nexec x\n"}, assume=["ev A=1 B=3"])
    w = why(r, "j")
    assert w.summary == ("j never starts: it waits for `ev A=1 B=2`: `ev A=1 B=3` was emitted "
                         "in wave 0, but `B=2` does not match B=3")


def test_a_job_is_never_its_own_missing_emitter(tmp_path):
    r = boot(tmp_path, {"serial": "start on fedora.serial-console-available\n"
                                  "emits fedora.serial-console-available\nexec x\n"})
    assert why(r, "serial").summary == (
        "serial never starts: it waits for `fedora.serial-console-available`: only serial "
        "itself emits it, and a job's processes run only once it has started")


def test_an_instance_name_that_cannot_be_made_uses_up_the_event(tmp_path):
    r = boot(tmp_path, {"a": "start on startup\ninstance $NOPE\nexec x\n",
                        "b": "start on startup\nexec x\n"}, model="declared",
             order="alpha")
    w = why(r, "b")
    assert w.reason == "instance-error"
    assert "a (earlier in Upstart's hash order) could not expand its instance name `$NOPE`" \
        in w.summary


def test_a_cut_boot_makes_every_answer_partial(tmp_path):
    r = boot(tmp_path, {"a": "start on startup or stopped b\ntask\nexec true\n",
                        "b": "start on stopped a\ntask\nexec true\n",
                        "c": "start on never\nexec x\n"}, bound=200)
    assert r.machine.cut
    assert any(n.startswith("the boot was cut after 200 events") and "a, b" in n
               for n in why(r, "c").notes)


def test_a_start_only_through_a_conditional_line_names_its_guard(tmp_path):
    r = boot(tmp_path, {"a": "start on startup\ntask\nscript\n  if [ -e /x ]; then\n"
                             "    initctl emit go\n  fi\nend script\n",
                        "b": "start on go\nexec x\n"})
    [note] = why(r, "b").notes
    assert note.startswith("`go` comes from a's `initctl emit go` (")
    assert "init/a.conf:5:1), only when the condition at " in note
    assert note.endswith("a.conf:4:1 holds")


def test_boot_groups_jobs_that_never_start_by_cause():
    data = json.loads(cli("boot", "--json", "-d", str(FIXTURES)).out)
    causes = {n["job"]: (n["cause"], n["try"]) for n in data["never_started"]}
    assert causes["rcS"] == ("runlevel", "--runlevel S")
    assert causes["apport"][0] == "disabled"
    assert causes["hotplug-printer"][0] == "outside"
    assert causes["net/apache"] == ("outside", "--assume 'net-device-up IFACE=eth0'")
    assert "failsafe" not in causes


@pytest.mark.parametrize("bad", ["IFACE=eth0", "ev IFACE", "ev A=", "", "ev 'A=1"])
def test_bad_assume_is_a_usage_error(bad):
    res = cli("boot", "--assume", bad, "-d", str(FIXTURES))
    assert res.rc == 2 and "--assume" in res.err and "for example" in res.err, res.err


@pytest.mark.parametrize("bad", ["9", "x", "23", "-1", "2 FOO=bar", ""])
def test_bad_runlevel_is_a_usage_error(bad):
    res = cli("boot", "--runlevel", bad, "-d", str(FIXTURES))
    assert res.rc == 2 and "a runlevel is one of 0-6 or S" in res.err


def test_emit_of_an_empty_name_and_of_an_unheard_event(tmp_path):
    assert cli("emit", "", "-d", str(FIXTURES)).rc == 2
    res = cli("emit", "startp", "-d", str(FIXTURES))
    assert res.rc == 1 and "nothing listens for 'startp'; did you mean: startup" in res.err


def test_boot_refuses_to_write_text_into_a_dot_file(tmp_path):
    res = cli("boot", "-d", str(FIXTURES), "-o", str(tmp_path / "x.dot"))
    assert res.rc == 2 and not (tmp_path / "x.dot").exists()
    assert "boot cannot write .dot" in res.err


def test_show_config_text_lacks_task_and_scripts(tmp_path):
    text = cli("show-config", "-d", str(FIXTURES)).out
    f = tmp_path / "sc.txt"
    f.write_text(text)
    out = cli("list", "-f", str(f)).out
    assert out.splitlines()[0].split()[:3] == ["acpid", "enabled", "unknown"]
    res = cli("boot", "-f", str(f))
    assert "come from `initctl show-config` text, which has no `task`, scripts or processes" \
        in res.out


_ARG = st.sampled_from(["A", "B", "C"]).flatmap(
    lambda key: st.sampled_from([f"{key}=1", f"{key}=2", f"{key}!=1", f"{key}=[12]", "1", "2",
                                 "*"]))


@settings(max_examples=60, deadline=None)
@given(args=st.lists(_ARG, max_size=3),
       env=st.dictionaries(st.sampled_from(["A", "B", "C"]), st.sampled_from(["1", "2", "3"]),
                           max_size=3))
def test_why_agrees_with_the_simulator_on_any_operand_and_event(tmp_path_factory, args, env):
    """One matching rule: the simulator starts the job exactly when the
    event matches, and otherwise `why` names an argument that fails."""
    from upgraph.boot.machine import Event, mismatch
    from upgraph.model import Operand

    tmp = tmp_path_factory.mktemp("why")
    args = sorted(args, key=lambda a: "=" in a)  # positional ones first, as Upstart wants
    words = [f"{k}={v}" for k, v in env.items()]
    r = boot(tmp, {"j": "start on ev " + " ".join(args) + "\nexec x\n"}, model="declared",
             assume=[" ".join(["ev", *words])])
    ev = Event(0, "ev", words, 0, "test")
    miss = mismatch(Operand("ev", tuple(args)), ev, None)
    w = why(r, "j")
    assert w.starts == (miss is None)
    if miss is not None:
        assert f"`{miss.arg}`" in w.summary, w.summary
        assert "but it matches" not in w.summary and f"`{miss.arg}` does not match " \
            f"{miss.key}={miss.value}" != f"`{miss.key}={miss.value}` does not match " \
            f"{miss.key}={miss.value}"
        if "=" in miss.arg:  # a KEY=VALUE argument fails on its own too
            assert mismatch(Operand("ev", (miss.arg,)), ev, None) is not None


def test_a_chromeos_like_one_shot_service_is_guessed_and_why_says_so(tmp_path):
    jobs = {"imageloader-init": "start on starting system-services\n"
                                "exec /usr/sbin/imageloader --init_only\n",
            "system-services": "start on started boot-services\n",
            "boot-services": "start on startup\n",
            "load-containers": "start on starting system-services and stopped "
                               "imageloader-init\ntask\nexec true\n",
            "ui": "start on started system-services\nexec session_manager\n"}
    stuck = boot(tmp_path / "a", jobs)
    assert final(stuck, "system-services") == "start/starting"
    w = why(stuck, "ui")
    assert w.summary == ("ui never starts: it waits for `started system-services`: job "
                         "system-services never reaches running")
    real = boot(tmp_path / "b", jobs, model="real")
    assert final(real, "ui") == "start/running" and real.settled
    assert why(real, "ui").notes == [
        "this rests on a guess: guess: service imageloader-init exits by itself "
        "(load-containers starts on `stopped imageloader-init`); --stays imageloader-init "
        "to keep it running"]


def test_why_names_an_unknown_line_that_could_have_emitted_the_missing_event(tmp_path):
    r = boot(tmp_path, {"detect": "start on startup\ntask\nscript\n"
                                  "  initctl emit --no-wait container CONTAINER=$container\n"
                                  "  initctl emit other X=$NOPE\nend script\n",
                        "console": "start on container CONTAINER=lxc\nexec x\n"})
    notes = why(r, "console").notes
    assert len(notes) == 1
    assert notes[0].startswith("possibly: detect's `initctl emit --no-wait container "
                               "CONTAINER=$container` (")
    assert notes[0].endswith("was not performed: $container has no value offline")


def test_emit_after_a_cut_boot_says_it_is_partial(tmp_path):
    d = write_jobs(tmp_path / "init", {"a.conf": "start on startup or stopped b\ntask\nexec t\n",
                                       "b.conf": "start on stopped a\ntask\nexec t\n",
                                       "c.conf": "start on go\nexec x\n"})
    res = cli("emit", "go", "--bound", "100", "-d", str(d))
    assert res.out.splitlines()[1].startswith("note: the boot was cut after 100 events "
                                              "without settling (a livelock?)")
    assert json.loads(cli("emit", "go", "--bound", "100", "--json", "-d", str(d)).out)[
        "partial"].endswith("still changing: a, b")


def test_an_exec_stanza_execs_its_first_command(tmp_path):
    r = boot(tmp_path, {"a": "start on startup\ntask\nexec initctl emit one; initctl emit two\n"})
    assert "one" in events(r) and "two" not in events(r)


def test_why_follows_a_process_waiting_on_a_start(tmp_path):
    r = boot(tmp_path, {"a": "start on startup\npre-start exec start b\nexec a\n",
                        "b": "start on never\nexec b\n",
                        "h": "start on starting b and started b\nexec h\n"})
    w = why(r, "a")
    assert w.summary == "a never reaches running: stuck in start/pre-start"
    assert w.chain[0].startswith("a is start/pre-start: its pre-start waits for `start b` (")
    assert w.chain[1].startswith("b is start/starting, waiting for `starting JOB=b INSTANCE=` "
                                 "to finish; held by h (half of its start condition)")


def test_boot_to_on_a_cut_boot_says_the_chain_is_partial(tmp_path):
    d = write_jobs(tmp_path / "init", {"a.conf": "start on startup or stopped b\ntask\nexec t\n",
                                       "b.conf": "start on stopped a\ntask\nexec t\n"})
    data = json.loads(cli("boot", "--to", "a", "--bound", "100", "--json", "-d", str(d)).out)
    assert data["partial"].startswith("the boot was cut after 100 events")
    assert data["partial"].endswith("still changing: a, b")
