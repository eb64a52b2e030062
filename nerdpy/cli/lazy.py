"""A click group whose subcommands are built or imported only when they are invoked."""

from __future__ import annotations

from typer.core import TyperGroup

from nerdpy.cli.clickbuild import usage_line
from nerdpy.cli.commands import GROUPS, Entry, group_flags, help_of, table_command
from nerdpy.cli.spec import Group

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def load_command(entry: Entry, name: str) -> Any:
    """The click command or group for `entry`, registered under the spelling `name`."""
    if entry.target.startswith("@"):
        return make_group(name, GROUPS[entry.target[1:]], group_flags(entry))
    from nerdpy.cli.clickbuild import build

    return build(table_command(entry), name)


class LazyGroup(TyperGroup):
    """Subcommands come from nerdpy.cli.commands and load on first use."""

    table: dict[str, Entry] = {}

    def list_commands(self, ctx: Any) -> list[str]:
        hidden = {name for name, entry in self.table.items() if entry.hidden}
        return sorted((set(self.table) | set(self.commands)) - hidden)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in self.table:
            self.commands[cmd_name] = load_command(self.table[cmd_name], cmd_name)
        return self.commands.get(cmd_name)

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        formatter.write(usage_line(ctx.command_path, self) + "\n")

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        # From the table: listing commands must not import every command module.
        rows = [(name, help_of(self.table[name])) for name in sorted(self.table) if not self.table[name].hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def make_group(name: str, table: dict[str, Entry], group: Group | None = None) -> Any:
    """The click group `name`; with `group`, its own flags, read by the group's body,
    whose result the subcommands' bodies get first (as on the fast path)."""
    cls = type(f"LazyGroup_{name}", (LazyGroup,), {"table": table})
    if group is None:
        return cls(name=name, help=f"Manage {name}s", no_args_is_help=True, rich_markup_mode=None)
    from nerdpy.cli.clickbuild import group_callback, option

    return cls(name=name, help=group.help, no_args_is_help=True, rich_markup_mode=None,
               params=[option(f) for f in group.flags], callback=group_callback(group),
               context_settings={"help_option_names": list(group.help_spellings)})
