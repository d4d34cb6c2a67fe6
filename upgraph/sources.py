"""Where jobs come from: .conf trees, show-config text, or the defaults.

Everything here ends in one JobSet; nothing downstream knows which source
a job came from except through Job.source and its locations.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass, field
from typing import IO

from upgraph.model import Diagnostic, Job, JobSet, Location

DEFAULT_DIR = "/etc/init"


class NoSource(Exception):
    """Nothing to read: no option, no piped text, no /etc/init."""


@dataclass
class SourceSpec:
    conf_dirs: list[str] = field(default_factory=list)
    infiles: list[str] = field(default_factory=list)
    user: bool = False  # a live initctl is asked about the user session, not the system


def live_initctl(user: bool, diags: list[Diagnostic]) -> str | None:
    """`initctl show-config -e` from a running Upstart, if there is one."""
    import shutil
    import subprocess

    exe = shutil.which("initctl")
    if exe is None:
        return None
    cmd = [exe, "show-config", "-e"] if user else [exe, "--system", "show-config", "-e"]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        diags.append(Diagnostic("warning", f"cannot run {' '.join(cmd)}: {exc}"))
        return None
    if proc.returncode != 0:
        diags.append(Diagnostic("warning", f"{' '.join(cmd)} failed: "
                                f"{proc.stderr.decode(errors='replace').strip()}"))
        return None
    return proc.stdout.decode(errors="replace")


def read_text(path: str, diags: list[Diagnostic]) -> str | None:
    """A file's text, or None with a warning when it cannot be used."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        diags.append(Diagnostic("warning", f"cannot read: {exc.strerror or exc}",
                                Location(path, 1), "unreadable"))
        return None
    return decode(data, path, diags)


def decode(data: bytes, path: str, diags: list[Diagnostic]) -> str | None:
    if b"\0" in data:
        diags.append(Diagnostic("warning", "binary file (contains NUL bytes), skipped",
                                Location(path, 1), "binary"))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        diags.append(Diagnostic("warning", "not valid UTF-8; undecodable bytes replaced",
                                Location(path, line), "encoding"))
        return data.decode("utf-8", errors="replace")


_RCS_DIRS = {"RCS", "CVS", "CVS.adm", "SCCS", ".bzr", ".bzr.log", ".hg", ".git", ".svn",
             "BitKeeper", ".arch-ids", ".arch-inventory", "{arch}", "_darcs"}


def _ignored_dir(name: str) -> bool:
    """Directories Upstart's walk skips: hidden, backup, swap, VCS, packaging."""
    ext = name[name.rfind("."):] if "." in name else ""
    return (name.startswith(".") or name.endswith(("~", ".bak", ".BAK", ".swp", ".swo",
                                                   ".swn", ",v"))
            or (len(name) >= 2 and name[0] == "#" and name[-1] == "#")
            or name in _RCS_DIRS or ext.startswith(".dpkg-")
            or ext in (".rpmsave", ".rpmorig", ".rpmnew")
            or (";" in name and len(name.rsplit(";", 1)[1]) == 8
                and all(c in "0123456789abcdefABCDEF" for c in name.rsplit(";", 1)[1])))


def _scan(top: str, diags: list[Diagnostic]) -> dict[str, dict[str, str]]:
    """{job name: {".conf"/".override": path}} for one directory tree.

    Like Upstart: symbolic links are followed (a loop is reported, not
    walked forever), only regular files count, and a name needs something
    before its extension (`.conf` alone is no job, `.x.conf` is).
    """
    found: dict[str, dict[str, str]] = {}

    def walk(folder: str, rel: str, seen: tuple[tuple[int, int], ...]) -> None:
        try:
            entries = sorted(os.listdir(folder))
        except OSError as exc:
            diags.append(Diagnostic("warning", f"cannot list: {exc.strerror or exc}",
                                    Location(folder, 1), "unreadable"))
            return
        for entry in entries:
            path = os.path.join(folder, entry)
            try:
                st = os.stat(path)
            except OSError:
                continue  # dangling link: Upstart cannot stat it either
            if stat.S_ISDIR(st.st_mode):
                if _ignored_dir(entry):
                    continue
                key = (st.st_dev, st.st_ino)
                if key in seen:
                    diags.append(Diagnostic("warning", "directory loop (symbolic link), "
                                            "not followed", Location(path, 1), "unreadable"))
                    continue
                walk(path, f"{rel}{entry}/", (*seen, key))
            elif stat.S_ISREG(st.st_mode):
                for suffix in (".conf", ".override"):
                    if entry.endswith(suffix) and len(entry) > len(suffix):
                        found.setdefault(rel + entry[: -len(suffix)], {})[suffix] = path

    top_st = os.stat(top)
    walk(top, "", ((top_st.st_dev, top_st.st_ino),))
    return found


def _read_job(name: str, conf: str, override: str | None) -> tuple[Job | None, list[Diagnostic]]:
    """Parse one job and its override; None when Upstart would not load it."""
    from upgraph.infer import infer_emits
    from upgraph.parse.conf import parse_into

    diags: list[Diagnostic] = []
    text = read_text(conf, diags)
    if text is None:
        return None, diags
    job = Job(name, conf, Location(conf, 1))
    if not parse_into(job, text, conf, diags):
        return None, diags
    if override is not None:
        otext = read_text(override, diags)
        if otext is None or not parse_into(job, otext, override, diags):
            return None, diags
        job.override = override
    infer_emits(job)
    return job, diags


def load_conf_dirs(dirs: list[str], jobset: JobSet) -> None:
    """Read job directories in search order (Upstart session rules).

    The first directory holding NAME.conf owns the job; an override in that
    directory or an earlier one is parsed on top of it, stanza by stanza.
    """
    scans = []
    for d in dirs:
        if not os.path.isdir(d):
            jobset.diagnostics.append(Diagnostic("error", "not a directory", Location(d, 1),
                                                 "no-dir"))
            continue
        scans.append(_scan(d, jobset.diagnostics))
        jobset.sources.append(d)
    names = sorted({n for s in scans for n, f in s.items() if ".conf" in f})
    for name in names:
        if name in jobset.jobs:
            continue
        owner = next(i for i, s in enumerate(scans) if ".conf" in s.get(name, {}))
        override = next((s[name][".override"] for s in scans[: owner + 1]
                         if ".override" in s.get(name, {})), None)
        job, diags = _read_job(name, scans[owner][name][".conf"], override)
        jobset.diagnostics.extend(diags)
        if job is not None:
            jobset.jobs[job.name] = job


def load_showconfig_text(text: str, source: str, jobset: JobSet) -> None:
    from upgraph.parse.showconfig import parse_showconfig

    jobs, diags = parse_showconfig(text, source)
    jobset.diagnostics.extend(diags)
    jobset.sources.append(source)
    for job in jobs:
        if job.name in jobset.jobs:
            jobset.diagnostics.append(Diagnostic(
                "warning", f"job {job.name} given more than once; keeping the first",
                job.loc, "duplicate-job"))
            continue
        jobset.jobs[job.name] = job


def load(spec: SourceSpec, stdin: IO[bytes] | None = None) -> JobSet:
    """Read every source the user named, or fall back to the defaults.

    With no source: piped text on stdin is show-config output; otherwise a
    running Upstart's `initctl show-config -e`; otherwise /etc/init if it
    exists; otherwise NoSource (the CLI says what to pass).
    """
    jobset = JobSet()
    stdin = stdin if stdin is not None else sys.stdin.buffer
    for f in spec.infiles:
        if f == "-":
            text = decode(stdin.read(), "<stdin>", jobset.diagnostics)
            source = "<stdin>"
        else:
            text = read_text(f, jobset.diagnostics)
            source = f
        if text is not None:
            load_showconfig_text(text, source, jobset)
    if spec.conf_dirs:
        load_conf_dirs(spec.conf_dirs, jobset)
    if spec.infiles or spec.conf_dirs:
        return jobset
    if not _isatty(stdin):
        data = stdin.read()
        if data.strip():
            text = decode(data, "<stdin>", jobset.diagnostics)
            if text is not None:
                load_showconfig_text(text, "<stdin>", jobset)
            return jobset
    live = live_initctl(spec.user, jobset.diagnostics)
    if live is not None:
        load_showconfig_text(live, "initctl show-config -e", jobset)
        return jobset
    if os.path.isdir(DEFAULT_DIR):
        load_conf_dirs([DEFAULT_DIR], jobset)
        return jobset
    raise NoSource(
        "no jobs to read: pass --conf-dir DIR (job .conf files), --infile FILE "
        "(initctl show-config output, '-' for stdin), or pipe show-config text in"
    )


def _isatty(stream: IO[bytes]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
