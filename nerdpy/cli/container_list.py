"""Body of `ps` (`container ls`, `container list`; flags: nerdpy/cli/table/containers.py)."""

from __future__ import annotations

import sys

from nerdpy.cli.state import CliState, entered

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional


PS_COLUMNS = [("ID", "CONTAINER ID"), ("Image", "IMAGE"), ("Command", "COMMAND"), ("RunningFor", "CREATED"),
              ("Status", "STATUS"), ("Ports", "PORTS"), ("Names", "NAMES")]


def ps(cli: CliState, *, all: bool, quiet: bool, last: int, latest: bool, size: bool, no_trunc: bool,
       filter: List[str], format: Optional[str]) -> int:
    from nerdpy.api.containers import list_rows
    from nerdpy.cli.output import print_rows

    settings = entered(cli)
    rows = list_rows(settings, all, 1 if latest else last, tuple(filter), no_trunc, size)
    columns = PS_COLUMNS + ([("Size", "SIZE")] if size else [])
    lines = print_rows(rows, columns, format, quiet_field="ID", quiet=quiet)
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
    return 0
