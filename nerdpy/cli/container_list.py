"""Body of `ps` (`container ls`, `container list`; flags: nerdpy/cli/table/containers.py)."""

from __future__ import annotations

import re
import sys

from nerdpy.cli.state import CliState, entered

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional


PS_COLUMNS = [("ID", "CONTAINER ID"), ("Image", "IMAGE"), ("Command", "COMMAND"), ("RunningFor", "CREATED"),
              ("Status", "STATUS"), ("Ports", "PORTS"), ("Names", "NAMES")]
# Headers of the fields only a custom `table` format shows (docker/cli's container formatter).
_MORE_HEADERS = [("CreatedAt", "CREATED AT"), ("State", "STATE"), ("Size", "SIZE"), ("Labels", "LABELS"),
                 ("Mounts", "MOUNTS"), ("LocalVolumes", "LOCAL VOLUMES"), ("Networks", "NETWORKS")]


def ps(cli: CliState, *, all: bool, quiet: bool, last: int, latest: bool, size: bool, no_trunc: bool,
       filter: List[str], format: Optional[str]) -> int:
    from nerdpy.api.containers import list_rows
    from nerdpy.cli.output import print_rows

    settings = entered(cli)
    # Docker computes sizes when the template reads .Size ({{json .}} reads every field), -s or not.
    if format and not quiet and re.search(r"\.Size\b|json\s+\.\s*}}", format):
        size = True
    rows = list_rows(settings, all, 1 if latest else last, tuple(filter), no_trunc, size)
    columns = PS_COLUMNS + ([("Size", "SIZE")] if size else [])
    if format and format.strip() != "table":  # a bare `table` is the default table
        columns += [c for c in _MORE_HEADERS if c not in columns]
    lines = print_rows(rows, columns, format, quiet_field="ID", quiet=quiet)
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
    return 0
