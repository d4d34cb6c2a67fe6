"""Emitters that have no .conf file: init itself, bridges, and tools.

Without these, `who-emits startup` would answer "nobody" on every real
system.  Source: upstart-events(7) and the bridge man pages.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from functools import lru_cache

from upgraph.globs import is_glob

# (emitter, description, events or fnmatch patterns)
BUILTIN_EMITTERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("init", "init(8) itself", (
        "startup", "starting", "started", "stopping", "stopped", "control-alt-delete",
        "keyboard-request", "power-status-changed", "debug", "session-end")),
    ("upstart-socket-bridge", "upstart-socket-bridge(8)", ("socket",)),
    ("upstart-dbus-bridge", "upstart-dbus-bridge(8)", ("dbus",)),
    ("upstart-file-bridge", "upstart-file-bridge(8)", ("file",)),
    ("upstart-udev-bridge", "upstart-udev-bridge(8)", (
        "*-device-added", "*-device-changed", "*-device-removed")),
    ("upstart-event-bridge", "upstart-event-bridge(8)", (":sys:*",)),
    ("upstart-dconf-bridge", "upstart-dconf-bridge(8)", ("dconf",)),
    ("telinit", "telinit(8) and shutdown(8)", ("runlevel",)),
    ("mountall", "mountall(8)", (
        "mounting", "mounted", "virtual-filesystems", "local-filesystems",
        "remote-filesystems", "all-swaps", "filesystem", "device-not-ready")),
    ("ifupdown", "ifup(8) and ifdown(8)", ("net-device-up", "net-device-down",
                                          "static-network-up")),
    ("display-manager", "display managers (lightdm, gdm)", (
        "desktop-session-start", "desktop-shutdown", "login-session-start")),
    ("dbus-daemon", "dbus-daemon(1) --activation=upstart", ("dbus-activation",)),
    ("sysvinit-scripts", "System V init scripts", (
        "deconfiguring-networking", "unmounted-remote-filesystems")),
    ("cron", "/etc/cron.daily/upstart", ("rotate-logs",)),
    ("bootloader", "bootloader or initramfs", ("recovery",)),
)

@lru_cache(maxsize=65536)
def builtin_emitters(event: str) -> tuple[tuple[str, str, str | None], ...]:
    """(emitter, description, pattern if matched by glob) for EVENT."""
    found = []
    for name, desc, events in BUILTIN_EMITTERS:
        for pattern in events:
            if pattern == event:
                found.append((name, desc, None))
                break
            if is_glob(pattern) and fnmatchcase(event, pattern):
                found.append((name, desc, pattern))
                break
    return tuple(found)


def builtin_events() -> set[str]:
    return {e for _, _, events in BUILTIN_EMITTERS for e in events if not is_glob(e)}
