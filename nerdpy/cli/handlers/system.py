"""Bodies of `nerdpy version`."""

from __future__ import annotations

import json

from nerdpy.cli.state import CliState


def version(cli: CliState, *, format: str | None) -> None:
    from nerdpy.api.engine_docs import system_version

    data = system_version(cli.settings)
    if format in ("json", "{{json .}}"):
        print(json.dumps(data))
    elif format:
        from nerdpy.cli.output import render_template

        print(render_template(format, data))
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
