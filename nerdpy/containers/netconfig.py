"""A container's configured networks (HostConfig.Networks, NetworkAliases): what
`network connect` and `disconnect` change, so that the next start joins the same
networks, as Docker keeps them in the container's config. Pure edits of the record."""

from __future__ import annotations

import copy

from nerdpy.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    from nerdpy.containers import CreateOptions

_UNSUPPORTED_KEYS = ("ip6", "link-local-ip", "driver-opt", "gw-priority")


def expand_network_flags(opts: CreateOptions) -> CreateOptions:
    """Docker's `--network name=NET,alias=A,ip=IP,mac-address=M` as plain network
    names plus the per-network options; plain names pass through."""
    if not any("=" in value for value in opts.networks):
        return opts
    from nerdpy.records import replace

    names: list[str] = []
    aliases = dict(opts.endpoint_aliases)
    ips = dict(opts.endpoint_ips)
    mac = opts.mac_address
    for index, value in enumerate(opts.networks):
        if "=" not in value:
            names.append(value)
            continue
        fields = _network_fields(value)
        name = fields.pop("name", [""])[-1]
        if not name:
            raise InvalidArgument(f"invalid argument {value!r} for --network: network name not specified")
        names.append(name)
        if fields.get("alias"):
            aliases[name] = (*aliases.get(name, ()), *fields["alias"])
        if fields.get("ip"):
            ips[name] = fields["ip"][-1]
        if fields.get("mac-address"):
            if index:
                raise InvalidArgument("mac-address is supported on the first network only")
            mac = fields["mac-address"][-1]
    return replace(opts, networks=tuple(names), endpoint_aliases=tuple(aliases.items()),
                   endpoint_ips=tuple(ips.items()), mac_address=mac)


def _network_fields(value: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for field in value.split(","):
        key, sep, val = field.partition("=")
        key = key.strip().lower()
        if not sep or not key:
            raise InvalidArgument(f"invalid argument {value!r} for --network: invalid field {field!r}")
        if key in _UNSUPPORTED_KEYS:
            raise InvalidArgument(f"--network {key}= is not supported by nerdpy")
        if key not in ("name", "alias", "ip", "mac-address"):
            raise InvalidArgument(f"invalid argument {value!r} for --network: invalid field key {key}")
        fields.setdefault(key, []).append(val.strip())
    return fields


def is_connected(config: dict[str, Any], same: Callable[[str], bool]) -> bool:
    """Whether one of the configured networks is the one `same` recognises (by name or id)."""
    return any(same(name) for name in (config.get("HostConfig") or {}).get("Networks") or ())


def with_network(config: dict[str, Any], name: str, aliases: tuple[str, ...], ip: str = "") -> dict[str, Any]:
    """`config` joined to network `name`; `aliases` and `ip` are for that network only (connect --alias, --ip)."""
    out = copy.deepcopy(config)
    host = out.setdefault("HostConfig", {})
    host["Networks"] = [*(host.get("Networks") or ()), name]
    if aliases:
        host["NetworkAliases"] = {**(host.get("NetworkAliases") or {}), name: list(aliases)}
    if ip:
        host["NetworkIPs"] = {**(host.get("NetworkIPs") or {}), name: ip}
    return out


def without_network(config: dict[str, Any], same: Callable[[str], bool]) -> dict[str, Any]:
    """`config` left by the network `same` recognises. With none left the container has
    only its loopback, Docker's `none`, and not the default network at the next start."""
    out = copy.deepcopy(config)
    host = out.setdefault("HostConfig", {})
    networks = [n for n in host.get("Networks") or () if not same(n)] or ["none"]
    host["Networks"] = networks
    for key in ("NetworkAliases", "NetworkIPs"):
        if key in host:
            host[key] = {k: v for k, v in (host.get(key) or {}).items() if not same(k)}
    if same(host.get("NetworkMode") or "") or networks == ["none"]:
        host["NetworkMode"] = networks[0]
    return out


def network_aliases(host_config: dict[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The per-network aliases as the network request carries them."""
    return tuple((k, tuple(v)) for k, v in (host_config.get("NetworkAliases") or {}).items())


def network_ips(host_config: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The per-network static addresses as the network request carries them."""
    return tuple((k, str(v)) for k, v in (host_config.get("NetworkIPs") or {}).items())
