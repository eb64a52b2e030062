"""Names for shell completion: containers (all, or those in some states), images,
networks, volumes.

Read straight from the metadata database and the containers' state files, which
belong to the invoking user in both modes, so completing never joins (or starts)
the rootless namespace; only a store its owner cannot read (not made by nerdpy)
needs the namespace.
"""

from __future__ import annotations

import os

from nerdpy.config import Settings
from nerdpy.errors import InvalidArgument

# One query per kind, over the tables their stores own (nerdpy.containers.store,
# nerdpy.images.store, nerdpy.network.state, nerdpy.volumes.store); a unit test
# fills real stores and reads them back through these.
_QUERIES = {
    "containers": "SELECT name, id FROM containers ORDER BY name",
    "images": "SELECT name FROM image_names ORDER BY name",
    "networks": "SELECT name FROM networks ORDER BY name",
    "volumes": "SELECT name FROM volumes ORDER BY name",
}
# The container states each narrower kind offers, as Docker's completion does:
# `stop`, `exec`... what `ps` shows without -a; `start` the stopped; `unpause` the paused.
_CONTAINER_STATES = {
    "running-containers": ("running", "paused", "restarting"),
    "stopped-containers": ("created", "exited"),
    "paused-containers": ("paused",),
}
# The top-level `inspect` (and Docker's completion of it) takes containers and images.
_OBJECTS = ("containers", "images")
KINDS = (*_QUERIES, *_CONTAINER_STATES, "objects")
# Present in every store, even before the first command records them (nerdpy.network.state).
_BUILTIN_NETWORKS = ("bridge", "host", "none")


def names(settings: Settings, kind: str) -> list[str]:
    """The names of every object of `kind`, as the list commands show them."""
    from nerdpy.metadata.peek import rows

    if kind == "objects":
        return [name for each in _OBJECTS for name in names(settings, each)]
    states = _CONTAINER_STATES.get(kind)
    sql = _QUERIES.get("containers" if states else kind)
    if sql is None:
        raise InvalidArgument(f"unknown kind {kind!r}", hint=f"use one of: {', '.join(KINDS)}")
    path = settings.layout.meta_db
    if settings.rootless and not settings.in_userns and path.exists() and not os.access(path, os.R_OK):
        from nerdpy.api.session import enter_namespace

        enter_namespace(settings)
    found = rows(path, sql)
    if states:
        return [name for name, cid in found if _status(settings, cid) in states]
    if kind == "images":
        from nerdpy.reference import familiar

        return sorted({familiar(name) for (name,) in found if "@" not in name})
    if kind == "networks":
        return sorted({name for (name,) in found} | set(_BUILTIN_NETWORKS))
    return [row[0] for row in found]


def _status(settings: Settings, container_id: str) -> str:
    from nerdpy.containers.state import read_state

    layout = settings.layout
    return read_state(layout.containers_dir / container_id / "state.json", layout.shims_dir / container_id).status
