"""Docker-compatible `inspect` JSON for a container."""

from __future__ import annotations

from typing import Any

from nerdpy.config import Settings
from nerdpy.containers import ZERO_TIME, Container, State


def _iso(ts: float) -> str:
    from nerdpy.logs import format_time

    return format_time(int(ts * 1e9))


def inspect_data(container: Container, state: State, paths: dict[str, str], network: dict[str, Any]) -> dict[str, Any]:
    cfg, host, rt = container.cfg, container.host_config, container.config.get("Runtime", {})
    args = list(cfg.get("Entrypoint") or []) + list(cfg.get("Cmd") or [])
    restart = host.get("RestartPolicy") or {"Name": "", "MaximumRetryCount": 0}
    return {
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
            "RestartPolicy": restart,
            "NetworkMode": host.get("NetworkMode") or "bridge",
        },
        "GraphDriver": {"Name": paths.get("driver", ""), "Data": {"MergedDir": paths.get("rootfs", "")}},
        "Mounts": _mounts(rt.get("mounts") or []),
        "Config": {**cfg, "Image": container.image},
        "NetworkSettings": network,
    }


def _mounts(saved: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not saved:
        return []
    from nerdpy.volumes import RuntimeMount, inspect_mount

    return [inspect_mount(RuntimeMount.from_dict(m)) for m in saved]


def network_settings(container: Container, attachment: Any) -> dict[str, Any]:
    ports: dict[str, Any] = {}
    for key in container.cfg.get("ExposedPorts") or {}:
        ports[key] = None
    networks: dict[str, Any] = {}
    ip = ""
    if attachment is not None:
        for p in getattr(attachment, "ports", ()) or ():
            key = f"{p.container_port}/{p.protocol}"
            ports.setdefault(key, None)
            ports[key] = (ports[key] or []) + [{"HostIp": p.host_ip or "0.0.0.0", "HostPort": str(p.host_port)}]
        ip = getattr(attachment, "ip", "") or ""
        for ep in getattr(attachment, "endpoints", ()) or ():
            networks[ep.network] = {"NetworkID": ep.network_id, "IPAddress": ep.ip, "IPPrefixLen": ep.prefix_len,
                                    "Gateway": ep.gateway, "MacAddress": ep.mac, "Aliases": list(ep.aliases)}
    if not networks:
        mode = container.host_config.get("NetworkMode") or "bridge"
        networks[mode] = {"NetworkID": "", "IPAddress": ip, "IPPrefixLen": 0, "Gateway": "", "MacAddress": "",
                          "Aliases": None}
    return {"Bridge": "", "SandboxID": container.id, "Ports": ports, "IPAddress": ip, "Networks": networks,
            "SandboxKey": "", "Gateway": "", "MacAddress": ""}


def inspect_container(settings: Settings, store: Any, ref: str) -> dict[str, Any]:
    container = store.get(ref)
    state = store.state(container.id)
    cdir = store.dir(container.id)
    attachment = None
    if state.running:
        from nerdpy.network.state import load_attachment

        attachment = load_attachment(settings, container.id)
    paths = {
        "log": str(store.log_path(container.id)), "rootfs": str(cdir / "rootfs"),
        "hosts": str(cdir / "hosts") if (cdir / "hosts").exists() else "",
        "hostname": str(cdir / "hostname") if (cdir / "hostname").exists() else "",
        "resolv_conf": str(cdir / "resolv.conf") if (cdir / "resolv.conf").exists() else "",
        "driver": settings.storage_driver or "overlay",
    }
    return inspect_data(container, state, paths, network_settings(container, attachment))
