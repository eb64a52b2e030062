"""`nerdpy network create|ls|inspect|rm|prune|connect|disconnect` (Docker's flags and output)."""

import sys
from typing import List, Optional

import typer

from nerdpy.cli import state
from nerdpy.cli.each import for_each, inspect_lines
from nerdpy.errors import NotFound
from nerdpy.keyvalue import parse_key_values

app = typer.Typer()

LS_COLUMNS = [("ID", "NETWORK ID"), ("Name", "NAME"), ("Driver", "DRIVER"), ("Scope", "SCOPE"),
              ("IPv6", "IPV6"), ("Internal", "INTERNAL"), ("Labels", "LABELS"), ("CreatedAt", "CREATED AT")]


CREATE_HELP = """Create a network

Containers on a user network reach each other by container name, by --network-alias (compose adds the service name) and by short ID. Names come from each container's /etc/hosts, which nerdpy rewrites in place whenever a container joins or leaves one of its networks (no DNS server process; tools that query DNS directly, such as nslookup, do not see them). Networks are isolated from each other; `network connect` joins a running container to one more network.

Rootless, the bridges live in one shared network namespace (inside the user namespace) with one slirp4netns for outgoing traffic; it exists only while a container uses a user network. As root, the bridges are real host bridges (nerdpy0 for the default network, nerdpy-<id> for user networks) with nftables NAT.

Published ports (-p): as root, nftables DNAT in the kernel, and the container sees the client's source address. Rootless, TCP goes through a small per-container splice forwarder (measured faster than slirp4netns port forwarding) and UDP through slirp4netns's port forwarding; in both the container sees a gateway-side address (its own address or 10.0.2.2), not the client's."""


@app.command("create", help=CREATE_HELP)
def create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Network name"),
    driver: str = typer.Option("bridge", "--driver", "-d", help="Driver to manage the network (bridge)"),
    subnet: List[str] = typer.Option([], "--subnet", help="Subnet in CIDR format (one IPv4, one IPv6)"),
    gateway: List[str] = typer.Option([], "--gateway", help="Gateway for the subnet"),
    ip_range: List[str] = typer.Option([], "--ip-range", help="Allocate container IPs from a sub-range"),
    internal: bool = typer.Option(False, "--internal", help="Restrict external access to the network"),
    ipv6: bool = typer.Option(False, "--ipv6", help="Enable IPv6 networking"),
    label: List[str] = typer.Option([], "--label", help="Set metadata on a network (key=value)"),
    opt: List[str] = typer.Option([], "--opt", "-o", help="Set driver specific options"),
) -> None:
    from nerdpy.api import networks

    settings = state.entered(ctx)
    record = networks.create(settings, name, driver, tuple(subnet), tuple(gateway), tuple(ip_range), internal,
                             ipv6, parse_key_values(label, "label"), parse_key_values(opt, "option"))
    print(record.id)


def _row(net) -> dict:
    return {
        "ID": net.id[:12], "Name": net.name, "Driver": net.driver, "Scope": "local",
        "IPv6": str(net.ipv6).lower(), "Internal": str(net.internal).lower(),
        "Labels": ",".join(f"{k}={v}" for k, v in sorted(net.labels.items())), "CreatedAt": net.created,
    }


@app.command("ls", help="List networks")
def ls(
    ctx: typer.Context,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only display network IDs"),
    filter: List[str] = typer.Option([], "--filter", "-f", help="Filter output (name=, id=, driver=, label=, type=, dangling=)"),
    format: Optional[str] = typer.Option(None, "--format", help="Format the output: table, json or a Go template"),
    no_trunc: bool = typer.Option(False, "--no-trunc", help="Do not truncate the output"),
) -> None:
    from nerdpy.api import networks
    from nerdpy.cli.output import print_rows

    rows = []
    for net in networks.list_networks(state.entered(ctx), list(filter)):
        row = _row(net)
        if no_trunc:
            row["ID"] = net.id
        rows.append(row)
    if format == "table":
        format = None
    for line in print_rows(rows, LS_COLUMNS if format else LS_COLUMNS[:4], format, quiet_field="ID", quiet=quiet):
        print(line)


@app.command("inspect", help="Display detailed information on one or more networks")
def inspect(
    ctx: typer.Context,
    names: List[str] = typer.Argument(..., help="Network names or IDs"),
    format: Optional[str] = typer.Option(None, "--format", "-f", help="Format the output using a Go template or json"),
) -> None:
    from nerdpy.api import networks

    settings = state.entered(ctx)
    data: list = []
    failed = for_each(names, lambda name: data.append(networks.inspect(settings, name)), catch=NotFound)
    if data or not failed:
        for line in inspect_lines(data, format):
            print(line)
    if failed:
        raise typer.Exit(1)


@app.command("rm", help="Remove one or more networks")
def rm(
    ctx: typer.Context,
    names: List[str] = typer.Argument(..., help="Network names or IDs"),
    force: bool = typer.Option(False, "--force", "-f", help="Do not error if the network does not exist"),
) -> None:
    from nerdpy.api import networks

    settings = state.entered(ctx)

    def remove(name: str) -> None:
        networks.remove(settings, name)
        print(name)

    if for_each(names, remove, missing_ok=force):
        raise typer.Exit(1)


@app.command("prune", help="Remove all unused networks")
def prune(
    ctx: typer.Context,
    force: bool = typer.Option(False, "--force", "-f", help="Do not prompt for confirmation"),
    filter: List[str] = typer.Option([], "--filter", help="Provide filter values (e.g. 'label=<key>=<value>')"),
) -> None:
    from nerdpy.api import networks

    settings = state.entered(ctx)
    networks.list_networks(settings, list(filter))  # bad filters fail before the prompt
    if not force:
        sys.stdout.write("WARNING! This will remove all custom networks not used by at least one container.\n"
                         "Are you sure you want to continue? [y/N] ")
        sys.stdout.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            return
    removed = networks.prune(settings, list(filter))
    if removed:
        print("Deleted Networks:")
        for name in removed:
            print(name)


@app.command("connect", help="Connect a container to a network")
def connect(
    ctx: typer.Context,
    network: str = typer.Argument(..., help="Network name or ID"),
    container: str = typer.Argument(..., help="Container name or ID"),
    alias: List[str] = typer.Option([], "--alias", help="Add network-scoped alias for the container"),
    ip: Optional[str] = typer.Option(None, "--ip", help="IPv4 address"),
) -> None:
    from nerdpy.api import networks

    networks.connect(state.entered(ctx), network, container, tuple(alias), ip or "")


@app.command("disconnect", help="Disconnect a container from a network")
def disconnect(
    ctx: typer.Context,
    network: str = typer.Argument(..., help="Network name or ID"),
    container: str = typer.Argument(..., help="Container name or ID"),
    force: bool = typer.Option(False, "--force", "-f", help="Force the container to disconnect from a network"),
) -> None:
    from nerdpy.api import networks

    networks.disconnect(state.entered(ctx), network, container, force)
