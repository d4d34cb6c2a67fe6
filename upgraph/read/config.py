"""The user's settings: `upgraph.toml` or `[tool.upgraph]`, and --config.

Read from the project the command runs in (the working directory, or the
nearest parent up to a repository root), never from a job directory being
analysed: an image under audit must not be able to change the answers.
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


def find(start: str | None = None) -> str | None:
    """upgraph.toml, or a pyproject.toml with [tool.upgraph], in START or
    its parents up to the repository root."""
    folder = os.path.abspath(start or os.getcwd())
    while True:
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
        with open(path, "rb") as fh:
            return b"[tool.upgraph" in fh.read(1 << 20)
    except OSError:
        return False


def load(path: str | None = None) -> Config:
    """The configuration at PATH (or found from the working directory)."""
    config = Config()
    if path is None:
        path = find()
        if path is None:
            return config
    data = _parse(path)
    if os.path.basename(path) == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("upgraph", {}) if isinstance(tool, dict) else {}
        where = "[tool.upgraph]"
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


def _parse(path: str) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
