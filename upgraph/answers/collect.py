"""collect: a POSIX sh script that gathers what upgraph needs from a host
that cannot run it (Ubuntu 14.04's Python 3.4, RHEL 6's Python 2.6, ChromeOS,
embedded images), as a tar.gz bundle on standard output:

    upgraph collect > c.sh; ssh host sh -s < c.sh > host.tar.gz
    upgraph boot --bundle host.tar.gz

Why a script and not a program: the host has nothing installed but a shell
(dash, busybox sh, bash 4.1), so the script uses only POSIX sh and the
commands every such host has (cat, dd, find, gzip, tar, mktemp, sed, grep).
It reads only: it writes one `mktemp -d` directory, removed on exit or on
an interrupt; it never runs a job's commands; it needs no root, and says in
its MANIFEST what it could not read; logs are capped (LOG_LIMIT bytes each).

The bundle's layout (read by upgraph/read/bundle.py):

    upgraph-bundle/VERSION              "upgraph-bundle 1"
    upgraph-bundle/MANIFEST             one line per thing taken or not, and why
    upgraph-bundle/root/etc/init/...    the job files and their .override files
    upgraph-bundle/root/etc/inittab, root/etc/*release, root/etc/debian_version
    upgraph-bundle/initctl/{version,list,show-config-e}.txt   when initctl answers
    upgraph-bundle/host/{hostname,cmdline,uname}
    upgraph-bundle/logs/*.txt           Upstart's lines (init: ...) of dmesg and syslogs
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.answers.context import Context

BUNDLE_VERSION = "upgraph-bundle 1"

SCRIPT = r"""#!/bin/sh
# Written by `upgraph collect`.  Run on a host with nothing installed:
#   sh collect.sh > host.tar.gz        (or: ssh host sh -s < collect.sh > host.tar.gz)
# It only reads.  It writes one temporary directory (mktemp -d), removed on
# exit or interrupt, and the bundle (tar.gz) on standard output.  It never runs
# a job's commands and needs no root: what it cannot read is listed in MANIFEST.
set -u
umask 077
LOG_LIMIT=__LOG_LIMIT__
SESSION=__SESSION__
FILE_LIMIT=1048576
# UPGRAPH_ROOT: collect from an image or chroot mounted there instead of /
R=${UPGRAPH_ROOT:-}

if [ -t 1 ]; then
    echo "upgraph collect: the bundle is binary; redirect it: sh collect.sh > host.tar.gz" >&2
    exit 2
fi
tmp=$(mktemp -d 2>/dev/null) || tmp=$(mktemp -d -t upgraph.XXXXXX 2>/dev/null) || {
    echo "upgraph collect: cannot make a temporary directory" >&2
    exit 1
}
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap 'cleanup; exit 129' HUP
b="$tmp/upgraph-bundle"
mkdir "$b" "$b/root" "$b/initctl" "$b/host" "$b/logs" || exit 1
echo "__VERSION__" > "$b/VERSION"
manifest="$b/MANIFEST"
: > "$manifest"
note() { printf '%s\n' "$*" >> "$manifest"; }

# copy FILE to bundle path DEST, regular files only, at most LIMIT bytes
copy() {
    src=$1 dest=$2 limit=$3
    if [ -h "$src" ] && [ ! -e "$src" ]; then note "skipped $src: a dangling link"; return; fi
    if [ ! -f "$src" ]; then note "skipped $src: not a regular file"; return; fi
    if [ ! -r "$src" ]; then note "skipped $src: not readable (permission)"; return; fi
    mkdir -p "$(dirname "$b/$dest")" || return
    if dd if="$src" of="$b/$dest" bs=4096 count=$((limit / 4096)) 2>/dev/null; then
        note "took $src"
    else
        note "skipped $src: could not be read"
    fi
}

# the job directories, with their .override files
jobs() {
    dir=$1
    if [ ! -d "$dir" ]; then note "absent $dir"; return; fi
    if [ ! -r "$dir" ] || [ ! -x "$dir" ]; then note "skipped $dir: not readable"; return; fi
    find "$dir" -type f 2>/dev/null | while IFS= read -r f; do
        case $f in
            *.conf|*.override) copy "$f" "root${f#"$R"}" "$FILE_LIMIT" ;;
        esac
    done
    find "$dir" -type l 2>/dev/null | while IFS= read -r f; do
        case $f in
            *.conf|*.override)
                if [ -f "$f" ]; then copy "$f" "root${f#"$R"}" "$FILE_LIMIT"
                else note "skipped $f: a link to no regular file"; fi ;;
        esac
    done
}
jobs "$R/etc/init"
if [ "$SESSION" = yes ]; then
    jobs "$R/usr/share/upstart/sessions"
    jobs "$R/etc/xdg/upstart"
fi

for f in __ETC_FILES__; do
    if [ -e "$R$f" ]; then copy "$R$f" "root$f" 65536; else note "absent $f"; fi
done

# the host
if [ -r "$R/proc/cmdline" ]; then
    cat "$R/proc/cmdline" > "$b/host/cmdline" 2>/dev/null && note "took /proc/cmdline"
else note "skipped /proc/cmdline: not readable"; fi
if [ -n "$R" ] && [ -r "$R/etc/hostname" ]; then
    cat "$R/etc/hostname" > "$b/host/hostname" 2>/dev/null && note "took the hostname"
elif [ -r /proc/sys/kernel/hostname ]; then
    cat /proc/sys/kernel/hostname > "$b/host/hostname" 2>/dev/null && note "took the hostname"
elif command -v hostname >/dev/null 2>&1; then
    hostname > "$b/host/hostname" 2>/dev/null && note "took the hostname"
else note "skipped the hostname: no way to read it"; fi
uname -a > "$b/host/uname" 2>/dev/null && note "took uname -a"

# a running Upstart, when one answers (initctl only reads here)
if command -v initctl >/dev/null 2>&1; then
    for what in version list "show-config -e"; do
        name=$(echo "$what" | sed 's/ .*//')
        [ "$name" = show-config ] && name=show-config-e
        # shellcheck disable=SC2086
        if initctl $what > "$b/initctl/$name.txt" 2>/dev/null; then
            note "took initctl $what"
        else
            rm -f "$b/initctl/$name.txt"
            note "skipped initctl $what: initctl did not answer"
        fi
    done
else
    note "absent initctl"
fi

# Upstart's own lines from the kernel ring buffer and the system logs
lines() { grep -a 'init: ' 2>/dev/null | dd bs=4096 count=$((LOG_LIMIT / 4096)) 2>/dev/null; }
if dmesg > /dev/null 2>&1; then
    dmesg 2>/dev/null | lines > "$b/logs/dmesg.txt"; note "took dmesg (init lines)"
else
    note "skipped dmesg: not allowed (dmesg_restrict?)"
fi
n=0
for f in "$R"/var/log/upstart.log "$R"/var/log/kern.log* "$R"/var/log/syslog* \
         "$R"/var/log/messages*; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    if [ ! -f "$f" ] || [ ! -r "$f" ]; then note "skipped $f: not readable"; continue; fi
    case $f in
        *.gz) gzip -dc "$f" 2>/dev/null | lines > "$b/logs/$n.txt" ;;
        *) lines < "$f" > "$b/logs/$n.txt" ;;
    esac
    note "took $f (init lines) as logs/$n.txt"
done

note "done"
tar -C "$tmp" -cf - upgraph-bundle | gzip -c
"""


class Script:
    """The collect script, ready to print."""

    render_as = "collect"
    ok = True

    def __init__(self, text: str) -> None:
        self.text = text
        self.version = BUNDLE_VERSION


def script(log_limit: int = 16 << 20, session: bool = False) -> str:
    """The script with its settings filled in (numbers and yes/no only)."""
    from upgraph.read.bundle import ETC_FILES

    return (SCRIPT.replace("__LOG_LIMIT__", str(int(log_limit)))
            .replace("__ETC_FILES__", " ".join(f"/etc/{n}" for n in (*ETC_FILES, "hostname")))
            .replace("__SESSION__", "yes" if session else "no")
            .replace("__VERSION__", BUNDLE_VERSION))


def answer(ctx: Context) -> Script:
    o = ctx.o
    return Script(script(o.log_limit or (16 << 20), bool(o.session)))
