"""The namespace, device, link and resource keys of a service as the `run`
flags they stand for (--pid, --ipc, --uts, --cgroupns, --device, --link,
--volumes-from, --gpus, --mac-address, --cpu-shares and the other cgroup
limits, ...). `service:NAME` and a linked or mounted-from service become that
service's container, as docker compose resolves them."""

from __future__ import annotations

from nerdpy_compose.errors import ConfigError
from nerdpy_compose.order import volumes_from_service

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def _int(svc: dict[str, Any], key: str, name: str) -> int:
    value = svc.get(key)
    if value is None or value == "":
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"services.{name}.{key}: invalid integer {value!r}") from None


def _mode(svc: dict[str, Any], key: str, name: str, container_names: Callable[[str], str]) -> str:
    value = str(svc.get(key) or "")
    if value.startswith("service:"):
        if not value[8:]:
            raise ConfigError(f"services.{name}.{key}: {value!r} names no service")
        return f"container:{container_names(value[8:])}"
    return value


def _ipc(svc: dict[str, Any], name: str, services: dict[str, Any], container_names: Callable[[str], str]) -> str:
    """As Docker's: only a `shareable` container's IPC namespace can be joined."""
    donor = str(svc.get("ipc") or "").removeprefix("service:")
    if str(svc.get("ipc") or "").startswith("service:") and services.get(donor, {}).get("ipc") != "shareable":
        raise ConfigError(f"services.{name}.ipc: service {donor!r} has a non-shareable IPC namespace",
                          hint=f"set ipc: shareable on service {donor!r}")
    return _mode(svc, "ipc", name, container_names)


def _devices(svc: dict[str, Any]) -> tuple[str, ...]:
    out = []
    for item in svc.get("devices") or ():
        if isinstance(item, str):
            out.append(item)
            continue
        source = item["source"]
        out.append(f"{source}:{item.get('target') or source}:{item.get('permissions') or 'rwm'}")
    return tuple(out)


def _links(svc: dict[str, Any], container_names: Callable[[str], str]) -> tuple[str, ...]:
    """`SERVICE[:ALIAS]` as the service's container under ALIAS (default: the
    service name); `external_links` name containers outside the project."""
    out = []
    for link in svc.get("links") or ():
        service, _, alias = str(link).partition(":")
        out.append(f"{container_names(service)}:{alias or service}")
    return (*out, *(str(link) for link in svc.get("external_links") or ()))


def _volumes_from(svc: dict[str, Any], name: str, services: dict[str, Any],
                  container_names: Callable[[str], str]) -> tuple[str, ...]:
    """`SERVICE[:ro|rw]` (also `service:SERVICE[...]`) or `container:NAME[:ro|rw]`
    as --volumes-from CONTAINER[:ro|rw]."""
    out = []
    for entry in svc.get("volumes_from") or ():
        entry = str(entry)
        service = volumes_from_service(entry, services)
        if service:
            container = container_names(service)
            mode = entry.removeprefix("service:")[len(service):].lstrip(":")
        else:
            container, _, mode = entry[len("container:"):].partition(":")
        if mode not in ("", "ro", "rw") or not container:
            raise ConfigError(f"services.{name}.volumes_from: invalid entry {entry!r}",
                              hint="use SERVICE[:ro|rw] or container:NAME[:ro|rw]")
        out.append(f"{container}:{mode}" if mode else container)
    return tuple(out)


def _gpu_value(entries: list[dict[str, Any]], where: str) -> str:
    """One GPU request (`count` or `device_ids`) as a --gpus value; nerdpy serves
    GPUs through CDI only, so another driver option or several requests are refused."""
    if len(entries) > 1:
        raise ConfigError(f"{where}: nerdpy serves one GPU request per service, not {len(entries)}")
    entry = entries[0]
    if entry.get("options"):
        raise ConfigError(f"{where}.options: GPU driver options are not supported by nerdpy (GPUs come from CDI)")
    if entry.get("device_ids"):
        if "count" in entry:
            raise ConfigError(f"{where}: count and device_ids are mutually exclusive")
        return "device=" + ",".join(str(i) for i in entry["device_ids"])
    count = entry.get("count", "all")
    if str(count) in ("all", "-1"):
        return "all"
    if not str(count).isdigit():
        raise ConfigError(f"{where}.count: invalid value {count!r}", hint="use a number or all")
    return str(count)


def gpus(svc: dict[str, Any], name: str, warn: Callable[[str], None]) -> str:
    """`gpus:` and the `deploy.resources.reservations.devices` asking for the gpu
    capability, as --gpus; other device reservations are reported."""
    value = svc.get("gpus")
    requests = []
    if value == "all":
        requests.append({"count": "all"})
    elif value:
        requests += list(value)
    where = f"services.{name}.deploy.resources.reservations.devices"
    reserved = ((svc.get("deploy") or {}).get("resources") or {}).get("reservations") or {}
    for item in reserved.get("devices") or ():
        if "gpu" in (item.get("capabilities") or ()):
            requests.append({k: v for k, v in item.items() if k not in ("capabilities", "driver")})
        else:
            warn(f"{where}: devices without the gpu capability are not supported by nerdpy and are ignored")
    return _gpu_value(requests, f"services.{name}.gpus") if requests else ""


def mac_address(svc: dict[str, Any], name: str, ordered: list[str], warn: Callable[[str], None]) -> str:
    """The service's `mac_address`, or its first network's; nerdpy sets one
    address, on the first network, so one asked for on another is reported."""
    own = str(svc.get("mac_address") or "")
    nets = svc.get("networks") or {}
    for index, net in enumerate(ordered):
        wanted = str((nets.get(net) or {}).get("mac_address") or "")
        if not wanted:
            continue
        if index:
            warn(f"services.{name}.networks.{net}.mac_address is not supported by nerdpy and is ignored "
                 "(only the first network's address can be set)")
        elif own and own.lower() != wanted.lower():
            raise ConfigError(f"services.{name}: mac_address {own} conflicts with networks.{net}.mac_address {wanted}")
        else:
            own = wanted
    return own


def cgroup_options(svc: dict[str, Any], name: str) -> dict[str, Any]:
    """cpu_period, cpu_quota, mem_swappiness, oom_kill_disable, cgroup_parent and
    blkio_config (in `forms.cgroup_keys`' canonical form) as their run flags."""
    blkio = svc.get("blkio_config") or {}

    def devices(key: str, value: str) -> tuple[str, ...]:
        return tuple(f"{d['path']}:{d[value]}" for d in blkio.get(key) or ())

    return {
        "cpu_period": _int(svc, "cpu_period", name), "cpu_quota": _int(svc, "cpu_quota", name),
        "memory_swappiness": _int(svc, "mem_swappiness", name) if "mem_swappiness" in svc else -1,
        "oom_kill_disable": bool(svc.get("oom_kill_disable")), "cgroup_parent": str(svc.get("cgroup_parent") or ""),
        "blkio_weight": int(blkio.get("weight") or 0), "blkio_weight_device": devices("weight_device", "weight"),
        "device_read_bps": devices("device_read_bps", "rate"), "device_write_bps": devices("device_write_bps", "rate"),
        "device_read_iops": devices("device_read_iops", "rate"),
        "device_write_iops": devices("device_write_iops", "rate"),
    }


def host_options(svc: dict[str, Any], name: str, services: dict[str, Any], container_names: Callable[[str], str],
                 warn: Callable[[str], None]) -> dict[str, Any]:
    """The CreateOptions fields of these keys."""
    reservations = ((svc.get("deploy") or {}).get("resources") or {}).get("reservations") or {}
    swap = svc.get("memswap_limit")
    return {
        "pid": _mode(svc, "pid", name, container_names), "ipc": _ipc(svc, name, services, container_names),
        "uts": str(svc.get("uts") or ""), "cgroupns": str(svc.get("cgroup") or ""),
        "devices": _devices(svc), "oom_score_adj": _int(svc, "oom_score_adj", name),
        "links": _links(svc, container_names),
        "volumes_from": _volumes_from(svc, name, services, container_names),
        "gpus": gpus(svc, name, warn), "cpu_shares": _int(svc, "cpu_shares", name),
        "cpuset_cpus": str(svc.get("cpuset") or ""), "memory_swap": "" if swap in (None, "") else str(swap),
        "memory_reservation": str(svc.get("mem_reservation") or reservations.get("memory") or ""),
        **cgroup_options(svc, name),
    }
