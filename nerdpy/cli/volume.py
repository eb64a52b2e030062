"""`nerdpy volume create|ls|inspect|rm|prune` (Docker's flags and output)."""

from __future__ import annotations

import sys

from nerdpy.cli import state
from nerdpy.cli.each import for_each, inspect_lines
from nerdpy.cli.state import CliState
from nerdpy.errors import InvalidArgument, NotFound
from nerdpy.formatting.human import human_size as _human_size
from nerdpy.keyvalue import parse_key_values

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional


LS_COLUMNS = [("Driver", "DRIVER"), ("Name", "VOLUME NAME"), ("Scope", "SCOPE"), ("Mountpoint", "MOUNTPOINT"),
              ("Labels", "LABELS"), ("Links", "LINKS"), ("Size", "SIZE")]


def human_size(size: float) -> str:
    """Docker's units.HumanSize: 4 significant digits."""
    return _human_size(size, 4)


def create(
    cli: CliState, *, name: Optional[str],
    driver: str,
    label: List[str],
    opt: List[str],
    name_opt: Optional[str],
) -> None:
    from nerdpy.api import volumes

    if name and name_opt and name != name_opt:
        raise InvalidArgument("conflicting options: either specify --name or provide positional arg, not both")
    settings = state.entered(cli)
    labels, options = parse_key_values(label, "label"), parse_key_values(opt, "option", need_value=True)
    volume = volumes.create(settings, name or name_opt, driver, labels, options)
    print(volume.name)


def _row(volume) -> dict:
    # Docker's `volume ls --format json` keys, all strings (Links/Size only come with `system df -v`).
    return {
        "Availability": "N/A",
        "Driver": volume.driver,
        "Group": "N/A",
        "Labels": ",".join(f"{k}={v}" for k, v in sorted(volume.labels.items())),
        "Links": "N/A",
        "Mountpoint": str(volume.mountpoint),
        "Name": volume.name,
        "Scope": "local",
        "Size": "N/A",
        "Status": "N/A",
    }


def ls(cli: CliState, *, quiet: bool, filter: List[str], format: Optional[str]) -> None:
    from nerdpy.api import volumes
    from nerdpy.cli.output import print_rows

    rows = [_row(v) for v in volumes.list_volumes(state.entered(cli), filter)]
    if format is not None and format.strip() == "table":  # Docker: the default table
        format = None
    columns = LS_COLUMNS if format else LS_COLUMNS[:2]
    for line in print_rows(rows, columns, format, quiet_field="Name", quiet=quiet):
        print(line)


def inspect(cli: CliState, *, names: List[str], format: Optional[str]) -> int:
    from nerdpy.api import volumes
    from nerdpy.cli.output import check_usage_template

    check_usage_template(format)
    settings = state.entered(cli)
    found: list = []
    failed = for_each(names, lambda name: found.extend(volumes.inspect(settings, [name])), catch=NotFound)
    # Docker prints the list (even "[]") and the errors
    for line in inspect_lines([v.inspect() for v in found], format):
        print(line)
    if failed:
        return 1
    return 0


def rm(cli: CliState, *, names: List[str], force: bool) -> int:
    from nerdpy.api import volumes

    settings = state.entered(cli)

    def remove(name: str) -> None:  # in use: Docker reports it and goes on with the others
        volumes.remove(settings, name)
        print(name)

    if for_each(names, remove, missing_ok=force):
        return 1
    return 0


def prune(cli: CliState, *, force: bool, all: bool, filter: List[str]) -> None:
    from nerdpy.api import volumes

    settings = state.entered(cli)
    volumes.parse_filters(filter, volumes.PRUNE_FILTER_KEYS)  # bad filters fail before the prompt
    if not force:
        which = "all local volumes" if all else "anonymous local volumes"
        sys.stdout.write(f"WARNING! This will remove {which} not used by at least one container.\n"
                         "Are you sure you want to continue? [y/N] ")
        sys.stdout.flush()
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes"):
            return
    report = volumes.prune(settings, filter, all)
    if report.deleted:
        print("Deleted Volumes:")
        for name in report.deleted:
            print(name)
        print()
    print(f"Total reclaimed space: {human_size(report.reclaimed)}")
