"""Containers on bridge networks: veths, addresses, published ports, peers.

Root: bridges live in the host namespace; ports are nftables DNAT rules (the
client's source address is kept). Rootless: bridges live in the shared
namespace (`shared.py`); a published port is an `add_hostfwd` on the shared
slirp4netns (host port -> 10.0.2.100:same port) followed by a DNAT rule inside
the shared namespace to the container; slirp4netns connects from its gateway,
so the container sees 10.0.2.2 (or the bridge gateway), not the client address.
A network's bridge exists while it has endpoints; it is removed with the last one.
"""

from __future__ import annotations

import ipaddress
import os

import _sqlite3 as sqlite3  # the C module, as nerdpy.metadata uses

from nerdpy.errors import Conflict
from nerdpy.network import Attachment, Endpoint, NetworkRequest, bridge, files, ipam, peers, shared, slirp, state
from nerdpy.network.ports import PortMapping
from nerdpy.paths import write_private
from nerdpy.records import replace

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from nerdpy.config import Settings

_HOST = "host"  # bridge ops in this process's namespace (root)


def _ns(settings: "Settings", create: bool) -> str | None:
    """Where bridges live: None for the host namespace (root), the shared path rootless."""
    if not settings.rootless:
        return _HOST
    if create:
        return shared.ensure(settings).path
    current = shared.current(settings)
    return current.path if current else None


def _target(ns: str | None) -> str | None:
    return None if ns == _HOST else ns


def spec_of(net: state.NetworkRecord) -> bridge.BridgeSpec:
    subnet = ipaddress.ip_network(net.subnet)
    prefix6 = ipaddress.ip_network(net.subnet6).prefixlen if net.subnet6 else 64
    return bridge.BridgeSpec(net.id, net.bridge, net.gateway, subnet.prefixlen, net.subnet, net.internal,
                             net.gateway6, prefix6)


def veth_name(container_id: str, network_id: str) -> str:
    from nerdpy.digest import sha256_hex  # without loading OpenSSL: root's run path

    return "nv" + sha256_hex(f"{container_id}/{network_id}".encode())[:12]


def _ensure_bridge(settings: "Settings", ns: str | None, net: state.NetworkRecord) -> None:
    """Create the network's bridge unless present: /sys tells root; rootless a marker
    file (under the shared namespace's state, gone with it) saves an exec."""
    if ns == _HOST:
        # Root: /sys shows the host's links. The marker holds the ifindex this store
        # checked, so a bridge made by another store (or recreated) is repaired once.
        marker = shared.marker_dir(settings, "host.d") / net.bridge
        try:
            ifindex = open(f"/sys/class/net/{net.bridge}/ifindex").read().strip()
        except OSError:
            ifindex = ""
        if not ifindex or not marker.exists() or marker.read_text() != ifindex:
            bridge.ensure_bridge(None, spec_of(net), exists=bool(ifindex))
            write_private(marker, open(f"/sys/class/net/{net.bridge}/ifindex").read().strip())
        return
    marker = shared.marker_dir(settings) / net.bridge
    if not marker.exists():
        bridge.ensure_bridge(ns, spec_of(net))
        marker.touch()


def forget_bridge(settings: "Settings", net: state.NetworkRecord) -> None:
    """Rootless `network rm`: the bridge leaves the shared namespace at once. Left
    there while other containers keep the namespace alive, it kept its gateway
    address, and a later network given the same subnet lost its traffic to it."""
    with shared.locked(settings):
        current = shared.current(settings)
        if current is None:
            return  # its markers went with the namespace
        bridge.delete_bridge(current.path, net.bridge, net.id)
        (shared.marker_dir(settings) / net.bridge).unlink(missing_ok=True)


def attach_one(settings: "Settings", ns: str | None, record: state.AttachmentRecord, net: state.NetworkRecord,
               index: int, ip: str, aliases: tuple[str, ...], primary: bool, mac: str = "") -> state.EndpointRecord:
    _ensure_bridge(settings, ns, net)
    db = state.database(settings)
    try:
        with db.transaction() as conn:
            endpoint = ipam.allocate(conn, net, record.container_id, ip, aliases, f"eth{index}",
                                     veth_name(record.container_id, net.id), mac)
    except sqlite3.IntegrityError as exc:
        if exc.sqlite_errorname in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"):  # already on it
            raise Conflict(f"container {record.container_id[:12]} is already connected to network {net.name}") from None
        raise
    try:
        prefix = ipaddress.ip_network(net.subnet).prefixlen
        prefix6 = ipaddress.ip_network(net.subnet6).prefixlen if net.subnet6 else 64
        gateway = net.gateway if primary and not net.internal else ""
        bridge.add_veth(_target(ns), net.bridge, endpoint.host_veth, record.netns, endpoint.ifname, endpoint.ip,
                        prefix, gateway, endpoint.mac, endpoint.ip6, prefix6,
                        net.gateway6 if primary and not net.internal else "")
    except BaseException:
        _drop_endpoint(settings, record.container_id, net.id)
        raise
    return endpoint


def _drop_endpoint(settings: "Settings", container_id: str, network_id: str) -> None:
    with state.database(settings).transaction() as conn:
        conn.execute("DELETE FROM net_endpoints WHERE container_id = ? AND network_id = ?", (container_id, network_id))


def attach_bridges(settings: "Settings", base: state.AttachmentRecord, request: NetworkRequest,
                   networks: list[state.NetworkRecord], hostname: str, dns: list[str],
                   add_hosts: list[tuple[str, str]], ports: list[PortMapping]) -> Attachment:
    from nerdpy.network.attach import _resolv

    with shared.locked(settings):
        ns = _ns(settings, create=True)
        endpoints = [
            attach_one(settings, ns, base, net, i, _ip_on(request, net) or (request.ip if i == 0 else ""),
                       request.aliases + _only_on(request, net), i == 0, request.mac_address if i == 0 else "")
            for i, net in enumerate(networks)
        ]
        keep: list[int] = []
        try:
            if settings.rootless:
                published = _publish_rootless(settings, ns, base, endpoints[0].ip, ports, keep)
            else:
                published = publish(settings, ns, base.container_id, endpoints[0].ip, ports)
                published += _forward_v6(settings, base, endpoints[0].ip, published, keep)
        except BaseException:
            for fd in keep:
                os.close(fd)
            raise
        first = networks[0]
        hosts_base = files.hosts_base(hostname, [endpoints[0].ip], [request.name, *request.aliases], add_hosts,
                                      first.gateway)
        record = replace(base, mode="bridge", ports=tuple(published), hosts_base=hosts_base)
        state.save_attachment(settings, record)
        peers.refresh(settings, {n.id for n in networks}, skip=base.container_id)
        hosts = files.hosts_with_peers(hosts_base, peers.peers_of(settings, base.container_id))
    from nerdpy.network.dns import nameservers

    served = None if dns else nameservers(settings, first)
    return Attachment(base.netns, keep_fds=tuple(keep), hosts=hosts,
                      resolv_conf=_resolv(settings, request, served or dns, settings.rootless and not served),
                      hostname=f"{hostname}\n", ports=tuple(published), ip=endpoints[0].ip,
                      endpoints=tuple(to_endpoint(net, ep) for net, ep in zip(networks, endpoints)), mode="bridge")


def _only_on(request: NetworkRequest, net: state.NetworkRecord) -> tuple[str, ...]:
    """Aliases given for this one network (`network connect --alias`), by its name or id."""
    return tuple(a for name, aliases in request.network_aliases if name in (net.name, net.id) for a in aliases)


def _ip_on(request: NetworkRequest, net: state.NetworkRecord) -> str:
    """The static address given for this one network (`--network name=NET,ip=IP`, `network connect --ip`)."""
    return next((ip for name, ip in request.network_ips if name in (net.name, net.id)), "")


def to_endpoint(net: state.NetworkRecord, ep: state.EndpointRecord) -> Endpoint:
    return Endpoint(net.name, net.id, ep.ip, ipaddress.ip_network(net.subnet).prefixlen, net.gateway, ep.mac,
                    ep.aliases)


def publish(settings: "Settings", ns: str | None, container_id: str, container_ip: str,
            ports: list[PortMapping]) -> list[PortMapping]:
    from nerdpy.network.attach import reserved_ports, resolve_host_port

    reserved = reserved_ports(settings, container_id)
    published: list[PortMapping] = []
    for mapping in ports:
        mapping = resolve_host_port(mapping, reserved)
        reserved.add((mapping.protocol, mapping.host_port))
        if settings.rootless:
            api = shared.current(settings)
            assert api is not None
            slirp.add_hostfwd(api.api_socket, mapping.protocol, mapping.host_ip, mapping.host_port,
                              mapping.host_port, slirp.GUEST_IP)
        published.append(mapping)
        # Recorded as we go: teardown removes exactly what was added.
        record = state.load_attachment(settings, container_id)
        if record is not None:
            state.save_attachment(settings, replace(record, ports=tuple(published)))
    bridge.add_port_rules(_target(ns), port_rules(settings, published, container_ip))
    return published


def _publish_rootless(settings: "Settings", ns: str | None, base: state.AttachmentRecord, container_ip: str,
                      ports: list[PortMapping], keep: list[int]) -> list[PortMapping]:
    """Rootless: TCP through the splice forwarder; UDP through slirp4netns + DNAT on
    IPv4 (slirp4netns binds no IPv6) and through the forwarder on IPv6."""
    from nerdpy.network.attach import forward_ports

    udp = publish(settings, ns, base.container_id, container_ip, [p for p in ports if p.protocol != "tcp"])
    fwd_fd, forwarded = forward_ports(settings, base.container_id, base.netns, container_ip,
                                      [p for p in ports if p.protocol == "tcp"], also_v6=udp)
    keep += [fwd_fd] if fwd_fd >= 0 else []
    tcp = [m for m in forwarded if m.protocol == "tcp"]
    six = {(m.host_port, m.container_port): m for m in forwarded if m.protocol != "tcp"}
    return tcp + [m for v4 in udp for m in (v4, six.get((v4.host_port, v4.container_port))) if m is not None]


def _forward_v6(settings: "Settings", base: state.AttachmentRecord, container_ip: str,
                published: list[PortMapping], keep: list[int]) -> list[PortMapping]:
    """Root: the IPv6 side (`:::8080->80/tcp`) of ports published without an address."""
    from nerdpy.network import tcpfwd

    pidfile = settings.layout.netns_dir / f"{base.container_id[:16]}.fwd"
    fwd_fd, six = tcpfwd.start_v6(base.netns, container_ip, published, pidfile)
    keep += [fwd_fd] if fwd_fd >= 0 else []
    return six


def port_rules(settings: "Settings", ports: tuple[PortMapping, ...] | list[PortMapping],
               container_ip: str) -> list[bridge.PortRule]:
    # `::` ports are the forwarder's (see _forward_v6), not nftables rules. Rootless, so is
    # TCP, and slirp4netns binds UDP's host address: inside the namespace only the port
    # matters. (One nft transaction: an element that was never added fails every delete.)
    if settings.rootless:
        return [(p.protocol, "", p.host_port, container_ip, p.container_port)
                for p in ports if p.protocol != "tcp" and p.host_ip != "::"]
    return [(p.protocol, p.host_ip, p.host_port, container_ip, p.container_port) for p in ports if p.host_ip != "::"]


def _unpublish_slirp(settings: "Settings", ports: tuple[PortMapping, ...]) -> None:
    current = shared.current(settings)
    if current is None or not ports:
        return
    try:
        entries = slirp.api_call(current.api_socket, {"execute": "list_hostfwd"}).get("entries", [])
    except Exception:
        return
    wanted = {(p.protocol, p.host_port) for p in ports}
    for entry in entries:
        if (entry.get("proto"), entry.get("host_port")) in wanted:
            try:
                slirp.api_call(current.api_socket, {"execute": "remove_hostfwd", "arguments": {"id": entry["id"]}})
            except Exception:
                pass


def detach(settings: "Settings", container_id: str, network_ids: set[str] | None = None) -> None:
    """Remove the container's endpoints (all, or those on `network_ids`). Takes the lock."""
    with shared.locked(settings):
        endpoints = [e for e in state.endpoints_of(settings, container_id)
                     if network_ids is None or e.network_id in network_ids]
        ns = _ns(settings, create=False)
        record = state.load_attachment(settings, container_id)
        if ns is not None and network_ids is not None:
            # Whole teardown skips this: the veths go with the container's netns
            # (deleting one costs 20-40 ms of RCU grace periods).
            for endpoint in endpoints:
                bridge.delete_veth(_target(ns), endpoint.host_veth)
        if ns is not None and network_ids is None and record is not None and record.ports:
            bridge.delete_port_rules(_target(ns), port_rules(settings, record.ports, ""))
        if network_ids is None and record is not None and settings.rootless:
            _unpublish_slirp(settings, record.ports)
        for endpoint in endpoints:
            _drop_endpoint(settings, container_id, endpoint.network_id)
        touched = {e.network_id for e in endpoints}
        peers.refresh(settings, touched, also=container_id if network_ids is not None else "")
        _cleanup_idle(settings, ns, touched)


def _cleanup_idle(settings: "Settings", ns: str | None, network_ids: set[str]) -> None:
    """Rootless: the shared namespace goes with its last endpoint. Root: a user
    network's bridge goes with its last endpoint (recreated on demand, so no
    interface outlives the containers); the default `nerdpy0` stays, as docker0."""
    if settings.rootless:
        shared.release(settings, state.count_endpoints(settings))
        return
    for network_id in network_ids:
        net = state.find_network(settings, network_id)
        if not net.builtin and not state.endpoints_on(settings, network_id):
            bridge.delete_bridge(_target(ns), net.bridge, net.id)


def detach_all(settings: "Settings", container_id: str) -> None:
    detach(settings, container_id)
