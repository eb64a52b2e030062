"""A container's configured networks (HostConfig.Networks, NetworkAliases): what
`network connect` and `disconnect` change, so that the next start joins the same
networks, as Docker keeps them in the container's config. Pure edits of the record."""

from __future__ import annotations

import copy

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


def is_connected(config: dict[str, Any], same: Callable[[str], bool]) -> bool:
    """Whether one of the configured networks is the one `same` recognises (by name or id)."""
    return any(same(name) for name in (config.get("HostConfig") or {}).get("Networks") or ())


def with_network(config: dict[str, Any], name: str, aliases: tuple[str, ...]) -> dict[str, Any]:
    """`config` joined to network `name`; `aliases` are for that network only (connect --alias)."""
    out = copy.deepcopy(config)
    host = out.setdefault("HostConfig", {})
    host["Networks"] = [*(host.get("Networks") or ()), name]
    if aliases:
        host["NetworkAliases"] = {**(host.get("NetworkAliases") or {}), name: list(aliases)}
    return out


def without_network(config: dict[str, Any], same: Callable[[str], bool]) -> dict[str, Any]:
    """`config` left by the network `same` recognises. With none left the container has
    only its loopback, Docker's `none`, and not the default network at the next start."""
    out = copy.deepcopy(config)
    host = out.setdefault("HostConfig", {})
    networks = [n for n in host.get("Networks") or () if not same(n)] or ["none"]
    host["Networks"] = networks
    aliases = {k: v for k, v in (host.get("NetworkAliases") or {}).items() if not same(k)}
    if aliases or "NetworkAliases" in host:
        host["NetworkAliases"] = aliases
    if same(host.get("NetworkMode") or "") or networks == ["none"]:
        host["NetworkMode"] = networks[0]
    return out


def network_aliases(host_config: dict[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The per-network aliases as the network request carries them."""
    return tuple((k, tuple(v)) for k, v in (host_config.get("NetworkAliases") or {}).items())
