"""The contents of a container's /etc/hosts, /etc/resolv.conf and /etc/hostname.

On user networks peers are found through /etc/hosts: each container's hosts file
lists every other container on its networks (name, aliases, short id) and is
rewritten in place whenever a container joins or leaves (see `peers.py`).
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

from nerdpy.errors import InvalidArgument

HEADER = (
    "127.0.0.1\tlocalhost\n"
    "::1\tlocalhost ip6-localhost ip6-loopback\n"
    "fe00::0\tip6-localnet\n"
    "ff00::0\tip6-mcastprefix\n"
    "ff02::1\tip6-allnodes\n"
    "ff02::2\tip6-allrouters\n"
)
PEERS_MARK = "# nerdpy: containers on the same networks (kept current)\n"
_HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,253}[A-Za-z0-9])?$")
_FALLBACK_DNS = ("8.8.8.8", "8.8.4.4")


def parse_add_host(spec: str) -> tuple[str, str]:
    """`--add-host name:ip` (also `name=ip`, IPv6 ok); ip may be `host-gateway`."""
    if "=" in spec:
        name, _, ip = spec.partition("=")
    else:
        name, _, ip = spec.partition(":")
    ip = ip.strip("[]")
    if not name or not ip:
        raise InvalidArgument(f"invalid --add-host {spec!r}", hint="use NAME:IP, e.g. db:10.0.0.5 or myhost:host-gateway")
    if ip != "host-gateway":
        try:
            ip = str(ipaddress.ip_address(ip))
        except ValueError:
            raise InvalidArgument(f"invalid IP address {ip!r} in --add-host {spec!r}") from None
    return name, ip


def check_hostname(name: str) -> str:
    if not _HOSTNAME.fullmatch(name):  # `$` alone lets "name\n" into /etc/hosts
        raise InvalidArgument(f"invalid hostname {name!r}", hint="use letters, digits, '-' and '.'")
    return name


def hosts_base(hostname: str, own_ips: list[str], names: list[str], add_hosts: list[tuple[str, str]],
               host_gateway: str) -> str:
    """Everything but the peer section: localhost, the container itself, --add-host."""
    lines = [HEADER]
    for ip in own_ips:
        extra = [n for n in names if n and n != hostname]
        lines.append(f"{ip}\t{' '.join([hostname] + extra)}\n")
    for name, ip in add_hosts:
        lines.append(f"{host_gateway if ip == 'host-gateway' else ip}\t{name}\n")
    return "".join(lines)


def hosts_with_peers(base: str, peers: list[tuple[str, list[str]]]) -> str:
    """`base` plus the peer section: (ip, names) pairs, duplicates dropped."""
    if not peers:
        return base
    seen: set[tuple[str, str]] = set()
    lines = [base, PEERS_MARK]
    for ip, names in peers:
        fresh = [n for n in names if n and (ip, n) not in seen]
        seen.update((ip, n) for n in fresh)
        if fresh:
            lines.append(f"{ip}\t{' '.join(fresh)}\n")
    return "".join(lines)


def resolv_conf(nameservers: list[str], search: list[str], options: list[str]) -> str:
    lines = [f"nameserver {ns}\n" for ns in nameservers]
    if search:
        lines.append(f"search {' '.join(search)}\n")
    if options:
        lines.append(f"options {' '.join(options)}\n")
    return "".join(lines)


def host_resolv(path: Path = Path("/etc/resolv.conf")) -> tuple[list[str], list[str], list[str]]:
    """The host's nameservers (loopback ones dropped, as Docker does), search and options."""
    servers: list[str] = []
    search: list[str] = []
    options: list[str] = []
    try:
        text = path.read_text(errors="replace")
    except OSError:
        text = ""
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 2 or fields[0].startswith(("#", ";")):
            continue
        if fields[0] == "nameserver" and not _is_loopback(fields[1]):
            servers.append(fields[1])
        elif fields[0] in ("search", "domain"):
            search = fields[1:]
        elif fields[0] == "options":
            options += fields[1:]
    return servers or list(_FALLBACK_DNS), search, options


def _is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip.split("%")[0]).is_loopback
    except ValueError:
        return True


def check_dns(servers: tuple[str, ...]) -> list[str]:
    out = []
    for server in servers:
        try:
            out.append(str(ipaddress.ip_address(server)))
        except ValueError:
            raise InvalidArgument(f"invalid --dns {server!r}", hint="give an IP address") from None
    return out


def rewrite_in_place(path: Path, text: str) -> None:
    """Replace a bind-mounted file's contents keeping its inode (a rename would
    leave the container looking at the old file)."""
    try:
        with open(path, "r+b") as f:
            data = text.encode()
            f.write(data)
            f.truncate(len(data))
            f.flush()
    except FileNotFoundError:
        pass
