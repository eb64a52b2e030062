"""Docker-compatible `inspect` JSON for a container."""

from __future__ import annotations

from nerdpy.config import Settings
from nerdpy.containers import ZERO_TIME, Container, State

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _iso(ts: float) -> str:
    from nerdpy.logs import format_time

    return format_time(int(ts * 1e9))


def inspect_data(container: Container, state: State, paths: dict[str, str], network: dict[str, Any],
                 health: dict[str, Any] | None = None) -> dict[str, Any]:
    cfg, host, rt = container.cfg, container.host_config, container.runtime
    args = list(cfg.get("Entrypoint") or []) + list(cfg.get("Cmd") or [])
    restart = dict(host.get("RestartPolicy") or {"MaximumRetryCount": 0})
    restart["Name"] = restart.get("Name") or "no"
    data: dict[str, Any] = {
        "Id": container.id,
        "Created": _iso(container.created),
        "Path": args[0] if args else "",
        "Args": args[1:],
        "State": {
            "Status": state.status,
            "Running": state.status in ("running", "paused", "restarting"),
            "Paused": state.status == "paused",
            "Restarting": state.status == "restarting",
            "OOMKilled": state.oom_killed,
            "Dead": state.status == "dead",
            "Pid": state.pid,
            "ExitCode": state.exit_code,
            "Error": state.error,
            "StartedAt": state.started_at or ZERO_TIME,
            "FinishedAt": state.finished_at or ZERO_TIME,
        },
        "Image": container.image_id,
        "ResolvConfPath": paths.get("resolv_conf", ""),
        "HostnamePath": paths.get("hostname", ""),
        "HostsPath": paths.get("hosts", ""),
        "LogPath": paths.get("log", ""),
        "Name": "/" + container.name,
        "RestartCount": state.restart_count,
        "Driver": paths.get("driver", ""),
        "Platform": "linux",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "HostConfig": {
            **{k: v for k, v in host.items() if k not in ("Networks", "Mounts")},
            "PortBindings": port_bindings(host.get("PortBindings") or []),
            "Tmpfs": tmpfs_map(host.get("Tmpfs") or []),
            "RestartPolicy": restart,
            "NetworkMode": host.get("NetworkMode") or "bridge",
        },
        "GraphDriver": {"Name": paths.get("driver", ""), "Data": {"MergedDir": paths.get("rootfs", "")}},
        "Mounts": _mounts(list(rt.mounts)),
        "Config": {**cfg, "Image": container.image},
        "NetworkSettings": network,
    }
    if health:  # Docker has State.Health only for a container with a healthcheck that started
        data["State"]["Health"] = health
    return data


def _mounts(saved: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not saved:
        return []
    from nerdpy.volumes import RuntimeMount, inspect_mount

    return [inspect_mount(RuntimeMount.from_dict(m)) for m in saved]


def port_bindings(published: list[str]) -> dict[str, list[dict[str, str]]] | None:
    """The `-p` values in Docker's shape: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}."""
    if not published:
        return None
    from nerdpy.network import parse_publish

    bindings: dict[str, list[dict[str, str]]] = {}
    for spec in published:
        for m in parse_publish(spec):
            host_port = str(m.host_port or "") + (f"-{m.host_port_max}" if m.host_port_max else "")
            bindings.setdefault(f"{m.container_port}/{m.protocol}", []).append(
                {"HostIp": m.host_ip, "HostPort": host_port})
    return bindings


def tmpfs_map(mounts: list[str]) -> dict[str, str] | None:
    """`--tmpfs /run:size=64m` values as Docker's {"/run": "size=64m"}."""
    return {path: options for path, _, options in (m.partition(":") for m in mounts)} or None


def network_settings(settings: Settings, container: Container, running: bool) -> dict[str, Any]:
    """Docker's NetworkSettings: live addresses while running; the networks the
    container is configured for, keyed by network name, when it is not."""
    from nerdpy import network

    ns = network.inspect_settings(settings, container.id) if running else network.inspect_settings(settings, "")
    if not ns["Networks"]:
        ns["Networks"] = network.configured_networks(settings, container.host_config.get("Networks") or
                                                     [container.host_config.get("NetworkMode") or "bridge"])
        mac = container.cfg.get("MacAddress")
        if mac and ns["Networks"]:  # --mac-address: configured on the first network, as Docker shows it
            next(iter(ns["Networks"].values()))["MacAddress"] = mac
    for key in container.cfg.get("ExposedPorts") or {}:
        ns["Ports"].setdefault(key, None)
    _static_addresses(ns["Networks"], container)
    return ns


def _static_addresses(networks: dict[str, Any], container: Container) -> None:
    """IPAMConfig as Docker shows it: the address asked for (--ip on the first
    network, `--network name=NET,ip=IP`, `network connect --ip`), else null."""
    asked = dict(container.host_config.get("NetworkIPs") or {})
    if container.runtime.ip and networks:
        asked.setdefault(next(iter(networks)), container.runtime.ip)
    for name, address in asked.items():
        entry = networks.get(name) or next((n for n in networks.values() if n.get("NetworkID") == name), None)
        if entry is not None:
            entry["IPAMConfig"] = {"IPv4Address": address}


def inspect_container(settings: Settings, store: Any, ref: str) -> dict[str, Any]:
    container = store.get(ref)
    state = store.state(container.id)
    cdir = store.dir(container.id)
    paths = {
        "log": str(store.log_path(container.id)), "rootfs": str(cdir / "rootfs"),
        "hosts": str(cdir / "hosts") if (cdir / "hosts").exists() else "",
        "hostname": str(cdir / "hostname") if (cdir / "hostname").exists() else "",
        "resolv_conf": str(cdir / "resolv.conf") if (cdir / "resolv.conf").exists() else "",
        "driver": settings.storage_driver or "overlay",
    }
    health = None
    if container.cfg.get("Healthcheck"):
        from nerdpy.containers.health import read_health

        health = read_health(cdir)
    return inspect_data(container, state, paths, network_settings(settings, container, state.running), health)
