"""The fast path: parse argv against the command table and call the body,
without click or typer (`import typer` alone costs ~50 ms, a third of podman's
whole `run`).

The parser follows click's rules for the forms scripts use (`-it`, `-p8080:80`,
`--name=web`, `--` and, for run/exec, options only before the first argument).
Anything it is not sure about — `--help`, an unknown flag, a bad value, a
missing argument, a command not in the table — makes `try_run` return None and
the caller hands argv to the click CLI built from the same table
(nerdpy.cli.clickbuild), which prints the proper message.
"""

from __future__ import annotations

import importlib

from nerdpy.cli.spec import Arg, Command, Flag, Group, default_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Sequence


class _Fallback(Exception):
    """The fast parser declines; the click CLI handles this argv."""


def _convert(param: Flag | Arg, raw: str) -> Any:
    try:
        if param.type == "int":
            return int(raw)
        if param.type == "float":
            return float(raw)
    except ValueError:
        raise _Fallback from None
    if isinstance(param, Flag) and param.choices and raw not in param.choices:
        raise _Fallback
    return raw


def _option_index(flags: Sequence[Flag]) -> dict[str, Flag]:
    return {spelling: f for f in flags for spelling in f.all_spellings}


def parse(command: Command | Group, args: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """Parse `args` for one command: (values by keyword, leftover positionals)."""
    options = _option_index(command.flags)
    values: dict[str, Any] = {}
    positional: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if positional and not command.interspersed:
            positional.append(arg)
            continue
        if arg == "--":
            positional.extend(args[i:])
            break
        if arg in command.help_spellings:
            raise _Fallback
        if arg.startswith("--") and len(arg) > 2:
            name, eq, inline = arg.partition("=")
            param = options.get(name)
            if param is None:
                raise _Fallback
            if param.is_flag:
                values[param.name] = _bool_value(name, inline) if eq else True
                continue
            if not eq:
                if i >= len(args):
                    raise _Fallback
                inline = args[i]
                i += 1
            _store(values, param, inline)
        elif arg.startswith("-") and len(arg) > 1:
            i = _short_cluster(arg, args, i, options, values)
        else:
            positional.append(arg)
    return values, positional


def _short_cluster(arg: str, args: Sequence[str], i: int, options: dict[str, Flag], values: dict) -> int:
    """`-it`, `-p8080:80`, `-p 8080:80`: click's rules for short options."""
    pos = 1
    while pos < len(arg):
        param = options.get("-" + arg[pos])
        if param is None:
            raise _Fallback
        pos += 1
        if param.is_flag:
            if arg[pos:pos + 1] == "=":  # Go's `-p=false`
                values[param.name] = _bool_value("-" + arg[pos - 1], arg[pos + 1:])
                break
            values[param.name] = True
            continue
        if pos < len(arg):
            _store(values, param, arg[pos:])
        else:
            if i >= len(args):
                raise _Fallback
            _store(values, param, args[i])
            i += 1
        break
    return i


def _bool_value(spelling: str, raw: str) -> bool:
    """Docker's (Go's) `--rm=false`, `--pause=0`: a boolean flag may take a value."""
    from nerdpy.booleans import parse_bool

    return parse_bool(raw, spelling)


def _store(values: dict, param: Flag, raw: str) -> None:
    value = _convert(param, raw)
    if param.repeat:
        values.setdefault(param.name, []).append(value)
    else:
        values[param.name] = value


def bind(command: Command | Group, values: dict[str, Any], positional: list[str]) -> dict[str, Any]:
    """Every keyword the body takes: positionals assigned to arguments, defaults filled."""
    kwargs: dict[str, Any] = {}
    rest = list(positional)
    for p in command.params:
        if isinstance(p, Arg):
            if p.many:
                taken, rest = rest, []
                if not taken and p.required:
                    raise _Fallback
                kwargs[p.name] = [_convert(p, a) for a in taken]
            elif rest:
                kwargs[p.name] = _convert(p, rest.pop(0))
            elif p.required:
                raise _Fallback
            else:
                kwargs[p.name] = default_of(p)
        else:
            kwargs[p.name] = values[p.name] if p.name in values else default_of(p)
    if rest:
        raise _Fallback
    return kwargs


# The root's own flags (before the command name); the click root declares the same.
GLOBAL_FLAGS = (
    Flag("debug", ("--debug", "-D"), "Enable debug output (tracebacks)"),
    Flag("data_root", ("--data-root",), "Root directory of persistent state", "str"),
    Flag("storage_driver", ("--storage-driver",), "overlay, fuse-overlayfs or native", "str"),
    Flag("insecure_registry", ("--insecure-registry",), "Registry reachable over plain HTTP", "str", None, True),
    Flag("storage_opt", ("--storage-opt",),
         "Storage driver option KEY=VALUE (overlay.mount_program, overlay.mountopt)", "str", None, True),
    Flag("log_level", ("--log-level", "-l"), "debug, info, warn, error, fatal", "str"),
    Flag("version", ("--version", "-v"), "Print version information and quit"),
)


def split_globals(argv: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """Global flags come before the command name."""
    options = _option_index(GLOBAL_FLAGS)
    values: dict[str, Any] = {}
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        arg = argv[i]
        name, eq, inline = arg.partition("=")
        param = options.get(name)
        if param is None:
            raise _Fallback
        i += 1
        if param.is_flag:
            values[param.name] = _bool_value(name, inline) if eq else True
        else:
            if not eq:
                if i >= len(argv):
                    raise _Fallback
                inline = argv[i]
                i += 1
            _store(values, param, inline)
    return values, list(argv[i:])


def command_words(argv: Sequence[str]) -> list[str]:
    """The words after the global flags (`compose up` in `-D compose up`); [] when a
    global flag is not one of ours."""
    try:
        return split_globals(argv)[1]
    except _Fallback:
        return []


def resolve(command: Command | Group) -> Callable[..., Any]:
    """The command's (or group's) body."""
    module_name, _, attr = command.body.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def find(words: Sequence[str]) -> tuple[Command, list[tuple[Group, dict[str, Any]]], list[str]] | None:
    """The table command `words` name (`ps`, `container ls`, `compose -p web up`): the
    command, the groups with flags of their own on the way and their values, and the
    words left for the command."""
    from nerdpy.cli.commands import GROUPS, TOP, group_flags, table_command

    entries, rest = TOP, list(words)
    groups: list[tuple[Group, dict[str, Any]]] = []
    while rest:
        entry = entries.get(rest.pop(0))
        if entry is None:
            return None
        if entry.in_table:
            return table_command(entry), groups, rest
        if not entry.target.startswith("@"):
            return None
        group = group_flags(entry)
        if group is not None:
            values, rest = parse(group, rest)
            groups.append((group, bind(group, values, [])))
        entries = GROUPS[entry.target[1:]]
    return None


def parse_argv(argv: Sequence[str]) -> tuple[dict[str, Any], list[tuple[Group, dict[str, Any]]], Command,
                                             dict[str, Any]] | None:
    """(global values, groups with their values, command, the body's keywords) for a
    table command; None to fall back."""
    try:
        global_values, rest = split_globals(argv)
        found = find(rest)
        if found is None or global_values.get("version"):
            return None
        command, groups, rest = found
        values, positional = parse(command, rest)
        return global_values, groups, command, bind(command, values, positional)
    except _Fallback:
        return None


def try_run(argv: Sequence[str]) -> int | None:
    """Run a table command without click; None when click must handle argv."""
    parsed = parse_argv(argv)
    if parsed is None:
        return None
    global_values, groups, command, kwargs = parsed
    from nerdpy.cli.state import CliState
    from nerdpy.config import Flags, load_settings

    flags = Flags(
        bool(global_values.get("debug", False)),
        global_values.get("data_root"),
        global_values.get("storage_driver"),
        tuple(global_values.get("insecure_registry", ())),
        global_values.get("log_level"),
        tuple(global_values.get("storage_opt", ())),
    )
    first: Any = CliState(load_settings(flags))
    for group, values in groups:
        first = resolve(group)(first, **values)
    result = resolve(command)(first, **kwargs)
    return result if isinstance(result, int) else 0
