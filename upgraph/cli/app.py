"""The typer application, built from the spec.

It handles every command line the fast path (argv.py) does not: usage
errors get typer's messages, and shell completion is typer's
(`upgraph --install-completion`).  Its help is the same text as the fast
path's (help.py).  Global options are declared on the group and on every
command, so they may come before or after the command name; values given
after win, repeatable ones add up.
"""

from __future__ import annotations

import inspect
from typing import Any, Optional

import typer
from typer.core import TyperCommand, TyperGroup

from upgraph import __version__
from upgraph.cli.help import command as command_help
from upgraph.cli.help import top as top_help
from upgraph.cli.spec import BY_NAME, COMMANDS, GLOBAL, Arg, Command, Opt, all_params


class _Group(TyperGroup):
    def format_help(self, ctx: Any, formatter: Any) -> None:
        formatter.write(top_help())

    def list_commands(self, ctx: Any) -> list[str]:
        return [c.name for c in COMMANDS]


class _Command(TyperCommand):
    def format_help(self, ctx: Any, formatter: Any) -> None:
        formatter.write(command_help(BY_NAME[self.name]))


def _annotation(p: Opt | Arg) -> Any:
    if p.multiple:
        return Optional[list[str]]  # noqa: UP045 - typer reads Optional
    if isinstance(p, Arg):
        return str if p.required else Optional[str]  # noqa: UP045
    return {"flag": bool, "int": int, "str": Optional[str]}[p.kind]  # noqa: UP045


def _default(p: Opt | Arg) -> Any:
    if isinstance(p, Arg):
        return typer.Argument(... if p.required else None, metavar=p.metavar, help=p.help,
                              show_default=False)
    default = None if p.multiple else p.default
    return typer.Option(default, *p.flags, help=p.help, metavar=p.metavar or None,
                        hidden=p.hidden, show_default=False)


def _signature(params: list[Opt | Arg]) -> tuple[inspect.Signature, dict[str, Any]]:
    parameters = [inspect.Parameter(p.dest, inspect.Parameter.KEYWORD_ONLY,
                                    default=_default(p), annotation=_annotation(p))
                  for p in params]
    return inspect.Signature(parameters), {p.dest: _annotation(p) for p in params}


def _merge(cmd: Command, values: dict[str, Any], group: dict[str, Any]) -> dict[str, Any]:
    """Command-level values win over the group's; repeatable ones add up."""
    out = {}
    for p in all_params(cmd):
        value = values.get(p.dest)
        if isinstance(p, Opt) and p.multiple:
            out[p.dest] = [*(group.get(p.dest) or []), *(value or [])]
        elif isinstance(p, Arg) and p.multiple:
            out[p.dest] = list(value or [])
        elif isinstance(p, Opt) and value == p.default and p.dest in group:
            out[p.dest] = group[p.dest]
        else:
            out[p.dest] = value
    return out


def _make(cmd: Command, run: Any) -> Any:
    def command(ctx: typer.Context, **values: Any) -> None:
        group = ctx.obj or {}
        raise typer.Exit(run(cmd, _merge(cmd, values, group)))

    sig, annotations = _signature(all_params(cmd))
    ctx_param = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                  annotation=typer.Context)
    command.__signature__ = sig.replace(parameters=[ctx_param, *sig.parameters.values()])  # type: ignore[attr-defined]
    command.__annotations__ = {"ctx": typer.Context, **annotations}
    command.__name__ = cmd.name.replace("-", "_")
    command.__doc__ = cmd.help
    return command


def build(run: Any) -> typer.Typer:
    """The typer app; RUN(command, values) does the work (cli/run.py)."""
    app = typer.Typer(cls=_Group, no_args_is_help=True, pretty_exceptions_enable=False,
                      rich_markup_mode=None, add_completion=True,
                      context_settings={"help_option_names": ["-h", "--help"]})

    def show_version(value: bool) -> None:
        if value:
            typer.echo(f"upgraph {__version__}")
            raise typer.Exit(0)

    def callback(ctx: typer.Context, **values: Any) -> None:
        ctx.obj = {k: v for k, v in values.items() if k != "version"}

    sig, annotations = _signature(list(GLOBAL))
    version = inspect.Parameter(
        "version", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
        default=typer.Option(False, "--version", "-V", help="Print upgraph's version and exit.",
                             callback=show_version, is_eager=True))
    ctx_param = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                  annotation=typer.Context)
    callback.__signature__ = sig.replace(  # type: ignore[attr-defined]
        parameters=[ctx_param, *sig.parameters.values(), version])
    callback.__annotations__ = {"ctx": typer.Context, **annotations, "version": bool}
    app.callback()(callback)
    for cmd in COMMANDS:
        app.command(cmd.name, cls=_Command, help=cmd.summary)(_make(cmd, run))
    return app
