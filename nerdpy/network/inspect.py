"""Docker's `.NetworkSettings` object for `inspect`, from the network records."""

from __future__ import annotations

import ipaddress

from nerdpy.errors import NerdpyError
from nerdpy.network import slirp, state

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from nerdpy.config import Settings


def _ports(record: state.AttachmentRecord | None) -> dict:
    out: dict = {}
    for p in record.ports if record else ():
        out.setdefault(f"{p.container_port}/{p.protocol}", []).append(
            {"HostIp": p.host_ip or "0.0.0.0", "HostPort": str(p.host_port)})
    return out


def _entry(ip: str, prefix: int, gateway: str, mac: str, network_id: str, aliases: list, ip6: str = "") -> dict:
    return {
        "IPAMConfig": None, "Links": None, "Aliases": aliases or None, "NetworkID": network_id,
        "EndpointID": "", "Gateway": gateway, "IPAddress": ip, "IPPrefixLen": prefix,
        "IPv6Gateway": "", "GlobalIPv6Address": ip6, "GlobalIPv6PrefixLen": 64 if ip6 else 0,
        "MacAddress": mac, "DriverOpts": None,
    }


def network_settings(settings: "Settings", container_id: str) -> dict:
    record = state.load_attachment(settings, container_id)
    networks: dict = {}
    if record is not None and record.mode == "slirp":
        networks["bridge"] = _entry(slirp.GUEST_IP, slirp.PREFIX_LEN, slirp.GATEWAY_IP, "",
                                    state.builtin_id("bridge"), [])
    elif record is not None and record.mode in ("host", "none"):
        networks[record.mode] = _entry("", 0, "", "", state.builtin_id(record.mode), [])
    for ep in state.endpoints_of(settings, container_id):
        net = state.find_network(settings, ep.network_id)
        prefix = ipaddress.ip_network(net.subnet).prefixlen
        networks[net.name] = _entry(ep.ip, prefix, net.gateway, ep.mac, net.id, list(ep.aliases), ep.ip6)
        networks[net.name]["EndpointID"] = ep.host_veth
    primary = next(iter(networks.values()), _entry("", 0, "", "", "", []))
    return {
        "Bridge": "", "SandboxID": "", "SandboxKey": record.netns if record else "",
        "HairpinMode": False, "LinkLocalIPv6Address": "", "LinkLocalIPv6PrefixLen": 0,
        "Ports": _ports(record), "SecondaryIPAddresses": None, "SecondaryIPv6Addresses": None,
        "EndpointID": primary["EndpointID"], "Gateway": primary["Gateway"], "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0, "IPAddress": primary["IPAddress"], "IPPrefixLen": primary["IPPrefixLen"],
        "IPv6Gateway": "", "MacAddress": primary["MacAddress"], "Networks": networks,
    }


def configured_networks(settings: "Settings", names: list[str]) -> dict:
    """NetworkSettings.Networks of a container that is not running: each network it
    is configured for, keyed by the network's name (a `--network` given by ID too),
    without addresses."""
    networks: dict = {}
    for name in names:
        if name in ("host", "none", "bridge", "default") or name.startswith("container:"):
            key = "bridge" if name == "default" else name
            networks[key] = _entry("", 0, "", "", state.builtin_id(key) if ":" not in key else "", [])
            continue
        try:
            net = state.find_network(settings, name)
        except NerdpyError:  # removed since: keep what the container was given
            networks[name] = _entry("", 0, "", "", "", [])
            continue
        networks[net.name] = _entry("", 0, "", "", net.id, [])
    return networks
