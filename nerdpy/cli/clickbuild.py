"""The click command for a table command (nerdpy/cli/spec.py), built when the
slow path needs one: `--help`, a usage error, docs generation.

typer 0.28 ships its own click (typer._click); its Typer* classes give table
commands the same help layout as the commands still written with typer. The
callback calls the body by keyword, exactly as the fast path does.
"""

from __future__ import annotations

from typing import Any

import typer.core
import typer.main
from typer._click import types as click_types
from typer._click.globals import get_current_context

from nerdpy.cli.spec import Arg, Command, Flag, Group

_TYPES = {"str": click_types.STRING, "int": click_types.INT, "float": click_types.FLOAT}
# Docker's value names in help: `--env list`, `--name string`, `--time int`.
_METAVARS = {"str": "string", "int": "int", "float": "decimal"}


def metavar(flag: Flag) -> str:
    if flag.metavar:
        return flag.metavar
    return "list" if flag.repeat else _METAVARS[flag.type]


def _param_type(param: Flag | Arg) -> Any:
    if isinstance(param, Flag) and param.choices:
        return typer.main.TyperChoice(list(param.choices))
    return _TYPES[param.type]


def option(flag: Flag) -> Any:
    decls = [*flag.all_spellings, flag.name]
    if flag.is_flag:
        return typer.core.TyperOption(param_decls=decls, is_flag=True, default=flag.default, help=flag.help,
                                      hidden=flag.hidden, show_default=True)
    built: Any = typer.core.TyperOption(param_decls=decls, type=_param_type(flag), multiple=flag.repeat,
                                        default=list(flag.default or ()) if flag.repeat else flag.default,
                                        metavar=metavar(flag), help=flag.help, hidden=flag.hidden,
                                        show_default=True)
    built.completes = flag.completes  # read by the completion generator (nerdpy.cli.docgen)
    return built


def _argument(arg: Arg) -> Any:
    built: Any = typer.core.TyperArgument(param_decls=[arg.name], type=_param_type(arg), required=arg.required,
                                          nargs=-1 if arg.many else 1, metavar=arg.metavar or None,
                                          help=arg.help, default=None)
    built.completes = arg.completes
    return built


def _values(command: Command | Group, params: dict[str, Any]) -> dict[str, Any]:
    """click's values as the fast path gives them: lists, not tuples or None."""
    out = {}
    for p in command.params:
        value = params[p.name]
        if isinstance(value, tuple) or (value is None and ((isinstance(p, Arg) and p.many) or
                                                           (isinstance(p, Flag) and p.repeat))):
            value = list(value or ())
        out[p.name] = value
    return out


def usage_pieces(command: Any) -> str:
    """Docker's usage line after the command's path: `[OPTIONS] CONTAINER COMMAND [ARG...]`."""
    parts = []
    if any(p.param_type_name == "option" and p.name != "help" for p in command.params):
        parts.append("[OPTIONS]")
    parts += [argument_usage(p) for p in command.params if p.param_type_name == "argument"]
    return " ".join(parts)


def usage_line(path: str, command: Any) -> str:
    """`Usage:  nerdpy start [OPTIONS] CONTAINER [CONTAINER...]`, Docker's two spaces included;
    a group's: `Usage:  nerdpy container COMMAND`."""
    if hasattr(command, "list_commands"):
        options = any(p.param_type_name == "option" and p.name != "help" for p in command.params)
        return f"Usage:  {path}{' [OPTIONS]' if options else ''} COMMAND"
    return f"Usage:  {path} {usage_pieces(command)}".rstrip()


def arity_message(path: str, bound: str, command: Any) -> str:
    """Docker's (cobra's) too-few-arguments text: the error, the help hint, the usage, the summary."""
    summary = (command.help or "").strip().splitlines()[:1]
    return (f'Error: "{path}" requires {bound}.\nSee \'{path} --help\'.\n\n' + usage_line(path, command) + "\n"
            + ("\n" + summary[0] if summary else ""))


def argument_usage(param: Any) -> str:
    """`NAME`, `[NAME]`, `NAME [NAME...]`; a metavar in brackets or of several words
    is the usage's own wording (`[ps OPTIONS]`, `CONTAINER [CONTAINER...]`)."""
    given = param.metavar or ""
    if given.startswith("[") or " " in given:
        return given
    name = given or param.name.upper()
    if param.nargs != -1:
        return name if param.required else f"[{name}]"
    if name == "COMMAND":
        return "COMMAND [ARG...]" if param.required else "[COMMAND] [ARG...]"
    if name.endswith("..."):
        one = name[:-3]
    else:
        one = name[:-1] if not given and name.endswith("S") else name
    return f"{one} [{one}...]" if param.required else f"[{one}...]"


class _Command(typer.core.TyperCommand):
    """Help's usage line as Docker writes it."""

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        formatter.write(usage_line(ctx.command_path, self) + "\n")


def build(command: Command, name: str) -> Any:
    """A click command named `name` (the spelling it is registered under)."""

    def callback(**params: Any) -> Any:
        from nerdpy.cli.fastpath import resolve

        # The root's CliState, or what the group's body made of it (nerdpy.cli.lazy.make_group).
        return resolve(command)(get_current_context().obj, **_values(command, params))

    params = [_argument(p) if isinstance(p, Arg) else option(p) for p in command.params]
    settings: dict[str, Any] = {"help_option_names": list(command.help_spellings)}
    if not command.interspersed:
        settings["allow_interspersed_args"] = False
    text = f"{command.help}\n\n{command.long}" if command.long else command.help
    return _Command(name, callback=callback, params=params, help=text, short_help=command.help,
                                   context_settings=settings, rich_markup_mode=None)


def group_callback(group: Group) -> Any:
    """The click callback of a group with flags of its own: the group's body by keyword,
    its result the context object the subcommands' bodies get first."""

    def callback(**params: Any) -> None:
        from nerdpy.cli.fastpath import resolve

        ctx = get_current_context()
        ctx.obj = resolve(group)(ctx.obj, **_values(group, params))

    return callback
