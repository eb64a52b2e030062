"""Container networking: the contract the container lifecycle calls.

`setup(settings, container_id, request)` runs in the CLI process (rootless: inside
the holder's user+mount namespace) BEFORE `runc create`; the container joins
`Attachment.netns_path`. The shim must inherit `Attachment.keep_fds` and keep them
open for the container's life: helper processes (slirp4netns `--exit-fd`) exit
when the last copy closes, so they die with the shim. The CLI closes its own
copies (`Attachment.release()`) once the shim runs. `teardown(settings,
container_id)` undoes everything (netns mount, helpers, veths, port rules, peers'
hosts entries); it is idempotent and safe after a crash or a reboot: call it when
the container stops and again on `rm`.

Modes (`NetworkRequest.networks`, Docker's `--network` values, repeatable only
for user networks): "" / "default" / "bridge" (rootless: a per-container
slirp4netns; root: the `bridge` network on the host bridge `nerdpy0`), "none",
"host", "container:<name, id or id prefix>" (a running container; its netns,
hosts and resolv.conf are shared), or user network names / ids.
"""

from __future__ import annotations

from nerdpy.network.ports import PortMapping, expand_exposed, parse_publish
from nerdpy.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any
    from nerdpy.config import Settings

__all__ = [
    "Attachment",
    "Endpoint",
    "NetworkRequest",
    "PortMapping",
    "expand_exposed",
    "parse_publish",
    "check_networks",
    "configured_networks",
    "inspect_settings",
    "published_ports",
    "setup",
    "teardown",
]


@record
class NetworkRequest:
    """What `run`/`create` asked for, already parsed (see parse_publish)."""

    networks: tuple[str, ...] = ()  # empty: the default network
    ports: tuple[PortMapping, ...] = ()  # from -p (parse_publish)
    publish_all: bool = False  # -P
    exposed_ports: tuple[str, ...] = ()  # image ExposedPorts keys + --expose: "80/tcp", "53/udp"
    dns: tuple[str, ...] = ()
    dns_search: tuple[str, ...] = ()
    dns_options: tuple[str, ...] = ()
    add_hosts: tuple[str, ...] = ()  # "name:ip" (ip may be "host-gateway")
    hostname: str = ""  # empty: the first 12 hex digits of the container id
    domainname: str = ""
    name: str = ""  # the container's name, resolvable by peers on user networks
    aliases: tuple[str, ...] = ()  # --network-alias (compose adds the service name here)
    network_aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (network, its own aliases)
    network_ips: tuple[tuple[str, str], ...] = ()  # (network, its static address)
    ip: str = ""  # --ip: a static address on the first user network
    mac_address: str = ""


@record
class Endpoint:
    """The container's presence on one network (Docker's NetworkSettings.Networks[name])."""

    network: str
    network_id: str
    ip: str
    prefix_len: int
    gateway: str
    mac: str = ""
    aliases: tuple[str, ...] = ()


@record
class Attachment:
    netns_path: str | None  # None: share the host's network namespace
    keep_fds: tuple[int, ...] = ()
    hosts: str = ""  # contents for <container dir>/hosts
    resolv_conf: str = ""  # contents for <container dir>/resolv.conf
    hostname: str = ""  # contents for <container dir>/hostname (one line, newline-terminated)
    ports: tuple[PortMapping, ...] = ()  # as published: host ports resolved
    ip: str = ""  # primary address ("" for none/host)
    endpoints: tuple[Endpoint, ...] = field(default_factory=tuple)
    mode: str = "bridge"  # "bridge" (default), "none", "host", "container", or "user"
    # A network helper still coming up (`.wait()`, `.abandon()`), or None. The caller
    # prepares the bundle meanwhile and calls `wait_ready()` before the container starts.
    pending: Any = field(default=None, compare=False, repr=False)

    def wait_ready(self) -> None:
        if self.pending is not None:
            self.pending.wait()

    def release(self) -> None:
        """Close this process's copies of keep_fds (after the shim inherited them)."""
        import os

        if self.pending is not None:
            self.pending.abandon()

        for fd in self.keep_fds:
            try:
                os.close(fd)
            except OSError:
                pass


def check_networks(settings: "Settings", networks: tuple[str, ...]) -> None:
    """At create, before anything exists: the `--network` values combine and each
    named network exists (Docker refuses a missing network at create, not at start)."""
    from nerdpy.network.attach import classify
    from nerdpy.network.state import find_network

    mode, names = classify(networks)
    for name in names if mode == "bridge" else ():
        find_network(settings, name)


def setup(settings: "Settings", container_id: str, request: NetworkRequest) -> Attachment:
    """Create the container's network namespace, helpers and published ports.

    On any error nothing is left half-created (it tears down what it made).
    """
    from nerdpy.network.attach import setup as _setup

    return _setup(settings, container_id, request)


def teardown(settings: "Settings", container_id: str) -> None:
    """Remove the container's namespace, helpers, ports and peer entries. Idempotent."""
    from nerdpy.network.attach import teardown as _teardown

    _teardown(settings, container_id)


def published_ports(settings: "Settings", container_id: str) -> tuple[PortMapping, ...]:
    """The ports currently published for a container (`nerdpy port`)."""
    from nerdpy.network.state import load_attachment

    record = load_attachment(settings, container_id)
    return record.ports if record else ()


def configured_networks(settings: "Settings", names: list[str]) -> dict:
    """Docker's `.NetworkSettings.Networks` for a container that is not running."""
    from nerdpy.network.inspect import configured_networks as entries

    return entries(settings, names)


def inspect_settings(settings: "Settings", container_id: str) -> dict:
    """Docker's `.NetworkSettings` for a container (empty values when it has no network)."""
    from nerdpy.network.inspect import network_settings

    return network_settings(settings, container_id)
