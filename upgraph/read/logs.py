"""Upstart's own record of a boot: its `init: ...` lines, wherever they went.

Accepted, mixed freely in one file or across several (`.gz` too):

* dmesg, with or without `[seconds]` stamps (and `dmesg -r`'s `<N>` level);
* syslog files (`kern.log`, `syslog`, `messages`):
  `Dec  5 10:59:42 host kernel: [ 3.46] init: ...` or `... host init: ...`, and
  RFC 3339 stamps as rsyslog writes them;
* ChromeOS `upstart.log`/`messages`:
  `2020-05-15T19:49:36.366856Z WARNING kernel: [ 3.46] init: ...`;
* a session init's plain `init: ...` standard error.

Other programs' lines, and lines that are not UTF-8, are passed over without a
word.  A file is read once, in chunks, and only the lines that hold `init: `
(or the kernel's start-up banner, which begins a boot) are looked at, so a
syslog of a gigabyte costs a few passes of `bytes.find`, and memory grows with
the init lines only.

Several boots in one log: a new one begins at the kernel's banner (`Linux
version ...`), or where the kernel stamp of an init line starts again near
zero.  Oddities (a stamp going backwards, lines not understood, a cut last
line) are counted and each is reported once, as a warning.

Input from another machine is hostile: every line is bounded (MAX_LINE), a
compressed file is bounded by what it expands to (MAX_EXPANDED), and nothing
here runs or opens anything the log names.
"""

from __future__ import annotations

import re

from upgraph.model import Diagnostic, Location, Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

CHUNK = 4 << 20
MAX_LINE = 64 << 10  # longer "lines" are not Upstart's
MAX_LIST = 64 << 20  # `initctl list` of a very large machine
MAX_EXPANDED = 8 << 30  # what a compressed log may expand to
NEAR_ZERO = 30.0  # seconds: an init line stamped before this, well after later ones,
NEW_BOOT_DROP = 1.0  # ... by more than this, is the first of a new boot (else: disorder)
PROCESSES = ("main", "pre-start", "post-start", "pre-stop", "post-stop", "security")
_LEVELS = {"0": "error", "1": "error", "2": "error", "3": "error", "4": "warn",
           "5": "notice", "6": "info", "7": "debug", "EMERG": "error", "ALERT": "error",
           "CRIT": "error", "ERR": "error", "ERROR": "error", "WARNING": "warn",
           "WARN": "warn", "NOTICE": "notice", "INFO": "info", "DEBUG": "debug"}

# Where the message starts, after what the log's writer put before it: one
# pattern, tried once per line (dmesg -r's level; an RFC 3339 stamp with a
# level or a host, or a BSD syslog stamp and host; the tag; the kernel stamp).
_LINE = re.compile(
    r"(?:<(?P<prio>\d)>)?"
    r"(?:(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)\s+"
    r"(?:(?P<word>[A-Z]+)\s+)?(?:(?P<host>\S+)\s+)?(?P<tag>kernel|init(?:\[\d+\])?):\s?"
    r"|(?P<bsd>[A-Z][a-z]{2}\s+\d{1,2}\s+\d\d:\d\d:\d\d)\s+\S+\s+"
    r"(?P<btag>kernel|init(?:\[\d+\])?):\s?)?"
    r"(?:\[\s*(?P<stamp>\d+\.\d+)\]\s?)?")
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
                                       "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}

_P = "|".join(PROCESSES)
_JOB = r"(?P<job>[^\s()](?:[^()]*?[^\s()])?(?: \([^()]*\))?)"
# Upstart 1.13's messages (init/job.c, job_process.c, event.c, main.c), in the
# order they are tried; each names its kind.
_MESSAGES = [(kind, re.compile(pattern)) for kind, pattern in (
    ("state", rf"{_JOB} state changed from (?P<old>[a-z-]+) to (?P<new>[a-z-]+)"),
    ("goal", rf"{_JOB} goal changed from (?P<old>[a-z]+) to (?P<new>[a-z]+)"),
    ("handling", r"Handling (?P<event>.+) event"),
    ("exited", rf"{_JOB} (?P<process>{_P}) process \((?P<pid>\d+)\) exited normally"),
    ("status", rf"{_JOB} (?P<process>{_P}) process \((?P<pid>\d+)\) terminated with "
               r"status (?P<status>\d+)"),
    ("killed", rf"{_JOB} (?P<process>{_P}) process \((?P<pid>\d+)\) killed by "
               r"(?:(?P<signal>[A-Z0-9+-]+) signal|signal (?P<signum>\d+))"),
    ("respawning", rf"{_JOB} (?P<process>{_P}) process ended, respawning"),
    ("respawn-limit", rf"{_JOB} respawning too fast, stopped"),
    ("sending", rf"Sending (?P<signal>[A-Z0-9+-]+) signal to {_JOB} (?P<process>{_P}) "
                r"process \((?P<pid>\d+)\)"),
    ("spawn-failed", rf"Failed to spawn {_JOB} (?P<process>{_P}) process: (?P<reason>.*)"),
    ("send-failed", rf"Failed to send (?P<signal>[A-Z0-9+-]+) signal to {_JOB} "
                    rf"(?P<process>{_P}) process \((?P<pid>\d+)\): (?P<reason>.*)"),
    ("spawn-error", rf"{_JOB} (?P<process>{_P}) process: (?P<reason>Temporary process "
                    r"spawn error.*)"),
    ("spawned", rf"{_JOB} (?P<process>{_P}) process \((?P<pid>\d+)\)"),
    ("pending", r"Pending (?P<event>.+) event"),
    ("finished", r"Finished (?P<event>.+) event"),
    ("new-instance", r"New instance (?P<job>.+)"),
    ("registered", r"Registered job (?P<job>.+)"),
    ("destroyed", r"Destroyed inactive instance (?P<job>.+)"),
    ("config-error", r"(?P<path>/\S+):(?P<lineno>\d+): (?P<reason>.+)"),
    ("config", r"(?:Loading configuration from|Reloading configuration|Connection from "
               r"private client|Re-executing|Handling |Event |Upstart ).*"),
)]


class Message:
    """One `init: ...` line: when (seconds since boot, or None), how loud,
    what kind (see _MESSAGES: "state", "status", ... or "unknown"), its
    fields, and where it was read."""

    __slots__ = ("time", "wall", "level", "kind", "fields", "text", "where")

    def __init__(self, time: float | None, wall: str | None, level: str | None, kind: str,
                 fields: dict[str, str], text: str, where: Location) -> None:
        self.time, self.wall, self.level, self.kind = time, wall, level, kind
        self.fields, self.text, self.where = fields, text, where


class Boot:
    """The init lines of one boot, in the order they were written."""

    __slots__ = ("messages", "first", "last", "banner")

    def __init__(self, first: Location, banner: bool = False) -> None:
        self.messages: list[Message] = []
        self.first, self.last = first, first
        self.banner = banner  # began at the kernel's start-up banner


class NotALog(Exception):
    """Nothing in the input is Upstart's: a message that says what it is."""


_BY_KIND = dict(_MESSAGES)
# Which patterns may match, by a telling piece of the message: a message is
# tried against these few, not all of _MESSAGES (a log has 100,000s of lines).
_CLUES = [(" state changed from ", ("state",)), (" goal changed from ", ("goal",)),
          ("Handling ", ("handling", "config")), (" exited normally", ("exited",)),
          (" terminated with status ", ("status",)), (" killed by ", ("killed",)),
          ("ended, respawning", ("respawning",)), ("respawning too fast", ("respawn-limit",)),
          ("Sending ", ("sending",)), ("Failed to spawn ", ("spawn-failed",)),
          ("Failed to send ", ("send-failed",)), ("spawn error", ("spawn-error",)),
          (" process (", ("spawned",))]


def parse_message(text: str) -> tuple[str, dict[str, str]]:
    """(kind, fields) of an init message (what follows `init: `)."""
    for clue, kinds in _CLUES:
        if clue in text:
            for kind in kinds:
                m = _BY_KIND[kind].fullmatch(text)
                if m is not None:
                    return kind, {k: v for k, v in m.groupdict().items() if v is not None}
            break
    for kind, pattern in _MESSAGES:  # the rest, in order (rare lines)
        m = pattern.fullmatch(text)
        if m is not None:
            return kind, {k: v for k, v in m.groupdict().items() if v is not None}
    return "unknown", {}


def split_line(line: str) -> tuple[float | None, str | None, str | None, str] | None:
    """(kernel stamp, wall-clock stamp, level, message) of an init line, or
    None when the line is not init's."""
    m = _LINE.match(line)
    pos = m.end()  # type: ignore[union-attr]  (every group is optional: it always matches)
    prio, iso, word, host, tag, bsd, btag, stamp = m.group(  # type: ignore[union-attr]
        "prio", "iso", "word", "host", "tag", "bsd", "btag", "stamp")
    level = _LEVELS.get(prio) if prio else None
    if word is not None and (word in _LEVELS or host is not None):
        level = _LEVELS.get(word, level)  # "ISO host kernel:" (rsyslog) has no level
    tag = tag or btag
    if tag is not None and tag[0] == "i":  # `host init: MESSAGE`: the message itself
        if stamp is not None:
            return None  # `init: [1.2] ...` is nobody's
        return None, iso or bsd, level, line[pos:]
    if not line.startswith("init: ", pos):
        return None
    return (float(stamp) if stamp else None), iso or bsd, level, line[pos + 6:]


def _wall_seconds(wall: str) -> float | None:
    """A wall-clock stamp as seconds (for ordering within one log only)."""
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d(?:\.\d+)?)", wall)
    if m:
        y, mo, d, h, mi = (int(x) for x in m.groups()[:5])
        return ((((y * 12 + mo) * 31 + d) * 24 + h) * 60 + mi) * 60 + float(m.group(6))
    m = re.match(r"([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d\d):(\d\d):(\d\d)", wall)
    if m and m.group(1) in _MONTHS:
        mo, d, h, mi, s = _MONTHS[m.group(1)], *(int(x) for x in m.groups()[1:])
        return (((mo * 31 + d) * 24 + h) * 60 + mi) * 60 + s
    return None


class LogReader:
    """Reads logs into boots; diagnostics say what was odd, once each."""

    def __init__(self) -> None:
        self.boots: list[Boot] = []
        self.diagnostics: list[Diagnostic] = []
        self.sources: list[str] = []
        self.other_init = ""  # "systemd", when the log is another init system's
        self._unknown = 0
        self._unknown_at: Location | None = None
        self._backwards_at: Location | None = None
        self._last_stamp: float | None = None
        self._wall0: float | None = None
        self._stamped = False  # the last init line had a kernel stamp

    # -- files ------------------------------------------------------------------

    def read_path(self, path: str, stdin: IO[bytes] | None = None) -> None:
        """One log file ('-': STDIN), plain or gzip-compressed."""
        import os
        import stat

        name = "<stdin>" if path == "-" else path
        if path == "-":
            if stdin is None:
                raise NotALog("no standard input to read a log from")
            self._read_stream(stdin, name)
            return
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as exc:
            what = "no such file" if not os.path.lexists(path) else exc.strerror or str(exc)
            raise NotALog(f"{path}: {what}") from None
        try:
            st = os.fstat(fd)
            if stat.S_ISDIR(st.st_mode):
                raise NotALog(f"{path}: is a directory (give the log files in it: "
                              f"--log {path.rstrip('/')}/kern.log ...)")
            if not stat.S_ISREG(st.st_mode) and not stat.S_ISFIFO(st.st_mode) \
                    and not stat.S_ISCHR(st.st_mode):
                raise NotALog(f"{path}: not a regular file")
            os.set_blocking(fd, True)
            with os.fdopen(fd, "rb", closefd=False) as fh:
                self._read_stream(fh, name)
        finally:
            os.close(fd)

    def _read_stream(self, raw: IO[bytes], name: str) -> None:
        head = raw.read(2)
        from upgraph.read.sources import Prefixed

        if head == b"\x1f\x8b":  # gzip
            import gzip

            stream: IO[bytes] = gzip.GzipFile(fileobj=Prefixed(head, raw), mode="rb")  # type: ignore[assignment]
            limit = MAX_EXPANDED
        else:
            stream, limit = Prefixed(head, raw), None  # type: ignore[assignment]
        self.sources.append(name)
        try:
            self._scan(stream, name, limit)
        except (OSError, EOFError, ValueError) as exc:  # a damaged .gz, or a read error
            self.diagnostics.append(Diagnostic("warning", f"cannot read further: {exc}",
                                               Location(name, 1), "log"))

    def _scan(self, stream: IO[bytes], name: str, limit: int | None) -> None:
        """Every init line (and kernel banner) of STREAM, in one pass: each
        chunk is searched where it lies (no copy), and only a line that
        spans two chunks is joined."""
        lineno = 1  # of the first line after `carry`
        carry = b""  # the start of a line the last chunk cut
        total = 0
        binary = False
        first_chunk = True
        while True:
            chunk = stream.read(CHUNK)
            total += len(chunk)
            if limit is not None and total > limit:
                self.diagnostics.append(Diagnostic(
                    "warning", f"expands to more than {limit >> 30} GiB: the rest is not "
                    "read", Location(name, lineno), "log"))
                chunk = b""
            if first_chunk and b"\0" in chunk[:4096]:
                binary = True
            first_chunk = False
            if not chunk:
                if carry:  # a last line with no end
                    self._lines(carry, 0, len(carry), name, lineno, cut=True)
                break
            nl = chunk.find(b"\n")
            if nl < 0:
                carry = (carry + chunk)[-MAX_LINE:]  # an endless line is not Upstart's
                continue
            if carry:
                joined = carry + chunk[:nl + 1]
                lineno = self._lines(joined, 0, len(joined), name, lineno, cut=False)
            else:
                lineno = self._lines(chunk, 0, nl + 1, name, lineno, cut=False)
            last = chunk.rfind(b"\n")
            if last > nl:
                lineno = self._lines(chunk, nl + 1, last + 1, name, lineno, cut=False)
            carry = chunk[last + 1:]
        if binary and not any(b.messages for b in self.boots):
            raise NotALog(f"{name}: binary data, not a log")

    def _lines(self, block: bytes, lo: int, hi: int, name: str, lineno: int,
               cut: bool) -> int:
        """The init lines of BLOCK[LO:HI] (whole lines, LINENO the first),
        found with bytes.find; the number of the line after HI."""
        hits: list[int] = []
        # A new boot shows in the kernel stamps of init lines (they start again
        # near zero); the kernel's banner is looked for only where init lines
        # carry no stamp (a pass over the bytes saved on a kern.log).
        needles = (b"init: ",) if self._stamped else (b"init: ", b"Linux version ")
        for needle in needles:
            at = block.find(needle, lo, hi)
            while at >= 0:
                hits.append(at)
                at = block.find(needle, at + 1, hi)
        if not hits:
            if not self.other_init and block.find(b"systemd[1]: ", lo, hi) >= 0:
                self.other_init = "systemd"
            return lineno + block.count(b"\n", lo, hi)
        hits.sort()
        done = -1
        counted, at_line = lo, lineno  # line numbers counted as far as `counted`
        for at in hits:
            start = block.rfind(b"\n", lo, at) + 1 or lo
            if start <= done:
                continue  # a line with two hits: read once
            stop = block.find(b"\n", at, hi)
            stop = hi if stop < 0 else stop
            done = stop
            at_line += block.count(b"\n", counted, start)
            counted = start
            if stop - start > MAX_LINE:
                continue
            try:
                line = block[start:stop].decode("utf-8").rstrip("\r")
            except UnicodeDecodeError:
                continue  # not UTF-8: not ours to read
            self._line(line, Location(name, at_line), cut and stop == hi)
        return at_line + block.count(b"\n", counted, hi)

    def _line(self, line: str, where: Location, cut: bool) -> None:
        if "Linux version " in line and "init: " not in line:
            if re.search(r"(?:^|kernel: |\]\s)Linux version ", line):
                self._new_boot(where, banner=True)
            return
        parts = split_line(line)
        if parts is None:
            return
        stamp, wall, level, text = parts
        self._stamped = stamp is not None
        kind, fields = parse_message(text)
        if kind == "unknown":
            if cut:
                self.diagnostics.append(Diagnostic("warning", "the last line is cut short; "
                                                   "read as far as it goes", where, "log"))
            self._unknown += 1
            if self._unknown_at is None:
                self._unknown_at = where
        boot = self.boots[-1] if self.boots else None
        if stamp is not None:
            last = self._last_stamp
            if boot is None or (last is not None and stamp < last - NEW_BOOT_DROP
                                and stamp < NEAR_ZERO):
                boot = self._new_boot(where)
            elif last is not None and stamp < last and self._backwards_at is None:
                self._backwards_at = where
                self.diagnostics.append(Diagnostic(
                    "warning", f"the kernel stamp goes backwards ({last:.6f} s, then "
                    f"{stamp:.6f} s): lines are taken in the order written", where, "log"))
            self._last_stamp = stamp
        elif boot is None:
            boot = self._new_boot(where)
        time = stamp
        if time is None and wall is not None:  # no kernel stamp: wall clock since the boot's first
            seconds = _wall_seconds(wall)
            if seconds is not None:
                if self._wall0 is None:
                    self._wall0 = seconds
                time = round(seconds - self._wall0, 6)
        boot.messages.append(Message(time, wall, level, kind, fields, text, where))
        boot.last = where

    def _new_boot(self, where: Location, banner: bool = False) -> Boot:
        current = self.boots[-1] if self.boots else None
        if current is not None and not current.messages:
            current.banner = current.banner or banner
            return current
        boot = Boot(where, banner)
        self.boots.append(boot)
        self._last_stamp = None
        self._wall0 = None
        return boot

    def finish(self) -> None:
        """Say, once, what was not understood."""
        if self._unknown:
            self.diagnostics.append(Diagnostic(
                "warning", f"{self._unknown} init line(s) not understood (not Upstart "
                "1.13's wording?); passed over", self._unknown_at, "log"))
        self.boots = [b for b in self.boots if b.messages]


def read_logs(paths: list[str], stdin: IO[bytes] | None = None) -> LogReader:
    """Every boot in PATHS ('-' = STDIN), in the order given.  NotALog when
    none of them holds a line of Upstart's (with what they hold instead)."""
    reader = LogReader()
    for path in paths:
        reader.read_path(path, stdin)
    reader.finish()
    if not reader.boots:
        names = ", ".join(reader.sources) or "the log"
        if reader.other_init == "systemd":
            raise NotALog(f"{names}: a log of systemd, not of Upstart (upgraph reads the "
                          "`init: ...` lines Upstart writes)")
        raise NotALog(f"{names}: no line of Upstart's (`init: ...`) in it")
    return reader



# -- initctl list / initctl status ------------------------------------------------------

_LISTED = re.compile(r"(?P<label>\S.*?) (?P<goal>start|stop|respawn)/(?P<state>[a-z-]+)"
                     r"(?:, process (?P<pid>\d+))?")
_HOOK = re.compile(r"\t(?P<process>[a-z-]+) process (?P<pid>\d+)")


class Listed(Record):
    """One instance in `initctl list`: its goal, state, main pid (if running)
    and the pids of hooks that were running (process -> pid)."""

    __slots__ = ("label", "goal", "state", "pid", "hooks", "line")


def read_list(path: str, stdin: IO[bytes] | None = None) -> tuple[dict[str, Listed],
                                                                   list[Diagnostic]]:
    """`initctl list` (or `initctl status`) output: {label: Listed}."""
    name = "<stdin>" if path == "-" else path
    try:
        if path == "-":
            if stdin is None:
                raise NotALog("no standard input to read `initctl list` from")
            data = stdin.read(MAX_LIST + 1)
        else:
            with open(path, "rb") as fh:
                data = fh.read(MAX_LIST + 1)
    except IsADirectoryError:
        raise NotALog(f"{path}: is a directory, not `initctl list` output") from None
    except OSError as exc:
        raise NotALog(f"{path}: {exc.strerror or exc}") from None
    if len(data) > MAX_LIST or b"\0" in data:
        raise NotALog(f"{name}: not `initctl list` output (too large, or binary)")
    found: dict[str, Listed] = {}
    diags: list[Diagnostic] = []
    last: Listed | None = None
    for i, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        m = _LISTED.fullmatch(line.rstrip("\r"))
        if m:
            pid = m.group("pid")
            last = found[m.group("label")] = Listed(
                m.group("label"), m.group("goal"), m.group("state"),
                int(pid) if pid else None, {}, str(Location(name, i)))
            continue
        m = _HOOK.fullmatch(line.rstrip("\r"))
        if m and last is not None:
            last.hooks[m.group("process")] = int(m.group("pid"))
        elif line.strip():
            diags.append(Diagnostic("warning", "not a line of `initctl list`; passed over",
                                    Location(name, i), "list"))
    if not found:
        raise NotALog(f"{name}: no line of `initctl list` (`JOB goal/state[, process PID]`)")
    return found, diags[:1] + ([Diagnostic(
        "warning", f"{len(diags) - 1} more such line(s)", diags[1].loc, "list")]
        if len(diags) > 1 else [])
