"""Generate man pages and shell completions from the CLI definition itself.

    python -m nerdpy.cli.docgen [--out DIR]     # writes DIR/man/*.1 and DIR/completions/*

Walks the click tree, building every command listed in nerdpy.cli.commands (from
the command table, nerdpy/cli/table, or the typer modules not moved there yet),
so the docs can never describe flags the CLI does not have. Output is
deterministic (no dates): a unit test regenerates into a temp dir and fails on drift.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# typer's own completion installers are not nerdpy flags.
_SKIP_OPTIONS = {"--install-completion", "--show-completion", "--help"}


@dataclass(frozen=True)
class Opt:
    names: tuple[str, ...]  # e.g. ("-a", "--all")
    metavar: str | None  # None: a flag
    help: str
    default: str | None
    completes: str = ""  # the kind of name the value is (nerdpy.cli.spec.NAME_KINDS), "" if none


@dataclass(frozen=True)
class Positional:
    completes: str  # as Opt.completes
    many: bool  # takes the rest of the arguments


@dataclass(frozen=True)
class Cmd:
    path: tuple[str, ...]  # () for the root, ("volume", "ls")
    help: str
    short_help: str
    usage: str
    options: tuple[Opt, ...]
    arguments: tuple[str, ...]
    subcommands: tuple["Cmd", ...] = field(default=())
    positionals: tuple[Positional, ...] = field(default=())

    @property
    def page(self) -> str:
        return "-".join(("nerdpy", *self.path))


def _options(command: Any) -> tuple[Opt, ...]:
    out = []
    for param in command.params:
        if param.param_type_name != "option" or getattr(param, "hidden", False):
            continue
        names = tuple(sorted(param.opts + param.secondary_opts, key=lambda n: (n.startswith("--"), n)))
        if set(names) & _SKIP_OPTIONS:
            continue
        flag = bool(getattr(param, "is_flag", False)) or getattr(param, "count", False)
        metavar = None if flag else (param.metavar or getattr(param.type, "name", "value"))
        default = param.default
        shown = None
        if not flag and default not in (None, (), [], "") and not callable(default):
            shown = ",".join(map(str, default)) if isinstance(default, (list, tuple)) else str(default)
        out.append(Opt(names, metavar, " ".join((param.help or "").split()), shown,
                       getattr(param, "completes", "")))
    return tuple(sorted(out, key=lambda o: o.names[-1]))


def _arguments(command: Any) -> tuple[str, ...]:
    from nerdpy.cli.clickbuild import argument_usage

    return tuple(argument_usage(p) for p in command.params if p.param_type_name == "argument")


def _positionals(command: Any) -> tuple[Positional, ...]:
    return tuple(Positional(getattr(p, "completes", ""), p.nargs == -1)
                 for p in command.params if p.param_type_name == "argument")


def _usage(path: tuple[str, ...], command: Any, is_group: bool) -> str:
    """The usage line `--help` prints (without its `Usage:`); a group's takes a COMMAND."""
    from nerdpy.cli.clickbuild import usage_pieces

    parts = ["nerdpy", *path]
    if is_group:
        if [p for p in command.params if p.param_type_name == "option"]:
            parts.append("[OPTIONS]")
        parts.append("COMMAND")
    else:
        parts.append(usage_pieces(command))
    return " ".join(p for p in parts if p)


def _describe(path: tuple[str, ...], command: Any, short_help: str) -> Cmd:
    from nerdpy.cli.lazy import LazyGroup, load_command
    from nerdpy.cli.commands import help_of

    subs: list[Cmd] = []
    is_group = isinstance(command, LazyGroup)
    if is_group:
        for name in sorted(command.table):
            entry = command.table[name]
            if entry.hidden:
                continue
            try:
                child = load_command(entry.target, name)
            except Exception as exc:  # an area's command is missing or broken: say which
                print(f"docgen: warning: skipping `nerdpy {' '.join((*path, name))}`: cannot load "
                      f"{entry.target} ({type(exc).__name__}: {exc})", file=sys.stderr)
                continue
            subs.append(_describe((*path, name), child, help_of(entry)))
    elif getattr(command, "commands", None):  # a plain click group (compose): its commands are loaded
        is_group = True
        for name in sorted(command.commands):
            child = command.commands[name]
            subs.append(_describe((*path, name), child, (child.help or "").strip().split("\n")[0]))
    help_text = (command.help or short_help or "").strip()
    return Cmd(path, help_text, short_help or help_text.split("\n")[0], _usage(path, command, is_group),
               _options(command), _arguments(command), tuple(subs), _positionals(command))


def cli_tree() -> Cmd:
    from nerdpy.cli.main import build_app

    return _describe((), build_app(), "")


def walk(cmd: Cmd) -> list[Cmd]:
    out = [cmd]
    for sub in cmd.subcommands:
        out.extend(walk(sub))
    return out


# nerdpy commands without a `docker` namesake, and what they correspond to.
NOT_IN_DOCKER = {"unshare": "(`podman unshare`)"}
TABLE_BEGIN = "<!-- commands:begin (generated by python -m nerdpy.cli.docgen) -->"
TABLE_END = "<!-- commands:end -->"


def command_table(tree: Cmd) -> str:
    """The README's Docker -> nerdpy table: every command that exists, and only those."""
    rows = ["| Docker | nerdpy | what it does |", "|---|---|---|"]
    for cmd in walk(tree)[1:]:
        if cmd.subcommands or "not implemented" in cmd.short_help.lower():
            continue
        name = " ".join(cmd.path)
        docker = NOT_IN_DOCKER.get(cmd.path[0], f"`docker {name}`")
        what = cmd.short_help.replace("|", "\\|")
        rows.append(f"| {docker} | `nerdpy {name}` | {what} |")
    return "\n".join([TABLE_BEGIN, *rows, TABLE_END])


def update_readme(readme: Path, table: str) -> bool:
    """Replace the marked table in README.md; False when the markers are missing."""
    text = readme.read_text()
    start, end = text.find(TABLE_BEGIN), text.find(TABLE_END)
    if start < 0 or end < 0:
        return False
    new = text[:start] + table + text[end + len(TABLE_END):]
    if new != text:
        tmp = readme.with_name(f".{readme.name}.tmp")
        tmp.write_text(new)
        tmp.replace(readme)
    return True


def generate(out: Path) -> list[Path]:
    from nerdpy.cli import docgen_completion, docgen_man

    tree = cli_tree()
    files = {**docgen_man.render_all(tree), **docgen_completion.render_all(tree)}
    written = []
    for rel in ("man", "completions"):
        (out / rel).mkdir(parents=True, exist_ok=True)
        for stale in (out / rel).iterdir():  # commands that went away
            if stale.is_file() and f"{rel}/{stale.name}" not in files:
                stale.unlink()
    for rel, text in sorted(files.items()):
        path = out / rel
        if not path.exists() or path.read_text() != text:
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(text)
            tmp.replace(path)
        written.append(path)
    readme = out / "README.md"
    if readme.exists() and update_readme(readme, command_table(tree)):
        written.append(readme)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nerdpy.cli.docgen", description=__doc__.split("\n")[0])
    repo = Path(__file__).resolve().parents[2]
    parser.add_argument("--out", type=Path, default=repo, help="directory receiving man/ and completions/")
    args = parser.parse_args(argv)
    files = generate(args.out)
    print(f"docgen: {len(files)} files in {args.out}/man and {args.out}/completions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
