"""Generate man pages and shell completions from the CLI definition itself.

    python -m nerdpy.cli.docgen [--out DIR]     # writes DIR/man/*.1 and DIR/completions/*

Walks the typer/click tree, loading every command listed in nerdpy.cli.registry,
so the docs can never describe flags the CLI does not have. Output is
deterministic (no dates): a unit test regenerates into a temp dir and fails on drift.
"""

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# typer's own completion installers are not nerdpy flags.
_SKIP_OPTIONS = {"--install-completion", "--show-completion", "--help"}


@dataclass(frozen=True)
class Opt:
    names: tuple[str, ...]  # e.g. ("-a", "--all")
    metavar: str | None  # None: a flag
    help: str
    default: str | None


@dataclass(frozen=True)
class Cmd:
    path: tuple[str, ...]  # () for the root, ("volume", "ls")
    help: str
    short_help: str
    usage: str
    options: tuple[Opt, ...]
    arguments: tuple[str, ...]
    subcommands: tuple["Cmd", ...] = field(default=())

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
        out.append(Opt(names, metavar, " ".join((param.help or "").split()), shown))
    return tuple(sorted(out, key=lambda o: o.names[-1]))


def _arguments(command: Any) -> tuple[str, ...]:
    args = []
    for param in command.params:
        if param.param_type_name != "argument":
            continue
        name = param.metavar or param.name.upper()
        if param.nargs == -1:
            name += "..."
        args.append(name if param.required or name.startswith("[") else f"[{name}]")
    return tuple(args)


def _usage(path: tuple[str, ...], command: Any, is_group: bool) -> str:
    parts = ["nerdpy", *path]
    if [p for p in command.params if p.param_type_name == "option"]:
        parts.append("[OPTIONS]")
    if is_group:
        parts.append("COMMAND")
    parts.extend(_arguments(command))
    return " ".join(parts)


def _describe(path: tuple[str, ...], command: Any, short_help: str) -> Cmd:
    from nerdpy.cli.lazy import LazyGroup, load_command

    subs: list[Cmd] = []
    is_group = isinstance(command, LazyGroup)
    if is_group:
        for name in sorted(command.table):
            entry = command.table[name]
            try:
                child = load_command(entry.target, name)
            except Exception as exc:  # an area's command is missing or broken: say which
                print(f"docgen: warning: skipping `nerdpy {' '.join((*path, name))}`: cannot load "
                      f"{entry.target} ({type(exc).__name__}: {exc})", file=sys.stderr)
                continue
            subs.append(_describe((*path, name), child, entry.help))
    help_text = (command.help or short_help or "").strip()
    return Cmd(path, help_text, short_help or help_text.split("\n")[0], _usage(path, command, is_group),
               _options(command), _arguments(command), tuple(subs))


def cli_tree() -> Cmd:
    import typer.main

    from nerdpy.cli.main import build_app

    return _describe((), typer.main.get_command(build_app()), "")


def walk(cmd: Cmd) -> list[Cmd]:
    out = [cmd]
    for sub in cmd.subcommands:
        out.extend(walk(sub))
    return out


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
