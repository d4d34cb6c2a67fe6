"""fleet BUNDLE... (or directories of bundles): which hosts differ, and how.

Hosts are grouped by identical job sets (a variant: the same job files, by
content, with the same inittab and OS release), and variants by identical
boot outcomes.  Each variant shows its hosts, how it differs from the
largest one (jobs added, removed and changed; jobs that start in one only),
and the hosts whose logs show failures.

How it scales: each bundle is read once, in forked workers (every core),
and only its members' content hashes, hostname and failure lines come back;
each distinct job set is then parsed and booted once, from one of its
bundles.  `--json` output of several runs (shards, on as many machines as a
batch scheduler gives) is combined by `fleet --merge PART.json...`: every
variant carries its key, its hosts, its jobs' show-config hashes and its
boot outcome, so the merge recomputes the grouping and the differences.
"""

from __future__ import annotations

import hashlib
import os
import re
import zlib

from upgraph.answers.context import EXIT_USAGE, Stop
from upgraph.model import Record, show_config_block

TYPE_CHECKING = False
if TYPE_CHECKING:

    from upgraph.answers.context import Context

MAX_FAILURES = 20  # failure lines kept per host
_FAILURE = re.compile(rb"init: (\S+) (?:(?:main|pre-start|post-start|pre-stop|post-stop) "
                      rb"process \(\d+\) (?:terminated with status \d+|killed by \w+ signal)|"
                      rb"respawning too fast, stopped)|Failed to spawn (\S+) \S+ process")


class Host(Record):
    """What one bundle says: PATH, HOSTNAME, the variant KEY, a sample of
    the job files' relative paths by content hash (FILES), and FAILURES
    (job: log line) from its logs; ERROR when it is not a bundle."""

    __slots__ = ("path", "hostname", "key", "failures", "error")


class Variant(Record):
    """Hosts with one job set: KEY, HOSTS, JOBS (name -> show-config hash),
    STARTED (jobs that reach running), OUTCOME (a hash of STARTED), and how
    it differs from the largest variant (VS)."""

    __slots__ = ("key", "hosts", "jobs", "started", "outcome", "vs")
    _defaults = {"vs": None}


class Fleet(Record):
    """Variants, largest first; the hosts with failures; bundles refused."""

    __slots__ = ("variants", "outcomes", "failures", "refused", "hosts")
    render_as = "fleet"

    @property
    def ok(self) -> bool:
        return len(self.variants) <= 1 and not self.failures and not self.refused


# -- one bundle (in a worker) ---------------------------------------------------------

def _read_host(path: str) -> tuple:
    """(path, hostname, key, {rel: hash}, failures, error) of one bundle; a
    marshal-able tuple (it crosses a pipe from a forked worker)."""
    import tarfile

    from upgraph.read.bundle import TOP, BadBundle, checked

    files: dict[str, str] = {}
    host = os.path.basename(path)
    failures: list[str] = []
    try:
        with tarfile.open(path, mode="r:*") as tar:
            for parts, m in checked(path, tar):
                rel = "/".join(parts[1:])
                keep = rel.startswith("root/") and (
                    rel.endswith((".conf", ".override")) or rel in (
                        "root/etc/inittab", "root/etc/os-release", "root/etc/lsb-release",
                        "root/etc/redhat-release", "root/etc/system-release",
                        "root/etc/debian_version"))
                is_log = rel.startswith("logs/")
                if not (keep or is_log or rel in ("host/hostname", "VERSION")):
                    continue
                f = tar.extractfile(m)
                data = f.read() if f is not None else b""
                if keep:
                    files[rel] = hashlib.sha256(data).hexdigest()
                elif rel == "host/hostname":
                    host = data[:256].decode("utf-8", "replace").strip() or host
                elif rel == "VERSION" and not data.startswith(b"upgraph-bundle 1"):
                    raise BadBundle(f"{path}: not a bundle this upgraph reads")
                elif is_log and len(failures) < MAX_FAILURES:
                    for line in data.splitlines():
                        match = _FAILURE.search(line)
                        if match:
                            job = (match.group(1) or match.group(2)).decode("utf-8", "replace")
                            what = f"{job}: " + match.group(0).decode("utf-8", "replace")[:200]
                            if what not in failures:  # rotated logs repeat their lines
                                failures.append(what)
                            if len(failures) >= MAX_FAILURES:
                                break
    except BadBundle as exc:
        return (path, host, "", {}, [], str(exc))
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        why = "not a tar or tar.gz file" if isinstance(exc, tarfile.ReadError) else str(exc)
        return (path, host, "", {}, [], f"{path}: not a bundle ({why})")
    if not files:
        return (path, host, "", {}, [], f"{path}: not a bundle from `upgraph collect` "
                f"(no {TOP}/root job files)")
    key = hashlib.sha256("\n".join(f"{k} {v}" for k, v in sorted(files.items()))
                         .encode()).hexdigest()[:16]
    return (path, host, key, files, failures, None)


def _bundles(paths: list[str]) -> list[str]:
    out = []
    for p in paths:
        if os.path.isdir(p):
            out += sorted(os.path.join(p, n) for n in os.listdir(p)
                          if os.path.isfile(os.path.join(p, n)))
        else:
            out.append(p)
    return out


# -- one variant -----------------------------------------------------------------------

def _variant(ctx: Context, path: str) -> tuple[dict[str, str], list[str]]:
    """(job -> show-config hash, jobs that reach running) of one bundle."""
    from upgraph.boot.model import simulate
    from upgraph.knowledge.index import Knowledge
    from upgraph.read.bundle import BadBundle, open_bundle
    from upgraph.read.session import Reading
    from upgraph.read.sources import SourceSpec

    try:
        bundle = open_bundle(path)
    except BadBundle as exc:
        raise Stop(EXIT_USAGE, str(exc)) from None
    try:
        jobset = Reading(cache=False).load(SourceSpec(root=bundle.root, cache=False,
                                                      live=False))
        config = ctx.config
        k = Knowledge(jobset, ctx.o.profile or bundle.profile(), config.emitters,
                      config.ignore_events)
        jobs = {j.name: hashlib.sha256("\n".join(show_config_block(j)).encode())
                .hexdigest()[:16] for j in k.sorted_jobs()}
        r = simulate(k, ctx.model_name(), list(ctx.o.assume or []), ctx.o.runlevel,
                     "upstart", max(20000, 4 * len(k.jobs)), None, ctx.o.branches or "all",
                     None, None, bundle.root)
        return jobs, sorted(r.started())
    finally:
        bundle.close()


def _compare(v: Variant, base: Variant) -> dict[str, list[str]]:
    return {"added": sorted(set(v.jobs) - set(base.jobs)),
            "removed": sorted(set(base.jobs) - set(v.jobs)),
            "changed": sorted(n for n in set(v.jobs) & set(base.jobs)
                              if v.jobs[n] != base.jobs[n]),
            "starts_only_here": sorted(set(v.started) - set(base.started)),
            "starts_only_there": sorted(set(base.started) - set(v.started))}


def assemble(variants: list[Variant], failures: dict[str, list[str]],
             refused: list[str]) -> Fleet:
    """Order variants (most hosts first), compare each with the largest, and
    count the boot outcomes: the one step both a run and a merge end with."""
    variants.sort(key=lambda v: (-len(v.hosts), v.key))
    for v in variants:
        v.hosts.sort()
        v.vs = _compare(v, variants[0]) if v is not variants[0] else None
    outcomes: dict[str, int] = {}
    for v in variants:
        outcomes[v.outcome] = outcomes.get(v.outcome, 0) + len(v.hosts)
    return Fleet(variants, outcomes, failures, refused, sum(len(v.hosts) for v in variants))


def fleet(ctx: Context, paths: list[str]) -> Fleet:
    from upgraph.read.session import fork_map, processors

    bundles = _bundles(paths)
    if not bundles:
        raise Stop(EXIT_USAGE, "fleet: no bundles given (files from `upgraph collect`, or "
                   "directories of them)")
    workers = min(processors(), max(1, len(bundles) // 50))
    rows = fork_map(_read_host, bundles, workers) if workers > 1 else map(_read_host, bundles)
    by_key: dict[str, tuple[str, list[str]]] = {}
    failures: dict[str, list[str]] = {}
    refused: list[str] = []
    for path, host, key, _files, fails, error in rows:
        if error:
            refused.append(error)
            continue
        name = f"{host} ({os.path.basename(path)})" if host != os.path.basename(path) else host
        entry = by_key.setdefault(key, (path, []))
        entry[1].append(name)
        if fails:
            failures[name] = fails
    if not by_key:
        raise Stop(EXIT_USAGE, "fleet: no bundle could be read: " + "; ".join(refused[:5])
                   + (f" and {len(refused) - 5} more" if len(refused) > 5 else ""))
    keys = list(by_key)
    ctx.config  # noqa: B018 - settings are read (and checked) once, before any fork

    def one(key: str) -> tuple[dict[str, str], list[str]]:
        return _variant(ctx, by_key[key][0])

    workers = min(processors(), max(1, len(keys) // 8))
    results = fork_map(one, keys, workers) if workers > 1 else map(one, keys)
    variants = []
    for key, (jobs, started) in zip(keys, results, strict=True):
        outcome = hashlib.sha256("\n".join(started).encode()).hexdigest()[:16]
        variants.append(Variant(key, by_key[key][1], jobs, started, outcome))
    return assemble(variants, failures, refused)


def merge(paths: list[str]) -> Fleet:
    """Combine `fleet --json` outputs of disjoint shards of hosts."""
    import json

    by_key: dict[str, Variant] = {}
    failures: dict[str, list[str]] = {}
    refused: list[str] = []
    for p in paths:
        try:
            with open(p, "rb") as f:
                data = json.loads(f.read(256 << 20))
            parts = data["variants"]
            for v in parts:
                old = by_key.get(v["key"])
                if old is None:
                    by_key[v["key"]] = Variant(v["key"], list(v["hosts"]), dict(v["jobs"]),
                                               list(v["started"]), v["outcome"])
                else:
                    old.hosts += v["hosts"]
            failures.update(data.get("failures", {}))
            refused += data.get("refused", [])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise Stop(EXIT_USAGE, f"{p}: not the output of `upgraph fleet --json` ({exc})") \
                from None
    if not by_key:
        raise Stop(EXIT_USAGE, "fleet --merge: no variants in the parts given")
    return assemble(list(by_key.values()), failures, refused)


def answer(ctx: Context) -> Fleet:
    o = ctx.o
    if o.merge:
        return merge(list(o.bundles or []))
    return fleet(ctx, list(o.bundles or []))
