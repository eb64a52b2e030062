"""Which module implements which command, with the one-line help shown in lists.

Entries are "module:command" — the command named in that module's `app` — so
the top-level shortcuts (`ps`, `images`, `rmi`) and the management groups
(`container ls`, `image ls`, `image rm`) share one implementation each.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    target: str  # "module:command", or "@group" for a management group
    help: str
    # "module:function" taking (CliState, **params): the typer-free body the
    # fast path calls (see nerdpy.cli.fastpath); the typer command calls it too.
    fast: str | None = None


_C = "nerdpy.cli."

GROUPS: dict[str, dict[str, Entry]] = {
    "volume": {
        "create": Entry(_C + "volume:create", "Create a volume"),
        "ls": Entry(_C + "volume:ls", "List volumes"),
        "inspect": Entry(_C + "volume:inspect", "Display detailed information on one or more volumes"),
        "rm": Entry(_C + "volume:rm", "Remove one or more volumes"),
        "prune": Entry(_C + "volume:prune", "Remove unused local volumes"),
    },
    "system": {
        "info": Entry(_C + "system:info", "Display system-wide information"),
        "df": Entry(_C + "system:df", "Show disk usage"),
        "prune": Entry(_C + "system:prune", "Remove unused data"),
    },
}

TOP: dict[str, Entry] = {
    "info": Entry(_C + "system:info", "Display system-wide information"),
    "version": Entry(_C + "system:version", "Show the nerdpy version information",
                     fast=_C + "handlers.system:version"),
    "unshare": Entry(_C + "system:unshare", "Run a command inside the rootless user namespace"),
    "system": Entry("@system", "Manage nerdpy"),
    "volume": Entry("@volume", "Manage volumes"),
    "compose": Entry(_C + "compose:compose", "Define and run multi-container applications (not implemented yet)"),
    "pull": Entry(_C + "registry_cmds:pull", "Download an image from a registry"),
    "push": Entry(_C + "registry_cmds:push", "Upload an image to a registry"),
    "login": Entry(_C + "registry_cmds:login", "Log in to a registry"),
    "logout": Entry(_C + "registry_cmds:logout", "Log out from a registry"),
}


def lookup(path: list[str]) -> Entry | None:
    """The entry for a command path such as ["image", "ls"] or ["ps"]."""
    if not path:
        return None
    entry = TOP.get(path[0])
    if entry is None or not entry.target.startswith("@") or len(path) == 1:
        return entry
    return GROUPS[entry.target[1:]].get(path[1], entry)
