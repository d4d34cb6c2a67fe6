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
]


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
        lines.append(f"start on (ev-{a - a % 3:05d} and started j{b:05d}) or runlevel [2345]")
    elif pick == 2:
        lines += ["start on (filesystem", f"          and (stopped j{c:05d} RESULT=ok",
                  f"               or ev-{a - a % 3:05d} IFACE!=lo))"]
    else:
        lines.append(f"start on net-device-up IFACE=eth{i % 4} or started j{b:05d}")
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
        sub = conf / f"d{i // 1000:03d}" if n > 1000 else conf
        sub.mkdir(exist_ok=True)
        (sub / f"j{i:05d}.conf").write_text(job_text(i, n, rng))
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[300, 10_000, 100_000])
    ap.add_argument("--keep", type=Path, help="directory to keep generated sets in")
    opts = ap.parse_args()
    root = opts.keep or Path(tempfile.mkdtemp(prefix="upgraph-bench-"))
    print(f"{'jobs':>7}  {'source':<14} {'command':<15} {'wall s':>8} {'peak MiB':>9} rc")
    for n in opts.sizes:
        conf, text = generate(root, n)
        for source, src_args in (("conf tree", ["-d", str(conf)]),
                                 ("show-config -e", ["-f", str(text)])):
            for label, cmd in COMMANDS:
                if source == "show-config -e" and label == "show-config":
                    continue  # plain form needs operators that -e text lacks
                wall, rss, rc = measure(cmd + src_args)
                print(f"{n:>7}  {source:<14} {label:<15} {wall:>8.2f} {rss:>9.1f} {rc}")
    # start-up floor: the cheapest possible invocation
    wall, rss, _ = measure(["--help"])
    print(f"{'-':>7}  {'-':<14} {'--help':<15} {wall:>8.2f} {rss:>9.1f}")


if __name__ == "__main__":
    main()
