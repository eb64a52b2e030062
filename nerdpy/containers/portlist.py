"""A container's ports as Docker shows them: the PORTS column of `ps` (docker/cli's
DisplayablePorts) and the lines of `port`."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable


def ps_column(published: Iterable[Any], exposed: Iterable[str] = ()) -> str:
    """`0.0.0.0:8080->80/tcp, :::8080->80/tcp, 443/tcp`: sorted by container port,
    then address; ports published on the same number and consecutive ones grouped
    (`0.0.0.0:8000-8001->8000-8001/tcp`), exposed ones without a host port as `443/tcp`
    (grouped too), other mappings after the groups, as Docker's."""
    entries = [(p.container_port, p.host_ip or "0.0.0.0", p.host_port, p.protocol) for p in published]
    taken = {(e[0], e[3]) for e in entries}
    for key in exposed:
        number, _, proto = key.partition("/")
        if number.isdigit() and (int(number), proto or "tcp") not in taken:
            entries.append((int(number), "", 0, proto or "tcp"))
    groups: dict[str, list[int]] = {}  # in the order their keys first appear
    closed: list[str] = []
    mappings: list[str] = []
    for private, ip, public, proto in sorted(entries):
        if ip and public != private:
            mappings.append(f"{ip}:{public}->{private}/{proto}")
            continue
        key = f"{ip}/{proto}" if ip else proto
        group = groups.get(key)
        if group is not None and private == group[1] + 1:
            group[1] = private
            continue
        if group is not None:
            closed.append(_group(key, *group))
        groups[key] = [private, private]
    return ", ".join(closed + [_group(key, *group) for key, group in groups.items()] + mappings)


def _group(key: str, first: int, last: int) -> str:
    ip, _, proto = key.rpartition("/")
    ports = str(first) if first == last else f"{first}-{last}"
    return (f"{ip}:{ports}->{ports}" if ip else ports) + "/" + proto


def port_lines(published: Iterable[Any], private: str = "") -> list[str]:
    """`80/tcp -> 0.0.0.0:8080` lines in Docker's (natural) order; with `private`
    (`80` is `80/tcp`, as Docker's) only that port's host addresses."""
    if private:
        number, _, proto = private.partition("/")
        private = f"{number}/{proto or 'tcp'}"
    lines = []
    for p in sorted(published, key=lambda p: (p.container_port, p.protocol, p.host_ip or "0.0.0.0", p.host_port)):
        key = f"{p.container_port}/{p.protocol}"
        if private and private != key:
            continue
        ip = p.host_ip or "0.0.0.0"
        host = f"[{ip}]:{p.host_port}" if ":" in ip else f"{ip}:{p.host_port}"  # Docker: [::]:8080
        lines.append(host if private else f"{key} -> {host}")
    return lines
