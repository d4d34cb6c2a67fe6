"""Where the machines are: `collect` (a POSIX sh script run under dash,
busybox sh and bash against a fake root built from ../shared/corpora, with
stand-in initctl and dmesg), bundles as a source (hostile ones refused),
and `diff`."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from conftest import CORPORA, EXPECTED, FIXTURES, cli, needs_shared, write_jobs
from hypothesis import given, settings
from hypothesis import strategies as st

from upgraph.answers.collect import script

SHELLS = [s for s in (["dash"], ["busybox", "sh"], ["bash"]) if shutil.which(s[0])]


def fake_root(tmp_path: Path, secret: bool = True) -> tuple[Path, Path]:
    """A host's files (raspbmc's jobs, inittab, os-release, logs) and a bin
    directory with stand-ins for initctl and dmesg."""
    root, bin_ = tmp_path / "host", tmp_path / "bin"
    for conf in (CORPORA / "raspbmc").glob("*.conf"):
        write_jobs(root / "etc" / "init", {conf.name: conf.read_bytes()})
    write_jobs(root / "etc", {"inittab": "id:3:initdefault:\n",
                              "os-release": 'NAME="Raspbmc"\nID=debian\n',
                              "hostname": "pi-host\n"})
    write_jobs(root / "proc", {"cmdline": "console=tty1 quiet\n"})
    log = (FIXTURES.parent / "logs" / "kern.log").read_bytes()
    write_jobs(root / "var" / "log", {"kern.log": log + b"Dec  5 host kernel: not init\n"})
    if secret:  # a job file its user cannot read
        (root / "etc" / "init" / "secret.conf").write_text("start on startup\n")
        (root / "etc" / "init" / "secret.conf").chmod(0)
    expected = EXPECTED / "raspbmc"
    write_jobs(bin_, {
        "initctl": "#!/bin/sh\ncase $1 in\n version) echo 'init (upstart 1.13.2)';;\n"
                   f" list) cat '{FIXTURES.parent / 'logs' / 'initctl-list.txt'}';;\n"
                   f" show-config) cat '{expected / 'show-config-e.txt'}';;\n"
                   " *) exit 1;;\nesac\n",
        "dmesg": "#!/bin/sh\necho '[    1.0] init: mountall main process (7) terminated "
                 "with status 1'\necho '[    1.1] usb 1-1: new device'\n"})
    for f in bin_.iterdir():
        f.chmod(0o755)
    return root, bin_


def collect(tmp_path: Path, shell: list[str], secret: bool = True) -> bytes:
    root, bin_ = fake_root(tmp_path, secret)
    env = {**os.environ, "UPGRAPH_ROOT": str(root), "PATH": f"{bin_}:{os.environ['PATH']}",
           "TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "tmp").mkdir()
    proc = subprocess.run(shell, input=script(4096 * 4).encode(), capture_output=True,
                          env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert list((tmp_path / "tmp").iterdir()) == []  # its temporary directory is gone
    return proc.stdout


def members(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isreg()}


def test_collect_is_clean_posix_sh():
    if not shutil.which("shellcheck"):
        pytest.skip("shellcheck is not installed")
    proc = subprocess.run(["shellcheck", "-s", "sh", "-"], input=script().encode(),
                          capture_output=True, check=False)
    assert proc.returncode == 0, proc.stdout.decode()


@needs_shared
@pytest.mark.parametrize("shell", SHELLS, ids=lambda s: " ".join(s))
def test_collect_bundles_a_host_under_each_shell(tmp_path, shell):
    if os.geteuid() == 0:
        pass  # root reads the unreadable file: the manifest then says it took it
    got = members(collect(tmp_path, shell))
    top = "upgraph-bundle/"
    assert got[top + "VERSION"] == b"upgraph-bundle 1\n"
    for conf in (CORPORA / "raspbmc").glob("*.conf"):
        assert got[f"{top}root/etc/init/{conf.name}"] == conf.read_bytes()
    assert got[top + "root/etc/inittab"] == b"id:3:initdefault:\n"
    assert got[top + "host/cmdline"] == b"console=tty1 quiet\n"
    assert got[top + "host/hostname"] == b"pi-host\n"
    assert got[top + "initctl/version.txt"] == b"init (upstart 1.13.2)\n"
    assert got[top + "initctl/show-config-e.txt"] == \
        (EXPECTED / "raspbmc" / "show-config-e.txt").read_bytes()
    dmesg = got[top + "logs/dmesg.txt"].splitlines()
    assert all(b"init: " in line for line in dmesg)
    if shell[0] != "busybox":  # busybox sh runs its own dmesg applet, not the stand-in
        assert dmesg == [b"[    1.0] init: mountall main process (7) terminated with status 1"]
    assert b"not init" not in got[top + "logs/1.txt"] and b"init: " in got[top + "logs/1.txt"]
    assert len(got[top + "logs/1.txt"]) <= 4096 * 4  # capped
    manifest = got[top + "MANIFEST"].decode().splitlines()
    assert manifest[-1] == "done" and "took initctl list" in manifest
    assert any(line.endswith("/etc/redhat-release") and line.startswith("absent")
               for line in manifest)
    if os.geteuid() != 0:
        assert any(line.startswith("skipped") and "secret.conf" in line for line in manifest)


@needs_shared
def test_every_command_answers_the_same_from_the_bundle_as_from_the_directory(tmp_path):
    bundle = tmp_path / "host.tar.gz"
    bundle.write_bytes(collect(tmp_path, SHELLS[0], secret=False))
    d = tmp_path / "host" / "etc" / "init"
    for args in (["show-config"], ["check-config"], ["who-emits", "startup"],
                 ["who-listens", "startup"], ["deps", "procps"]):
        assert cli(*args, "--bundle", str(bundle)).out == cli(*args, "-d", str(d)).out, args
    a = json.loads(cli("boot", "--json", "--bundle", str(bundle)).out)
    b = json.loads(cli("boot", "--json", "--root", str(tmp_path / "host"), "--log",
                       str(tmp_path / "host" / "var" / "log" / "kern.log")).out)
    assert a["jobs"] == b["jobs"] and a["assumptions"][:3] == b["assumptions"][:3]
    assert a["log"] is not None  # the bundle's logs are compared, with nothing to set up
    res = cli("list", "--bundle", str(bundle))
    assert f"{bundle}:etc/init/avahi-daemon.conf:1:1" in res.out
    assert "[" in res.out.splitlines()[0]  # initctl list's real state beside each job


def tar_with(tmp_path: Path, add) -> Path:
    path = tmp_path / "bad.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("upgraph-bundle/VERSION")
        info.size = 17
        tar.addfile(info, io.BytesIO(b"upgraph-bundle 1\n"))
        add(tar)
    return path


def _file(name: str, data: bytes = b"x"):
    def add(tar):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return add


def _special(name: str, kind: bytes, link: str = ""):
    def add(tar):
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = link
        tar.addfile(info)
    return add


@pytest.mark.parametrize(("add", "words"), [
    (_file("/etc/cron.d/evil"), "escapes the bundle"),
    (_file("upgraph-bundle/../../evil"), "escapes the bundle"),
    (_file("elsewhere/evil"), "escapes the bundle"),
    (_special("upgraph-bundle/root/etc/init/x.conf", tarfile.SYMTYPE, "/etc/shadow"),
     "is a link"),
    (_special("upgraph-bundle/root/etc/init/h.conf", tarfile.LNKTYPE, "/etc/shadow"),
     "is a link"),
    (_special("upgraph-bundle/root/dev/sda", tarfile.BLKTYPE), "is a device or FIFO"),
    (_special("upgraph-bundle/root/fifo", tarfile.FIFOTYPE), "is a device or FIFO"),
])
def test_hostile_bundles_are_refused_and_nothing_is_written_outside(tmp_path, add, words):
    path = tar_with(tmp_path, add)
    before = set(os.listdir("/tmp"))
    res = cli("list", "--bundle", str(path))
    assert res.rc == 2 and words in res.err, res.err
    assert "Traceback" not in res.err
    assert not (tmp_path / "evil").exists() and not Path("/etc/cron.d/evil").exists()
    assert {n for n in set(os.listdir("/tmp")) - before if n.startswith("upgraph-bundle")} \
        == set()


def test_a_bomb_and_a_huge_member_are_refused(tmp_path, monkeypatch):
    from upgraph.read import bundle

    monkeypatch.setattr(bundle, "MEMBER_MAX", 1000)
    res = cli("list", "--bundle", str(tar_with(tmp_path, _file("upgraph-bundle/big",
                                                                 b"0" * 2000))))
    assert res.rc == 2 and "is 2000 bytes" in res.err
    monkeypatch.setattr(bundle, "MEMBER_MAX", 1 << 20)
    monkeypatch.setattr(bundle, "TOTAL_MAX", 3000)

    def many(tar):
        for i in range(4):
            _file(f"upgraph-bundle/f{i}", b"0" * 900)(tar)
    res = cli("list", "--bundle", str(tar_with(tmp_path, many)))
    assert res.rc == 2 and "in all (a bomb?)" in res.err


@pytest.mark.parametrize("content", [b"", b"not a tar at all\n", b"\x1f\x8b\x08garbage"])
def test_not_a_bundle_is_a_usage_error(tmp_path, content):
    path = tmp_path / "x.tar.gz"
    path.write_bytes(content)
    res = cli("boot", "--bundle", str(path))
    assert res.rc == 2 and "not a bundle" in res.err and "Traceback" not in res.err
    res = cli("boot", "--bundle", str(tmp_path / "missing.tar.gz"))
    assert res.rc == 2 and "No such file" in res.err


# -- diff -------------------------------------------------------------------------------

BASE = {"a.conf": "start on startup\nemits ready\nexec a\n",
        "b.conf": "start on ready\nexec b\n",
        "c.conf": "start on started b\nexec c\n",
        "gone.conf": "start on startup\nexec g\n"}


def test_diff_names_each_kind_of_change(tmp_path):
    old = write_jobs(tmp_path / "old", BASE)
    new = write_jobs(tmp_path / "new", {**{k: v for k, v in BASE.items() if k != "gone.conf"},
                                        "a.conf": "start on startup\nexec a\n",
                                        "d.conf": "start on startup\nemits ready\nexec d\n"
                                                  "stop on nothing-emits-this\n"})
    res = cli("diff", str(old), str(new))
    assert res.rc == 1
    assert res.out.splitlines() == [
        f"--- {old}", f"+++ {new}",
        "jobs added (1): d",
        "jobs removed (1): gone",
        "changed: a", "  --- a/a", "  +++ b/a", "  @@ -1,3 +1,2 @@", "   a",
        "  -  emits ready", "     start on startup",
        "emitters of ready: +d -a",
        "listeners of nothing-emits-this: +d",
        "listeners of startup: +d -gone",
        "lint, new: stop-never-fires d: stop condition can never become true (it waits for "
        "`nothing-emits-this`, which nothing emits): the job only stops when told to",
        "boot: d starts only in " + str(new) + "; in " + str(old) + ": there is no job d in "
        + str(old),
        "boot: gone starts only in " + str(old) + "; in " + str(new) + ": there is no job "
        "gone in " + str(new),
        "boot: the critical chain of b changed: b <- a  =>  b <- d",
        "boot: the critical chain of c changed: c <- b <- a  =>  c <- b <- d"]
    data = json.loads(cli("diff", "--json", str(old), str(new)).out)
    assert data["boot"]["chains"][0] == {"job": "b", "a": ["b", "a"], "b": ["b", "d"]}
    assert cli("diff", "--fail-on", "boot", str(old), str(new)).rc == 1


def test_diff_of_identical_sets_exits_0_and_fail_on_counts_only_its_kind(tmp_path):
    old = write_jobs(tmp_path / "old", BASE)
    res = cli("diff", str(old), str(old))
    assert res.rc == 0 and res.out.endswith("no differences\n")
    new = write_jobs(tmp_path / "new", {**BASE, "gone.conf": "start on startup\nexec g2\n"})
    assert cli("diff", str(old), str(new)).rc == 0  # exec lines are not in show-config
    more = write_jobs(tmp_path / "more", {**BASE, "x.conf": "start on nope\nexec x\n"})
    assert cli("diff", "--fail-on", "new-findings", str(old), str(more)).rc == 1
    assert cli("diff", "--fail-on", "boot", str(old), str(more)).rc == 0


def test_diff_reads_a_git_revision(tmp_path):
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    write_jobs(repo / "init", BASE)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "one"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    (repo / "init" / "b.conf").write_text("start on never\nexec b\n")
    res = cli("diff", "HEAD:init", "init", cwd=repo)
    assert res.rc == 1 and "changed: b" in res.out
    assert "boot: b starts only in HEAD:init" in res.out
    assert cli("diff", "HEAD:init", "HEAD:init", cwd=repo).rc == 0
    res = cli("diff", "nope:init", "init", cwd=repo)
    assert res.rc == 2 and "'nope' is no git revision here" in res.err
    res = cli("diff", "HEAD:missing", "init", cwd=repo)
    assert res.rc == 2 and "no such path" in res.err


def test_diff_of_a_missing_side_is_a_usage_error(tmp_path):
    res = cli("diff", str(tmp_path / "nope"), str(FIXTURES))
    assert res.rc == 2 and "no such directory, file or git revision" in res.err


# -- fleet --------------------------------------------------------------------------------

def bundle_of(path: Path, jobs: dict[str, str], host: str, log: bytes = b"") -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in {"VERSION": b"upgraph-bundle 1\n", "host/hostname": host.encode(),
                           "logs/1.txt": log,
                           **{f"root/etc/init/{n}": t.encode() for n, t in jobs.items()}
                           }.items():
            info = tarfile.TarInfo(f"upgraph-bundle/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_fleet_groups_hosts_by_job_set_and_boot_and_names_failures(tmp_path):
    d = tmp_path / "bundles"
    d.mkdir()
    changed = {**BASE, "b.conf": "start on never\nexec b\n"}
    for i in range(3):
        bundle_of(d / f"h{i}.tgz", BASE, f"web{i}")
    bundle_of(d / "h3.tgz", changed, "odd", b"[ 3.1] init: b main process (7) terminated "
                                            b"with status 1\n")
    (d / "junk.tgz").write_bytes(b"junk")
    res = cli("fleet", str(d))
    assert res.rc == 1
    lines = res.out.splitlines()
    assert lines[0] == "fleet: 4 hosts, 2 job set(s), 2 boot outcome(s)"
    assert lines[1].endswith("3 host(s): web0 (h0.tgz), web1 (h1.tgz), web2 (h2.tgz) "
                             "(the largest)")
    assert lines[2].endswith("1 host(s): odd (h3.tgz)")
    assert lines[3] == ("  against job set 1: changed: b; starts only there: b, c")
    assert "  odd (h3.tgz): b: init: b main process (7) terminated with status 1" in lines
    assert lines[-1] == f"  {d / 'junk.tgz'}: not a bundle (not a tar or tar.gz file)"
    data = json.loads(cli("fleet", "--json", str(d)).out)
    assert [len(v["hosts"]) for v in data["variants"]] == [3, 1]


def test_fleet_merge_of_shards_equals_one_run(tmp_path):
    paths = []
    for i in range(4):
        jobs = BASE if i % 2 else {**BASE, "x.conf": "start on startup\nexec x\n"}
        paths.append(bundle_of(tmp_path / f"h{i}.tgz", jobs, f"h{i}"))
    whole = json.loads(cli("fleet", "--json", *map(str, paths)).out)
    parts = []
    for k, shard in enumerate((paths[:1], paths[1:])):
        part = tmp_path / f"part{k}.json"
        part.write_text(cli("fleet", "--json", *map(str, shard)).out)
        parts.append(str(part))
    merged = json.loads(cli("fleet", "--merge", "--json", *parts).out)
    assert merged == whole
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    res = cli("fleet", "--merge", str(bad))
    assert res.rc == 2 and "not the output of `upgraph fleet --json`" in res.err


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=600), cut=st.integers(min_value=0, max_value=700))
def test_fuzzed_bundles_are_refused_without_a_traceback(tmp_path_factory, data, cut):
    """Random bytes, and a real bundle cut short or with bytes flipped in."""
    tmp = tmp_path_factory.mktemp("fuzz")
    real = (FIXTURES.parent / "bundles" / "web1.tar.gz").read_bytes()
    for i, blob in enumerate((data, real[:cut], real[:cut] + data + real[cut + len(data):])):
        path = tmp / f"b{i}.tar.gz"
        path.write_bytes(blob)
        res = cli("list", "-q", "--bundle", str(path))
        assert res.rc in (0, 2, 3), res.err
        assert "Traceback" not in res.err and (res.rc != 2 or res.err.startswith("upgraph: "))
    res = cli("fleet", str(tmp))  # refused ones are listed; the others are grouped
    assert res.rc in (0, 1, 2) and "Traceback" not in res.err, res.err  # 2: none readable


def test_fleet_with_no_readable_bundle_is_a_usage_error(tmp_path):
    (tmp_path / "junk.tgz").write_bytes(b"junk")
    res = cli("fleet", str(tmp_path))
    assert res.rc == 2 and "no bundle could be read" in res.err
    assert cli("fleet", str(tmp_path / "empty-dir-missing")).rc == 2


def test_fleet_parses_each_distinct_job_file_once(tmp_path, monkeypatch):
    from upgraph.read.session import Reading

    calls: list[str] = []
    real = Reading.read_job

    def counting(self, name, conf, override, diags, stats=None):
        calls.append(name)
        return real(self, name, conf, override, diags, stats)

    monkeypatch.setattr(Reading, "read_job", counting)
    changed = {**BASE, "b.conf": "start on never\nexec b\n"}
    for i in range(4):
        bundle_of(tmp_path / f"h{i}.tgz", BASE if i % 2 else changed, f"h{i}")
    res = cli("fleet", str(tmp_path))
    assert res.rc == 1 and res.out.startswith("fleet: 4 hosts, 2 job set(s)")  # two variants
    assert sorted(calls) == ["a", "b", "b", "c", "gone"]  # b twice: two contents
