"""`nerdpy network create|ls|inspect|rm|prune|connect|disconnect` (Docker's flags and output)."""

from __future__ import annotations

import sys

from nerdpy.cli import state
from nerdpy.cli.each import for_each, inspect_lines
from nerdpy.cli.state import CliState
from nerdpy.errors import NotFound
from nerdpy.formatting.human import go_time_string
from nerdpy.keyvalue import parse_key_values

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional


LS_COLUMNS = [("ID", "NETWORK ID"), ("Name", "NAME"), ("Driver", "DRIVER"), ("Scope", "SCOPE"),
              ("IPv6", "IPV6"), ("Internal", "INTERNAL"), ("Labels", "LABELS"), ("CreatedAt", "CREATED AT")]


def create(
    cli: CliState, *, name: str,
    driver: str,
    subnet: List[str],
    gateway: List[str],
    ip_range: List[str],
    internal: bool,
    ipv6: bool,
    label: List[str],
    opt: List[str],
) -> None:
    from nerdpy.api import networks

    settings = state.entered(cli)
    record = networks.create(settings, name, driver, tuple(subnet), tuple(gateway), tuple(ip_range), internal,
                             ipv6, parse_key_values(label, "label"), parse_key_values(opt, "option"))
    print(record.id)


def _row(net) -> dict:
    return {
        "ID": net.id[:12], "Name": net.name, "Driver": net.driver, "Scope": "local",
        "IPv6": str(net.ipv6).lower(), "Internal": str(net.internal).lower(),
        "Labels": ",".join(f"{k}={v}" for k, v in sorted(net.labels.items())), "CreatedAt": go_time_string(net.created),
    }


def ls(cli: CliState, *, quiet: bool, filter: List[str], format: Optional[str], no_trunc: bool) -> None:
    from nerdpy.api import networks
    from nerdpy.cli.output import print_rows

    rows = []
    for net in networks.list_networks(state.entered(cli), list(filter)):
        row = _row(net)
        if no_trunc:
            row["ID"] = net.id
        rows.append(row)
    if format == "table":
        format = None
    for line in print_rows(rows, LS_COLUMNS if format else LS_COLUMNS[:4], format, quiet_field="ID", quiet=quiet):
        print(line)


def inspect(cli: CliState, *, names: List[str], format: Optional[str]) -> int:
    from nerdpy.api import networks
    from nerdpy.cli.output import check_usage_template

    check_usage_template(format)
    settings = state.entered(cli)
    data: list = []
    failed = for_each(names, lambda name: data.append(networks.inspect(settings, name)), catch=NotFound)
    if data or not failed:
        for line in inspect_lines(data, format):
            print(line)
    if failed:
        return 1
    return 0


def rm(cli: CliState, *, names: List[str], force: bool) -> int:
    from nerdpy.api import networks

    settings = state.entered(cli)

    def remove(name: str) -> None:
        networks.remove(settings, name)
        print(name)

    if for_each(names, remove, missing_ok=force):
        return 1
    return 0


def prune(cli: CliState, *, force: bool, filter: List[str]) -> None:
    from nerdpy.api import networks

    from nerdpy.api.prune_filters import parse_prune_filters

    settings = state.entered(cli)
    parse_prune_filters(list(filter), "network prune")  # bad filters fail before the prompt
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


def connect(cli: CliState, *, network: str, container: str, alias: List[str], ip: Optional[str]) -> None:
    from nerdpy.api import networks

    networks.connect(state.entered(cli), network, container, tuple(alias), ip or "")


def disconnect(cli: CliState, *, network: str, container: str, force: bool) -> None:
    from nerdpy.api import networks

    networks.disconnect(state.entered(cli), network, container, force)
