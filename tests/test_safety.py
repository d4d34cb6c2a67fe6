"""Safe as root (issue 18): each attack of the second campaign, performed.

Attacks that need another user plant their files as that user (root can
chown them), and skip cleanly where the test cannot be root."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import (
    FIXTURES,
    cli,
    forked_children,
    installed,
    large_tree,
    needs_root,
    plant,
    write_jobs,
)

# -- 7. exit status and tracebacks ------------------------------------------------------

def _run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([installed(), *args], capture_output=False, stderr=subprocess.PIPE,
                          timeout=60, **kwargs)  # type: ignore[call-overload]


def test_closed_standard_output_is_one_line_and_exit_2():
    proc = _run("who-emits", "startup", "-d", str(FIXTURES), stdout=subprocess.DEVNULL,
                preexec_fn=lambda: os.close(1))
    assert (proc.returncode, proc.stderr) == (
        2, b"upgraph: cannot write standard output: it is closed\n")


def test_a_full_standard_output_is_one_line_and_exit_2():
    with open("/dev/full", "wb") as full:
        for args in (["who-emits", "startup", "-d", str(FIXTURES)], ["--help"]):
            proc = _run(*args, stdout=full)
            assert (proc.returncode, proc.stderr) == (
                2, b"upgraph: cannot write standard output: No space left on device\n")


def test_a_file_name_that_is_not_utf8_in_sarif(tmp_path):
    d = tmp_path / "init"
    d.mkdir()
    (d / os.fsdecode(b"a\xff.conf")).write_text("start on nobody-emits-this\n")
    res = cli("lint", "--format", "sarif", "-d", str(d))
    assert res.rc == 0
    uri = json.loads(res.out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"]["uri"]
    assert uri.endswith("a%FF.conf")


def test_no_process_to_fork_reads_in_one_process(monkeypatch, tmp_path):
    """ulimit -u: every fork fails (BlockingIOError); the answer is the same."""
    from upgraph.read import session

    d = write_jobs(tmp_path / "d", {f"j{i}.conf": f"start on e{i}\nemits f{i}\n"
                                    for i in range(40)})
    serial = cli("show-config", "--no-cache", "-d", str(d))

    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(session, "PARALLEL_MIN", 2)
    monkeypatch.setattr(session, "processors", lambda: 2)
    monkeypatch.setattr(os, "fork", no_fork)
    assert cli("show-config", "--no-cache", "-d", str(d)).out == serial.out
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cli("show-config", "-d", str(d))  # writes the cache (in this process)
    assert cli("show-config", "-d", str(d)).out == serial.out  # stats in this process


# -- 9. escaping --------------------------------------------------------------------------

def test_bidi_controls_and_line_separators_are_escaped(tmp_path):
    d = tmp_path / "init"
    d.mkdir()
    for name in ("evil\u202etxt.exe", "iso\u2066late", "two\u2028lines", "para\u2029x"):
        (d / f"{name}.conf").write_text("start on startup\n")
    out = cli("list", "-d", str(d)).out
    for shown in ("evil\\u202etxt.exe", "iso\\u2066late", "two\\u2028lines", "para\\u2029x"):
        assert shown in out
    for raw in ("\u202e", "\u2066", "\u2028", "\u2029"):
        assert raw not in out


def test_the_escape_is_one_to_one_and_names_never_merge(tmp_path):
    d = tmp_path / "init"
    d.mkdir()
    (d / "e\x1b.conf").write_text("start on startup\nemits x\n")
    (d / "e\\x1b.conf").write_text("start on startup\nemits x\n")
    out = cli("who-emits", "x", "-d", str(d)).out.splitlines()
    assert sorted(out) == ["e\\\\x1b", "e\\x1b"]  # two names, two lines, told apart
    nodes = json.loads(cli("export", "--format", "json", "-d", str(d)).out)["nodes"]
    graphml = cli("export", "--format", "graphml", "-d", str(d)).out
    dot = cli("dot", "-o", "-", "-d", str(d)).out
    assert graphml.count("<node ") == len(nodes) == 4  # 2 jobs, 2 events
    assert dot.count("shape=record") == 2


# -- 3. -o never follows what another user controls -----------------------------------------

@needs_root
def test_o_refuses_another_users_symlink_to_a_root_file(tmp_path):
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)  # like /tmp
    victim = tmp_path / "passwd"
    victim.write_text("root:x:0:0::/root:/bin/bash\n")
    plant(_symlink(shared / "graph.dot", victim))
    res = cli("dot", "-o", str(shared / "graph.dot"), "-d", str(FIXTURES))
    assert res.rc == 2 and "belongs to another user" in res.err
    assert victim.read_text() == "root:x:0:0::/root:/bin/bash\n"
    # a dangling one, planted to make root create a file elsewhere
    cron = tmp_path / "cron.d"
    cron.mkdir()
    plant(_symlink(shared / "boot.dot", cron / "job"))
    res = cli("dot", "-o", str(shared / "boot.dot"), "-d", str(FIXTURES))
    assert res.rc == 2 and not (cron / "job").exists()


@needs_root
def test_o_refuses_a_link_in_another_users_directory(tmp_path):
    home = tmp_path / "bob"
    home.mkdir()
    plant(home)
    victim = tmp_path / "shadow"
    victim.write_text("secret\n")
    plant(_symlink(home / "out.dot", victim))
    res = cli("dot", "-o", str(home / "out.dot"), "-d", str(FIXTURES))
    assert res.rc == 2 and victim.read_text() == "secret\n"


@needs_root
def test_o_refuses_another_users_fifo_and_never_blocks_on_a_fifo(tmp_path):
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    os.mkfifo(shared / "theirs.dot")
    plant(shared / "theirs.dot")
    proc = subprocess.run([installed(), "dot", "-o", str(shared / "theirs.dot"), "-d",
                           str(FIXTURES)], capture_output=True, timeout=20)
    assert proc.returncode == 2 and b"FIFO that belongs to another user" in proc.stderr
    os.mkfifo(tmp_path / "mine.dot")  # ours, but nobody reads it: an error, not a wait
    proc = subprocess.run([installed(), "dot", "-o", str(tmp_path / "mine.dot"), "-d",
                           str(FIXTURES)], capture_output=True, timeout=20)
    assert proc.returncode == 2 and b"a FIFO with no reader" in proc.stderr


def test_o_through_our_own_link_still_replaces_its_target(tmp_path):
    target = tmp_path / "real.dot"
    target.write_text("old\n")
    _symlink(tmp_path / "link.dot", target)
    assert cli("dot", "-o", str(tmp_path / "link.dot"), "-d", str(FIXTURES)).rc == 0
    assert target.read_text().startswith("digraph upstart {")
    assert (tmp_path / "link.dot").is_symlink()


def _symlink(link, target):
    link.symlink_to(target)
    return link


# -- 8. temporary files ------------------------------------------------------------------

@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1"])
def test_a_signal_while_writing_leaves_no_temporary_file(tmp_path, signame):
    import signal
    import time

    text = "".join(f"j{i}\n  emits e{i}\n  start on startup or e{i - 1}\n"
                   for i in range(40000))
    (tmp_path / "sc.txt").write_text(text)
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen([installed(), "dot", "-f", str(tmp_path / "sc.txt"), "-o",
                             str(out / "graph.dot")], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(out.glob(".upgraph-*")) and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.002)
    if proc.poll() is not None:
        pytest.skip("the write was over before the signal could be sent")
    proc.send_signal(getattr(signal, signame))
    _, err = proc.communicate(timeout=30)
    number = getattr(signal, signame)
    assert proc.returncode == 128 + number
    assert err == f"upgraph: terminated by signal {number}\n".encode()
    assert list(out.iterdir()) == []  # neither the temporary nor half a graph


def test_a_temporary_left_by_a_killed_run_is_removed_by_the_next(tmp_path):
    dead = tmp_path / ".upgraph-999999999-0123456789ab"  # no such process
    dead.write_text("half a graph")
    alive = tmp_path / f".upgraph-{os.getpid()}-0123456789ab"  # a running process's
    alive.write_text("in progress")
    assert cli("dot", "-o", str(tmp_path / "x.dot"), "-d", str(FIXTURES)).rc == 0
    assert not dead.exists() and alive.exists()


# -- 4. hangs ----------------------------------------------------------------------------

@pytest.mark.skipif(not os.path.exists("/proc/kmsg"), reason="needs /proc/kmsg")
def test_a_job_file_linked_to_proc_kmsg_neither_hangs_nor_eats_kernel_messages(tmp_path):
    d = write_jobs(tmp_path / "init", {"ok.conf": "start on startup\n"})
    (d / "kmsg.conf").symlink_to("/proc/kmsg")
    proc = subprocess.run([installed(), "list", "--no-cache", "-d", str(d)],
                          capture_output=True, timeout=30)
    assert proc.returncode == 0
    assert [line.split()[0] for line in proc.stdout.decode().splitlines()] == ["kmsg", "ok"]


def test_a_fifo_in_place_of_a_job_file_is_refused_without_waiting(tmp_path):
    """A .conf swapped for a FIFO after the scan: what the reader meets."""
    from upgraph.read.sources import read_bytes

    fifo = tmp_path / "x.conf"
    os.mkfifo(fifo)
    diags: list = []
    assert read_bytes(str(fifo), diags) is None  # at once: nobody writes to it
    assert [(d.severity, d.message) for d in diags] == [
        ("error", "not a regular file (a FIFO, device or socket), not read")]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="forked readers need 2 CPUs")
def test_a_forked_reader_killed_outright_leaves_its_share_to_the_parent(tmp_path):
    import signal

    d = large_tree(tmp_path / "init")
    proc = subprocess.Popen([installed(), "who-emits", "f5999", "--no-cache", "-d", str(d)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    children = forked_children(proc)
    assert children, "the readers were never forked"
    os.kill(children[0], signal.SIGKILL)  # as the out-of-memory killer would
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, out, err) == (0, b"d05/j5999\n", b"")


# -- 5. settings from places others control ---------------------------------------------------

LINT_ME = {"ui.conf": "start on start-user-session\nemits x\n"}


@needs_root
def test_another_users_upgraph_toml_in_the_working_directory_is_ignored(tmp_path):
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    d = write_jobs(tmp_path / "init", LINT_ME)
    clean = cli("lint", "-d", str(d), cwd=shared)
    toml = shared / "upgraph.toml"
    toml.write_text('disable = ["never-starts", "unused-emit"]\n'
                    '[emitters]\nfake = ["start-user-session"]\n')
    plant(toml)
    res = cli("lint", "-d", str(d), cwd=shared)
    assert res.out == clean.out and res.out.count("\n") == 2  # the findings stand
    assert f"upgraph: ignoring {toml}: it belongs to another user" in res.err
    assert "fake" not in cli("who-emits", "start-user-session", "-d", str(d), cwd=shared).out
    res = cli("lint", "--config", str(toml), "-d", str(d))
    assert res.rc == 2 and "refusing to use it" in res.err


def test_a_writable_by_anyone_upgraph_toml_is_ignored(tmp_path):
    d = write_jobs(tmp_path / "init", LINT_ME)
    project = tmp_path / "project"
    project.mkdir()
    (project / "upgraph.toml").write_text('disable = ["never-starts"]\n')
    (project / "upgraph.toml").chmod(0o666)
    res = cli("lint", "-d", str(d), cwd=project)
    assert "[never-starts]" in res.out and "other users can write it" in res.err


def test_an_images_own_settings_are_never_read(tmp_path):
    image = tmp_path / "image"
    write_jobs(image / "etc" / "init", LINT_ME)
    (image / "upgraph.toml").write_text('disable = ["never-starts", "unused-emit"]\n')
    (image / ".git").mkdir()
    res = cli("lint", "--root", ".", cwd=image)
    assert "[never-starts]" in res.out
    (image / "upgraph.toml").unlink()  # (a project's own, above its job directory, is read)
    (image / "etc" / "init" / "upgraph.toml").write_text('disable = ["never-starts"]\n')
    res = cli("lint", "-d", ".", "--verbose", cwd=image / "etc" / "init")
    assert "[never-starts]" in res.out and "no settings file" in res.err


@pytest.mark.parametrize("text, message", [
    ("a = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ("[tool]\nupgraph = 5\n", "[tool.upgraph] must be a table"),
])
def test_malformed_settings_are_exit_2(tmp_path, text, message):
    d = write_jobs(tmp_path / "init", LINT_ME)
    cfg = tmp_path / ("upgraph.toml" if "tool" not in text else "pyproject.toml")
    cfg.write_text(text)
    res = cli("lint", "--config", str(cfg), "-d", str(d))
    assert res.rc == 2 and message in res.err and "Traceback" not in res.err


def test_settings_that_are_not_a_regular_small_file_are_exit_2(tmp_path):
    d = write_jobs(tmp_path / "init", LINT_ME)
    proc = subprocess.run([installed(), "lint", "--config", "/dev/zero", "-d", str(d)],
                          capture_output=True, timeout=20)
    assert proc.returncode == 2 and b"/dev/zero: not a regular file" in proc.stderr
    big = tmp_path / "upgraph.toml"
    big.write_text("# " + "x" * (2 << 20) + "\n")
    res = cli("lint", "--config", str(big), "-d", str(d))
    assert res.rc == 2 and "larger than 1 MiB" in res.err


def test_the_settings_in_use_are_said(tmp_path):
    d = write_jobs(tmp_path / "init", LINT_ME)
    cfg = tmp_path / "upgraph.toml"
    cfg.write_text('disable = ["unused-emit"]\n')
    res = cli("lint", "--config", str(cfg), "--verbose", "-d", str(d))
    assert f"upgraph: settings from {cfg}" in res.err
    data = json.loads(cli("lint", "--config", str(cfg), "--json", "-d", str(d)).out)
    assert data["settings"] == str(cfg)


# -- 2. --root stays inside the image ---------------------------------------------------------

def test_root_resolves_links_inside_the_image_never_on_the_host(tmp_path):
    host_secret = tmp_path / "host-shadow"
    host_secret.write_text("root:$6$SECRETHASH:19000:0:99999:7:::\n")
    image = tmp_path / "image"
    init = image / "etc" / "init"
    write_jobs(image / "usr" / "share" / "upstart", {"real.conf": "start on startup\n"})
    init.mkdir(parents=True)
    (init / "leak.conf").symlink_to(host_secret)  # absolute: the host's file
    (init / "real.conf").symlink_to("/usr/share/upstart/real.conf")  # the image's own
    (init / "up.conf").symlink_to("../../../../host-shadow")  # `..` stops at the root
    for fmt in ("text", "sarif"):
        res = cli("lint", "--format", fmt, "--root", str(image))
        assert "SECRETHASH" not in res.out + res.err
    res = cli("list", "--root", str(image))
    assert [line.split()[0] for line in res.out.splitlines()] == ["real"]
    assert res.out.split()[3] == f"{image}/usr/share/upstart/real.conf:1:1"


def test_a_file_that_is_plainly_not_a_job_file_is_quoted_a_few_characters_at_most(tmp_path):
    d = write_jobs(tmp_path / "init", {
        "shadow.conf": "root:$6$SECRETHASH:19000:0:99999:7:::\ndaemon:*:19000::::::\n"})
    res = cli("lint", "-d", str(d))
    assert "SECRETHASH" not in res.out + res.err
    assert (f"{d}/shadow.conf:1:1: error: Unknown stanza (a line that is not a job file's: "
            "'root:$6$'...) [unknown-stanza]") in res.out


# -- 1. the cache directory: opened once, checked up to the root, used by descriptor ---------

@needs_root
def test_root_with_another_users_home_makes_and_uses_no_cache_there(tmp_path):
    """sudo -E: HOME is a user's, whose .cache that user may rename and relink."""
    home = tmp_path / "bob"
    (home / ".cache").mkdir(parents=True)
    plant(home)
    plant(home / ".cache")
    res = run_installed("who-emits", "startup", "-d", str(FIXTURES),
                        env={"HOME": str(home), "XDG_CACHE_HOME": ""})
    assert (res.returncode, res.stdout) == (0, b"init built-in\n")
    assert list((home / ".cache").iterdir()) == []  # nothing made there, nothing read


def test_the_cache_is_used_through_its_descriptor_when_swapped_mid_run(monkeypatch, tmp_path):
    from upgraph.read.cache import Store, read, write

    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    store = Store.open()
    assert store is not None
    elsewhere = tmp_path / "root-only"
    elsewhere.mkdir()
    (elsewhere / "precious").write_text("keep me\n")
    os.rename(cache / "upgraph", tmp_path / "moved")  # renamed away ...
    (cache / "upgraph").symlink_to(elsewhere)         # ... a link in its place
    write(store.fd, "code.json", {"x": 1})
    assert (tmp_path / "moved" / "code.json").exists()  # written where it was opened
    for name in store.names():
        os.unlink(name, dir_fd=store.fd)  # what a cache clean-up does
    assert sorted(os.listdir(elsewhere)) == ["precious"]
    assert read(store.fd, "code.json") is None


def test_cache_files_swapped_for_fifos_neither_hang_nor_count(tmp_path):
    d = write_jobs(tmp_path / "init", {"a.conf": "start on x\nemits y\n"})
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = run_installed("show-config", "-d", str(d), env=env)
    folder = tmp_path / "cache" / "upgraph"
    for name in os.listdir(folder):
        os.unlink(folder / name)
        os.mkfifo(folder / name)
    again = run_installed("show-config", "-d", str(d), env=env)
    assert (again.returncode, again.stdout) == (0, first.stdout)


def run_installed(*args: str, env: dict[str, str] | None = None
                  ) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([installed(), *args], capture_output=True, timeout=30,
                          env={**os.environ, **(env or {})})


# -- 6. small inputs, huge costs ------------------------------------------------------------

def test_why_of_a_30000_operand_or_is_linear(tmp_path):
    ops = " or ".join(f"e{i}" for i in range(30000))
    d = write_jobs(tmp_path / "init", {"big.conf": f"start on {ops}\n"})
    res = cli("why", "big", "-d", str(d), "--declared-only")
    lines = res.out.splitlines()
    assert res.rc == 1 and lines[2] == "  or  (not met)"
    assert len(lines) == 30000 + 4  # one line per operand, at one depth
    assert max(len(line) for line in lines[3:-1]) < 60


def test_a_picture_too_large_to_lay_out_is_refused_with_a_way_out(tmp_path):
    text = "".join(f"j{i}\n  emits e{i}\n  start on startup\n" for i in range(2000))
    (tmp_path / "sc.txt").write_text(text)
    res = cli("dot", "-f", str(tmp_path / "sc.txt"), "-o", str(tmp_path / "x.svg"))
    assert res.rc == 2 and "draw a part with -r" in res.err
    assert not (tmp_path / "x.svg").exists()
    assert cli("dot", "-f", str(tmp_path / "sc.txt"), "-o", str(tmp_path / "x.dot")).rc == 0


def test_deps_of_a_long_chain_prints_short_lines(tmp_path):
    jobs = {"job0.conf": "start on startup\n"}
    jobs.update({f"job{i}.conf": f"start on started job{i - 1}\n" for i in range(1, 5001)})
    d = write_jobs(tmp_path / "init", jobs)
    lines = cli("deps", "job5000", "-d", str(d)).out.splitlines()
    assert len(lines) == 2 * 5000 + 3  # each job and its operand, then startup [built-in]
    assert max(len(line) for line in lines) < 160  # not growing with the depth
    assert lines[-1].endswith("[level 10002] init [built-in]")


def test_deps_where_every_job_emits_everything_is_bounded_by_its_answer(tmp_path):
    jobs = {f"j{i}.conf": f"emits *\nstart on e{i} or started j{(i + 1) % 120}\n"
            for i in range(120)}
    d = write_jobs(tmp_path / "init", jobs)
    lines = cli("deps", "j0", "-d", str(d)).out.splitlines()
    # each job is expanded once: its line, its `or` line, its two operands
    # and under them the 120 emitters
    assert len(lines) < 120 * (1 + 1 + 2 + 120) + 10
    assert sum(line.endswith(" ...") or line.endswith("(a cycle)") for line in lines) > 0
    assert max(len(line) for line in lines) < 160


def test_many_glob_emitters_and_listeners_give_a_graph_of_their_own_size(tmp_path):
    jobs = {f"g{i}.conf": "emits ev-*\nstart on startup\n" for i in range(300)}
    jobs.update({f"l{i}.conf": f"start on ev-{i}\n" for i in range(300)})
    d = write_jobs(tmp_path / "init", jobs)
    data = json.loads(cli("export", "--format", "json", "-d", str(d)).out)
    kinds = [link["kind"] for link in data["links"]]
    # each emitter to the glob, the glob to each event it covers, each event to its job
    assert (kinds.count("emits"), kinds.count("covers"), kinds.count("start")) == (
        300, 300, 300 + 300)
    assert cli("export", "--format", "graphml", "-d", str(d)).out.count("<edge ") == 1200


def _endless(line: bytes, first: bytes = b"") -> tuple[int, int, bytes]:
    """`upgraph list` fed FIRST, then LINE for ever, through a pipe (as an
    attacker's `initctl show-config` would be): (exit status, peak resident
    KiB, stderr)."""
    import threading

    proc = subprocess.Popen([installed(), "list"], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def feed() -> None:
        block = line * max(1, (1 << 20) // len(line))
        try:
            proc.stdin.write(first)  # type: ignore[union-attr]
            while True:
                proc.stdin.write(block)  # type: ignore[union-attr]
        except (BrokenPipeError, ValueError, OSError):
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    err = proc.stderr.read()  # type: ignore[union-attr]
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdin.close()  # type: ignore[union-attr]
    writer.join(10)
    return proc.returncode, usage.ru_maxrss, err


def test_endless_show_config_text_is_read_up_to_32_mib_then_exit_3():
    rc, peak_kib, err = _endless(b"  emits " + b"x" * 1000 + b"\n", b"big\n")
    assert rc == 3
    last = err.decode().splitlines()[-1]
    assert last.endswith(": more than 32 MiB of show-config text; the rest is not read")
    assert last.startswith("<stdin>:")
    assert peak_kib < 400 << 10  # bounded: not the size of the stream


def test_endless_show_config_jobs_stop_at_200000_then_exit_3():
    rc, peak_kib, err = _endless(b"j\n  start on startup\n")
    assert rc == 3
    lines = err.decode().splitlines()
    assert lines[-1] == ("<stdin>:400001:1: more than 200,000 jobs in show-config text; "
                         "the rest is not read")
    # every `j` after the first is a duplicate: 100 warnings, then one line for the rest
    assert sum("job j given more than once" in line for line in lines) == 100
    assert lines[-2] == ("<stdin>:399999:1: warning: 199899 more like the above "
                         "(duplicate-job) not shown; the last is here")
    assert peak_kib < 1 << 20


def test_a_job_of_endless_emits_keeps_its_first_100000_then_exit_3():
    text = "big\n" + "".join(f"  emits e{i}\n" for i in range(100_005)) + "b\n  emits x\n"
    res = cli("show-config", stdin=text)
    assert res.rc == 3
    assert res.err == ("<stdin>:100002:1: job big has more than 100,000 lines of show-config "
                       "text; the rest of them are not read\n")
    lines = res.out.splitlines()  # sorted by name; the job after it is read
    assert lines[:3] == ["b", "  emits x", "big"]
    assert (len(lines), lines[-1]) == (3 + 100_000, "  emits e99999")


def test_a_warning_per_line_is_said_100_times_then_counted():
    res = cli("list", stdin="".join(f"j{i}\n  start on (a and b\n" for i in range(1000)))
    lines = res.err.splitlines()
    assert len(lines) == 101 and res.rc == 0
    assert lines[-1] == ("<stdin>:2000:12: warning: 900 more like the above "
                         "(showconfig-line) not shown; the last is here")


@pytest.mark.parametrize("quiet", [[], ["-q"]])
def test_lint_of_a_job_set_with_a_file_it_could_not_read_is_exit_3(tmp_path, quiet):
    d = write_jobs(tmp_path / "init", {"a.conf": "start on startup\n"})
    with open(d / "backdoor.conf", "wb") as fh:
        fh.truncate(17 << 20)
    res = cli("lint", *quiet, "--no-cache", "-d", str(d))
    assert res.rc == 3
    assert res.out == (f"{d}/backdoor.conf:1:1: error: larger than 16 MiB, not read as a "
                       "job file [unreadable]\n")


def _counting(monkeypatch, module, name):
    calls = [0]
    real = getattr(module, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_200_jobs_each_waiting_for_any_others_start_cost_what_they_match(tmp_path,
                                                                         monkeypatch):
    """Each job starts on any other's `started` and restarts the next: a
    livelock, cut at the bound.  A `started jK` event is matched against
    the one operand of each job that names jK, not against all 199."""
    from upgraph.boot import machine

    n = 200
    jobs = {f"j{i}.conf": "start on " + " or ".join(
        ["startup"] + [f"started j{k}" for k in range(n) if k != i])
        + f"\nscript\n  restart j{(i + 1) % n}\nend script\n" for i in range(n)}
    d = write_jobs(tmp_path / "init", jobs)
    calls = _counting(monkeypatch, machine, "matches")
    res = cli("boot", "--bound", "2000", "--no-cache", "-d", str(d))
    assert res.rc == 1 and "cut at 2000 events" in res.out
    assert calls[0] <= 2000 * n  # was about 2000 * n * n / 4


def test_200_jobs_restarting_all_others_resolve_their_lines_once(tmp_path, monkeypatch):
    from upgraph.boot import model

    n = 200
    jobs = {f"j{i}.conf": "start on startup\nscript\n" + "".join(
        f"  initctl restart --no-wait j{k}\n" for k in range(n) if k != i) + "end script\n"
        for i in range(n)}
    d = write_jobs(tmp_path / "init", jobs)
    calls = _counting(monkeypatch, model, "expand_words")
    res = cli("boot", "--bound", "2000", "--no-cache", "-d", str(d))
    assert res.rc == 1 and "cut at 2000 events" in res.out
    assert calls[0] == n * (n - 1)  # each script's lines once, however often it runs


@pytest.mark.parametrize("args, entry", [
    (("j",), "JOB=j"), (("j", "X=1"), None), (("$J",), None), (("j*",), None),
    (("JOB=j",), None), ((), None)])
def test_the_latch_shortcut_is_the_matching_rule_s_own_answer(args, entry):
    from upgraph.boot.machine import Event, mismatch, sufficient_entry
    from upgraph.model import Operand

    op = Operand("started", args)
    assert sufficient_entry(op) == entry
    if entry is not None:  # that first entry matches, whatever follows it
        for env in ([entry], [entry, "INSTANCE=", "RESULT=ok"], [entry, "JOB=other"]):
            assert mismatch(op, Event(1, "started", env, 0, "test"), None) is None


def test_a_100000_operand_or_latches_in_constant_steps(tmp_path):
    from upgraph.boot.machine import Event, Tree
    from upgraph.read.session import load
    from upgraph.read.sources import SourceSpec

    ops = " or ".join(f"started j{i}" for i in range(100000))
    d = write_jobs(tmp_path / "init", {"big.conf": f"start on {ops}\n"})
    tree = Tree(load(SourceSpec([str(d)], cache=False)).jobs["big"].start_on)
    assert len(tree.ops) == 100001  # one `or` node for the whole run
    ev = Event(1, "started", ["JOB=j77777", "INSTANCE="], 0, "test")
    assert tree.handle(ev, None) and tree.true
    assert tree.set == [77777, 100000] and tree.counted() == [ev]
    tree.reset()
    assert not tree.true and ev.blockers == 0


def test_closed_standard_error_still_answers():
    proc = subprocess.run([installed(), "who-emits", "startup", "-d", str(FIXTURES)],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          preexec_fn=lambda: os.close(2), timeout=60)
    assert (proc.returncode, proc.stdout) == (0, b"init built-in\n")


def test_a_cache_temporary_left_by_a_killed_run_is_removed_by_the_next(tmp_path):
    d = write_jobs(tmp_path / "init", {"a.conf": "start on x\n"})
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    run_installed("show-config", "-d", str(d), env=env)
    dead = tmp_path / "cache" / "upgraph" / ".upgraph-999999999-0123456789ab"
    dead.write_text("half a cache file")
    (d / "b.conf").write_text("start on y\n")  # a change: the cache is written again
    assert run_installed("show-config", "-d", str(d), env=env).returncode == 0
    assert not dead.exists()
