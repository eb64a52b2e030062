"""Volume commands: volume create, ls, inspect, rm, prune."""

from __future__ import annotations

from nerdpy.cli.spec import Command, arg, flag, many, opt

COMMANDS = {c.name: c for c in (
    Command("create", "Create a volume", "nerdpy.cli.volume:create", (
        arg("name", metavar="VOLUME", help="Volume name (default: a random ID)", required=False),
        opt("--driver", "-d", help="Volume driver (only local)", default="local"),
        many("--label", help="Set metadata for a volume (key=value)"),
        many("--opt", "-o", help="Driver options: type, device, o"),
        opt("--name", help="Volume name", name="name_opt"),
    )),
    Command("ls", "List volumes", "nerdpy.cli.volume:ls", (
        flag("--quiet", "-q", help="Only display volume names"),
        many("--filter", "-f", help="Filter output (dangling=, name=, label=, driver=)"),
        opt("--format", help="Format the output: table, json or a Go template"),
    )),
    Command("inspect", "Display detailed information on one or more volumes", "nerdpy.cli.volume:inspect", (
        arg("names", metavar="VOLUME", help="Volume names", many=True, completes="volumes"),
        opt("--format", "-f", help="Format the output using a Go template or json"),
    )),
    Command("rm", "Remove one or more volumes", "nerdpy.cli.volume:rm", (
        arg("names", metavar="VOLUME", help="Volume names", many=True, completes="volumes"),
        flag("--force", "-f", help="Do not error when a volume does not exist"),
    )),
    Command("prune", "Remove unused local volumes", "nerdpy.cli.volume:prune", (
        flag("--force", "-f", help="Do not prompt for confirmation"),
        flag("--all", "-a", help="Remove all unused volumes, not just anonymous ones"),
        many("--filter", help="Provide filter values (e.g. 'label=<label>')"),
    ), long="Anonymous volumes only, unless --all."),
)}
