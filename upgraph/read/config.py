"""The user's settings: `upgraph.toml` or `[tool.upgraph]`, and --config.

Read from the project the command runs in (the working directory, or the
nearest parent up to a repository root), never from a job directory being
analysed nor from inside --root: an image under audit must not be able to
change the answers.  A file found that another user owns or could write
(root runs in /tmp too) is ignored, and that is said; one given with
--config is refused.  Only a regular file of at most MAX_SIZE is read.
Every key and type is checked; a mistake is a ConfigError naming the file
and the key (exit status 2), never a traceback and never silently ignored.

    ignore-events = ["stop-user-session"]      # treat as emitted
    disable = ["unused-emit"]                  # lint codes to drop
    [emitters]                                 # emitters upgraph cannot see
    session_manager = ["start-user-session"]
    [boot]
    assume = ["net-device-up IFACE=eth0"]      # events the boot simulation assumes
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class ConfigError(Exception):
    """A configuration file upgraph cannot use."""


class Config:
    __slots__ = ("ignore_events", "emitters", "disable", "assume", "path")

    def __init__(self) -> None:
        self.ignore_events: set[str] = set()
        self.emitters: dict[str, list[str]] = {}
        self.disable: set[str] = set()
        self.assume: list[str] = []
        self.path: str | None = None


KEYS = {"ignore-events", "disable", "emitters", "boot"}
MAX_SIZE = 1 << 20


def _inside(folder: str, trees: list[str]) -> bool:
    return any(folder == t or folder.startswith(t.rstrip("/") + "/") for t in trees)


def find(start: str | None = None, avoid: list[str] | None = None) -> str | None:
    """upgraph.toml, or a pyproject.toml with [tool.upgraph], in START or
    its parents up to the repository root; none inside the trees AVOID names
    (the job directories analysed, --root)."""
    trees = [os.path.realpath(t) for t in avoid or []]
    folder = os.path.abspath(start or os.getcwd())
    while True:
        if not _inside(os.path.realpath(folder), trees):
            candidate = os.path.join(folder, "upgraph.toml")
            if os.path.isfile(candidate):
                return candidate
            candidate = os.path.join(folder, "pyproject.toml")
            if os.path.isfile(candidate) and _mentions_us(candidate):
                return candidate
        parent = os.path.dirname(folder)
        if parent == folder or os.path.exists(os.path.join(folder, ".git")):
            return None
        folder = parent


def _mentions_us(path: str) -> bool:
    try:
        return b"[tool.upgraph" in _read(path)
    except ConfigError:
        return True  # read it properly, and say what is wrong with it


def load(path: str | None = None, avoid: list[str] | None = None,
         warn: Any = None) -> Config:
    """The configuration at PATH (or found from the working directory, not
    inside AVOID).  A found file that another user controls is passed to
    WARN (a message) and not used."""
    config = Config()
    given = path is not None
    if path is None:
        path = find(avoid=avoid)
        if path is None:
            return config
    problem = _not_trusted(path)
    if given and problem is not None and os.path.exists(path):
        import stat

        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ConfigError(f"{path}: not a regular file")
    if problem is not None:
        if given:
            raise ConfigError(f"{path}: {problem}: refusing to use it")
        if warn is not None:
            warn(f"ignoring {path}: {problem}")
        return config
    data = _parse(path)
    if os.path.basename(path) == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("upgraph", {}) if isinstance(tool, dict) else {}
        where = "[tool.upgraph]"
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [tool.upgraph] must be a table")
    else:
        where = ""
    config.path = path

    def bad(key: str, what: str) -> ConfigError:
        name = f"{where}.{key}" if where else key
        return ConfigError(f"{path}: {name}: {what}")

    for key in data:
        if key not in KEYS:
            raise bad(key, f"unknown setting (known: {', '.join(sorted(KEYS))})")
    config.ignore_events = set(_strings(data.get("ignore-events", []),
                                        lambda w: bad("ignore-events", w)))
    config.disable = set(_strings(data.get("disable", []), lambda w: bad("disable", w)))
    emitters = data.get("emitters", {})
    if not isinstance(emitters, dict):
        raise bad("emitters", "must be a table of NAME = [EVENT, ...]")
    for name, events in emitters.items():
        config.emitters[str(name)] = _strings(events, lambda w, n=name: bad(
            f"emitters.{n}", w))
    boot = data.get("boot", {})
    if not isinstance(boot, dict):
        raise bad("boot", "must be a table (assume = [...])")
    for key in boot:
        if key != "assume":
            raise bad(f"boot.{key}", "unknown setting (known: assume)")
    config.assume = _strings(boot.get("assume", []), lambda w: bad("boot.assume", w))
    return config


def _strings(value: Any, bad: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad("must be a list of strings")
    return list(value)


def _not_trusted(path: str) -> str | None:
    """Why PATH may not be trusted (another user owns it, or may write it, or
    it is a link another user could point elsewhere), or None."""
    try:
        lst = os.lstat(path)
    except OSError:
        return None  # _read says what is wrong
    me = os.geteuid()
    if lst.st_uid not in (me, 0):
        return f"it belongs to another user (uid {lst.st_uid})"
    if lst.st_mode & 0o022 and not os.path.islink(path):
        return "other users can write it"
    return None


def _read(path: str) -> bytes:
    """A regular file's bytes, at most MAX_SIZE; no FIFO, device or link to one."""
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"{path}: not a regular file")
        if st.st_size > MAX_SIZE:
            raise ConfigError(f"{path}: larger than {MAX_SIZE >> 20} MiB")
        data = os.read(fd, MAX_SIZE + 1)
        if len(data) > MAX_SIZE:
            raise ConfigError(f"{path}: larger than {MAX_SIZE >> 20} MiB")
        return data
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _parse(path: str) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    data = _read(path)
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply") from None
