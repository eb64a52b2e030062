"""`nerdpy system df` (flags: nerdpy/cli/table/system.py; the numbers: nerdpy.api.disk)."""

from __future__ import annotations

from nerdpy.cli import state
from nerdpy.cli.state import CliState
from nerdpy.formatting.human import human_size as _human_size

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

    from nerdpy.api.disk import Usage

COLUMNS = [("Type", "TYPE"), ("TotalCount", "TOTAL"), ("Active", "ACTIVE"), ("Size", "SIZE"),
           ("Reclaimable", "RECLAIMABLE")]


def human_size(size: float) -> str:
    """Docker's units.HumanSize: 4 significant digits."""
    return _human_size(size, 4)


def _reclaimable(u: Usage) -> str:
    text = human_size(u.reclaimable)
    return f"{text} ({u.reclaimable * 100 // u.size}%)" if u.size > 0 else text


def _row(u: Usage) -> dict[str, Any]:
    return {"Type": u.type, "TotalCount": u.total, "Active": u.active, "Size": human_size(u.size),
            "Reclaimable": _reclaimable(u)}


_VERBOSE = {
    "Images": ("Images space usage:", [("Repository", "REPOSITORY"), ("ID", "IMAGE ID"), ("Size", "SIZE"),
                                       ("Containers", "CONTAINERS")]),
    "Containers": ("Containers space usage:", [("ID", "CONTAINER ID"), ("Image", "IMAGE"), ("Size", "SIZE"),
                                               ("Status", "STATUS"), ("Names", "NAMES")]),
    "Local Volumes": ("Local Volumes space usage:", [("Name", "VOLUME NAME"), ("Links", "LINKS"),
                                                     ("Size", "SIZE")]),
}


def df(cli: CliState, *, verbose: bool, format: Optional[str]) -> None:
    from nerdpy.api.disk import collect
    from nerdpy.cli.output import print_rows

    usages = collect(state.entered(cli))
    if format:
        for line in print_rows([_row(u) for u in usages], COLUMNS, format=format):
            print(line)
        return
    if not verbose:
        for line in print_rows([_row(u) for u in usages], COLUMNS):
            print(line)
        return
    for u in usages:
        if u.type == "Build Cache":
            print(f"Build cache usage: {human_size(u.size)}")
            continue
        title, columns = _VERBOSE[u.type]
        print(title + "\n")
        # Images: 3 significant digits, as `images` prints them (Docker's formatter does both).
        size = _human_size if u.type == "Images" else human_size
        for line in print_rows([dict(item, Size=size(item["Size"])) for item in u.items], columns):
            print(line)
        print("")
