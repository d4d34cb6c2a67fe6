"""The reader's terminal, as systemctl and git treat it: colour only on a
terminal and never with NO_COLOR (or TERM=dumb); ASCII tree lines when the
locale is not UTF-8; long output on a terminal through a pager (PAGER, else
`less` with LESS=FRSXMK unless LESS is set; --no-pager, or PAGER empty or
`cat`, prints straight out); progress on standard error for work that lasts
more than a second, only when standard error is a terminal."""

from __future__ import annotations

import os
import sys
import time

from upgraph.cli import is_terminal
from upgraph.render.escape import Style, utf8_locale

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import IO


def color_wanted(stream: IO[str] | None, env: dict[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return is_terminal(stream) and not env.get("NO_COLOR") and env.get("TERM") != "dumb"


def style_for(to_terminal: bool) -> Style:
    """The style of text bound for standard output (TO_TERMINAL: not to a file)."""
    return Style(ascii=not utf8_locale(),
                 color=to_terminal and color_wanted(sys.stdout))


def pager_command(no_pager: bool) -> str | None:
    """The pager to page standard output through, or None."""
    if no_pager or not is_terminal(sys.stdout) or not is_terminal(sys.stdin):
        return None
    pager = os.environ.get("PAGER")
    if pager is None:
        pager = "less"
    if not pager.strip() or pager.strip() == "cat":
        return None
    return pager


def page(pieces: Iterable[bytes], pager: str) -> bool:
    """Write PIECES through PAGER when they fill more than the screen;
    False if the pager could not be started (then nothing was written)."""
    import shutil
    import subprocess

    rows = shutil.get_terminal_size((80, 24)).lines
    head: list[bytes] = []
    count = 0
    it = iter(pieces)
    for piece in it:
        head.append(piece)
        count += piece.count(b"\n")
        if count >= rows:
            break
    else:  # it fits: no pager
        out = sys.stdout.buffer
        for piece in head:
            out.write(piece)
        out.flush()
        return True
    env = dict(os.environ)
    env.setdefault("LESS", "FRSXMK")
    env.setdefault("LV", "-c")
    sys.stdout.flush()
    try:
        proc = subprocess.Popen(pager, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    try:
        assert proc.stdin is not None
        for piece in head:
            proc.stdin.write(piece)
        for piece in it:
            proc.stdin.write(piece)
        proc.stdin.close()
    except BrokenPipeError:  # the reader quit the pager early
        pass
    proc.wait()
    return True


class Progress:
    """`reading job files: N/TOTAL` on standard error, rewritten in place,
    from one second after the start, only on a terminal; cleared when done."""

    def __init__(self, what: str, stream: IO[str] | None = None) -> None:
        self.what = what
        self.stream = sys.stderr if stream is None else stream
        self.on = is_terminal(self.stream)
        self.start = time.monotonic()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.on or time.monotonic() - self.start < 1.0:
            return
        self.stream.write(f"\r{self.what}: {done}/{total}\x1b[K")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False
