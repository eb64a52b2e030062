"""`nerdpy version`, `info`, `unshare`, `system prune` (flags: nerdpy/cli/table/system.py)."""

from __future__ import annotations


from nerdpy.cli import state
from nerdpy.cli.state import CliState

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional


def version(cli: CliState, *, format: str | None) -> None:
    from nerdpy.api.engine_docs import system_version
    from nerdpy.cli.output import check_usage_template

    check_usage_template(format)
    data = system_version(cli.settings)
    if format:
        from nerdpy.cli.output import render_template

        print(render_template("{{json .}}" if format == "json" else format, data))  # compact, as Go's json
    else:
        client, server = data["Client"], data["Server"]
        lines = ["Client:", f" Version:\t{client['Version']}", f" API version:\t{client['ApiVersion']}",
                 f" Python:\t{client['Python']}", f" OS/Arch:\tlinux/{client['Arch']}", "",
                 "Server: nerdpy (no daemon)"]
        for component in server["Components"]:
            lines += [f" {component['Name']}:", f"  Version:\t{component['Version']}"]
            if component["Name"] == "Engine":
                lines += [f"  API version:\t{server['ApiVersion']} (minimum version {server['MinAPIVersion']})",
                          f"  OS/Arch:\tlinux/{server['Arch']}", f"  Kernel:\t{server['KernelVersion']}"]
        print("\n".join(lines))


def info(cli: CliState, *, format: Optional[str]) -> int:
    import sys

    from nerdpy.api.engine_docs import system_info
    from nerdpy.api.registry import registry_config
    from nerdpy.api.system import info as host_info
    from nerdpy.cli.output import check_usage_template

    check_usage_template(format)
    report = host_info(cli.settings)
    data = system_info(cli.settings, report.to_dict(), registry_config(cli.settings))
    if format:
        from nerdpy.cli.output import render_template

        print(render_template("{{json .}}" if format == "json" else format, data))  # compact, as Go's json
    else:
        print(_render_info(data))
        # Docker prints its warnings after the report, on stderr.
        for problem in data["problems"]:
            label = "ERROR" if problem["severity"] == "error" else "WARNING"
            print(f"{label}: {problem['message']}; fix: {problem['fix']}", file=sys.stderr)
    if not report.usable:
        return 1
    return 0


def _maps(ranges: list[dict]) -> str:
    return ", ".join(f"{r['inside']}:{r['outside']}:{r['count']}" for r in ranges) or "-"


def _render_info(d: dict) -> str:
    from nerdpy import __version__

    runtime = d["runtime"]
    lines = [
        "Client:",
        f" Version:          {__version__}",
        "Server:",
        f" Containers: {d['Containers']}",
        f"  Running: {d['ContainersRunning']}",
        f"  Paused: {d['ContainersPaused']}",
        f"  Stopped: {d['ContainersStopped']}",
        f" Images: {d['Images']}",
        f" Server Version: {d['ServerVersion']}",
        f" Rootless:         {str(d['rootless']).lower()}",
    ]
    if d.get("container"):
        lines.append(f" Container:        inside a {d['container']} container ({d['container_evidence']})")
    if d["rootless"]:
        lines.append(f" UID mapping:      {_maps(d['uid_map'])}")
        if d["gid_map"]:
            lines.append(f" GID mapping:      {_maps(d['gid_map'])}")
    lines += [
        f" OCI runtime:      {runtime['name'] + ' (' + runtime['path'] + ')' if runtime else '-'}",
        f" Runtime version:  {(runtime or {}).get('version') or '-'}",
        f" Storage driver:   {d['storage_driver']} ({d['storage_driver_reason']})",
        f" Storage options:  {', '.join(d.get('storage_opts') or []) or '-'}",
        f" Cgroup version:   {d['cgroup_version']}",
        f" Cgroup limits:    {'yes' if d['cgroup_limits'] else 'no'}",
        f" Network backends: {', '.join(t['name'] for t in d['network_backends']) or '-'}",
        f" Kernel version:   {d['kernel']}",
        f" Data root:        {d['data_root']}",
        f" Runtime root:     {d['runtime_root']}",
    ]
    lines += _registry_lines(d["RegistryConfig"])
    return "\n".join(lines)


def _registry_lines(config: dict) -> list[str]:
    """Docker's "Insecure Registries:" and "Registry Mirrors:" blocks; a registries.conf
    mirror names the registry it stands in for."""
    lines = [" Insecure Registries:"]
    names = [n for n, index in config["IndexConfigs"].items() if not index["Secure"]]
    lines += [f"  {entry}" for entry in names + config["InsecureRegistryCIDRs"]]
    mirrors = [f"  {url}" for url in config["Mirrors"]]
    for name, index in config["IndexConfigs"].items():
        mirrors += [f"  {m} (for {name})" for m in index["Mirrors"] if m not in config["Mirrors"]]
    return lines + ([" Registry Mirrors:"] + mirrors if mirrors else [])


def unshare(cli: CliState, *, command: Optional[List[str]]) -> None:
    from nerdpy.api.system import unshare_exec

    unshare_exec(cli.settings, list(command or []))


def prune(cli: CliState, *, all: bool, force: bool, volumes: bool, filter: List[str]) -> None:
    import sys

    from nerdpy.api.system import prune as system_prune
    from nerdpy.api.system import validate_prune_filters
    from nerdpy.formatting.human import human_size

    settings = state.entered(cli)
    validate_prune_filters(list(filter))  # before the prompt
    if not force:
        items = ["all stopped containers", "all networks not used by at least one container"]
        if volumes:
            items.append("all anonymous volumes not used by at least one container")
        items.append("all images without at least one container associated to them" if all
                     else "all dangling images")
        items.append("all build cache" if all else "unused build cache")
        print("WARNING! This will remove:\n" + "".join(f"  - {i}\n" for i in items))
        print("Are you sure you want to continue? [y/N] ", end="")
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            return
    report = system_prune(settings, all, volumes, list(filter))
    for title, lines in (("Deleted Containers:", report.containers), ("Deleted Networks:", report.networks),
                         ("Deleted Volumes:", report.volumes), ("Deleted Images:", report.images),
                         ("Deleted build cache objects:", report.build_cache)):
        if lines:
            print(title + "\n" + "\n".join(lines) + "\n")
    print(f"Total reclaimed space: {human_size(report.reclaimed, 4)}")
