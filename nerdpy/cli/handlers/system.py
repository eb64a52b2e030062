"""Bodies of `nerdpy version`."""

from __future__ import annotations

import json
import platform

from nerdpy.cli.state import CliState


def version(cli: CliState, *, format: str | None) -> None:
    from nerdpy import __version__

    data = {"Client": {"Version": __version__, "Python": platform.python_version(), "Os": "linux",
                       "Arch": platform.machine()}}
    if format in ("json", "{{json .}}"):
        print(json.dumps(data))
    elif format:
        from nerdpy.cli.output import render_template

        print(render_template(format, data))
    else:
        print(f"Client:\n Version:\t{__version__}\n Python:\t{platform.python_version()}\n"
              f" OS/Arch:\tlinux/{platform.machine()}")
