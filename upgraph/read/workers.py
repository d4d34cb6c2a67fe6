"""Forked helper processes, in one place.

Large job sets are read, and second runs' files stat'ed, by forked
processes (they inherit this one's memory, so nothing is pickled on the way
in); the cache is written by one in the background.  Every fork here obeys
the same rules:

* a child ignores Ctrl-C (the parent answers it, with one line) and leaves
  with os._exit, so nothing of the parent's (buffers, atexit) runs twice and
  no traceback is printed;
* results come back through a private pipe as `marshal` data (plain values,
  never code);
* a child that cannot be forked (a process limit) or that dies (kill -9, the
  out-of-memory killer) leaves its share to the parent, which computes it
  itself: nothing ever waits for a dead process.
"""

from __future__ import annotations

import marshal
import os
import signal
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from typing import Any


def processors() -> int:
    """Processors this process may use, on Linux (elsewhere, and where fork
    is not safe to use, one)."""
    if not sys.platform.startswith("linux"):
        return 1
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return 1


def _fork() -> int:
    """os.fork with Ctrl-C held back across it: a child never sees the
    parent's KeyboardInterrupt (it ignores SIGINT from its first step), and
    the parent gets a Ctrl-C that came meanwhile as soon as it has forked."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        return pid
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _child(body: Callable[[], None]) -> None:
    """Run BODY in a forked child, then leave it without any clean-up."""
    code = 1
    try:
        body()
        code = 0
    except BaseException:  # noqa: BLE001 - the parent redoes the share
        pass
    finally:
        os._exit(code)


def _grow(fd: int) -> None:
    """Room for several results in a pipe, so that children run ahead."""
    try:
        from fcntl import F_SETPIPE_SZ, fcntl  # type: ignore[attr-defined]

        fcntl(fd, F_SETPIPE_SZ, 1 << 20)
    except (ImportError, OSError):
        pass


def fork_map(func: Callable[[Any], Any], tasks: Sequence[Any], workers: int) -> Iterator[Any]:
    """func(task) for each of TASKS, in order, computed by WORKERS forked
    processes (task i by child i % WORKERS) while this one consumes them;
    results must be marshal-able.  A child that cannot be forked, or whose
    result does not arrive whole, leaves its tasks to this process.

    The children are forked now, not when the first result is asked for:
    they work while this process does something else first (a second run
    decodes the cache while its files are stat'ed)."""
    pipes: list[tuple[int, Any]] = []
    for k in range(workers):
        r, w = os.pipe()
        _grow(w)
        try:
            pid = _fork()
        except OSError:  # no process to spare: this one does that share
            os.close(r)
            os.close(w)
            pipes.append((0, None))
            continue
        if pid == 0:
            os.close(r)

            def body(k: int = k, w: int = w) -> None:
                with os.fdopen(w, "wb") as out:
                    for task in tasks[k::workers]:
                        data = marshal.dumps(func(task))
                        out.write(len(data).to_bytes(8, "little"))
                        out.write(data)

            _child(body)
        os.close(w)
        pipes.append((pid, os.fdopen(r, "rb")))
    return _results(func, tasks, workers, pipes)


def _results(func: Callable[[Any], Any], tasks: Sequence[Any], workers: int,
             pipes: list[tuple[int, Any]]) -> Iterator[Any]:
    """fork_map's results, in order, as the children hand them back."""
    done = False
    try:
        for i, task in enumerate(tasks):
            pipe = pipes[i % workers][1]
            if pipe is not None:
                head = pipe.read(8)
                size = int.from_bytes(head, "little") if len(head) == 8 else -1
                data = pipe.read(size) if size >= 0 else b""
                if size >= 0 and len(data) == size:
                    yield marshal.loads(data)
                    continue
                pipe.close()  # this child is gone: the rest of its share is done here
                pipes[i % workers] = (pipes[i % workers][0], None)
            yield func(task)
        done = True
    finally:  # also when the consumer stops early: no child is left behind
        for pid, pipe in pipes:
            if pipe is not None:
                pipe.close()
            if pid:
                if not done:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                reap(pid)


def fork_background(func: Callable[[], None]) -> int | None:
    """Run FUNC in a forked child and return its pid (reap it with `reap`);
    None when no process could be forked (then nothing ran)."""
    try:
        pid = _fork()
    except OSError:
        return None
    if pid == 0:
        _child(func)
    return pid


def reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
