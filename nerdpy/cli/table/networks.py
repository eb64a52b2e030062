"""Network commands: network create, ls, inspect, rm, prune, connect, disconnect."""

from __future__ import annotations

from nerdpy.cli.spec import Command, arg, flag, many, opt

LONG_CREATE = """Containers on a user network reach each other by container name, by --network-alias (compose adds the service name) and by short ID. Names come from each container's /etc/hosts, which nerdpy rewrites in place whenever a container joins or leaves one of its networks (no DNS server process; tools that query DNS directly, such as nslookup, do not see them). Networks are isolated from each other; `network connect` joins a running container to one more network.

Rootless, the bridges live in one shared network namespace (inside the user namespace) with one slirp4netns for outgoing traffic; it exists only while a container uses a user network. As root, the bridges are real host bridges (nerdpy0 for the default network, nerdpy-<id> for user networks) with nftables NAT.

Published ports (-p): as root, nftables DNAT in the kernel, and the container sees the client's source address. Rootless, TCP goes through a small per-container splice forwarder (measured faster than slirp4netns port forwarding) and UDP through slirp4netns's port forwarding; in both the container sees a gateway-side address (its own address or 10.0.2.2), not the client's."""

COMMANDS = {c.name: c for c in (
    Command("create", "Create a network", "nerdpy.cli.network:create", (
        arg("name", metavar="NETWORK", help="Network name"),
        opt("--driver", "-d", help="Driver to manage the network (bridge)", default="bridge"),
        many("--subnet", help="Subnet in CIDR format (one IPv4, one IPv6)"),
        many("--gateway", help="Gateway for the subnet"),
        many("--ip-range", help="Allocate container IPs from a sub-range"),
        flag("--internal", help="Restrict external access to the network"),
        flag("--ipv6", help="Enable IPv6 networking"),
        many("--label", help="Set metadata on a network (key=value)"),
        many("--opt", "-o", help="Set driver specific options"),
    ), long=LONG_CREATE),
    Command("ls", "List networks", "nerdpy.cli.network:ls", (
        flag("--quiet", "-q", help="Only display network IDs"),
        many("--filter", "-f", help="Filter output (name=, id=, driver=, label=, type=, dangling=)"),
        opt("--format", help="Format the output: table, json or a Go template"),
        flag("--no-trunc", help="Do not truncate the output"),
    )),
    Command("inspect", "Display detailed information on one or more networks", "nerdpy.cli.network:inspect", (
        arg("names", metavar="NETWORK", help="Network names or IDs", many=True, completes="networks"),
        opt("--format", "-f", help="Format the output using a Go template or json"),
    )),
    Command("rm", "Remove one or more networks", "nerdpy.cli.network:rm", (
        arg("names", metavar="NETWORK", help="Network names or IDs", many=True, completes="networks"),
        flag("--force", "-f", help="Do not error if the network does not exist"),
    )),
    Command("prune", "Remove all unused networks", "nerdpy.cli.network:prune", (
        flag("--force", "-f", help="Do not prompt for confirmation"),
        many("--filter", help="Provide filter values (e.g. 'label=<key>=<value>')"),
    )),
    Command("connect", "Connect a container to a network", "nerdpy.cli.network:connect", (
        arg("network", help="Network name or ID", completes="networks"),
        arg("container", help="Container name or ID", completes="containers"),
        many("--alias", help="Add network-scoped alias for the container"),
        opt("--ip", help="IPv4 address"),
    )),
    Command("disconnect", "Disconnect a container from a network", "nerdpy.cli.network:disconnect", (
        arg("network", help="Network name or ID", completes="networks"),
        arg("container", help="Container name or ID", completes="containers"),
        flag("--force", "-f", help="Force the container to disconnect from a network"),
    )),
)}
