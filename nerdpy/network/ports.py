"""Published ports: Docker's `-p` syntax, `-P` expansion, and the records kept for `nerdpy port`."""

from __future__ import annotations

import ipaddress

from nerdpy.errors import Conflict, InvalidArgument, NerdpyError, PermissionDenied
from nerdpy.records import record

PROTOCOLS = ("tcp", "udp")


@record
class PortMapping:
    """One host port -> container port. host_port 0: pick a free one; a range
    host_port..host_port_max: pick a free one within it (Docker's `8000-8010:80`)."""

    container_port: int
    host_port: int = 0
    protocol: str = "tcp"
    host_ip: str = ""  # "": all addresses (0.0.0.0)
    host_port_max: int = 0

    def describe(self) -> str:
        """`nerdpy port` style: `80/tcp -> 0.0.0.0:8080`."""
        ip = self.host_ip or "0.0.0.0"
        host = f"[{ip}]" if ":" in ip else ip
        return f"{self.container_port}/{self.protocol} -> {host}:{self.host_port}"

    def to_dict(self) -> dict:
        return {
            "container_port": self.container_port,
            "host_port": self.host_port,
            "protocol": self.protocol,
            "host_ip": self.host_ip,
            "host_port_max": self.host_port_max,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "PortMapping":
        return cls(
            int(data["container_port"]),
            int(data.get("host_port", 0)),
            str(data.get("protocol", "tcp")),
            str(data.get("host_ip", "")),
            int(data.get("host_port_max", 0)),
        )


def _port_range(text: str, spec: str, allow_zero: bool = False) -> tuple[int, int]:
    lo_text, sep, hi_text = text.partition("-")
    try:
        lo = int(lo_text)
        hi = int(hi_text) if sep else lo
    except ValueError:
        raise InvalidArgument(f"invalid port {text!r} in {spec!r}", hint="ports are numbers 1-65535") from None
    low_ok = lo >= (0 if allow_zero else 1)
    if not (low_ok and hi <= 65535 and lo <= hi):
        raise InvalidArgument(f"invalid port range {text!r} in {spec!r}", hint="ports are numbers 1-65535")
    return lo, hi


def _split_ip(spec: str) -> tuple[str, str]:
    """Split off a leading host IP (IPv6 in brackets); returns (ip, rest)."""
    if spec.startswith("["):
        close = spec.find("]")
        if close < 0 or spec[close + 1 : close + 2] != ":":
            raise InvalidArgument(f"invalid IPv6 address in {spec!r}", hint="write it as [::1]:8080:80")
        return spec[1:close], spec[close + 2 :]
    parts = spec.split(":")
    if len(parts) == 3:
        return parts[0], f"{parts[1]}:{parts[2]}"
    if len(parts) > 3:
        raise InvalidArgument(f"invalid publish spec {spec!r}", hint="use [ip:][hostPort:]containerPort[/protocol]")
    return "", spec


def publish_failure(mapping: PortMapping, error: OSError | None) -> NerdpyError:
    """Why a host port could not be taken, in words that say what happened:
    taken (or already published: `error` None), privileged for a rootless user,
    or an address this host does not have."""
    where = f"{mapping.host_ip or '0.0.0.0'}:{mapping.host_port}"
    if mapping.host_port_max:
        where += f"-{mapping.host_port_max}"
    what = f"cannot publish {where}/{mapping.protocol}"
    errno_ = error.errno if error is not None else None
    if errno_ == 13:  # EACCES: below ip_unprivileged_port_start, without privileges
        try:
            with open("/proc/sys/net/ipv4/ip_unprivileged_port_start") as f:
                start = f.read().strip()
        except OSError:
            start = "1024"
        return PermissionDenied(
            f"{what}: ports below {start} are privileged (net.ipv4.ip_unprivileged_port_start)",
            hint=f"publish a port >= {start}, or: sudo sysctl net.ipv4.ip_unprivileged_port_start={mapping.host_port}")
    if errno_ == 99:  # EADDRNOTAVAIL
        return InvalidArgument(f"{what}: {mapping.host_ip} is not an address of this host",
                               hint="publish on one of this host's addresses, or on all (no address)")
    if errno_ in (None, 98):  # EADDRINUSE, or published by another container
        return Conflict(f"{what}: port is already allocated", hint="choose another host port")
    return Conflict(f"{what}: {error.strerror if error else 'failed'}", hint="choose another host port")


def parse_publish(spec: str) -> list[PortMapping]:
    """Parse one `-p` value: `[ip:][hostPort[-end]:]containerPort[-end][/tcp|udp]`."""
    body, _, proto = spec.partition("/")
    proto = (proto or "tcp").lower()
    if proto not in PROTOCOLS:
        raise InvalidArgument(f"invalid protocol {proto!r} in {spec!r}", hint="use tcp or udp")
    if not body:
        raise InvalidArgument(f"invalid publish spec {spec!r}", hint="use [ip:][hostPort:]containerPort[/protocol]")
    ip, rest = _split_ip(body)
    if ip:
        try:
            ip = str(ipaddress.ip_address(ip))
        except ValueError:
            raise InvalidArgument(f"invalid host IP {ip!r} in {spec!r}") from None
    host_text, sep, container_text = rest.rpartition(":")
    if not sep:
        host_text, container_text = "", rest
    c_lo, c_hi = _port_range(container_text, spec)
    if not host_text:
        return [PortMapping(p, 0, proto, ip) for p in range(c_lo, c_hi + 1)]
    h_lo, h_hi = _port_range(host_text, spec, allow_zero=True)
    if c_lo == c_hi and h_hi > h_lo:
        return [PortMapping(c_lo, h_lo, proto, ip, host_port_max=h_hi)]
    if (h_hi - h_lo) != (c_hi - c_lo):
        raise InvalidArgument(
            f"invalid ranges in {spec!r}: host and container ranges differ in size",
            hint="give ranges of the same length, e.g. 8080-8081:80-81",
        )
    return [PortMapping(c_lo + i, h_lo + i if h_lo else 0, proto, ip) for i in range(c_hi - c_lo + 1)]


def expand_exposed(exposed: tuple[str, ...] | list[str]) -> list[PortMapping]:
    """`-P`: every exposed port ("80", "80/tcp", "53/udp", "8000-8001/tcp") to a free host port."""
    out: list[PortMapping] = []
    for item in exposed:
        port_text, _, proto = item.partition("/")
        proto = (proto or "tcp").lower()
        if proto not in PROTOCOLS:
            raise InvalidArgument(f"invalid exposed port {item!r}", hint="use PORT[/tcp|udp]")
        lo, hi = _port_range(port_text, item)
        out += [PortMapping(p, 0, proto) for p in range(lo, hi + 1)]
    return out


def merge_ports(explicit: tuple[PortMapping, ...], publish_all: bool, exposed: tuple[str, ...]) -> list[PortMapping]:
    """-p mappings plus, with -P, every exposed port not already published."""
    ports = list(explicit)
    if publish_all:
        taken = {(p.container_port, p.protocol) for p in ports}
        ports += [p for p in expand_exposed(exposed) if (p.container_port, p.protocol) not in taken]
    return ports
