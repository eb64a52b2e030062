"""A project's networks and volumes: created with compose's labels when
missing, external ones required to exist, removed by `down` (never external)."""

from __future__ import annotations

from nerdpy_compose import labels as L
from nerdpy_compose.errors import ConfigError

from nerdpy.api import networks as net_api
from nerdpy.api import volumes as vol_api
from nerdpy.api.errors import Conflict, NerdpyError, NotFound

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from nerdpy_compose.normalize import Project
    from nerdpy_compose.ui import Ui

    from nerdpy.api.types import Settings


def used_networks(project: Project, services: list[str]) -> list[str]:
    keys: list[str] = []
    for name in services:
        for key in project.services[name].get("networks") or {}:
            if key not in keys:
                keys.append(key)
    return keys


def used_volumes(project: Project, services: list[str]) -> list[str]:
    keys: list[str] = []
    for name in services:
        for vol in project.services[name].get("volumes") or []:
            if vol.get("type") == "volume" and vol.get("source") and vol["source"] not in keys:
                keys.append(vol["source"])
    return keys


def ensure(settings: Settings, project: Project, services: list[str], ui: Ui) -> None:
    for key in used_networks(project, services):
        _ensure_network(settings, project, key, project.model["networks"][key], ui)
    for key in used_volumes(project, services):
        _ensure_volume(settings, project, key, project.model["volumes"][key], ui)


def _ensure_network(settings: Settings, project: Project, key: str, spec: dict[str, Any], ui: Ui) -> None:
    name = spec["name"]
    try:
        net_api.inspect(settings, name)
        return
    except NotFound:
        if spec.get("external"):
            raise ConfigError(f"network {name} declared as external, but could not be found") from None
    ipam = (spec.get("ipam") or {}).get("config") or []
    labels = {**(spec.get("labels") or {}), L.PROJECT: project.name, L.NETWORK: key, L.VERSION: L.COMPOSE_VERSION}
    driver = spec.get("driver") or "bridge"
    ui.event("Network", name, "Creating")
    try:
        net_api.create(settings, name, driver=driver, subnets=tuple(c["subnet"] for c in ipam if c.get("subnet")),
                       gateways=tuple(c["gateway"] for c in ipam if c.get("gateway")),
                       ip_ranges=tuple(c["ip_range"] for c in ipam if c.get("ip_range")),
                       internal=bool(spec.get("internal")), ipv6=bool(spec.get("enable_ipv6")), labels=labels,
                       options=dict(spec.get("driver_opts") or {}))
    except Conflict:
        pass  # created meanwhile by a concurrent command
    ui.event("Network", name, "Created")


def _ensure_volume(settings: Settings, project: Project, key: str, spec: dict[str, Any], ui: Ui) -> None:
    name = spec["name"]
    try:
        vol_api.inspect(settings, [name])
        return
    except NotFound:
        if spec.get("external"):
            raise ConfigError(f"external volume \"{name}\" not found") from None
    labels = {**(spec.get("labels") or {}), L.PROJECT: project.name, L.VOLUME: key, L.VERSION: L.COMPOSE_VERSION}
    ui.event("Volume", name, "Creating")
    vol_api.create(settings, name, driver=spec.get("driver") or "local", labels=labels,
                   options={k: str(v) for k, v in (spec.get("driver_opts") or {}).items()})
    ui.event("Volume", name, "Created")


def remove_networks(settings: Settings, project: Project, ui: Ui) -> None:
    """The project's networks, declared or found by label; external ones stay."""
    labelled = [n.name for n in net_api.list_networks(settings, [f"label={L.PROJECT}={project.name}"])]
    _remove_all(project, "networks", labelled, lambda n: net_api.inspect(settings, n),
                lambda n: net_api.remove(settings, n), ui)


def remove_volumes(settings: Settings, project: Project, ui: Ui) -> None:
    labelled = [v.name for v in vol_api.list_volumes(settings, [f"label={L.PROJECT}={project.name}"])]
    _remove_all(project, "volumes", labelled, lambda n: vol_api.inspect(settings, [n]),
                lambda n: vol_api.remove(settings, n), ui)


def _remove_all(project: Project, kind: str, labelled: list[str], exists: Callable[[str], object],
                remove: Callable[[str], object], ui: Ui) -> None:
    names = {spec["name"] for spec in project.model.get(kind, {}).values() if not spec.get("external")}
    what = kind[:-1].capitalize()
    for name in sorted(names | set(labelled)):
        try:
            exists(name)
        except NotFound:
            continue
        ui.event(what, name, "Removing")
        try:
            remove(name)
        except Conflict:
            ui.event(what, name, "Resource is still in use")  # docker compose's warning: not a failure
            continue
        except NerdpyError as exc:
            ui.err(f"Error: {kind[:-1]} {name}: {exc.message}")
            continue
        ui.event(what, name, "Removed")
