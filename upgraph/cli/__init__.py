"""The `upgraph` command: parse, run, exit.

The common command lines are parsed by argv.py from the spec, without
importing typer (whose import alone costs several times an interpreter's
start); anything else (a usage error, shell completion) goes to the typer
application built from the same spec.  Ctrl-C is exit status 130 and a
closed pipe (`upgraph ... | head`) a quiet exit, never a traceback.
"""

from __future__ import annotations

import os
import sys


def run_typer(argv: list[str]) -> int:
    from upgraph.cli.app import build
    from upgraph.cli.run import run

    app = build(run)
    try:
        app(args=argv, prog_name="upgraph", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def run_argv(argv: list[str]) -> int:
    from upgraph import __version__
    from upgraph.cli.argv import parse

    mode = os.environ.get("_UPGRAPH_COMPLETE")
    if mode == "complete_bash":  # a completion request: answered here, fast
        from upgraph.cli.complete import main as complete

        return complete()
    if mode:  # other shells: typer's own protocol
        return run_typer(argv)
    parsed = parse(argv)
    if parsed is None:
        return run_typer(argv)
    if parsed.version or parsed.help:
        if parsed.version:
            text = f"upgraph {__version__}\n"
        else:
            from upgraph.cli.help import command, top

            text = command(parsed.command) if parsed.command else top()
        if sys.stdout is None:
            _say("upgraph: cannot write standard output: it is closed\n")
            return 2
        sys.stdout.write(text)
        return 0
    from upgraph.cli.run import run

    return run(parsed.command, parsed.values)


def main(argv: list[str] | None = None) -> None:
    import gc

    # A run builds up to millions of small objects and lets go of few; the
    # cyclic collector's passes over them cost as much as reading the input
    # (measured: 5.2 s against 2.3 s for 100,000 jobs).  A run is one short
    # process: leave memory to the end of it.
    gc.disable()
    argv = sys.argv[1:] if argv is None else argv
    _catch_signals()
    try:
        code = run_argv(argv)
        if sys.stdout is not None:
            sys.stdout.flush()
    except Terminated as exc:  # every clean-up ran on the way here (no half files)
        _say(f"upgraph: terminated by signal {exc.signum}\n")
        code = 128 + exc.signum
    except KeyboardInterrupt:
        # one line, after whatever progress line was on the terminal
        _say(("\r\x1b[K" if is_terminal(sys.stderr) else "") + "upgraph: interrupted\n")
        code = 130
    except BrokenPipeError:  # the reader went away (| head): 141, as git exits
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 141
    except OSError as exc:  # standard output on a full disk, /dev/full, ...
        _say(f"upgraph: cannot write standard output: {exc.strerror or exc}\n")
        code = 2
    # Everything is written and closed (output files are replaced before a
    # command returns); freeing a heap of 100,000 jobs object by object would
    # only add half a second, so the process ends here.
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


class Terminated(BaseException):
    """SIGTERM, SIGHUP, SIGQUIT or SIGUSR1: raised where the program is, so
    that every `finally` runs (a temporary output file is removed) before
    the process ends with 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _catch_signals() -> None:
    import _signal  # the C module: `signal` builds enums, a millisecond of start-up

    def handler(signum: int, frame: object) -> None:
        raise Terminated(signum)

    for name in ("SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1"):
        number = getattr(_signal, name, None)
        if number is not None:
            try:
                _signal.signal(number, handler)
            except (OSError, ValueError):
                pass


def is_terminal(stream: object) -> bool:
    """Whether STREAM is a terminal (a closed one, `>&-`, is None: not one)."""
    try:
        return bool(stream is not None and stream.isatty())  # type: ignore[attr-defined]
    except (OSError, ValueError):
        return False


def _say(text: str) -> None:
    """TEXT on standard error, if there is one to write to."""
    try:
        if sys.stderr is not None:
            sys.stderr.write(text)
            sys.stderr.flush()
    except (OSError, ValueError):
        pass
