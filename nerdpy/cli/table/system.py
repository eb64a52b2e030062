"""System commands: version."""

from __future__ import annotations

from nerdpy.cli.spec import Command, opt

COMMANDS = {c.name: c for c in (
    Command("version", "Show the nerdpy version information", "nerdpy.cli.handlers.system:version", (
        opt("--format", "-f", help="Format the output: json or a Go template"),
    )),
)}
