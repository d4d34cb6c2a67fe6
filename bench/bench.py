#!/usr/bin/env python3
"""Time upgraph against initctl2dot and the physical floor; write RESULTS.md.

    python bench/bench.py                    # everything (about half an hour)
    python bench/bench.py --quick            # 300 and 10,000 jobs only
    python bench/bench.py --runs 7 --keep /tmp/sets

Every figure is a whole process (start-up included), run RUNS times after one
warm-up run.  Comparisons run the two commands in turn (A B A B ...) and take
the ratio pair by pair, so a machine that speeds up or slows down during the
run moves both sides of a ratio alike; the report gives medians.  Peak memory
is the child's own (wait4's ru_maxrss).  initctl2dot is the peer tool from
../shared/peers, run as it is with this same interpreter; it is never copied.

Nothing here is an assertion: the test suite never times anything.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
PEER = SHARED / "peers" / "initctl2dot.py"
PY = sys.executable
UPGRAPH = [str(Path(PY).with_name("upgraph"))] if Path(PY).with_name("upgraph").exists() \
    else [PY, "-m", "upgraph"]


# -- job sets ----------------------------------------------------------------------

def job_name(i: int, n: int) -> str:
    """Large sets are spread over subdirectories, as big /etc/init trees are."""
    return f"d{i // 1000:03d}/j{i:05d}" if n > 1000 else f"j{i:05d}"


def job_text(i: int, n: int, rng: random.Random, globs: bool) -> str:
    """A job shaped like real ones: emits, nested conditions, job events, scripts."""
    lines = [f"# synthetic job {i}", f'description "synthetic job number {i}"']
    if i % 3 == 0:
        lines.append(f"emits ev-{i:05d}")
    if globs and i % 50 == 0:
        lines.append(f"emits ev-{i:05d}-* glob-{i}-?")
    a, b, c = (rng.randrange(n) for _ in range(3))
    pick = i % 4
    if pick == 0:
        lines.append("start on startup")
    elif pick == 1:
        lines.append(f"start on (ev-{a - a % 3:05d} and started {job_name(b, n)})"
                     " or runlevel [2345]")
    elif pick == 2:
        lines += ["start on (filesystem", f"          and (stopped {job_name(c, n)} RESULT=ok",
                  f"               or ev-{a - a % 3:05d} IFACE!=lo))"]
    else:
        lines.append(f"start on net-device-up IFACE=eth{i % 4} or started {job_name(b, n)}")
    lines.append("stop on runlevel [!2345]")
    if i % 5 == 0:
        lines += ["task", "pre-start script", "    mkdir -p /run/x", "    [ -f /etc/x ] || exit 0",
                  "end script"]
    lines.append(f"exec /usr/bin/daemon-{i} --foreground")
    return "\n".join(lines) + "\n"


def generate(root: Path, n: int, globs: bool = False) -> tuple[Path, Path]:
    """A .conf tree of N jobs and its `show-config -e` text (made by upgraph,
    which prints what initctl prints: tests/test_corpora.py)."""
    tag = f"{n}{'-globs' if globs else ''}"
    conf, text = root / f"conf-{tag}", root / f"show-config-e-{tag}.txt"
    if text.exists():
        return conf, text
    rng = random.Random(n)
    for i in range(n):
        path = conf / f"{job_name(i, n)}.conf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(job_text(i, n, rng, globs))
    with open(text, "w") as fh:
        subprocess.run([*UPGRAPH, "show-config", "-e", "--no-cache", "-d", str(conf)],
                       stdout=fh, check=True)
    return conf, text


def make_log(root: Path, size: int) -> Path:
    """A syslog of about SIZE bytes in which 1% of the lines are init's (a
    verbose boot's state changes, processes and failures), the rest other
    programs' and the kernel's own, as a busy machine's kern.log+syslog."""
    path = root / f"syslog-{size >> 20}MiB.log"
    if path.exists():
        return path
    rng = random.Random(size)
    others = ["host CRON[{n}]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)",
              "host sshd[{n}]: Accepted publickey for deploy from 10.0.{a}.{b} port {n} ssh2",
              "host kernel: [{t:12.6f}] usb 1-1: new high-speed USB device number {a}",
              "host dhclient[{n}]: DHCPACK of 10.0.{a}.{b} from 10.0.0.1",
              "host rsyslogd: [origin software=\"rsyslogd\"] rsyslogd was HUPed"]
    kinds = ["{j} state changed from waiting to starting", "{j} goal changed from stop to start",
             "{j} main process ({n})", "{j} main process ({n}) terminated with status 1",
             "{j} main process ({n}) killed by TERM signal", "Handling {j}-up event",
             "{j} state changed from post-starting to running"]
    written, t, n = 0, 0.0, 1000
    with open(path, "w") as fh:
        while written < size:
            block = []
            for i in range(1000):
                t += 0.0005
                n += 1
                head = f"Dec  5 10:{int(t) // 60 % 60:02d}:{int(t) % 60:02d} "
                if i % 100 == 0:
                    msg = rng.choice(kinds).format(j=f"job{rng.randrange(400)}", n=n)
                    block.append(f"{head}host kernel: [{t:12.6f}] init: {msg}\n")
                else:
                    block.append(head + rng.choice(others).format(
                        n=n, a=rng.randrange(255), b=rng.randrange(255), t=t) + "\n")
            text = "".join(block)
            fh.write(text)
            written += len(text)
    return path


# -- measuring ---------------------------------------------------------------------

def once(cmd: list[str], env: dict[str, str] | None = None,
         before: list[str] | None = None) -> tuple[float, float]:
    """(wall seconds, peak MiB) of one run; BEFORE is emptied first (a cache)."""
    for d in before or ():
        shutil.rmtree(d, ignore_errors=True)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"failed ({os.waitstatus_to_exitcode(status)}): {' '.join(cmd)}")
    return wall, usage.ru_maxrss / 1024


class Row:
    def __init__(self, label: str, a: list[tuple[float, float]],
                 b: list[tuple[float, float]] | None, b_label: str, goal: str) -> None:
        self.label, self.b_label, self.goal = label, b_label, goal
        self.a_wall = statistics.median(w for w, _ in a)
        self.a_mem = max(m for _, m in a)
        self.b_wall = statistics.median(w for w, _ in b) if b else None
        self.b_mem = max(m for _, m in b) if b else None
        self.ratio = statistics.median(x[0] / y[0] for x, y in zip(a, b, strict=True)) \
            if b else None


def compare(label: str, a: list[str], b: list[str] | None, runs: int, b_label: str = "",
            goal: str = "", env: dict[str, str] | None = None,
            before: list[str] | None = None) -> Row:
    """A and B in turn, RUNS times each after one warm-up of each."""
    once(a, env, before)
    if b:
        once(b)
    ra, rb = [], []
    for _ in range(runs):
        ra.append(once(a, env, before))
        if b:
            rb.append(once(b))
    row = Row(label, ra, rb or None, b_label, goal)
    ratio = f"  ratio {row.ratio:.2f}" if row.ratio is not None else ""
    print(f"{label:<48} {row.a_wall:7.2f} s {row.a_mem:7.1f} MiB{ratio}", flush=True)
    return row


# -- the report --------------------------------------------------------------------

def table(rows: list[Row]) -> list[str]:
    out = ["| input | upgraph | peak | yardstick | its time, peak | ratio (median) | goal |",
           "|---|---:|---:|---|---:|---:|---|"]
    for r in rows:
        other = f"{r.b_wall:.2f} s, {r.b_mem:.0f} MiB" if r.b_wall is not None else "—"
        ratio = f"**{r.ratio:.2f}×**" if r.ratio is not None else "—"
        out.append(f"| {r.label} | {r.a_wall:.2f} s | {r.a_mem:.0f} MiB | {r.b_label or '—'} "
                   f"| {other} | {ratio} | {r.goal} |")
    return out


def compiled() -> None:
    """Byte-compile the package first, as `pip install` does: with
    PYTHONDONTWRITEBYTECODE set (as on some build machines) every run would
    otherwise compile every module again, and start-up would be measured
    wrong."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([PY, "-m", "compileall", "-q", str(REPO / "upgraph")], env=env, check=True)


# -- hostile inputs (issue 18, item 6) ---------------------------------------------

def _stream(shape: str) -> Iterator[bytes]:
    """Endless show-config text of one SHAPE, in blocks of about 1 MiB."""
    i = 0
    if shape == "emits":
        yield b"big\n  start on startup (job:, env:)\n"
    if shape == "starts":
        yield b"big\n"
    while True:
        r = range(i, i + 20_000)
        if shape == "jobs":  # realistic three-line jobs
            text = "".join(f"job{k}\n  emits ev{k}\n  start on started (job: job{k - 1}, env:)\n"
                           "  stop on runlevel (job:, env: [!2345])\n" for k in r)
        elif shape == "emits":  # one job, endless emits
            text = "".join(f"  emits e{k}\n" for k in r)
        elif shape == "starts":  # one job, endless distinct operands
            text = "".join(f"  start on ev{k} (job:, env: A={k})\n" for k in r)
        elif shape == "dupes":  # one name, given again and again
            text = "same\n  emits x\n  start on startup\n" * 20_000
        else:  # "tiny": the most jobs a byte can make, each with a bad condition
            text = "".join(f"j{k}\n  start on (a and b\n" for k in r)
        i += 20_000
        yield text.encode()


def attack(cmd: list[str], shape: str | None = None) -> tuple[float, float, int]:
    """(wall seconds, peak MiB, exit status) of CMD, fed SHAPE's endless
    text on a pipe when given (the writer stops when upgraph stops reading)."""
    import threading

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if shape else subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if shape:
        def feed() -> None:
            try:
                for block in _stream(shape):
                    proc.stdin.write(block)  # type: ignore[union-attr]
            except (BrokenPipeError, ValueError, OSError):
                pass

        threading.Thread(target=feed, daemon=True).start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if proc.stdin:
        try:
            proc.stdin.close()
        except OSError:
            pass
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def _jobs(root: Path, name: str, jobs: dict[str, str]) -> Path:
    d = root / name
    if not d.is_dir():
        d.mkdir(parents=True)
        for job, text in jobs.items():
            (d / f"{job}.conf").write_text(text)
    return d


def hostile(o: argparse.Namespace) -> None:
    """Issue 18's small inputs of huge cost, once each: time, peak, exit."""
    root = o.keep or Path(tempfile.mkdtemp(prefix="upgraph-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    n = 200
    sets = {
        "or": _jobs(root, "hostile-or", {"big": "start on " + " or ".join(
            f"e{i}" for i in range(100_000)) + "\n"}),
        "any-started": _jobs(root, "hostile-any-started", {f"j{i}": "start on " + " or ".join(
            ["startup"] + [f"started j{k}" for k in range(n) if k != i])
            + f"\nscript\n  restart j{(i + 1) % n}\nend script\n" for i in range(n)}),
        "restart-all": _jobs(root, "hostile-restart-all", {f"j{i}": "start on startup\nscript\n"
                             + "".join(f"  initctl restart --no-wait j{k}\n"
                                       for k in range(n) if k != i) + "end script\n"
                             for i in range(n)}),
        "ring": _jobs(root, "hostile-ring", {f"j{i}": f"start on startup\nscript\n  restart "
                      f"j{(i + 1) % n}\n  sleep 1\nend script\n" for i in range(n)}),
        "emits-star": _jobs(root, "hostile-emits-star", {
            f"j{i}": f"emits *\nstart on e{i} or started j{(i + 1) % 400}\n" for i in range(400)}),
        "globs": _jobs(root, "hostile-globs", {
            **{f"g{i}": "emits ev-*\nstart on startup\n" for i in range(1000)},
            **{f"l{i}": f"start on ev-{i}\n" for i in range(1000)}}),
    }
    big = generate(root, 100_000)[0]
    cases: list[tuple[str, list[str], str | None, str]] = [
        ("a 100,000-operand `or`, `why`", ["why", "big", "-d", str(sets["or"])], None,
         "≤ 10 s, ≤ 2.5 GB"),
        ("200 jobs, each starting on any other's `started` and restarting the next, `boot`",
         ["boot", "-d", str(sets["any-started"])], None, "≤ 5 s"),
        ("200 jobs, each restarting all others (`--no-wait`), `boot`",
         ["boot", "-d", str(sets["restart-all"])], None, "≤ 5 s"),
        ("200 jobs restarting the next in a ring, `boot`", ["boot", "-d", str(sets["ring"])],
         None, "≤ 5 s"),
        ("400 jobs with `emits *`, `deps j0`", ["deps", "j0", "-d", str(sets["emits-star"])],
         None, "bounded"),
        ("1,000 glob emitters × 1,000 listeners, `export --format graphml`",
         ["export", "--format", "graphml", "-d", str(sets["globs"])], None, "bounded"),
        ("100,000 jobs, `dot -o x.svg`", ["dot", "-d", str(big), "-o", str(root / "x.svg")],
         None, "a limit, and `-r`"),
    ]
    commands = [["list"], ["lint"], ["check-config"], ["who-emits", "ev5"], ["boot"],
                ["why", "job5"], ["dot", "-o", str(root / "x.dot")],
                ["export", "--format", "graphml"]]
    for shape in ("jobs", "emits", "starts", "dupes", "tiny"):
        for args in commands:
            shown = " ".join(a for a in args if not a.startswith(str(root)))
            cases.append((f"endless show-config text ({shape}), `{shown}`",
                          [*args], shape, "bounded"))
    lines = ["# Hostile inputs: benchmark results", "",
             f"`python bench/bench.py --hostile` on {time.strftime('%Y-%m-%d')}: "
             f"{os.cpu_count()} cores, Python {platform.python_version()}.  Issue 18's "
             "small inputs of huge cost, each run once as a whole process (no cache): wall "
             "time, peak resident size and exit status.  \"Endless\" text is written "
             "into a pipe for as long as upgraph reads it (an attacker's `initctl "
             "show-config`): reading stops at 32 MiB or 200,000 jobs, exit status 3.", "",
             "| input | time | peak | exit | goal |", "|---|---:|---:|---:|---|"]
    for label, args, shape, goal in cases:
        wall, peak, rc = attack([*UPGRAPH, *args, "--no-cache"], shape)
        print(f"{label:<90} {wall:7.2f} s {peak:7.0f} MiB  exit {rc}", flush=True)
        lines.append(f"| {label} | {wall:.2f} s | {peak:.0f} MiB | {rc} | {goal} |")
    lines += ["", "Regenerate: `python bench/bench.py --hostile`.", ""]
    out = REPO / "bench" / "RESULTS-hostile.md"
    out.write_text("\n".join(lines))
    print(f"wrote {out}")


def main() -> None:
    compiled()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="300 and 10,000 jobs only")
    ap.add_argument("--keep", type=Path, help="directory for the generated sets (reused)")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS.md")
    ap.add_argument("--logs", action="store_true", help="only the log reader against grep "
                    "(bench/RESULTS-logs.md)")
    ap.add_argument("--log-size", type=int, default=1 << 30, help="bytes of generated syslog")
    ap.add_argument("--fleet", action="store_true", help="only `fleet` on 1,000 and 10,000 "
                    "generated bundles -> bench/RESULTS-fleet.md")
    ap.add_argument("--boot", action="store_true", help="only the boot models (boot, why, "
                    "emit, deps) -> bench/RESULTS-boot.md")
    ap.add_argument("--hostile", action="store_true", help="only issue 18's hostile inputs, "
                    "once each -> bench/RESULTS-hostile.md")
    o = ap.parse_args()
    if o.hostile:
        return hostile(o)
    if o.logs:
        return logs(o)
    if o.boot:
        return boots(o)
    if o.fleet:
        return fleets(o)
    if not PEER.exists():
        raise SystemExit(f"{PEER} not found: the comparison needs the peer tool")
    root = o.keep or Path(tempfile.mkdtemp(prefix="upgraph-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    out = root / "out"
    out.mkdir(exist_ok=True)
    cache = root / "cache"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    runs = o.runs
    sizes = [300, 10_000] if o.quick else [300, 10_000, 100_000]
    sets = {n: generate(root, n) for n in sizes}
    glob_set = generate(root, 10_000, globs=True)

    def peer(*args: str) -> list[str]:
        return [PY, str(PEER), *args, "-o", str(out / "peer.dot")]

    def ours(*args: str) -> list[str]:
        return [*UPGRAPH, *args]

    head: list[Row] = []
    print("== against initctl2dot and the interpreter")
    head.append(compare("`upgraph --help`", ours("--help"), [PY, "-c", "pass"], runs,
                        "`python3 -c pass`", "≤ 5×"))
    for text in sorted(SHARED.glob("expected/**/show-config-e.txt")):
        name = text.parent.relative_to(SHARED / "expected")
        jobs = sum(1 for line in text.open() if line[:1] not in ("", " ", "\n"))
        head.append(compare(f"real: {name} ({jobs} jobs), `dot -f`",
                            ours("dot", "-f", str(text), "-o", str(out / "a.dot")),
                            peer("-f", str(text)), runs, "initctl2dot", "≤ 1.0×"))
    for n, (_conf, text) in sets.items():
        head.append(compare(f"synthetic {n:,} jobs, `dot -f`",
                            ours("dot", "-f", str(text), "-o", str(out / "a.dot")),
                            peer("-f", str(text)), runs,
                            "initctl2dot", "≤ 0.5×, ≤ 1.5× memory" if n == 100_000
                            else "≤ 1.0×"))
    head.append(compare("synthetic 10,000 jobs with glob emits, `dot -f`",
                        ours("dot", "-f", str(glob_set[1]), "-o", str(out / "a.dot")),
                        peer("-f", str(glob_set[1])), runs, "initctl2dot", "≤ 1.0×"))
    biggest = max(sets)
    fifty = ",".join(job_name(i, biggest) for i in range(0, 100, 2))
    head.append(compare(f"{biggest:,} jobs restricted to 50, `dot -r`",
                        ours("dot", "-f", str(sets[biggest][1]), "-r", fifty,
                             "-o", str(out / "a.dot")),
                        peer("-f", str(sets[biggest][1]), "-r", fifty), runs,
                        "initctl2dot -r", "≤ 0.1×"))

    print("== job files and the cache")
    conf_rows: list[Row] = []
    for n, (conf, _text) in sets.items():
        if n < 10_000:
            continue
        cmd = ours("who-emits", "ev-00009", "-d", str(conf))
        conf_rows.append(compare(f"{n:,} `.conf` files, `who-emits`, cold (no cache)", cmd,
                                 None, runs, goal="≤ 10 s" if n == 100_000 else "",
                                 env=env, before=[str(cache)]))
        conf_rows.append(compare(f"{n:,} `.conf` files, `who-emits`, second run", cmd, None,
                                 runs, goal="≤ 2 s" if n == 100_000 else "", env=env))

    print("== growth, 10,000 to the largest set")
    growth: list[tuple[str, Row]] = []
    if len(sizes) > 2:
        small, large = sizes[1], sizes[-1]
        commands = [("who-emits", ["who-emits", "ev-00009"]),
                    ("who-listens", ["who-listens", "startup"]),
                    ("show-config -e", ["show-config", "-e"]),
                    ("check-config", ["check-config"]),
                    ("lint", ["lint", "--format", "json"]),
                    ("dot", ["dot", "-o", str(out / "g.dot")]),
                    ("boot", ["boot", "--json"]),
                    ("why", ["why", job_name(2, 1 << 20)])]
        for label, args in commands:
            # the two sizes in turn, like any comparison: a machine that
            # slows down for a minute moves both sides of the ratio alike
            growth.append((label, compare(f"{large:,} against {small:,} jobs, `{label}`",
                                          ours(*args, "-f", str(sets[large][1])),
                                          ours(*args, "-f", str(sets[small][1])), runs)))

    lines = [
        "# Benchmark results",
        "",
        f"`python bench/bench.py` on {time.strftime('%Y-%m-%d')}: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}.",
        "",
        "Whole processes, start-up included; each row is the median of "
        f"{runs} runs after one warm-up; a ratio is upgraph's time over the "
        "yardstick's, taken run by run (A B A B ...) and its median given.  Peak is "
        "the largest resident size of any run.  initctl2dot runs as it is, with the "
        "same interpreter, on the same `initctl show-config -e` text (made by upgraph "
        "from the synthetic job files: upgraph prints what initctl prints).",
        "",
        "## Against initctl2dot",
        "",
        *table(head),
        "",
        "## Job files, cold and on a second run (the cache)",
        "",
        "Cold: the cache directory is emptied before each run.  Job files are read by "
        "one process per processor on trees of 2,000 jobs or more.",
        "",
        *table(conf_rows),
    ]
    if growth:
        lines += ["", f"## Growth from {sizes[1]:,} to {sizes[-1]:,} jobs (-e text)", "",
                  f"Medians of {runs} runs, the two sizes in turn; growth is the median of "
                  "the run-by-run ratios.  `boot` and `why` run the whole boot simulation.",
                  "",
                  "| command | 10,000 jobs | 100,000 jobs | growth (goal ≤ 11×) |",
                  "|---|---:|---:|---:|"]
        lines += [f"| `{label}` | {r.b_wall:.2f} s, {r.b_mem:.0f} MiB | {r.a_wall:.2f} s, "
                  f"{r.a_mem:.0f} MiB | {r.ratio:.1f}× |" for label, r in growth]
    lines += ["", "Regenerate: `python bench/bench.py` (the sets are made afresh in a "
              "temporary directory; `--keep DIR` reuses them).", ""]
    o.out.write_text("\n".join(lines))
    print(f"wrote {o.out}")


def chain(root: Path, n: int) -> Path:
    """N jobs, each started by the one before: the deepest `deps` there is."""
    d = root / f"chain-{n}"
    if not d.is_dir():
        d.mkdir(parents=True)
        for i in range(n):
            cond = "startup" if i == 0 else f"started job{i - 1}"
            (d / f"job{i}.conf").write_text(f"start on {cond}\nexec x\n")
    return d


def boots(o: argparse.Namespace) -> None:
    """The boot models on job files (scripts read): small sets against the
    interpreter's start-up, growth from 10,000 to 100,000 jobs, `deps` on a
    20,000-job chain."""
    root = o.keep or Path(tempfile.mkdtemp(prefix="upgraph-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "XDG_CACHE_HOME": str(root / "cache")}
    runs = o.runs
    small = generate(root, 300)[0]
    rows = []
    py = [PY, "-c", "pass"]
    for label, args in (("boot", ["boot"]), ("why", ["why", job_name(2, 300)]),
                        ("emit", ["emit", "ev-00003"])):
        rows.append(compare(f"300 jobs, `{label}`", [*UPGRAPH, *args, "-d", str(small)], py,
                            runs, "`python3 -c pass`", "< 0.1 s, ≤ 4×", env=env))
    for corpus in ("raspbmc", "rhel6-initscripts", "upstart-1.13/system"):
        rows.append(compare(f"real: {corpus}, `boot`",
                            [*UPGRAPH, "boot", "-d", str(SHARED / "corpora" / corpus)], py,
                            runs, "`python3 -c pass`", "< 0.1 s, ≤ 4×", env=env))
    growth = []
    if not o.quick:
        sets = {n: generate(root, n)[0] for n in (10_000, 100_000)}
        for label, args in (("boot", ["boot", "--json"]), ("why", ["why", job_name(2, 1 << 20)])):
            growth.append(compare(f"100,000 against 10,000 job files, `{label}`",
                                  [*UPGRAPH, *args, "-d", str(sets[100_000])],
                                  [*UPGRAPH, *args, "-d", str(sets[10_000])], runs,
                                  "10,000 jobs", "≤ 11×", env=env))
    deep = chain(root, 20_000)
    deps = compare("20,000-job chain, `deps job19999`",
                   [*UPGRAPH, "deps", "job19999", "-d", str(deep)], None, runs,
                   goal="≤ 2 s, ≤ 200 MB", env=env)
    lines = ["# Boot models: benchmark results", "",
             f"`python bench/bench.py --boot` on {time.strftime('%Y-%m-%d')}: "
             f"{os.cpu_count()} cores, Python {platform.python_version()}.  Whole processes, "
             f"job files read with the cache warm, the real model (scripts read); medians of "
             f"{runs} runs after a warm-up, ratios taken run by run.", "",
             "## Small sets against the interpreter's start-up", "", *table(rows), ""]
    if growth:
        lines += ["## Growth", "", *table(growth), ""]
    lines += ["## deps on a deep chain", "", *table([deps]), "",
              "Regenerate: `python bench/bench.py --boot` (`--quick`: no 100,000-job set).", ""]
    out = REPO / "bench" / "RESULTS-boot.md"
    out.write_text("\n".join(lines))
    print(f"wrote {out}")


def bundles(root: Path, n: int, variants: int = 300) -> Path:
    """N bundles of raspbmc's 66 jobs, in VARIANTS variants (variant 0 on
    two hosts in three; the others each add a job of their own), as
    `upgraph collect` lays them out."""
    import io
    import tarfile

    d = root / f"bundles-{n}"
    if d.is_dir() and len(list(d.iterdir())) == n:
        return d
    d.mkdir(parents=True, exist_ok=True)
    base = {p.name: p.read_bytes() for p in sorted((SHARED / "corpora" / "raspbmc").glob("*"))}
    log = (REPO / "fixtures" / "logs" / "kern.log").read_bytes()

    def add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(f"upgraph-bundle/{name}")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))

    for h in range(n):
        v = 0 if h % 3 else 1 + h % (variants - 1)
        with tarfile.open(d / f"host{h:05d}.tar.gz", "w:gz", compresslevel=1) as tar:
            add(tar, "VERSION", b"upgraph-bundle 1\n")
            for name, data in base.items():
                add(tar, f"root/etc/init/{name}", data)
            if v:
                add(tar, f"root/etc/init/extra-{v}.conf",
                    f"start on started mountall\nexec /usr/bin/extra-{v}\n".encode())
            add(tar, "root/etc/os-release", b'NAME="Raspbmc"\nID=debian\n')
            add(tar, "host/hostname", f"host{h:05d}\n".encode())
            add(tar, "logs/1.txt", log if h % 50 == 0 else b"")
    return d


def fleets(o: argparse.Namespace) -> None:
    """`fleet` on 1,000 and 10,000 bundles: the time (goal ≤ 60 s on 2
    cores, ≤ 1 GB) and its growth (≤ 11×)."""
    root = o.keep or Path(tempfile.mkdtemp(prefix="upgraph-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    small, large = bundles(root, 1000), bundles(root, 10_000)
    rows = [compare("10,000 bundles against 1,000, `fleet --json`",
                    [*UPGRAPH, "fleet", "--json", str(large)],
                    [*UPGRAPH, "fleet", "--json", str(small)], o.runs, "1,000 bundles",
                    "≤ 60 s on 2 cores, ≤ 1 GB; growth ≤ 11×")]
    out = REPO / "bench" / "RESULTS-fleet.md"
    out.write_text("\n".join([
        "# fleet: benchmark results", "",
        f"`python bench/bench.py --fleet` on {time.strftime('%Y-%m-%d')}: {os.cpu_count()} "
        f"cores, Python {platform.python_version()}.  Bundles of raspbmc's 66 jobs in 300 "
        "variants (one host in three on its own variant), made by `bundles()`; peak is the "
        f"parent's (each worker holds one bundle at a time).  Medians of {o.runs} runs.",
        "", *table(rows), "",
        "Regenerate: `python bench/bench.py --fleet [--keep DIR]`.", ""]))
    print(f"wrote {out}")


def logs(o: argparse.Namespace) -> None:
    """`upgraph log` on a large syslog against `grep -c 'init: '` (goal: ≤ 3×,
    memory bounded by the init lines, not by the file)."""
    root = o.keep or Path(tempfile.mkdtemp(prefix="upgraph-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    path = make_log(root, o.log_size)
    size = path.stat().st_size
    small = make_log(root, o.log_size // 10)
    print(f"== the log reader on {size >> 20} MiB of syslog")
    # grep's output goes to a file: GNU grep stops at the first match when it
    # writes to /dev/null
    grep = ["sh", "-c", f"grep -c 'init: ' '{path}' > '{root / 'grep.out'}'"]
    rows = [compare(f"{size >> 20} MiB syslog, 1% init lines, `blame` (reads it all)",
                    [*UPGRAPH, "blame", "--log", str(path)], grep, o.runs,
                    "`grep -c 'init: '`", "≤ 3×"),
            compare(f"{size >> 20} MiB syslog, `log --json` (every init line out)",
                    [*UPGRAPH, "log", "--log", str(path), "--json"], grep, o.runs,
                    "`grep -c 'init: '`", ""),
            compare(f"{size >> 20} MiB against {small.stat().st_size >> 20} MiB, `blame`",
                    [*UPGRAPH, "blame", "--log", str(path)],
                    [*UPGRAPH, "blame", "--log", str(small)], o.runs,
                    "the same, a tenth of the file", "linear: ≤ 11×")]
    lines = ["# Benchmark results: reading logs", "",
             f"`python bench/bench.py --logs` on {time.strftime('%Y-%m-%d')}: "
             f"{os.cpu_count()} cores, Python {platform.python_version()}.", "",
             "A generated syslog (kern.log and syslog lines of several programs; 1% of the "
             "lines are init's), read whole.  Whole processes, medians of run-by-run "
             f"ratios over {o.runs} runs (A B A B ...), the file in the page cache.", "",
             *table(rows), ""]
    out = REPO / "bench" / "RESULTS-logs.md"
    out.write_text("\n".join(lines))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
