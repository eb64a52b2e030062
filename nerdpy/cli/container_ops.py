"""Container commands: attach, rename, prune, cp, export, diff, commit (flags: nerdpy/cli/table/containers.py)."""

from __future__ import annotations

import sys

from nerdpy.cli import state
from nerdpy.cli.state import CliState

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional


def attach(cli: CliState, *, container: str, no_stdin: bool, sig_proxy: bool, detach_keys: str) -> None:
    from nerdpy.api.containers import attach_to, get
    from nerdpy.errors import ContainerExit, NotATerminal

    settings = state.entered(cli)
    record, _ = get(settings, container)
    if not no_stdin and record.cfg.get("Tty") and not sys.stdin.isatty():  # Docker's check, exit 1
        raise NotATerminal("the input device is not a TTY", hint="use --no-stdin when stdin is not a terminal")
    stdin = None if no_stdin or not record.cfg.get("OpenStdin") else sys.stdin.fileno()
    code = attach_to(settings, container, stdin, sys.stdout.fileno(), sys.stderr.fileno(), sig_proxy, detach_keys)
    if code is not None:
        raise ContainerExit(code)


def rename(cli: CliState, *, container: str, new_name: str) -> None:
    from nerdpy.api.containers import rename as api_rename

    api_rename(state.entered(cli), container, new_name)


def prune(cli: CliState, *, force: bool, filter: List[str]) -> None:
    from nerdpy.api.containers import prune as prune_containers
    from nerdpy.api.prune_filters import parse_prune_filters

    settings = state.entered(cli)
    parse_prune_filters(list(filter), "container prune")  # bad filters fail before the prompt
    if not force:
        print("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ",
              end="", flush=True)
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            return
    removed = prune_containers(settings, tuple(filter))
    if removed:
        print("Deleted Containers:")
        for cid in removed:
            print(cid)
        print("")
    print("Total reclaimed space: 0B")


def cp(cli: CliState, *, src: str, dest: str, archive: bool, follow_link: bool, quiet: bool) -> None:
    from nerdpy.api.containers import copy

    del quiet  # Docker's progress line is for terminals only; nerdpy prints none, so nothing to quiet
    settings = state.entered(cli)
    copy(settings, src, dest, stdin=sys.stdin.buffer, stdout=sys.stdout.buffer, follow_link=follow_link,
         archive=archive)
    sys.stdout.flush()


def export(cli: CliState, *, container: str, output: Optional[str]) -> None:
    import os

    from nerdpy.api.changes import export as do_export
    from nerdpy.errors import InvalidArgument

    settings = state.entered(cli)
    if output is None:
        if sys.stdout.isatty():
            raise InvalidArgument("cowardly refusing to save to a terminal", hint="use -o or redirect stdout")
        do_export(settings, container, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    tmp = f"{output}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as handle:
            do_export(settings, container, handle)
        os.replace(tmp, output)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def diff(cli: CliState, *, container: str) -> None:
    from nerdpy.api.changes import diff as do_diff

    for kind, path in do_diff(state.entered(cli), container):
        print(f"{kind} {path}")


def commit(
    cli: CliState, *, container: str,
    repository: Optional[str],
    author: str,
    change: List[str],
    message: str,
    pause: bool,
) -> None:
    from nerdpy.api.changes import commit as do_commit

    image = do_commit(state.entered(cli), container, repository, list(change), message, author, pause=pause)
    print(image.id)
