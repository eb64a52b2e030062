"""A typer group whose subcommands are built or imported only when they are invoked."""

from __future__ import annotations

import importlib

import typer
import typer.main
from typer.core import TyperGroup

from nerdpy.cli.clickbuild import usage_line
from nerdpy.cli.commands import GROUPS, Entry, help_of, table_command

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def load_command(target: str, name: str) -> Any:
    if target.startswith("@"):
        return make_group(name, GROUPS[target[1:]])
    if target.startswith("table."):
        from nerdpy.cli.clickbuild import build

        return build(table_command(Entry(target)), name)
    module_name, _, command_name = target.partition(":")
    module = importlib.import_module(module_name)
    click_app = typer.main.get_command(module.app)
    commands = getattr(click_app, "commands", None)
    if commands is None:  # a module app with a single command
        command = click_app
    else:
        command = commands[command_name]
    command.name = name
    plain_help(command)
    return command


def plain_help(command: Any) -> None:
    """A typer command's help (and its subcommands') as Docker's: plain (rich is slow
    to import too), Docker's usage line, Docker's value names."""
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None
    command.format_usage = lambda ctx, formatter: formatter.write(usage_line(ctx.command_path, command) + "\n")
    docker_metavars(command)
    for sub in (getattr(command, "commands", None) or {}).values():
        plain_help(sub)


_METAVARS = {"str": "string", "text": "string", "int": "int", "integer": "int", "float": "decimal"}


def docker_metavars(command: Any) -> None:
    """Help shows `--env list`, `--name string` as Docker's does, not `<str>`."""
    for param in getattr(command, "params", ()):
        if param.param_type_name != "option" or getattr(param, "is_flag", False) or param.metavar:
            continue
        kind = _METAVARS.get(getattr(param.type, "name", ""), None)
        if kind is not None:
            param.metavar = "list" if param.multiple else kind


class LazyGroup(TyperGroup):
    """Subcommands come from nerdpy.cli.commands and load on first use."""

    table: dict[str, Entry] = {}

    def list_commands(self, ctx: Any) -> list[str]:
        hidden = {name for name, entry in self.table.items() if entry.hidden}
        return sorted((set(self.table) | set(self.commands)) - hidden)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in self.table:
            self.commands[cmd_name] = load_command(self.table[cmd_name].target, cmd_name)
        return self.commands.get(cmd_name)

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        formatter.write(usage_line(ctx.command_path, self) + "\n")

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        # From the table: listing commands must not import every command module.
        rows = [(name, help_of(self.table[name])) for name in sorted(self.table) if not self.table[name].hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def make_group(name: str, table: dict[str, Entry]) -> Any:
    cls = type(f"LazyGroup_{name}", (LazyGroup,), {"table": table})
    return cls(name=name, help=f"Manage {name}s", no_args_is_help=True, rich_markup_mode=None)
