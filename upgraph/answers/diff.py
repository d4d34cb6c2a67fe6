"""diff A B: what changes between two job sets, and what that does to the boot.

A and B are each a job directory, a bundle from `upgraph collect`,
`initctl show-config` text, or a git revision of a job directory
(`REV:PATH`, as `git show` takes it: `upgraph diff HEAD:init init`).

The answer, in order: jobs added and removed; jobs whose show-config block
changed (a unified diff of the blocks); per event, emitters and listeners
gained or lost; lint findings new or gone; and the boot outcome that changed
(jobs that start in one and not the other, with `why`, and changed critical
chains).  Exit status as diff(1): 0 nothing to report, 1 differences, 2 an
error; `--fail-on new-findings|boot` makes only those differences count.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import tempfile

from upgraph.answers.context import EXIT_USAGE, Stop
from upgraph.model import Record, show_config_block, show_config_enumerated

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from upgraph.answers.context import Context
    from upgraph.knowledge.index import Knowledge

MAX_CHAINS = 2000  # jobs whose critical chains are compared, at most


class Side(Record):
    """One side of a diff: its LABEL, what was read (KNOWLEDGE), and the
    ROOT its inittab lies under (a bundle's; None: beside its directory)."""

    __slots__ = ("label", "knowledge", "root")


class Change(Record):
    """Something gained or lost: WHAT (an event, a job), and the names."""

    __slots__ = ("what", "gained", "lost")


class Block(Record):
    """A job whose show-config block changed: JOB, its lines in A and B, and
    their unified DIFF."""

    __slots__ = ("job", "a", "b", "diff")


class Started(Record):
    """A job that starts on one side only: JOB, on which side it STARTS
    ("a" or "b"), and WHY it does not on the other."""

    __slots__ = ("job", "starts", "why")


class Diff(Record):
    """What differs between two job sets (see the module text)."""

    __slots__ = ("a", "b", "added", "removed", "changed", "emitters", "listeners",
                 "findings_new", "findings_gone", "started", "chains", "fail_on", "notes")
    render_as = "diff"

    @property
    def differs(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.emitters or
                    self.listeners or self.findings_new or self.findings_gone or
                    self.started or self.chains)

    @property
    def ok(self) -> bool:
        if self.fail_on == "new-findings":
            return not self.findings_new
        if self.fail_on == "boot":
            return not (self.started or self.chains)
        return not self.differs


# -- the two sides ---------------------------------------------------------------------

def _git(args: list[str]) -> bytes:
    try:
        proc = subprocess.run(["git", *args], capture_output=True, check=False)
    except OSError as exc:
        raise Stop(EXIT_USAGE, f"git: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise Stop(EXIT_USAGE, f"git {' '.join(args[:2])}: {msg[-1] if msg else 'failed'}")
    return proc.stdout


def _from_git(spec: str, tmp: str) -> str:
    """REV:PATH written out (only its .conf and .override files) under TMP."""
    rev, _, path = spec.partition(":")
    path = path.strip("/") or "."
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"])
    except Stop:
        raise Stop(EXIT_USAGE, f"{spec}: {rev!r} is no git revision here") from None
    names = [n for n in _git(["ls-tree", "-r", "-z", "--name-only", "--full-name", rev, "--",
                              path]).decode("utf-8", "surrogateescape").split("\0") if n]
    if not names:
        raise Stop(EXIT_USAGE, f"{spec}: no such path in {rev}")
    top = os.path.join(tmp, "git")
    for name in names:
        if not name.endswith((".conf", ".override")):
            continue
        rel = os.path.relpath(name, path) if path != "." else name
        if rel.startswith(".."):
            continue
        data = _git(["cat-file", "blob", f"{rev}:{name}"])
        dest = os.path.join(top, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as f:
            f.write(data)
    os.makedirs(top, exist_ok=True)
    return top


def _side(ctx: Context, spec: str, tmp: str) -> Side:
    """Read one side, as every command reads its sources."""
    from upgraph.read.bundle import BadBundle, is_bundle, open_bundle
    from upgraph.read.session import Reading
    from upgraph.read.sources import NoSource, NotShowConfig, SourceSpec

    o = ctx.o
    profile = o.profile
    root = None
    if os.path.isdir(spec):
        source = SourceSpec([spec], dialect=o.dialect, cache=not o.no_cache, live=False)
    elif is_bundle(spec):
        try:
            bundle = open_bundle(spec)
        except BadBundle as exc:
            raise Stop(EXIT_USAGE, str(exc)) from None
        ctx.opened.append(bundle)
        root = bundle.root
        source = SourceSpec(root=bundle.root, dialect=o.dialect, cache=False, live=False)
        profile = profile or bundle.profile()
    elif os.path.isfile(spec):
        source = SourceSpec(infiles=[spec], dialect=o.dialect, cache=False, live=False)
    elif ":" in spec:
        source = SourceSpec([_from_git(spec, tempfile.mkdtemp(dir=tmp))], dialect=o.dialect,
                            cache=False, live=False)
    else:
        raise Stop(EXIT_USAGE, f"{spec}: no such directory, file or git revision (REV:PATH)")
    try:
        jobset = Reading(cache=source.cache).load(source)
    except (NoSource, NotShowConfig) as exc:
        raise Stop(EXIT_USAGE, str(exc)) from None
    return Side(spec, ctx.knowledge_of(jobset, profile), root)


# -- what differs ------------------------------------------------------------------------

def _blocks(k: Knowledge) -> dict[str, list[str]]:
    from upgraph.model import Enumerated

    out = {}
    for job in k.sorted_jobs():
        enumerated = any(isinstance(c, Enumerated) for _, c in job.conditions())
        out[job.name] = show_config_enumerated(job) if enumerated else show_config_block(job)
    return out


def _who(k: Knowledge, listeners: bool) -> dict[str, set[str]]:
    """event -> the jobs that emit it (or wait for it)."""
    out: dict[str, set[str]] = {}
    if listeners:
        for event, entries in k.listeners_index().items():
            out[event] = {job.name for job, _which, _op in entries}
        return out
    for job in k.sorted_jobs():
        for e in (*job.emits, *job.inferred):
            out.setdefault(e.event, set()).add(job.name)
    return out


def _changes(a: dict[str, set[str]], b: dict[str, set[str]]) -> list[Change]:
    out = []
    for event in sorted(set(a) | set(b)):
        x, y = a.get(event, set()), b.get(event, set())
        if x != y:
            out.append(Change(event, sorted(y - x), sorted(x - y)))
    return out


def _findings(k: Knowledge) -> set[str]:
    from upgraph.answers.lint import lint

    def here(message: str) -> str:  # the same finding, wherever its side was read
        for src in k.jobset.sources:
            message = message.replace(src.rstrip("/") + "/", "")
        return message

    return {f"{f.code} {f.job}: {here(f.message)}" for f in lint(k).findings}


def _boots(ctx: Context, a: Side, b: Side) -> tuple[list[Started], list[Change], list[str]]:
    from upgraph.answers.boot import critical_chain
    from upgraph.answers.why import why

    runs = [ctx.simulate(s.knowledge, s.root) for s in (a, b)]
    started = [set(r.started()) for r in runs]
    out = []
    for job in sorted(started[0] ^ started[1]):
        side = "a" if job in started[0] else "b"
        other = runs[1] if side == "a" else runs[0]
        if job in other.k.jobs:
            text = why(other, job).summary
        else:
            text = f"there is no job {job} in {(b if side == 'a' else a).label}"
        out.append(Started(job, side, text))
    chains, notes = [], []
    both = sorted(started[0] & started[1])
    if len(both) > MAX_CHAINS:
        notes.append(f"critical chains compared for the first {MAX_CHAINS} of {len(both)} "
                     "jobs that start in both")
    for job in both[:MAX_CHAINS]:
        links = []
        for r in runs:
            r.to = job
            links.append([link.job for link in critical_chain(r)])
            r.to = None
        if links[0] != links[1]:
            chains.append(Change(job, links[1], links[0]))
    return out, chains, notes


def diff(ctx: Context, spec_a: str, spec_b: str) -> Diff:
    tmp = tempfile.mkdtemp(prefix="upgraph-diff-")
    try:
        a, b = _side(ctx, spec_a, tmp), _side(ctx, spec_b, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ka, kb = a.knowledge, b.knowledge
    blocks_a, blocks_b = _blocks(ka), _blocks(kb)
    added = sorted(set(blocks_b) - set(blocks_a))
    removed = sorted(set(blocks_a) - set(blocks_b))
    changed = [Block(n, blocks_a[n], blocks_b[n],
                     list(difflib.unified_diff(blocks_a[n], blocks_b[n], f"a/{n}", f"b/{n}",
                                               lineterm="", n=1)))
               for n in sorted(set(blocks_a) & set(blocks_b)) if blocks_a[n] != blocks_b[n]]
    fa, fb = _findings(ka), _findings(kb)
    started, chains, notes = _boots(ctx, a, b)
    return Diff(a.label, b.label, added, removed, changed,
                _changes(_who(ka, False), _who(kb, False)),
                _changes(_who(ka, True), _who(kb, True)),
                sorted(fb - fa), sorted(fa - fb), started, chains, ctx.o.fail_on, notes)


def answer(ctx: Context) -> Any:
    return diff(ctx, ctx.o.a, ctx.o.b)
