"""Short forms to the canonical long forms docker compose prints with `config`:
ports, volumes, secret/config references, environment-like lists, depends_on,
networks, build, env_file. Each function takes the user's value (already
validated for type) and returns the long form; value errors name the key path."""

from __future__ import annotations

import re

from nerdpy_compose.errors import at

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CONDITIONS = ("service_started", "service_healthy", "service_completed_successfully")


def as_dict(value: Any, source: str, path: str, sep: str = "=") -> dict[str, Any]:
    """`list_or_dict` as a dict: `KEY=VAL` items split, a bare `KEY` maps to None
    (resolved from the environment later); numbers and booleans become strings."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return {k: _scalar_text(v) for k, v in value.items()}
    out: dict[str, Any] = {}
    for i, item in enumerate(value):
        key, has, val = str(item).partition(sep)
        if not key:
            raise at(source, f"{path}[{i}]", f"{item!r} has no key")
        out[key] = val if has else None
    return out


def _scalar_text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def as_list(value: Any) -> list[Any]:
    """`string_or_list` as a list."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def ports(items: list[Any], source: str, path: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            entry = {"mode": "ingress", "protocol": "tcp", **item}
            if isinstance(entry.get("target"), str):
                entry["target"] = _port_number(entry["target"], source, f"{path}[{i}].target")
            if isinstance(entry.get("published"), int):
                entry["published"] = str(entry["published"])
            out.append(entry)
        else:
            out.extend(_short_port(str(item), source, f"{path}[{i}]"))
    return out


def _port_number(text: str, source: str, path: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise at(source, path, f"invalid port {text!r}")
    return int(text)


def _range(text: str, source: str, path: str) -> list[int]:
    start, dash, end = text.partition("-")
    first = _port_number(start, source, path)
    last = _port_number(end, source, path) if dash else first
    if last < first:
        raise at(source, path, f"invalid port range {text!r}")
    return list(range(first, last + 1))


def _short_port(spec: str, source: str, path: str) -> list[dict[str, Any]]:
    """`[[IP:]HOST:]CONTAINER[/PROTO]`, ranges allowed, IPv6 in brackets."""
    body, _, proto = spec.partition("/")
    proto = proto or "tcp"
    if proto not in ("tcp", "udp", "sctp"):
        raise at(source, path, f"invalid protocol {proto!r}")
    host_ip = ""
    if body.startswith("["):
        end = body.find("]")
        host_ip, body = body[1:end], body[end + 2:]
    parts = body.split(":")
    if len(parts) == 3:
        host_ip, published, target = parts
    elif len(parts) == 2:
        published, target = parts
    elif len(parts) == 1:
        published, target = "", parts[0]
    else:
        raise at(source, path, f"invalid port {spec!r}")
    targets = _range(target, source, path)
    hosts = _range(published, source, path) if published else []
    if hosts and len(hosts) != len(targets) and len(hosts) < len(targets):
        raise at(source, path, f"invalid port range {spec!r}: host range smaller than container range")
    out = []
    for n, target_port in enumerate(targets):
        entry: dict[str, Any] = {"mode": "ingress", "target": target_port}
        if hosts:
            if len(targets) == 1 and len(hosts) > 1:
                entry["published"] = published  # a host range for one port: any free port in it
            else:
                entry["published"] = str(hosts[n])
        if host_ip:
            entry["host_ip"] = host_ip
        entry["protocol"] = proto
        out.append(entry)
    return out


def port_key(entry: dict[str, Any]) -> tuple[Any, ...]:
    return (entry.get("host_ip", ""), entry.get("target"), entry.get("published", ""), entry.get("protocol", "tcp"))


def volumes(items: list[Any], source: str, path: str) -> list[dict[str, Any]]:
    out = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            out.append(_long_volume(item, source, f"{path}[{i}]"))
        else:
            out.append(_short_volume(str(item), source, f"{path}[{i}]"))
    return out


def is_path(source: str) -> bool:
    return source.startswith(("/", ".", "~"))


def _long_volume(item: dict[str, Any], source: str, path: str) -> dict[str, Any]:
    kind = item.get("type")
    if kind not in ("bind", "volume", "tmpfs", "image", "npipe", "cluster"):
        raise at(source, f"{path}.type", f"invalid mount type {kind!r}")
    if "target" not in item:
        raise at(source, path, "'target' is required")
    if kind == "bind" and not item.get("source"):
        raise at(source, path, "a bind mount needs a 'source'")
    entry = dict(item)
    if kind == "bind":
        entry["bind"] = {"create_host_path": True, **entry.get("bind", {})}
    if kind == "volume":
        entry.setdefault("volume", {})
    return entry


def _short_volume(spec: str, source: str, path: str) -> dict[str, Any]:
    parts = spec.split(":")
    if len(parts) == 1:
        return {"type": "volume", "target": parts[0], "volume": {}}
    if len(parts) > 3:
        raise at(source, path, f"invalid volume {spec!r}: too many colons")
    src, target = parts[0], parts[1]
    opts = parts[2].split(",") if len(parts) == 3 else []
    if not target.startswith("/"):
        raise at(source, path, f"invalid volume {spec!r}: the target must be an absolute path")
    bad = [o for o in opts if o not in ("ro", "rw", "z", "Z", "nocopy", "shared", "slave", "private", "rshared",
                                          "rslave", "rprivate", "cached", "delegated", "consistent")]
    if bad:
        raise at(source, path, f"invalid volume {spec!r}: unknown option {bad[0]!r}")
    if is_path(src):
        entry: dict[str, Any] = {"type": "bind", "source": src, "target": target}
        if "ro" in opts:
            entry["read_only"] = True
        prop = [o for o in opts if o.endswith(("shared", "slave", "private"))]
        entry["bind"] = {"create_host_path": True, **({"propagation": prop[0]} if prop else {})}
        if "z" in opts or "Z" in opts:
            entry["bind"]["selinux"] = "z" if "z" in opts else "Z"
        return entry
    entry = {"type": "volume", "source": src, "target": target}
    if "ro" in opts:
        entry["read_only"] = True
    entry["volume"] = {"nocopy": True} if "nocopy" in opts else {}
    return entry


def file_refs(items: list[Any], kind: str) -> list[dict[str, Any]]:
    """Service `secrets` / `configs` in long form; targets default as the spec says."""
    out = []
    for item in items:
        entry = {"source": item} if isinstance(item, str) else dict(item)
        out.append(entry)
    return out


def ref_target(entry: dict[str, Any], kind: str) -> str:
    target = entry.get("target") or entry["source"]
    if kind == "secrets" and not target.startswith("/"):
        return f"/run/secrets/{target}"
    return target if target.startswith("/") else f"/{target}"


def depends_on(value: Any, source: str, path: str) -> dict[str, dict[str, Any]]:
    if isinstance(value, list):
        return {name: {"condition": "service_started", "required": True} for name in value}
    out = {}
    for name, spec in value.items():
        condition = spec.get("condition")
        if condition not in CONDITIONS:
            raise at(source, f"{path}.{name}.condition", f"invalid condition {condition!r} (one of {', '.join(CONDITIONS)})")
        out[name] = {"condition": condition, **({"restart": spec["restart"]} if "restart" in spec else {}),
                     "required": spec.get("required", True)}
    return out


def networks(value: Any) -> dict[str, Any]:
    if isinstance(value, list):
        return {name: None for name in value}
    return dict(value)


def env_files(value: Any) -> list[dict[str, Any]]:
    out = []
    for item in as_list(value):
        out.append({"path": item, "required": True} if isinstance(item, str) else {"required": True, **item})
    return out


def extra_hosts(value: Any) -> list[str]:
    """`host=ip` entries (docker compose's output form); `host:ip` is accepted too."""
    if isinstance(value, dict):
        out = []
        for host, ips in value.items():
            out += [f"{host}={ip}" for ip in as_list(ips)]
        return out
    out = []
    for item in value:
        if "=" in item:
            out.append(item)
        else:
            host, _, ip = item.partition(":")
            out.append(f"{host}={ip}")
    return out


_BYTES = re.compile(r"(\d+(?:\.\d+)*) ?([kmgtp])?i?b?", re.IGNORECASE)
_BLKIO_DEVICES = ("device_read_bps", "device_read_iops", "device_write_bps", "device_write_iops")


def unit_bytes(value: Any, source: str, path: str) -> int:
    """compose-go's UnitBytes: a number, or a size in docker/go-units' RAMInBytes form (`1024k`, `1.5GiB`)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _BYTES.fullmatch(str(value).strip())
    if not match:
        raise at(source, path, f"invalid size {value!r}")
    return int(float(match.group(1)) * 1024 ** " kmgtp".index((match.group(2) or " ").lower()))


def cgroup_keys(svc: dict[str, Any], source: str, path: str) -> dict[str, Any]:
    """cpu_period, cpu_quota, mem_swappiness, oom_kill_disable, cgroup_parent and
    blkio_config as compose-go keeps them: int64s as numbers, byte counts (mem_swappiness
    is one there, and the blkio rates) as strings, zero values left out (omitempty)."""
    out = dict(svc)
    for key in ("cpu_period", "cpu_quota"):
        if key in out:
            try:
                out[key] = int(out[key] or 0)
            except ValueError:
                raise at(source, f"{path}.{key}", f"invalid integer {out[key]!r}") from None
    if "mem_swappiness" in out:
        out["mem_swappiness"] = str(unit_bytes(out["mem_swappiness"] or 0, source, f"{path}.mem_swappiness"))
    if "oom_kill_disable" in out:
        out["oom_kill_disable"] = str(out["oom_kill_disable"]).lower() == "true"
    if isinstance(out.get("blkio_config"), dict):
        out["blkio_config"] = _blkio(out["blkio_config"], source, f"{path}.blkio_config")
    zero = {"cpu_period": 0, "cpu_quota": 0, "mem_swappiness": "0", "oom_kill_disable": False, "cgroup_parent": ""}
    return {k: v for k, v in out.items() if k not in zero or v != zero[k]}


def _blkio(config: dict[str, Any], source: str, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if config.get("weight"):
        out["weight"] = int(config["weight"])
    if config.get("weight_device"):
        out["weight_device"] = [{"path": d.get("path", ""), "weight": int(d.get("weight") or 0)}
                                for d in config["weight_device"]]
    for key in _BLKIO_DEVICES:
        if config.get(key):
            out[key] = [{"path": d.get("path", ""), "rate": str(unit_bytes(d.get("rate") or 0, source,
                                                                           f"{path}.{key}[{i}].rate"))}
                        for i, d in enumerate(config[key])]
    return out


def go_field_names(svc: dict[str, Any]) -> dict[str, Any]:
    """The service as compose-go's JSON names it: the blkio device entries are Go
    structs without json tags, so their keys print as the fields' names (Path, Weight, Rate)."""
    blkio = svc.get("blkio_config")
    if not blkio:
        return svc
    renamed = {k: [{name.capitalize(): v for name, v in d.items()} for d in blkio[k]] if isinstance(blkio[k], list)
               else blkio[k] for k in blkio}
    return {**svc, "blkio_config": renamed}
