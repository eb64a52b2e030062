"""A project's networks and volumes: created with compose's labels when
missing, external ones required to exist, removed by `down` (never external)."""

from __future__ import annotations

from nerdpy.api import networks as net_api
from nerdpy.api import volumes as vol_api
from nerdpy.api.errors import Conflict, NerdpyError, NotFound
from nerdpy_compose import labels as L
from nerdpy_compose.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from nerdpy.api.types import Settings
    from nerdpy_compose.normalize import Project
    from nerdpy_compose.ui import Ui


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
    names = {spec["name"] for spec in project.model.get("networks", {}).values() if not spec.get("external")}
    for record in net_api.list_networks(settings, [f"label={L.PROJECT}={project.name}"]):
        names.add(record.name)
    for name in sorted(names):
        try:
            net_api.inspect(settings, name)
        except NotFound:
            continue
        ui.event("Network", name, "Removing")
        try:
            net_api.remove(settings, name)
        except NerdpyError as exc:
            ui.err(f"Error: network {name}: {exc.message}")
            continue
        ui.event("Network", name, "Removed")


def remove_volumes(settings: Settings, project: Project, ui: Ui) -> None:
    names = {spec["name"] for spec in project.model.get("volumes", {}).values() if not spec.get("external")}
    for volume in vol_api.list_volumes(settings, [f"label={L.PROJECT}={project.name}"]):
        names.add(volume.name)
    for name in sorted(names):
        try:
            vol_api.inspect(settings, [name])
        except NotFound:
            continue
        ui.event("Volume", name, "Removing")
        try:
            vol_api.remove(settings, name)
        except NerdpyError as exc:
            ui.err(f"Error: volume {name}: {exc.message}")
            continue
        ui.event("Volume", name, "Removed")
