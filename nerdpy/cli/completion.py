"""Shell completion: `nerdpy completion SHELL` prints the script, and the hidden
`nerdpy __complete KIND` lists the names the script offers (one per line)."""

from __future__ import annotations

import sys

from nerdpy.cli.state import CliState
from nerdpy.errors import InvalidArgument

SHELLS = ("bash", "zsh", "fish")


def complete_names(cli: CliState, *, kind: str) -> int:
    """Print the names of `kind`; silent on any failure (its output lands in the user's prompt)."""
    try:
        from nerdpy.api.completion import names

        found = names(cli.settings, kind)
    except Exception:  # noqa: BLE001 - a completion offers nothing rather than an error or a traceback
        return 1
    if found:
        sys.stdout.write("\n".join(found) + "\n")
    return 0


def completion(cli: CliState, *, shell: str) -> int:
    """The completion script for `shell`, the same text pip installs."""
    if shell not in SHELLS:
        raise InvalidArgument(f'unsupported shell "{shell}"', hint=f"use one of: {', '.join(SHELLS)}")
    from nerdpy.cli.docgen import cli_tree
    from nerdpy.cli.docgen_completion import render

    sys.stdout.write(render(shell, cli_tree()))
    return 0
