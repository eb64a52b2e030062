"""Network use cases: create, list, inspect, remove, prune, connect, disconnect."""

from __future__ import annotations

import datetime
import ipaddress
import re

from nerdpy.config import Settings
from nerdpy.errors import Conflict, InvalidArgument, NerdpyError, NotFound, NotImplementedYet
from nerdpy.keyvalue import filter_matches
from nerdpy.network import ipam, state

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Sequence

_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")  # fullmatch: no trailing newline
BUILTIN_ERROR = "{} is a pre-defined network and cannot be removed"


def check_network_name(name: str) -> str:
    """No length limit, as in Docker: the name is only a record (bridges are named by ID)."""
    if not _NAME.fullmatch(name):
        raise InvalidArgument(f"invalid network name {name!r}", hint="use letters, digits, '_', '.' and '-'")
    return name


def create(settings: Settings, name: str, driver: str = "bridge", subnets: tuple[str, ...] = (),
           gateways: tuple[str, ...] = (), ip_ranges: tuple[str, ...] = (), internal: bool = False,
           ipv6: bool = False, labels: dict | None = None, options: dict | None = None) -> state.NetworkRecord:
    check_network_name(name)
    if driver in ("macvlan", "ipvlan", "overlay"):
        raise NotImplementedYet(f"network driver {driver} is not implemented", hint="use --driver bridge")
    if driver != "bridge":
        raise InvalidArgument(f"unknown network driver {driver!r}", hint="use --driver bridge")
    v4 = [ipam.parse_subnet(s) for s in subnets if ":" not in s]
    v6 = [ipam.parse_subnet(s) for s in subnets if ":" in s]
    if len(v4) > 1 or len(v6) > 1:
        raise InvalidArgument("give at most one IPv4 and one IPv6 --subnet")
    if len(gateways) > len(subnets) or len(ip_ranges) > len(subnets):
        raise InvalidArgument("--gateway and --ip-range need a matching --subnet")
    if v6 and not ipv6:
        ipv6 = True
    network_id = ipam.random_id()
    db = state.database(settings)
    with db.transaction() as conn:
        existing = [state.network_from_row(r) for r in conn.execute("SELECT * FROM networks")]
        if any(n.name == name for n in existing):
            raise Conflict(f"network with name {name} already exists", hint="choose another name")
        subnet = v4[0] if v4 else ipam.pick_subnet(existing, [] if settings.rootless else ipam.host_routes())
        ipam.check_overlap(subnet, existing)
        gateway = _gateway(gateways, subnet)
        ip_range = _ip_range(ip_ranges, subnet)
        subnet6 = v6[0] if v6 else (ipam.pick_subnet6(network_id) if ipv6 else None)
        if subnet6 is not None:
            ipam.check_overlap(subnet6, existing)
        record = state.NetworkRecord(
            id=network_id, name=name, driver=driver, subnet=str(subnet), gateway=gateway, ip_range=ip_range,
            internal=internal, ipv6=ipv6, subnet6=str(subnet6) if subnet6 else "",
            gateway6=ipam.default_gateway(subnet6) if subnet6 else "", labels=dict(labels or {}),
            options=dict(options or {}), created=_now(), bridge=f"nerdpy-{network_id[:8]}",
        )
        state.insert_network(conn, record)
    _event(settings, "create", record, type=record.driver)
    return record


def _gateway(gateways: tuple[str, ...], subnet: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    v4 = [g for g in gateways if ":" not in g]
    if v4:
        return ipam.check_address_in(v4[0], subnet, "gateway")
    return ipam.default_gateway(subnet)


def _ip_range(ranges: tuple[str, ...], subnet: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    v4 = [r for r in ranges if ":" not in r]
    if not v4:
        return ""
    pool = ipam.parse_subnet(v4[0])
    inside = (isinstance(pool, ipaddress.IPv4Network) and isinstance(subnet, ipaddress.IPv4Network)
              and pool.subnet_of(subnet))
    if not inside:
        raise InvalidArgument(f"--ip-range {pool} is not inside subnet {subnet}")
    return str(pool)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def list_networks(settings: Settings, filters: Sequence[str] = ()) -> list[state.NetworkRecord]:
    networks = state.list_networks(settings)
    for item in filters:
        key, eq, value = item.partition("=")
        if not eq:
            raise InvalidArgument(f"invalid filter {item!r}", hint="use key=value")
        networks = [n for n in networks if _matches(settings, n, key, value)]
    return networks


def _matches(settings: Settings, net: state.NetworkRecord, key: str, value: str) -> bool:
    if key == "name":
        return filter_matches(value, net.name)
    if key == "id":
        return net.id.startswith(value)
    if key == "driver":
        return net.driver == value
    if key == "type":
        if value not in ("custom", "builtin"):
            raise InvalidArgument(f"invalid filter 'type={value}'", hint="use custom or builtin")
        return net.builtin == (value == "builtin")
    if key == "label":
        k, eq, v = value.partition("=")
        return k in net.labels and (not eq or net.labels[k] == v)
    if key == "dangling":
        from nerdpy.booleans import parse_bool

        dangling = not net.builtin and not state.endpoints_on(settings, net.id)
        return dangling == parse_bool(value, "filter 'dangling'")
    raise InvalidArgument(f"invalid filter {key!r}", hint="use name, id, driver, type, label or dangling")


def inspect(settings: Settings, name_or_id: str) -> dict:
    net = state.find_network(settings, name_or_id)
    containers = {}
    for ep in state.endpoints_on(settings, net.id):
        record = state.load_attachment(settings, ep.container_id)
        prefix = ipaddress.ip_network(net.subnet).prefixlen
        containers[ep.container_id] = {
            "Name": record.name if record else "", "EndpointID": ep.host_veth, "MacAddress": ep.mac,
            "IPv4Address": f"{ep.ip}/{prefix}",
            "IPv6Address": f"{ep.ip6}/{ipaddress.ip_network(net.subnet6).prefixlen}" if ep.ip6 else "",
        }
    config = []
    if net.subnet:
        entry = {"Subnet": net.subnet, "Gateway": net.gateway}
        if net.ip_range:
            entry["IPRange"] = net.ip_range
        config.append(entry)
    if net.subnet6:
        config.append({"Subnet": net.subnet6, "Gateway": net.gateway6})
    options = dict(net.options)
    if net.bridge:
        options.setdefault("com.docker.network.bridge.name", net.bridge)
    options = {k: str(v) for k, v in options.items()}
    return {
        "Name": net.name, "Id": net.id, "Created": net.created, "Scope": "local", "Driver": net.driver,
        "EnableIPv6": net.ipv6, "IPAM": {"Driver": "default", "Options": {}, "Config": config},
        "Internal": net.internal, "Attachable": False, "Ingress": False, "ConfigFrom": {"Network": ""},
        "ConfigOnly": False, "Containers": containers, "Options": options, "Labels": dict(net.labels),
    }


def _event(settings: Settings, action: str, net: state.NetworkRecord, **attributes: str) -> None:
    """Record a network event (`nerdpy events`): Actor ID is the network's ID."""
    from nerdpy.events import emit

    emit(settings.layout.runtime_root, "network", action, net.id, {"name": net.name, **attributes})


def remove(settings: Settings, name_or_id: str, force: bool = False) -> str:
    net = state.find_network(settings, name_or_id)
    if net.builtin:
        raise Conflict(BUILTIN_ERROR.format(net.name))
    reap_stale(settings)
    in_use = state.endpoints_on(settings, net.id)
    if in_use:
        raise Conflict(f"network {net.name} id {net.id} has active endpoints",
                       hint="stop or disconnect its containers first")
    with state.database(settings).transaction() as conn:
        if conn.execute("SELECT 1 FROM net_endpoints WHERE network_id = ?", (net.id,)).fetchone():
            raise Conflict(f"network {net.name} id {net.id} has active endpoints")
        conn.execute("DELETE FROM networks WHERE id = ?", (net.id,))
    if not settings.rootless:
        import glob

        from nerdpy.network import bridge

        bridge.delete_bridge(None, net.bridge, net.id)
        if not glob.glob("/sys/class/net/nerdpy*"):
            bridge.delete_table(None)
    elif net.driver == "bridge" and not net.slirp:
        from nerdpy.network import bridged

        bridged.forget_bridge(settings, net)
    _event(settings, "destroy", net, type=net.driver)
    return net.name


def reap_stale(settings: Settings) -> list[str]:
    """Tear down network records whose namespace is gone (a reboot wiped the
    runtime dir, or a crash): they would hold addresses and block `network rm`."""
    from pathlib import Path

    from nerdpy.network import netns, teardown

    stale = [r.container_id for r in state.all_attachments(settings)
             if r.mode in ("bridge", "slirp", "none") and r.netns and not netns.is_mounted(Path(r.netns))]
    for container_id in stale:
        teardown(settings, container_id)
    return stale


def prune(settings: Settings, filters: Sequence[str] = ()) -> list[str]:
    """Remove unused user networks matching Docker's until=, label=, label!= filters."""
    from nerdpy.api.prune_filters import parse_prune_filters
    from nerdpy.images.image import parse_time

    wanted = parse_prune_filters(filters, "network prune")
    removed = []
    for net in state.list_networks(settings):
        if net.builtin or state.endpoints_on(settings, net.id):
            continue
        if not wanted.selects(parse_time(net.created), net.labels):
            continue
        try:
            removed.append(remove(settings, net.id))
        except NerdpyError:
            continue  # it gained an endpoint meanwhile
    return removed


def connect(settings: Settings, network: str, container: str, aliases: tuple[str, ...] = (), ip: str = "") -> None:
    """Join a container to one more network, running (a new ethN; peers' hosts files
    updated) or not, and keep it in its config: the next start joins it too, as Docker."""
    from nerdpy.containers import netconfig
    from nerdpy.network import bridged, peers, shared

    net = state.find_network(settings, network)
    store = _containers(settings)
    target = store.get(container)
    if netconfig.is_connected(target.config, _same(settings, net)):
        raise Conflict(f"container {container} is already connected to network {net.name}")
    record = _running_attachment(settings, store, target.id)
    own_bridge = record.mode == "bridge" if record is not None else _on_user_bridge(settings, target)
    if not own_bridge or net.driver != "bridge" or net.slirp:
        raise Conflict(f"container {container} cannot be connected to network {net.name}",
                       hint="containers on the rootless default, host, none or container: network cannot join")
    if record is not None:
        with shared.locked(settings):
            ns = bridged._ns(settings, create=True)
            index = len(state.endpoints_of(settings, record.container_id))
            bridged.attach_one(settings, ns, record, net, index, ip, aliases, primary=False)
            peers.refresh(settings, {e.network_id for e in state.endpoints_of(settings, record.container_id)})
    store.update_config(target.id, netconfig.with_network(target.config, net.name, aliases, ip))
    _event(settings, "connect", net, container=target.id, type=net.driver)


def _containers(settings: Settings) -> Any:
    from nerdpy.containers.store import ContainerStore

    return ContainerStore(settings)


def _same(settings: Settings, net: state.NetworkRecord) -> Callable[[str], bool]:
    """Whether a configured network name or id is `net`."""
    def same(name: str) -> bool:
        if name in (net.name, net.id):
            return True
        try:
            return state.find_network(settings, name).id == net.id
        except NerdpyError:
            return False

    return same


def _running_attachment(settings: Settings, store: Any, container_id: str) -> state.AttachmentRecord | None:
    record = state.load_attachment(settings, container_id)
    return record if record is not None and store.state(container_id).running else None


def _on_user_bridge(settings: Settings, container: Any) -> bool:
    """A stopped container can join more networks when its first one is a bridge of its own."""
    first = (container.host_config.get("Networks") or ["bridge"])[0]
    try:
        net = state.find_network(settings, first)
    except NerdpyError:  # host, none, container:NAME
        return False
    return net.driver == "bridge" and not net.slirp


def disconnect(settings: Settings, network: str, container: str, force: bool = False) -> None:
    """Leave a network, running or not; the config forgets it, so the next start does too."""
    from nerdpy.containers import netconfig
    from nerdpy.network import bridged

    net = state.find_network(settings, network)
    store = _containers(settings)
    target = store.get(container)
    same = _same(settings, net)
    record = _running_attachment(settings, store, target.id)
    live = record is not None and any(e.network_id == net.id for e in state.endpoints_of(settings, target.id))
    configured = netconfig.is_connected(target.config, same)
    if not live and not configured:
        raise NotFound(f"container {container} is not connected to network {net.name}")
    if live:
        bridged.detach(settings, target.id, {net.id})
    if configured:
        store.update_config(target.id, netconfig.without_network(target.config, same))
    _event(settings, "disconnect", net, container=target.id, type=net.driver)
