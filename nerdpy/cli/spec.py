"""The vocabulary of the command table: a command and its flags as plain data.

Every table command (nerdpy/cli/table/<group>.py) is declared once, here-shaped:
the fast parser (nerdpy.cli.fastpath) reads these records directly; the click
command behind `--help` and the slow path (nerdpy.cli.clickbuild), the man
pages, the completions and the README table are built from them on demand.
Both paths call the command's body by keyword (`body(cli, **values)`), so a body
is the one definition of what a command does and its parameter names are the
table's `Flag.name`s.

This module is on every command's path: no typing, no typer, no click.
"""

from __future__ import annotations

from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# The value types a flag or argument can have; `bool` is a flag without a value.
TYPES = ("bool", "str", "int", "float")
# What a value names, for shell completion (`nerdpy __complete KIND` lists them): "" = nothing known.
# As Docker's completion, some commands offer only the containers they can act on.
NAME_KINDS = ("containers", "running-containers", "stopped-containers", "paused-containers", "images", "networks",
              "volumes", "objects")


@record
class Flag:
    name: str  # the body's keyword
    spellings: tuple[str, ...]  # shown in help, Docker's first: ("--env", "-e")
    help: str = ""
    type: str = "bool"  # one of TYPES
    default: Any = None  # a repeatable flag's default is always []
    repeat: bool = False  # may be given several times: the body gets a list
    metavar: str = ""  # the help's value name; "" = Docker's for the type (string, int, list)
    aliases: tuple[str, ...] = ()  # other spellings still accepted (deprecated or podman's)
    choices: tuple[str, ...] = ()
    docker: str = ""  # Docker's spelling when nerdpy's differs; "-" for a flag Docker has not
    hidden: bool = False  # accepted, not documented
    completes: str = ""  # one of NAME_KINDS: the shell completes the value with those names

    @property
    def is_flag(self) -> bool:
        return self.type == "bool"

    @property
    def all_spellings(self) -> tuple[str, ...]:
        return self.spellings + self.aliases


@record
class Arg:
    name: str  # the body's keyword
    metavar: str = ""  # "" = NAME in capitals
    help: str = ""
    required: bool = True
    many: bool = False  # takes the rest of the arguments: the body gets a list
    type: str = "str"
    completes: str = ""  # one of NAME_KINDS: the shell completes the argument with those names


@record
class Command:
    name: str  # the name in its module's COMMANDS (nerdpy.cli.commands maps Docker's spellings to it)
    help: str
    body: str  # "module:function" called as function(cli, **values)
    params: tuple[Flag | Arg, ...] = ()
    # False: options stop at the first argument (`run IMAGE CMD -x` passes -x to CMD).
    interspersed: bool = True
    long: str = ""  # more text for `--help` and the man page, after the one-line help

    @property
    def flags(self) -> tuple[Flag, ...]:
        return tuple(p for p in self.params if isinstance(p, Flag))

    @property
    def args(self) -> tuple[Arg, ...]:
        return tuple(p for p in self.params if isinstance(p, Arg))

    @property
    def help_spellings(self) -> tuple[str, ...]:
        """`-h` is help unless a flag owns it (`run -h HOSTNAME`)."""
        taken = {s for f in self.flags for s in f.all_spellings}
        return ("-h", "--help") if "-h" not in taken else ("--help",)


@record
class Group:
    """A command group's own flags, given before the subcommand (`compose -f FILE -p NAME up`).

    The fast path and the click group parse them alike and call `body(cli, **values)`;
    what it returns is the first argument of the group's command bodies instead of the
    CLI state, so a group flag is declared and read once for all its commands."""

    name: str
    help: str
    body: str  # "module:function" called as function(cli, **values)
    params: tuple[Flag, ...] = ()
    interspersed = False  # the first argument names the subcommand; what follows is its own

    @property
    def flags(self) -> tuple[Flag, ...]:
        return self.params

    @property
    def args(self) -> tuple[Arg, ...]:
        return ()

    @property
    def help_spellings(self) -> tuple[str, ...]:
        return ("-h", "--help")


def _name(spellings: tuple[str, ...]) -> str:
    longest = max(spellings, key=len)
    return longest.lstrip("-").replace("-", "_")


def flag(*spellings: str, help: str = "", name: str = "", default: bool = False, **more: Any) -> Flag:
    """A boolean flag: `flag("--all", "-a", help=...)`; its keyword comes from the long spelling."""
    return Flag(name or _name(spellings), spellings, help, "bool", default, **more)


def opt(*spellings: str, help: str = "", name: str = "", type: str = "str", default: Any = None,
        **more: Any) -> Flag:
    """A flag with one value: `opt("--name", help=...)`, `opt("--time", "-t", type="int")`."""
    return Flag(name or _name(spellings), spellings, help, type, default, **more)


def many(*spellings: str, help: str = "", name: str = "", type: str = "str", **more: Any) -> Flag:
    """A repeatable flag; the body gets the values in order (`-e A -e B`)."""
    return Flag(name or _name(spellings), spellings, help, type, None, True, **more)


def arg(name: str, metavar: str = "", help: str = "", required: bool = True, many: bool = False,
        completes: str = "") -> Arg:
    return Arg(name, metavar, help, required, many, "str", completes)


def default_of(param: Flag | Arg) -> Any:
    """What the body gets when argv does not mention `param` (a fresh list for lists)."""
    if isinstance(param, Arg):
        return [] if param.many else None
    return [] if param.repeat else param.default
