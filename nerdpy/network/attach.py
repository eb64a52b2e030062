"""Setting up and tearing down one container's networking (see the package docstring).

The attachment record is saved right after the namespace exists, before any
helper or rule, so `teardown` can always find and undo what `setup` made, even
after a crash. Every failure inside `setup` calls `teardown` before re-raising.
"""

from __future__ import annotations

import _socket  # not `socket`: its enums and selectors cost `run` ~2 ms
import ipaddress
import os
from pathlib import Path

from nerdpy.errors import Conflict, InvalidArgument, NotFound
from nerdpy.network import Attachment, Endpoint, NetworkRequest, files, netns, slirp, state
from nerdpy.network.ports import PortMapping, merge_ports, publish_failure
from nerdpy.paths import private_dirs
from nerdpy.records import replace

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from nerdpy.config import Settings


def classify(networks: tuple[str, ...]) -> tuple[str, list[str]]:
    """("host"|"none"|"container"|"bridge", network names or [container id])."""
    values = [n for n in networks if n not in ("", "default")] or ["bridge"]
    special = [n for n in values if n in ("host", "none") or n.startswith("container:")]
    if special and len(values) > 1:
        raise InvalidArgument(f"--network {special[0]} cannot be combined with other networks")
    if special:
        value = special[0]
        if value.startswith("container:"):
            target = value.partition(":")[2]
            if not target:
                raise InvalidArgument("--network container: needs a container name or id")
            return "container", [target]
        return value, []
    if len(set(values)) != len(values):
        raise InvalidArgument("the same network is given twice")
    return "bridge", values


def _check_request(request: NetworkRequest, mode: str) -> tuple[str, list[str], list[tuple[str, str]]]:
    hostname = files.check_hostname(request.hostname) if request.hostname else ""
    dns = files.check_dns(request.dns)
    add_hosts = [files.parse_add_host(h) for h in request.add_hosts]
    if mode == "container" and request.ports:
        # Docker: "conflicting options: port publishing and the container type network mode".
        raise InvalidArgument("published ports cannot be used with --network container:...",
                              hint="publish the ports on the container whose network is shared")
    return hostname, dns, add_hosts


def setup(settings: "Settings", container_id: str, request: NetworkRequest) -> Attachment:
    mode, names = classify(request.networks)
    hostname, dns, add_hosts = _check_request(request, mode)
    hostname = hostname or container_id[:12]
    if mode == "host":
        return _host(settings, container_id, request, hostname, add_hosts)
    if mode == "container":
        return _joined(settings, container_id, names[0], hostname)
    networks = [state.find_network(settings, n) for n in names] if mode == "bridge" else []
    for net in networks:
        if net.driver in ("host", "null"):
            raise InvalidArgument(f"network {net.name} cannot be combined with other networks")
    ports = merge_ports(request.ports, request.publish_all, request.exposed_ports) if mode == "bridge" else []
    _check_duplicate_ports(ports)
    path = settings.layout.netns_dir / container_id
    private_dirs(settings.layout.netns_dir)
    if netns.is_mounted(path):
        raise Conflict(f"container {container_id[:12]} already has a network namespace",
                       hint="stop the container first")
    netns.create(path)
    base = state.AttachmentRecord(container_id, mode if mode == "none" else "pending", str(path),
                                  name=request.name, hostname=hostname)
    try:
        state.save_attachment(settings, base)
        if mode == "none":
            hosts = files.hosts_base(hostname, [], [], add_hosts, "")
            state.save_attachment(settings, replace(base, hosts_base=hosts))
            return Attachment(str(path), hosts=hosts, resolv_conf=_resolv(settings, request, dns, False),
                              hostname=f"{hostname}\n", mode="none")
        if len(networks) == 1 and networks[0].slirp:
            return _slirp_default(settings, base, request, hostname, dns, add_hosts, ports)
        if any(n.slirp for n in networks):
            raise InvalidArgument("the default network cannot be combined with user networks rootless",
                                  hint="give only user networks with --network")
        from nerdpy.network.bridged import attach_bridges

        return attach_bridges(settings, base, request, networks, hostname, dns, add_hosts, ports)
    except BaseException:
        teardown(settings, container_id)
        raise


def _check_duplicate_ports(ports: list[PortMapping]) -> None:
    seen: set[tuple[str, int]] = set()
    for p in ports:
        if p.host_port and not p.host_port_max:
            key = (p.protocol, p.host_port)
            if key in seen:
                raise Conflict(f"host port {p.host_port}/{p.protocol} is published twice")
            seen.add(key)


def _resolv(settings: "Settings", request: NetworkRequest, dns: list[str], slirp_dns: bool) -> str:
    servers, search, options = files.host_resolv()
    if slirp_dns:
        servers = [slirp.DNS_IP]
    return files.resolv_conf(dns or servers, list(request.dns_search) or search,
                             list(request.dns_options) or options)


def host_address() -> str:
    """The host's primary IPv4 address (what `host-gateway` means rootless)."""
    sock = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    try:
        sock.connect(("192.0.2.254", 9))  # no packet is sent for UDP connect
        return sock.getsockname()[0]
    except OSError:
        return slirp.GATEWAY_IP
    finally:
        sock.close()


def _host(settings: "Settings", container_id: str, request: NetworkRequest, hostname: str,
          add_hosts: list[tuple[str, str]]) -> Attachment:
    try:
        hosts = Path("/etc/hosts").read_text(errors="replace")
    except OSError:
        hosts = files.HEADER
    hosts += "".join(f"{host_address() if ip == 'host-gateway' else ip}\t{name}\n" for name, ip in add_hosts)
    hostname = request.hostname or _socket.gethostname()
    state.save_attachment(settings, state.AttachmentRecord(container_id, "host", name=request.name, hostname=hostname))
    return Attachment(None, hosts=hosts, resolv_conf=_resolv(settings, request, files.check_dns(request.dns), False),
                      hostname=f"{hostname}\n", mode="host")


def _joined(settings: "Settings", container_id: str, target: str, hostname: str) -> Attachment:
    record = _find_running(settings, target)
    path: str | None = None
    if record.mode != "host":
        path = record.netns
        if not path or not netns.is_mounted(Path(path)):
            raise NotFound(f"container {target} is not running", hint="start it first")
    state.save_attachment(settings, state.AttachmentRecord(container_id, "container", path or "",
                                                           joined=record.container_id, hostname=hostname))
    from nerdpy.network.peers import peers_of

    base = record.hosts_base or files.HEADER
    hosts = files.hosts_with_peers(base, peers_of(settings, record.container_id)) if record.mode == "bridge" else base
    try:
        resolv_text = (settings.layout.containers_dir / record.container_id / "resolv.conf").read_text()
    except OSError:
        resolv_text = files.resolv_conf(*files.host_resolv())
    return Attachment(path, hosts=hosts, resolv_conf=resolv_text, hostname=f"{record.hostname or hostname}\n",
                      mode="container")


def _find_running(settings: "Settings", ref: str) -> state.AttachmentRecord:
    """The network record of a running container by full id, name or unique id prefix."""
    records = [r for r in state.all_attachments(settings) if r.mode not in ("pending", "container")]
    found = [r for r in records if ref in (r.container_id, r.name)] or [
        r for r in records if r.container_id.startswith(ref)]
    if len(found) != 1:
        raise NotFound(f"container {ref} is not running or has no network", hint="start that container first")
    return found[0]


def resolve_host_port(mapping: PortMapping, reserved: set[tuple[str, int]]) -> PortMapping:
    """Choose a free host port for 0 or a range; check a fixed one is free (root: DNAT binds nothing)."""
    candidates = range(mapping.host_port, (mapping.host_port_max or mapping.host_port) + 1) if mapping.host_port else [0]
    last_error: OSError | None = None
    for port in candidates:
        if (mapping.protocol, port) in reserved:
            last_error = None
            continue
        try:
            chosen = _probe_bind(mapping.protocol, mapping.host_ip, port)
        except OSError as exc:
            last_error = exc
            continue
        return replace(mapping, host_port=chosen, host_port_max=0)
    raise publish_failure(mapping, last_error)


def _probe_bind(proto: str, host_ip: str, port: int) -> int:
    family = _socket.AF_INET6 if ":" in host_ip else _socket.AF_INET
    kind = _socket.SOCK_DGRAM if proto == "udp" else _socket.SOCK_STREAM
    sock = _socket.socket(family, kind)
    try:
        if kind == _socket.SOCK_STREAM:
            sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)
        sock.bind((host_ip or "0.0.0.0", port))
        return sock.getsockname()[1]
    finally:
        sock.close()


def reserved_ports(settings: "Settings", except_id: str = "") -> set[tuple[str, int]]:
    return {(p.protocol, p.host_port) for rec in state.all_attachments(settings) if rec.container_id != except_id
            for p in rec.ports}


def _slirp_default(settings: "Settings", base: state.AttachmentRecord, request: NetworkRequest, hostname: str,
                   dns: list[str], add_hosts: list[tuple[str, str]], ports: list[PortMapping]) -> Attachment:
    from nerdpy.userns.holder import process_start_time

    cid = base.container_id
    d = settings.layout.netns_dir
    sock, log = d / f"{cid[:16]}.sock", d / f"{cid[:16]}.log"
    # Spawned, not awaited: the caller prepares the bundle while slirp4netns comes up.
    # Host loopback stays off whatever is published: UDP goes through the forwarder too.
    helper = slirp.spawn(Path(base.netns), sock, log)
    keep = [helper.exit_fd]
    try:
        record = replace(base, mode="slirp", helper_pid=helper.pid,
                         helper_start=process_start_time(helper.pid) or 0, api_socket=str(sock))
        state.save_attachment(settings, record)
        fwd_fd, published = forward_ports(settings, cid, base.netns, slirp.GUEST_IP, ports)
        keep += [fwd_fd] if fwd_fd >= 0 else []
        hosts = files.hosts_base(hostname, [slirp.GUEST_IP], [request.name, *request.aliases], add_hosts,
                                 host_address())
        state.save_attachment(settings, replace(record, ports=tuple(published), hosts_base=hosts))
    except BaseException:
        helper.abandon()
        for fd in keep:
            os.close(fd)
        raise
    endpoint = Endpoint("bridge", state.builtin_id("bridge"), slirp.GUEST_IP, slirp.PREFIX_LEN, slirp.GATEWAY_IP)
    return Attachment(base.netns, keep_fds=tuple(keep), hosts=hosts,
                      resolv_conf=_resolv(settings, request, dns, True), hostname=f"{hostname}\n",
                      ports=tuple(published), ip=slirp.GUEST_IP, endpoints=(endpoint,), mode="bridge",
                      pending=helper)


def forward_ports(settings: "Settings", container_id: str, netns_path: str, target_ip: str,
                  ports: list[PortMapping], also_v6: list[PortMapping] | None = None) -> tuple[int, list[PortMapping]]:
    """Rootless ports through the forwarder, and the IPv6 side of `also_v6`; (exit fd or -1, published)."""
    if not ports and not also_v6:
        return -1, []
    from nerdpy.network import tcpfwd

    pidfile = settings.layout.netns_dir / f"{container_id[:16]}.fwd"
    return tcpfwd.start(netns_path, target_ip, ports, pidfile, reserved_ports(settings, container_id), also_v6)


def teardown(settings: "Settings", container_id: str) -> None:
    record = state.load_attachment(settings, container_id)
    path = settings.layout.netns_dir / container_id
    from nerdpy.network import tcpfwd

    tcpfwd.stop(settings.layout.netns_dir / f"{container_id[:16]}.fwd")
    if record is not None and record.mode == "slirp":
        slirp.stop(record.helper_pid, record.helper_start or None)
        d = settings.layout.netns_dir
        for name in (f"{container_id[:16]}.sock", f"{container_id[:16]}.log"):
            try:
                (d / name).unlink()
            except FileNotFoundError:
                pass
    if state.endpoints_of(settings, container_id):
        from nerdpy.network.bridged import detach_all

        detach_all(settings, container_id)
    netns.remove(path)
    if record is not None:
        state.delete_attachment(settings, container_id)


def prefix_of(subnet: str) -> int:
    return ipaddress.ip_network(subnet).prefixlen
