"""Name resolution on user networks: per-container hosts files kept current.

Why hosts files rather than a DNS responder: nerdpy has no daemon, and a
resolver per network would be one more long-lived process (podman's
aardvark-dns: ~3.4 MB RSS) plus a port-53 listener in each namespace. A
container's /etc/hosts is bind-mounted from `<data_root>/containers/<id>/hosts`,
so rewriting that file in place (same inode) is visible at once to every
getaddrinfo() caller, costs one write per peer when a container joins or leaves,
and works with any libc. The cost: names are not visible to tools that speak
DNS directly (nslookup/dig), and a container's own changes to /etc/hosts are
overwritten when its networks change.

The DNS view of the same peers (container names and aliases over DNS, for
nslookup, musl and Go programs) is aardvark-dns at each user network's
gateway, fed from the same tables: see `dns.py`; `refresh` updates both.
"""

from __future__ import annotations

from nerdpy.network import files, state

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from nerdpy.config import Settings


def names_for(record: state.AttachmentRecord | None, endpoint: state.EndpointRecord) -> list[str]:
    names = []
    if record is not None and record.name:
        names.append(record.name)
    names += list(endpoint.aliases)
    names.append(endpoint.container_id[:12])
    return names


def peers_of(settings: "Settings", container_id: str, pending: list[state.EndpointRecord] | None = None) -> list[tuple[str, list[str]]]:
    """(ip, names) of every other container sharing a network with `container_id`."""
    mine = pending if pending is not None else state.endpoints_of(settings, container_id)
    out: list[tuple[str, list[str]]] = []
    records: dict[str, state.AttachmentRecord | None] = {}
    for endpoint in mine:
        for other in state.endpoints_on(settings, endpoint.network_id):
            if other.container_id == container_id:
                continue
            if other.container_id not in records:
                records[other.container_id] = state.load_attachment(settings, other.container_id)
            out.append((other.ip, names_for(records[other.container_id], other)))
    return out


def refresh(settings: "Settings", network_ids: set[str], skip: str = "", also: str = "") -> None:
    """Rewrite the hosts file of every container on `network_ids` (except `skip`; plus `also`)."""
    containers: set[str] = {also} if also else set()
    for network_id in network_ids:
        containers.update(e.container_id for e in state.endpoints_on(settings, network_id))
    containers.discard(skip)
    for container_id in sorted(containers):
        record = state.load_attachment(settings, container_id)
        if record is None or not record.hosts_base:
            continue
        text = files.hosts_with_peers(record.hosts_base, peers_of(settings, container_id))
        files.rewrite_in_place(settings.layout.containers_dir / container_id / "hosts", text)
    from nerdpy.network import dns

    dns.sync(settings)  # the DNS view of the same peers
