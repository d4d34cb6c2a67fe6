#!/usr/bin/env python3
"""Generate synthetic Upstart job sets and time upgraph on them.

    python bench/bench.py                 # 300, 10000 and 100000 jobs
    python bench/bench.py --sizes 300     # just one size
    python bench/bench.py --keep DIR      # keep the generated sets in DIR

For every size it writes a .conf tree and the matching `show-config -e`
text, then runs each command in a fresh process (what users pay, start-up
included) and reports wall time and the child's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = [
    ("who-emits", ["who-emits", "ev-00009"]),
    ("show-config", ["show-config"]),
    ("show-config -e", ["show-config", "-e"]),
    ("lint", ["lint", "--format", "json"]),
    ("dot", ["dot", "-o", "-"]),
    ("dot -r 50 jobs", ["dot", "-o", "-", "-r", "{FIFTY}"]),
]


def job_name(i: int, n: int) -> str:
    """Large sets are spread over subdirectories, as big /etc/init trees are."""
    return f"d{i // 1000:03d}/j{i:05d}" if n > 1000 else f"j{i:05d}"


def job_text(i: int, n: int, rng: random.Random) -> str:
    """A job shaped like real ones: emits, nested conditions, job events, scripts."""
    lines = [f"# synthetic job {i}", f'description "synthetic job number {i}"']
    if i % 3 == 0:
        lines.append(f"emits ev-{i:05d}")
    if i % 50 == 0:
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


def generate(root: Path, n: int) -> tuple[Path, Path]:
    rng = random.Random(n)
    conf = root / f"conf-{n}"
    conf.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        path = conf / f"{job_name(i, n)}.conf"
        path.parent.mkdir(exist_ok=True)
        path.write_text(job_text(i, n, rng))
    text = root / f"show-config-e-{n}.txt"
    with open(text, "w") as fh:
        subprocess.run([sys.executable, "-m", "upgraph", "show-config", "-e", "-d", str(conf)],
                       stdout=fh, check=True)
    return conf, text


def measure(args: list[str]) -> tuple[float, float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "upgraph", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def analysis(conf: Path) -> None:
    """Lint's analysis time alone, in a child process so that this process
    stays small (a forked child's peak RSS counts its parent's pages)."""
    subprocess.run([sys.executable, __file__, "--analysis", str(conf)], check=True)


def _analysis_here(conf: Path) -> None:
    import networkx  # noqa: F401 - its import is start-up cost, measured elsewhere

    from upgraph.lint import lint
    from upgraph.model import JobSet
    from upgraph.sources import load_conf_dirs

    jobset = JobSet()
    load_conf_dirs([str(conf)], jobset)
    start = time.perf_counter()
    findings = lint(jobset)
    took = time.perf_counter() - start
    print(f"{len(jobset.jobs):>7}  {'conf tree':<14} {'lint analysis':<15} {took:>8.2f}"
          f" {'-':>9}   ({len(findings)} findings)")


def compare_initctl2dot(text: Path) -> None:
    """With INITCTL2DOT=/path/to/initctl2dot, time it on the same -e text.

    Its output is compared as sets of edges (its node ids are sanitised
    names, so edges are compared after mapping ids back through labels).
    """
    tool = os.environ.get("INITCTL2DOT")
    if not tool:
        return
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, tool, "-f", str(text), "-o", "-"],
                          capture_output=True, text=True)
    print(f"{'':>7}  {'show-config -e':<14} {'initctl2dot':<15} "
          f"{time.perf_counter() - start:>8.2f} {'-':>9} {proc.returncode}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[300, 10_000, 100_000])
    ap.add_argument("--keep", type=Path, help="directory to keep generated sets in")
    ap.add_argument("--analysis", type=Path, help=argparse.SUPPRESS)
    opts = ap.parse_args()
    if opts.analysis:
        _analysis_here(opts.analysis)
        return
    root = opts.keep or Path(tempfile.mkdtemp(prefix="upgraph-bench-"))
    print(f"{'jobs':>7}  {'source':<14} {'command':<15} {'wall s':>8} {'peak MiB':>9} rc")
    # start-up floor: the cheapest possible invocation
    wall, rss, _ = measure(["--help"])
    print(f"{'-':>7}  {'-':<14} {'--help':<15} {wall:>8.2f} {rss:>9.1f}")
    for n in opts.sizes:
        conf, text = generate(root, n)
        for source, src_args in (("conf tree", ["-d", str(conf)]),
                                 ("show-config -e", ["-f", str(text)])):
            for label, cmd in COMMANDS:
                if source == "show-config -e" and label == "show-config":
                    continue  # plain form needs operators that -e text lacks
                if source == "conf tree" and label.startswith("dot"):
                    continue  # dot is measured on -e text, initctl2dot's input
                fifty = ",".join(job_name(i, n) for i in range(0, min(n, 100), 2))
                wall, rss, rc = measure([a.replace("{FIFTY}", fifty) for a in cmd] + src_args)
                print(f"{n:>7}  {source:<14} {label:<15} {wall:>8.2f} {rss:>9.1f} {rc}")
        analysis(conf)
        compare_initctl2dot(text)


if __name__ == "__main__":
    main()
