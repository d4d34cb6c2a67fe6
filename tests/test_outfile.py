"""Output files: atomic, with the right mode and owner, through symlinks,
devices written directly, nothing left behind."""

from __future__ import annotations

import os
import stat

import pytest
from conftest import FIXTURES, cli

from upgraph.outfile import OutputError, write

DOT = ("-d", str(FIXTURES), "-r", "udev")


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_file_follows_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        assert cli("dot", *DOT, "-o", str(tmp_path / "a.dot")).rc == 0
        assert _mode(tmp_path / "a.dot") == 0o644
        os.umask(0o077)
        assert cli("dot", *DOT, "-o", str(tmp_path / "b.dot")).rc == 0
        assert _mode(tmp_path / "b.dot") == 0o600
    finally:
        os.umask(old)


def test_existing_file_keeps_its_mode_and_owner(tmp_path):
    target = tmp_path / "g.dot"
    target.write_text("old")
    target.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(target, 65534, 65534)
    assert cli("dot", *DOT, "-o", str(target)).rc == 0
    assert target.read_text().startswith("digraph")
    assert _mode(target) == 0o640
    if os.geteuid() == 0:
        assert (target.stat().st_uid, target.stat().st_gid) == (65534, 65534)


def test_symlink_is_followed_not_replaced(tmp_path):
    real = tmp_path / "real.dot"
    real.write_text("old")
    link = tmp_path / "link.dot"
    link.symlink_to(real)
    assert cli("dot", *DOT, "-o", str(link)).rc == 0
    assert link.is_symlink()
    assert real.read_text().startswith("digraph")


def test_devices_are_written_directly(tmp_path):
    assert cli("dot", *DOT, "-o", "/dev/null").rc == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    res = cli("dot", *DOT, "-o", "/dev/full")
    assert res.rc == 2 and "No space left on device" in res.err


def test_fifo_is_written_directly(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # the reader is open before the write (a thread that opens it later would
    # race the writer's non-blocking open, which rightly fails with no reader)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write(str(fifo), b"through the pipe")
        assert os.read(reader, 100) == b"through the pipe"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_directory_and_empty_name_are_errors_and_nothing_is_left(tmp_path):
    res = cli("dot", *DOT, "-o", str(tmp_path))
    assert res.rc == 2 and "it is a directory" in res.err
    res = cli("dot", *DOT, "-o", "")
    assert res.rc == 2 and "an output file name is needed" in res.err
    assert list(tmp_path.iterdir()) == []


def test_failure_midway_leaves_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "g.dot"
    target.write_text("previous")

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        write(str(target), b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot"]
    assert target.read_text() == "previous"


def test_unwritable_directory(tmp_path):
    with pytest.raises(OutputError, match="cannot write"):
        write(str(tmp_path / "missing" / "x.dot"), b"x")
