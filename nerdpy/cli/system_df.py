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


_VERBOSE = {  # Docker's columns
    "Images": ("Images space usage:", [("Repository", "REPOSITORY"), ("Tag", "TAG"), ("ID", "IMAGE ID"),
                                       ("Created", "CREATED"), ("Size", "SIZE"), ("SharedSize", "SHARED SIZE"),
                                       ("UniqueSize", "UNIQUE SIZE"), ("Containers", "CONTAINERS")]),
    "Containers": ("Containers space usage:", [("ID", "CONTAINER ID"), ("Image", "IMAGE"), ("Command", "COMMAND"),
                                               ("LocalVolumes", "LOCAL VOLUMES"), ("Size", "SIZE"),
                                               ("Created", "CREATED"), ("Status", "STATUS"), ("Names", "NAMES")]),
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
        for line in print_rows([_verbose_row(u.type, item) for item in u.items], columns):
            print(line)
        print("")


def _verbose_row(kind: str, item: dict[str, Any]) -> dict[str, Any]:
    from nerdpy.formatting.human import since

    row = dict(item)
    if "Created" in row:
        row["Created"] = since(row["Created"])
    if kind == "Images":  # 3 significant digits, as `images` prints them (Docker's formatter does both)
        row.update({key: _human_size(row[key]) for key in ("Size", "SharedSize", "UniqueSize")})
    else:
        row["Size"] = human_size(row["Size"])
    return row
