"""Address management: subnets for new networks, addresses for endpoints.

Subnets come from 10.4.1.0/24 .. 10.4.255.0/24, then 10.5.0.0/24 onwards (the
root default bridge holds 10.210.0.0/16, rootless slirp4netns 10.0.2.0/24); a
requested subnet must not overlap any other network's. Endpoint addresses are
allocated inside one IMMEDIATE transaction (UNIQUE(network_id, ip) backs it).
"""

from __future__ import annotations

import ipaddress
import json
import random

from nerdpy.errors import Conflict, InvalidArgument, Unavailable
from nerdpy.network.state import EndpointRecord, NetworkRecord

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from typing import Sequence

Net = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_subnet(text: str) -> Net:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise InvalidArgument(f"invalid subnet {text!r}", hint="use CIDR notation, e.g. 10.10.0.0/24") from None


def check_overlap(subnet: Net, existing: list[NetworkRecord]) -> None:
    for other in existing:
        for text in (other.subnet, other.subnet6):
            if text and ipaddress.ip_network(text).version == subnet.version and ipaddress.ip_network(text).overlaps(subnet):
                raise Conflict(
                    f"subnet {subnet} overlaps network {other.name} ({text})",
                    hint="choose a subnet that no other network uses",
                )


def host_routes(path: str = "/proc/net/route") -> list[ipaddress.IPv4Network]:
    """IPv4 destinations routed in this process's network namespace (default route excluded)."""
    out: list[ipaddress.IPv4Network] = []
    try:
        lines = open(path).read().splitlines()[1:]
    except OSError:
        return out
    for line in lines:
        fields = line.split()
        if len(fields) < 8:
            continue
        dest, mask = (ipaddress.IPv4Address(int(v, 16).to_bytes(4, "little")) for v in (fields[1], fields[7]))
        if int(mask):
            out.append(ipaddress.IPv4Network(f"{dest}/{mask}", strict=False))
    return out


def pick_subnet(existing: list[NetworkRecord], avoid: Sequence[ipaddress.IPv4Network] = ()) -> ipaddress.IPv4Network:
    """The first free /24; `avoid`: subnets already routed on the host (root: another
    store's bridges or the LAN), as Docker skips pools that overlap host routes."""
    used = [ipaddress.ip_network(n.subnet) for n in existing if n.subnet and ":" not in n.subnet] + list(avoid)
    for second in range(4, 32):
        for third in range(1 if second == 4 else 0, 256):
            candidate = ipaddress.IPv4Network(f"10.{second}.{third}.0/24")
            if not any(candidate.overlaps(u) for u in used):
                return candidate
    raise Unavailable("no free subnet left in 10.4.0.0/14..10.31.0.0/16", hint="remove unused networks or give --subnet")


def pick_subnet6(network_id: str) -> ipaddress.IPv6Network:
    # A ULA /64 derived from the network id: stable and unlikely to clash.
    return ipaddress.IPv6Network(f"fd{network_id[:2]}:{network_id[2:6]}:{network_id[6:10]}:{network_id[10:14]}::/64")


def default_gateway(subnet: Net) -> str:
    return str(next(subnet.hosts()))


def check_address_in(text: str, subnet: Net, what: str) -> str:
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        raise InvalidArgument(f"invalid {what} {text!r}") from None
    if addr not in subnet:
        raise InvalidArgument(f"{what} {addr} is not in subnet {subnet}")
    return str(addr)


def allocate(conn: sqlite3.Connection, network: NetworkRecord, container_id: str, wanted: str, aliases: tuple[str, ...],
             ifname: str, host_veth: str, mac: str = "") -> EndpointRecord:
    """Insert the endpoint with `wanted` (or the lowest free address of ip_range)."""
    subnet = ipaddress.ip_network(network.subnet)
    pool = ipaddress.ip_network(network.ip_range) if network.ip_range else subnet
    taken = {r[0] for r in conn.execute("SELECT ip FROM net_endpoints WHERE network_id = ?", (network.id,))}
    taken.add(network.gateway)
    if wanted:
        ip = check_address_in(wanted, subnet, "--ip address")
        if ip in taken:
            raise Conflict(f"address {ip} is already in use on network {network.name}", hint="pick another --ip")
    else:
        reserved = {subnet.network_address, getattr(subnet, "broadcast_address", None)}
        ip = _random_free(pool, reserved, taken) if network.options.get("random_ipam") else ""
        ip = ip or next((str(a) for a in pool if a not in reserved and str(a) not in taken), "")
        if not ip:
            raise Unavailable(f"no free address left on network {network.name}")
    ip6 = ""
    if network.subnet6:
        ip6 = str(ipaddress.ip_network(network.subnet6)[int(ipaddress.ip_address(ip)) - int(subnet.network_address)])
    mac = mac or "02:42:" + ":".join(f"{b:02x}" for b in ipaddress.ip_address(ip).packed)
    conn.execute(
        "INSERT INTO net_endpoints(container_id, network_id, ip, ip6, mac, aliases, ifname, host_veth)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (container_id, network.id, ip, ip6, mac, json.dumps(list(aliases)), ifname, host_veth),
    )
    return EndpointRecord(container_id, network.id, ip, ip6, mac, aliases, ifname, host_veth)


def _random_free(pool: Net, reserved: set, taken: set[str]) -> str:
    rng = random.SystemRandom()
    for _ in range(64):
        addr = pool[rng.randrange(pool.num_addresses)]
        if addr not in reserved and str(addr) not in taken:
            return str(addr)
    return ""


def random_id() -> str:
    return "%064x" % random.SystemRandom().getrandbits(256)
