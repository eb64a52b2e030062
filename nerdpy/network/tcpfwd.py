"""Starting and stopping the rootless port forwarder (TCP and UDP; see forwarder.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from nerdpy.errors import InvalidArgument
from nerdpy.linux.which import executable
from nerdpy.network.ports import PortMapping, publish_failure
from nerdpy.paths import write_private
from nerdpy.records import replace

SCRIPT = str(Path(__file__).with_name("forwarder.py"))


def _listen(mapping: PortMapping, reserved: set[tuple[str, int]]) -> tuple[socket.socket, PortMapping]:
    """Bind the host side now: a taken port fails here, before anything runs."""
    family = socket.AF_INET6 if ":" in mapping.host_ip else socket.AF_INET
    candidates = (range(mapping.host_port, (mapping.host_port_max or mapping.host_port) + 1)
                  if mapping.host_port else [0])
    error: OSError | None = None
    for port in candidates:
        if port and (mapping.protocol, port) in reserved:
            error = None
            continue
        tcp = mapping.protocol == "tcp"
        sock = socket.socket(family, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
        try:
            if family == socket.AF_INET6:  # `[::]:8080:80` is IPv6 only, as Docker's
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            if tcp:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((mapping.host_ip or ("::" if family == socket.AF_INET6 else "0.0.0.0"), port))
            if tcp:
                sock.listen(128)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        return sock, replace(mapping, host_port=sock.getsockname()[1], host_port_max=0)
    raise publish_failure(mapping, error)


def _v6_listenable() -> bool:
    """Docker's test (libnetwork's IsV6Listenable): `[::1]:0` can listen. `::` binds even
    where IPv6 is disabled on every interface (sysctl disable_ipv6), reachable by nobody."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
            probe.listen(1)
    except OSError:  # EAFNOSUPPORT (ipv6.disable=1), EADDRNOTAVAIL (no ::1)
        return False
    return True


def _listen_v6(mapping: PortMapping) -> list[tuple[socket.socket, PortMapping]]:
    """Docker publishes a port given without an address on IPv6 too (`:::8080->80/tcp`):
    the same port on `::`, IPv6 only (the IPv4 socket has 0.0.0.0). A host without IPv6,
    or another owner of that IPv6 port, leaves the port on IPv4 alone, quietly."""
    tcp = mapping.protocol == "tcp"
    if not _v6_listenable():
        return []
    sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        if tcp:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("::", mapping.host_port))
        if tcp:
            sock.listen(128)
    except OSError:  # EADDRNOTAVAIL (no IPv6 address), EADDRINUSE
        sock.close()
        return []
    return [(sock, replace(mapping, host_ip="::"))]


def start(netns_path: str, target_ip: str, ports: list[PortMapping], pidfile: Path,
          reserved: set[tuple[str, int]], also_v6: list[PortMapping] | None = None) -> tuple[int, list[PortMapping]]:
    """Start the forwarder for `ports` (TCP and UDP; on IPv6 too when given no address)
    and for the IPv6 side alone of `also_v6` (ports IPv4 reaches by other means);
    returns (exit fd for the shim, or -1 when there is nothing to forward; published)."""
    if any(p.protocol not in ("tcp", "udp") for p in ports):
        raise InvalidArgument("the port forwarder only takes TCP and UDP ports")
    bound: list[tuple[socket.socket, PortMapping]] = []
    try:
        for mapping in ports:
            bound.append(_listen(mapping, reserved))
            if not mapping.host_ip:
                bound += _listen_v6(bound[-1][1])
        for mapping in also_v6 or ():
            if not mapping.host_ip and mapping.protocol in ("tcp", "udp"):
                bound += _listen_v6(mapping)
        if not bound:
            return -1, []
        return _spawn(netns_path, target_ip, bound, pidfile), [m for _, m in bound]
    finally:
        for sock, _ in bound:
            sock.close()


def start_v6(netns_path: str, target_ip: str, published: list[PortMapping],
             pidfile: Path) -> tuple[int, list[PortMapping]]:
    """Root: nftables DNAT publishes IPv4, and an ip6 DNAT cannot reach a container that
    has only IPv4, so the IPv6 side of each port given without an address goes through
    the forwarder (Docker uses its userland proxy for that). (-1, []) without IPv6."""
    return start(netns_path, target_ip, [], pidfile, set(), also_v6=published)


def _spawn(netns_path: str, target_ip: str, bound: list[tuple[socket.socket, PortMapping]], pidfile: Path) -> int:
    """Run forwarder.py in the container's netns with the bound sockets; the exit fd for the shim."""
    exit_r, exit_w = os.pipe()
    try:
        argv = [executable("nsenter"), f"--net={netns_path}", sys.executable, "-I", "-S", SCRIPT, str(exit_r), target_ip]
        argv += [f"{sock.fileno()}:{m.container_port}" for sock, m in bound]
        fds = [exit_r] + [sock.fileno() for sock, _ in bound]
        proc = subprocess.Popen(argv, pass_fds=fds, start_new_session=True, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")
    except BaseException:
        os.close(exit_w)
        raise
    finally:
        os.close(exit_r)
    proc.returncode = 0  # it outlives us; init reaps it
    from nerdpy.userns.holder import process_start_time

    tmp = pidfile.with_name(f".{pidfile.name}.{os.getpid()}")
    write_private(tmp, f"{proc.pid} {process_start_time(proc.pid) or 0}\n")
    os.replace(tmp, pidfile)
    return exit_w


def stop(pidfile: Path) -> None:
    from nerdpy.network import slirp

    try:
        pid_text, start_text = pidfile.read_text().split()
    except (OSError, ValueError):
        return
    slirp.stop(int(pid_text), int(start_text) or None)
    try:
        pidfile.unlink()
    except FileNotFoundError:
        pass
