"""Emitters without a job file, per kind of system.

Without these, `who-emits startup` would answer "nobody" everywhere.  Which
ones exist depends on the system: mountall and ifupdown emit filesystem and
network events on Ubuntu, not on ChromeOS; a user session has its own init
with bridges of its own.  Sources: upstart-events(7), the bridge man pages,
ChromiumOS's session_manager documentation, RHEL 6's job files.
"""

from __future__ import annotations

# init's own events, as initctl check-config knows them (semantics §6).
INIT_EVENTS = ("startup", "debug", "control-alt-delete", "keyboard-request",
               "power-status-changed", "starting", "started", "stopping", "stopped")
SESSION_EVENTS = ("session-end",)


class Builtin:
    """An emitter that is not a job: a daemon, a bridge, a tool."""

    __slots__ = ("name", "description", "patterns")

    def __init__(self, name: str, description: str, patterns: tuple[str, ...]) -> None:
        self.name, self.description, self.patterns = name, description, patterns


_INIT = Builtin("init", "init(8) itself", INIT_EVENTS)
_INIT_SESSION = Builtin("init", "the Session Init, init(8) --user",
                        (*INIT_EVENTS, *SESSION_EVENTS))
_UDEV = Builtin("upstart-udev-bridge", "upstart-udev-bridge(8)",
                ("*-device-added", "*-device-changed", "*-device-removed"))
_SOCKET = Builtin("upstart-socket-bridge", "upstart-socket-bridge(8)", ("socket",))
_DBUS = Builtin("upstart-dbus-bridge", "upstart-dbus-bridge(8)", ("dbus",))
_FILE = Builtin("upstart-file-bridge", "upstart-file-bridge(8)", ("file",))
_TELINIT = Builtin("telinit", "telinit(8) and shutdown(8)", ("runlevel",))

PROFILES: dict[str, tuple[str, tuple[Builtin, ...]]] = {
    "ubuntu": ("Ubuntu with Upstart 1.x (system init)", (
        _INIT, _SOCKET, _DBUS, _FILE, _UDEV, _TELINIT,
        Builtin("mountall", "mountall(8)", (
            "mounting", "mounted", "virtual-filesystems", "local-filesystems",
            "remote-filesystems", "all-swaps", "filesystem", "device-not-ready")),
        Builtin("ifupdown", "ifup(8) and ifdown(8)", (
            "net-device-up", "net-device-down", "static-network-up")),
        Builtin("display-manager", "display managers (lightdm, gdm)", (
            "desktop-session-start", "desktop-shutdown", "login-session-start")),
        Builtin("dbus-daemon", "dbus-daemon(1) --activation=upstart", ("dbus-activation",)),
        Builtin("sysvinit-scripts", "System V init scripts", (
            "deconfiguring-networking", "unmounted-remote-filesystems")),
        Builtin("cron", "/etc/cron.daily/upstart", ("rotate-logs",)),
        Builtin("bootloader", "bootloader or initramfs", ("recovery",)),
    )),
    "chromeos": ("ChromiumOS / ChromeOS (Upstart 1.x with vendor stanzas)", (
        _INIT, _UDEV, _TELINIT,
        Builtin("session_manager", "ChromeOS session_manager, over D-Bus", (
            "login-prompt-visible", "start-user-session")),
    )),
    "rhel6": ("RHEL/CentOS 6 (Upstart 0.6.5)", (
        Builtin("init", "init(8) itself", (
            "startup", "starting", "started", "stopping", "stopped",
            "control-alt-delete", "power-status-changed", "keyboard-request")),
        _TELINIT,
    )),
    "session": ("a user session (init --user)", (
        _INIT_SESSION, _DBUS, _FILE, _UDEV,
        Builtin("upstart-event-bridge", "upstart-event-bridge(8)", (":sys:*",)),
        Builtin("upstart-dconf-bridge", "upstart-dconf-bridge(8)", ("dconf",)),
        Builtin("desktop-session", "the job that starts the desktop (gnome-session)", (
            "desktop-start", "desktop-end")),
        Builtin("xsession-init", "the xsession-init session job", ("xsession",)),
    )),
}

# Jobs whose presence says which system a job set is from.
_MARKERS = {
    "chromeos": ("boot-services", "system-services", "pre-startup", "ui", "pre-shutdown"),
    "rhel6": ("prefdm", "start-ttys", "rcS-sulogin", "rcS-emergency", "splash-manager"),
}


def detect(job_names: set[str], session: bool, vendor_stanzas: bool) -> tuple[str, str]:
    """(profile, why) for a job set, when the user did not say."""
    if session:
        return "session", "session mode"
    if vendor_stanzas:
        return "chromeos", "ChromeOS stanzas (import, tmpfiles)"
    for profile, markers in _MARKERS.items():
        hits = [m for m in markers if m in job_names]
        if len(hits) >= 2:
            return profile, f"jobs {', '.join(hits)}"
    return "ubuntu", "default"


def builtins(profile: str) -> tuple[Builtin, ...]:
    return PROFILES[profile][1]
