"""Upstart's own log lines, in every container they reach, written here from
the formats of shared/docs/upstart-logs.md: read into a boot's history."""

from __future__ import annotations

import gzip
import json

import pytest
from conftest import FIXTURES, cli, write_jobs

from upgraph.knowledge.history import History
from upgraph.read.logs import parse_message, read_list, read_logs, split_line

VERBOSE = """\
[    0.000000] Linux version 3.13.0-24-generic (buildd@x) (gcc 4.8.2) #46-Ubuntu SMP
[    0.812000] usb 1-1: new high-speed USB device
[    1.100000] init: Handling startup event
[    1.100100] init: mountall goal changed from stop to start
[    1.100200] init: mountall state changed from waiting to starting
[    1.100300] init: mountall state changed from starting to pre-starting
[    1.100400] init: mountall state changed from pre-starting to spawned
[    1.100500] init: mountall main process (301)
[    1.900000] init: mountall state changed from spawned to post-starting
[    1.900100] init: mountall state changed from post-starting to running
[    2.000000] init: hwclock goal changed from stop to start
[    2.000100] init: hwclock state changed from waiting to starting
[    2.000200] init: hwclock state changed from starting to pre-starting
[    2.000300] init: hwclock state changed from pre-starting to spawned
[    2.000400] init: hwclock main process (320)
[    2.000500] init: hwclock state changed from spawned to post-starting
[    2.000600] init: hwclock state changed from post-starting to running
[    2.500000] init: hwclock main process (320) exited normally
[    2.500100] init: hwclock goal changed from start to stop
[    2.500200] init: hwclock state changed from running to stopping
[    2.500300] init: hwclock state changed from stopping to killed
[    2.500400] init: hwclock state changed from killed to post-stopping
[    2.500500] init: hwclock state changed from post-stopping to waiting
[    3.000000] init: network-interface (eth0) goal changed from stop to start
[    3.000100] init: network-interface (eth0) state changed from waiting to starting
[    3.461970] init: vpd-log main process (440) terminated with status 1
[    4.000000] init: crash-crash main process (500) killed by SEGV signal
[    4.000100] init: crash-crash main process ended, respawning
[    4.100000] init: crash-crash main process (501) killed by SEGV signal
[    4.100100] init: crash-crash respawning too fast, stopped
[    5.000000] init: Failed to spawn ghost main process: unable to execute: No such file
"""


def _boot(text: str, tmp_path, name: str = "kern.log") -> History:
    path = tmp_path / name
    path.write_text(text)
    reader = read_logs([str(path)])
    assert len(reader.boots) == 1
    return History(reader.boots[0])


def test_every_message_kind_is_read():
    cases = {
        "tty1 state changed from starting to security-spawning": ("state", {"job": "tty1"}),
        "tty1 goal changed from stop to start": ("goal", {"new": "start"}),
        "Handling runlevel event": ("handling", {"event": "runlevel"}),
        "vpd-log main process (440) terminated with status 1": ("status", {"status": "1"}),
        "regulatory-domain main process (1210) killed by TERM signal": (
            "killed", {"signal": "TERM"}),
        "x pre-stop process (9) killed by signal 64": ("killed", {"signum": "64"}),
        "x main process (9) exited normally": ("exited", {"pid": "9"}),
        "x main process ended, respawning": ("respawning", {"process": "main"}),
        "crash-crash respawning too fast, stopped": ("respawn-limit", {"job": "crash-crash"}),
        "ml-service (mojo_service) post-start process (6919) terminated with status 2": (
            "status", {"job": "ml-service (mojo_service)", "process": "post-start"}),
        "x security process (12)": ("spawned", {"process": "security"}),
        "Sending TERM signal to x main process (12)": ("sending", {"signal": "TERM"}),
        "Failed to spawn x pre-start process: unable to execute: No such file": (
            "spawn-failed", {"process": "pre-start"}),
        "Failed to send KILL signal to x main process (12): No such process": (
            "send-failed", {"signal": "KILL"}),
        "Pending startup event": ("pending", {"event": "startup"}),
        "Finished startup event": ("finished", {"event": "startup"}),
        "New instance network-interface (eth0)": ("new-instance", {}),
        "Registered job /com/ubuntu/Upstart/jobs/tty1": ("registered", {}),
        "Destroyed inactive instance network-interface (eth0)": ("destroyed", {}),
        "/etc/init/bad.conf:3: Unknown stanza": ("config-error", {"lineno": "3"}),
        "Loading configuration from /etc/init": ("config", {}),
    }
    for text, (kind, fields) in cases.items():
        got_kind, got = parse_message(text)
        assert got_kind == kind, text
        assert fields.items() <= got.items(), (text, got)


@pytest.mark.parametrize("line, want", [
    ("[    3.461970] init: x main process (4) exited normally", (3.46197, None, None)),
    ("<4>[    3.461970] init: x main process (4) exited normally", (3.46197, None, "warn")),
    ("init: x main process (4) exited normally", (None, None, None)),
    ("Dec  5 10:59:42 host kernel: [    3.46] init: x main process (4) exited normally",
     (3.46, "Dec  5 10:59:42", None)),
    ("Dec  5 10:59:42 host init: x main process (4) exited normally",
     (None, "Dec  5 10:59:42", None)),
    ("2020-05-15T19:49:36.366856Z WARNING kernel: [    3.461970] init: x main process (4) "
     "exited normally", (3.46197, "2020-05-15T19:49:36.366856Z", "warn")),
    ("2020-05-15T19:49:36.366856+00:00 host kernel: [    3.46] init: x main process (4) "
     "exited normally", (3.46, "2020-05-15T19:49:36.366856+00:00", None)),
])
def test_each_container_format(line, want):
    stamp, wall, level, text = split_line(line)
    assert (stamp, wall, level) == want
    assert text == "x main process (4) exited normally"


@pytest.mark.parametrize("line", [
    "Dec  5 10:59:42 host CRON[12]: init: not ours",
    "[    3.46] usb 1-1: init: not ours either",
    "Dec  5 10:59:42 host systemd[1]: Started init: a unit",
])
def test_other_programs_lines_are_not_inits(line):
    assert split_line(line) is None


def test_a_verbose_boot_gives_every_jobs_life(tmp_path):
    h = _boot(VERBOSE, tmp_path)
    assert h.detail == "info"
    assert [e.name for e in h.events] == ["startup"]
    assert h.jobs["mountall"].states == [
        "waiting->starting", "starting->pre-starting", "pre-starting->spawned",
        "spawned->post-starting", "post-starting->running"]
    assert (h.jobs["mountall"].goal, h.jobs["mountall"].state) == ("start", "running")
    assert (h.jobs["hwclock"].goal, h.jobs["hwclock"].state) == ("stop", "waiting")
    assert h.jobs["hwclock"].processes[0].exit == 0 and not h.jobs["hwclock"].failed
    assert h.jobs["network-interface (eth0)"].state == "starting"
    vpd = h.jobs["vpd-log"]
    assert vpd.failed and (vpd.processes[0].pid, vpd.processes[0].exit) == (440, 1)
    crash = h.jobs["crash-crash"]
    assert crash.respawns == 1 and crash.respawn_limit and crash.failed
    assert (crash.goal, crash.state) == ("stop", "waiting")
    assert [f.kind for f in h.failures if f.job == "crash-crash"] == ["respawn",
                                                                      "signal", "respawn-limit"]
    assert [f.kind for f in h.failures if f.job == "ghost"] == ["spawn"]
    assert h.blame() == [("mountall", 0.7999, "to running"), ("hwclock", 0.5004, "ran")]


def test_log_command_text_json_and_failed(tmp_path):
    (tmp_path / "kern.log").write_text(VERBOSE)
    log = str(tmp_path / "kern.log")
    res = cli("log", "--log", log, "--failed")
    assert res.rc == 0
    assert res.out == (
        f"boot 0 (1 in the log): {log}:1:1 .. {log}:31:1, 29 init lines, detail: info\n"
        "    3.461970  vpd-log: main process 440 exited with status 1  [failed]\n"
        "    4.000100  crash-crash: main process ended, respawning\n"
        "    4.100000  crash-crash: main process 501 killed by SEGV  [failed]\n"
        "    4.100100  crash-crash: respawning too fast, stopped (the respawn limit)  [failed]\n"
        "    5.000000  ghost: main process could not be spawned: unable to execute: No such "
        "file  [failed]\n"
        "3 job(s) failed: crash-crash, ghost, vpd-log\n")
    data = json.loads(cli("log", "--log", log, "--json").out)
    assert data["jobs"]["vpd-log"]["processes"] == [
        {"process": "main", "pid": 440, "exit": 1, "signal": None, "time": 3.46197,
         "line": f"{log}:26:1", "spawned": None}]
    assert data["jobs"]["crash-crash"]["respawns"] == 1
    assert data["jobs"]["crash-crash"]["failed"] is True
    assert data["jobs"]["mountall"]["states"][-1] == "post-starting->running"
    assert data["events"] == [{"name": "startup", "time": 1.1, "line": f"{log}:3:1"}]
    assert data["boot"]["detail"] == "info"


def test_a_log_of_warnings_only_says_how_to_get_more(tmp_path):
    log = tmp_path / "upstart.log"
    log.write_text("2020-05-15T19:49:36.366856Z WARNING kernel: [    3.461970] init: vpd-log "
                   "main process (440) terminated with status 1\n"
                   "2020-05-15T19:49:40.000000Z WARNING kernel: [    7.1] init: fwupd "
                   "post-start process (4231) terminated with status 1\n")
    res = cli("log", "--log", str(log))
    assert res.out.splitlines()[1:] == [
        "    3.461970  vpd-log: main process 440 exited with status 1  [failed]",
        "    7.100000  fwupd: post-start process 4231 exited with status 1  [failed]",
        "2 job(s) failed: fwupd, vpd-log"]
    assert "initctl log-priority info" in res.err and "--verbose" in res.err
    res = cli("blame", "--log", str(log))
    assert (res.rc, res.out) == (1, "")
    assert res.err.startswith("upgraph: no times to blame: this log holds warnings only")


def test_several_boots_gzip_and_choosing_one(tmp_path):
    first = "[   35.0] init: a main process (10) terminated with status 1\n"
    second = ("[    0.000000] Linux version 4.4.0\n"
              "[   12.0] init: b main process (11) terminated with status 2\n")
    third = "[    0.9] init: c main process (12) terminated with status 3\n"  # stamp restarts
    with gzip.open(tmp_path / "kern.log.1.gz", "wt") as fh:
        fh.write(first + second)
    (tmp_path / "kern.log").write_text(third)
    logs = [str(tmp_path / "kern.log.1.gz"), str(tmp_path / "kern.log")]
    reader = read_logs(logs)
    assert [[m.fields["job"] for m in b.messages] for b in reader.boots] == [["a"], ["b"], ["c"]]
    args = [a for log in logs for a in ("--log", log)]
    assert "c: main process 12" in cli("log", *args).out
    assert "a: main process 10" in cli("log", *args, "--boot", "-2").out
    assert "a: main process 10" in cli("log", *args, "--boot", "1").out
    assert "b: main process 11" in cli("log", *args, "-b", "-1").out
    listing = cli("log", *args, "--list-boots").out.splitlines()
    assert [line.split()[0] for line in listing] == ["-2", "-1", "0"]
    res = cli("log", *args, "--boot", "-3")
    assert res.rc == 2 and "the log holds 3 boot(s)" in res.err


def test_a_kernel_banner_begins_a_boot_where_init_lines_have_no_stamps(tmp_path):
    log = tmp_path / "messages"
    log.write_text("Dec  5 10:00:00 web1 init: a main process (1) terminated with status 1\n"
                   "Dec  5 11:00:00 web1 kernel: Linux version 2.6.32-431.el6.x86_64\n"
                   "Dec  5 11:00:09 web1 init: b main process (2) terminated with status 1\n")
    reader = read_logs([str(log)])
    assert [[m.fields["job"] for m in b.messages] for b in reader.boots] == [["a"], ["b"]]
    assert str(reader.boots[1].first) == f"{log}:2:1"


def test_damaged_lines_are_read_and_each_oddity_said_once(tmp_path):
    log = tmp_path / "messages"
    log.write_bytes(
        b"[    5.0] init: a main process (1) terminated with status 1\n"
        b"[    4.9] init: b main process (2) terminated with status 1\n"  # backwards
        b"[    4.8] init: c main process (3) terminated with status 1\n"  # backwards again
        b"[    6.0] init: \xff\xfe not utf-8\n"
        b"[    6.1] init: d main process (4) terminated with status 1init: e main\n"
        b"[    6.2] init: f main process (5) terminated with sta")  # cut short
    res = cli("log", "--log", str(log), "--failed")
    assert res.rc == 0
    assert [line.split()[1] for line in res.out.splitlines()[1:-1]] == ["a:", "b:", "c:"]
    warnings = res.err.splitlines()
    assert sum("goes backwards" in w for w in warnings) == 1
    assert sum("not understood" in w for w in warnings) == 1
    assert sum("cut short" in w for w in warnings) == 1


@pytest.mark.parametrize("content, message", [
    (b"\x7fELF\x02\x01\x01\x00\x00\x00" * 50, "binary data, not a log"),
    (b"", "no line of Upstart's"),
    (b"Dec 05 10:59:42 host systemd[1]: Started Daily apt download activities.\n"
     b"Dec 05 10:59:42 host systemd[1]: Reached target Timers.\n", "a log of systemd"),
])
def test_what_is_not_an_upstart_log_gets_a_message(tmp_path, content, message):
    path = tmp_path / "x.log"
    path.write_bytes(content)
    res = cli("log", "--log", str(path))
    assert (res.rc, res.out) == (2, "")
    assert message in res.err and "Traceback" not in res.err


def test_a_directory_or_a_missing_file_as_a_log(tmp_path):
    res = cli("log", "--log", str(tmp_path))
    assert res.rc == 2 and "is a directory" in res.err
    res = cli("log", "--log", str(tmp_path / "nope"))
    assert res.rc == 2 and "no such file" in res.err


def test_log_from_standard_input(tmp_path):
    res = cli("log", "--log", "-", "--failed", stdin="init: x main process (7) terminated "
              "with status 3\n")
    assert res.out.splitlines()[1] == (
        "           -  x: main process 7 exited with status 3  [failed]")


def test_initctl_list_as_the_end_state(tmp_path):
    listing = tmp_path / "list"
    listing.write_text("mountall start/running, process 301\n"
                       "network-interface (eth0) start/running\n"
                       "tty1 start/running, process 1234\n\tpre-start process 55\n"
                       "rc stop/waiting\n")
    found, diags = read_list(str(listing))
    assert diags == []
    assert (found["tty1"].pid, found["tty1"].hooks) == (1234, {"pre-start": 55})
    assert found["network-interface (eth0)"].state == "running"
    (tmp_path / "kern.log").write_text(VERBOSE)
    data = json.loads(cli("log", "--log", str(tmp_path / "kern.log"), "--list", str(listing),
                          "--json").out)
    assert data["jobs"]["network-interface (eth0)"]["state"] == "running"
    assert data["jobs"]["tty1"]["state"] == "running"
    d = write_jobs(tmp_path / "init", {"tty1.conf": "start on startup\n",
                                       "rc.conf": "task\n", "cron.conf": "start on x\n"})
    assert cli("list", "-d", str(d), "--list", str(listing)).out.splitlines() == [
        f"cron  enabled   service  {d}/cron.conf:1:1  [-]",
        f"rc    by-hand   task     {d}/rc.conf:1:1  (no start on)  [stop/waiting]",
        f"tty1  enabled   service  {d}/tty1.conf:1:1  [start/running, process 1234]"]
    bad = tmp_path / "bad"
    bad.write_text("hello world\n")
    res = cli("list", "-d", str(d), "--list", str(bad))
    assert res.rc == 2 and "no line of `initctl list`" in res.err


LOG = FIXTURES.parent / "logs" / "kern.log"


def test_why_puts_the_machines_evidence_first(tmp_path):
    d = write_jobs(tmp_path / "init", {"vpd-log.conf": "start on filesystem\nexec vpd\n",
                                       "tty1.conf": "start on runlevel [2345]\nexec getty\n",
                                       "ghost.conf": "start on startup\nexec g\n"})
    res = cli("why", "vpd-log", "--log", str(LOG), "-d", str(d))
    assert res.rc == 1
    assert res.out.splitlines()[:4] == [
        f"on the machine ({LOG}):",
        f"  its main process (440) terminated with status 1 at 3.697120 s ({LOG}:50:1)",
        "  it reached running at 2.797120 s",
        "  it ended stop/waiting"]
    assert res.out.splitlines()[4] == "what the job files say:"
    res = cli("why", "ghost", "--log", str(LOG), "-d", str(d))
    assert res.out.splitlines()[1] == ("  it never appears in the log: the machine never "
                                       "tried to start it")
    assert res.rc == 1  # the machine says so, whatever the model says
    data = json.loads(cli("why", "tty1", "--log", str(LOG), "-d", str(d), "--json").out)
    assert data["real"] is True and data["evidence"][0].startswith("it reached running at")


def test_boot_beside_the_log_names_where_they_part(tmp_path):
    d = write_jobs(tmp_path / "init", {
        "vpd-log.conf": "start on startup\nexec vpd\n",     # the model starts it; it failed
        "udev.conf": "start on startup\nexec udevd\n",      # both agree
        "rsyslog.conf": "start on syslog-ready\nexec rsyslogd\n",  # ran; the model lacks it
        "quiet.conf": "start on startup\nexec q\n"})        # the model only
    res = cli("boot", "-d", str(d), "--log", str(LOG), "--declared-only")
    out = res.out[res.out.index("compared with"):].splitlines()
    assert out == [
        f"compared with the machine's log ({LOG}, detail: info)",
        "started by the model, but failed or never started on the machine (2)",
        "  quiet: it never reached running on the machine (it never appears in the log)",
        f"  vpd-log: vpd-log main process (440) terminated with status 1 at 3.697120 s "
        f"({LOG}:50:1)",
        "ran on the machine, but not in the model (1)",
        "  rsyslog: running at 2.795800 s; in the model: rsyslog never starts: it waits "
        "for `syslog-ready`: nothing emits it (try --assume 'syslog-ready')",
        "events the machine handled that the model never emits: local-filesystems, "
        "runlevel, static-network-up, virtual-filesystems",
        "events the model emits that the machine never handled: started, starting"]
    data = json.loads(cli("boot", "-d", str(d), "--log", str(LOG), "--json").out)
    assert [x["job"] for x in data["log"]["only_real"]] == ["rsyslog"]


@pytest.mark.skipif(__import__("shutil").which("dot") is None, reason="needs Graphviz")
def test_boot_chart_from_the_log_is_in_seconds_with_failures_and_model_only_jobs(tmp_path):
    d = write_jobs(tmp_path / "init", {"udev.conf": "start on startup\nexec udevd\n",
                                       "quiet.conf": "start on startup\nexec q\n"})
    out = tmp_path / "real.svg"
    res = cli("boot", "-d", str(d), "--log", str(LOG), "-o", str(out))
    assert res.rc == 0, res.err
    svg = out.read_text()
    assert "seconds since boot" in svg and "quiet (only in the model)" in svg
    assert "7.8 s" in svg and "#d9534f" in svg  # the time axis; failed jobs in red
    model = tmp_path / "model.svg"
    assert cli("boot", "-d", str(d), "-o", str(model)).rc == 0
    assert "waves left to right" in model.read_text()


def test_critical_chain_with_real_times(tmp_path):
    out = cli("boot", "-d", str(FIXTURES), "--to", "tty1", "--log", str(LOG)).out
    assert out.splitlines()[:4] == [
        "tty1 (running in wave 16; on the machine at 7.606680 s)",
        "  waited in starting from wave 13 to 15, held by console-setup",
        "  <- stopped JOB=rc INSTANCE= RESULT=ok RUNLEVEL=2 PREVLEVEL=N (wave 13, from rc)",
        "    rc (running in wave 12; on the machine at 4.401720 s)"]
