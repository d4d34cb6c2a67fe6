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
import shutil
import tempfile
import zlib

from upgraph.answers.context import EXIT_USAGE, Stop
from upgraph.model import Record, show_config_block
from upgraph.read.bundle import ETC_FILES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from upgraph.answers.context import Context

MAX_FAILURES = 20  # failure lines kept per host
INIT = "root/etc/init/"
_ETC = tuple(f"root/etc/{name}" for name in ETC_FILES)


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
                keep = rel.startswith("root/") and rel.endswith((".conf", ".override")) or \
                    rel in _ETC
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
                    _failures(data, failures)
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


def _failures(data: bytes, found: list[str]) -> None:
    """Add to FOUND the failures a log's lines record, by the log reader's own
    rules (read/logs.py, knowledge/history.FAILING), once each."""
    from upgraph.knowledge.history import FAILING
    from upgraph.read.logs import parse_message, split_line

    for raw in data.decode("utf-8", "replace").splitlines():
        parts = split_line(raw)
        if parts is None:
            continue
        kind, fields = parse_message(parts[3])
        if kind not in FAILING:
            continue
        what = f"{fields.get('job', '?')}: " + f"init: {parts[3]}"[:200]
        if what not in found:  # rotated logs repeat their lines
            found.append(what)
        if len(found) >= MAX_FAILURES:
            return


def _bundles(paths: list[str]) -> list[str]:
    out = []
    for p in paths:
        if os.path.isdir(p):
            out += sorted(os.path.join(p, n) for n in os.listdir(p)
                          if os.path.isfile(os.path.join(p, n)))
        else:
            out.append(p)
    return out


# -- the variants -----------------------------------------------------------------------


class Parsed:
    """Every distinct job file parsed once, by content, whichever hosts and
    variants hold it: (name, .conf hash, .override hash) -> Job (None: one
    Upstart would not load).  Files are written out only to be parsed."""

    def __init__(self, tmp: str) -> None:
        from upgraph.read.session import Reading

        self.tmp = tmp
        self.reading = Reading(cache=False)
        self.jobs: dict[tuple[str, str, str | None], Any] = {}

    def job_keys(self, files: dict[str, str]) -> list[tuple[str, str, str | None]]:
        """A variant's jobs, as keys, in the order a directory scan gives."""
        keys = []
        for rel in sorted(files):
            if rel.startswith(INIT) and rel.endswith(".conf"):
                name = rel[len(INIT):-len(".conf")]
                keys.append((name, files[rel], files.get(f"{INIT}{name}.override")))
        return keys

    def add(self, path: str, files: dict[str, str]) -> dict[str, bytes]:
        """Parse the jobs of bundle PATH not parsed yet; return its inittab
        and release files' bytes (they are small, and per variant)."""
        import tarfile

        from upgraph.read.bundle import checked

        wanted = {k for k in self.job_keys(files) if k not in self.jobs}
        names = {n for n, _c, _o in wanted}
        data: dict[str, bytes] = {}
        with tarfile.open(path, mode="r:*") as tar:
            for parts, m in checked(path, tar):
                rel = "/".join(parts[1:])
                if rel.startswith(INIT):
                    stem = rel[len(INIT):].rsplit(".", 1)[0]
                    if stem not in names:
                        continue
                elif not rel.startswith("root/etc/"):
                    continue
                f = tar.extractfile(m)
                data[rel] = f.read() if f is not None else b""
        for name, conf, override in sorted(wanted, key=lambda k: k[0]):
            where = os.path.join(self.tmp, "jobs", str(len(self.jobs)))
            conf_path = os.path.join(where, name + ".conf")
            os.makedirs(os.path.dirname(conf_path), exist_ok=True)
            with open(conf_path, "wb") as fh:
                fh.write(data.get(f"{INIT}{name}.conf", b""))
            over_path = None
            if override is not None:
                over_path = os.path.join(where, name + ".override")
                with open(over_path, "wb") as fh:
                    fh.write(data.get(f"{INIT}{name}.override", b""))
            self.jobs[(name, conf, override)] = self.reading.read_job(name, conf_path,
                                                                      over_path, [])
        return {rel: b for rel, b in data.items() if not rel.startswith(INIT)}


def _variant(ctx: Context, parsed: Parsed, key: str, files: dict[str, str],
             etc: dict[str, bytes]) -> tuple[dict[str, str], list[str]]:
    """(job -> show-config hash, jobs that reach running) of one job set."""
    from upgraph.model import JobSet
    from upgraph.read.bundle import profile_of
    from upgraph.read.dialects import apply_dialect

    jobset = JobSet()
    for jk in parsed.job_keys(files):
        job = parsed.jobs.get(jk)
        if job is not None:
            jobset.jobs[jk[0]] = job
    apply_dialect(jobset, None)
    root = os.path.join(parsed.tmp, "variants", key)
    if "root/etc/inittab" in etc:  # the default runlevel is read from it
        os.makedirs(os.path.join(root, "etc"), exist_ok=True)
        with open(os.path.join(root, "etc", "inittab"), "wb") as fh:
            fh.write(etc["root/etc/inittab"])
    release = b"".join(v for r, v in etc.items() if r.endswith("release"))
    profile = ctx.o.profile or profile_of(release.decode("utf-8", "replace"),
                                          "root/etc/debian_version" in etc)
    k = ctx.knowledge_of(jobset, profile)
    jobs = {j.name: hashlib.sha256("\n".join(show_config_block(j)).encode())
            .hexdigest()[:16] for j in k.sorted_jobs()}
    return jobs, sorted(ctx.simulate(k, root).started())


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
    from upgraph.read.bundle import BadBundle
    from upgraph.read.session import fork_map, processors

    bundles = _bundles(paths)
    if not bundles:
        raise Stop(EXIT_USAGE, "fleet: no bundles given (files from `upgraph collect`, or "
                   "directories of them)")
    workers = min(processors(), max(1, len(bundles) // 50))
    rows = fork_map(_read_host, bundles, workers) if workers > 1 else map(_read_host, bundles)
    by_key: dict[str, tuple[str, list[str], dict[str, str]]] = {}
    failures: dict[str, list[str]] = {}
    refused: list[str] = []
    for path, host, key, files, fails, error in rows:
        if error:
            refused.append(error)
            continue
        name = f"{host} ({os.path.basename(path)})" if host != os.path.basename(path) else host
        entry = by_key.setdefault(key, (path, [], files))
        entry[1].append(name)
        if fails:
            failures[name] = fails
    if not by_key:
        raise Stop(EXIT_USAGE, "fleet: no bundle could be read: " + "; ".join(refused[:5])
                   + (f" and {len(refused) - 5} more" if len(refused) > 5 else ""))
    keys = list(by_key)
    ctx.model_options()  # settings and model options checked once, before any fork
    tmp = tempfile.mkdtemp(prefix="upgraph-fleet-")
    try:
        parsed = Parsed(tmp)
        etc: dict[str, dict[str, bytes]] = {}
        for key in keys:  # every distinct job file parsed once, here, before the forks
            path, _hosts, files = by_key[key]
            try:
                etc[key] = parsed.add(path, files)
            except BadBundle as exc:  # changed since its first reading
                raise Stop(EXIT_USAGE, str(exc)) from None

        def one(key: str) -> tuple[dict[str, str], list[str]]:
            return _variant(ctx, parsed, key, by_key[key][2], etc[key])

        workers = min(processors(), max(1, len(keys) // 8))
        results = list(fork_map(one, keys, workers) if workers > 1 else map(one, keys))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
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
