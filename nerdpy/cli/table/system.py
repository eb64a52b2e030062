"""System commands: version, info, unshare, events, system prune, system df, completion
(and the hidden __complete behind it)."""

from __future__ import annotations

from nerdpy.cli.spec import Command, arg, flag, many, opt

COMMANDS = {c.name: c for c in (
    Command("version", "Show the nerdpy version information", "nerdpy.cli.system:version", (
        opt("--format", "-f", help="Format the output: json or a Go template"),
    )),
    Command("info", "Display system-wide information", "nerdpy.cli.system:info", (
        opt("--format", "-f", help="Format the output: json or a Go template"),
    )),
    Command("unshare", "Run a command inside the rootless user namespace", "nerdpy.cli.system:unshare", (
        arg("command", help="Command and arguments", required=False, many=True),
    ), interspersed=False, long="Without a command: a shell."),
    Command("prune", "Remove unused data", "nerdpy.cli.system:prune", (
        flag("--all", "-a", help="Remove all unused images not just dangling ones"),
        flag("--force", "-f", help="Do not prompt for confirmation"),
        flag("--volumes", help="Prune anonymous volumes"),
        many("--filter", help="Provide filter values (e.g. 'label=<key>=<value>')"),
    )),
    Command("events", "Get real time events from the server", "nerdpy.cli.system_events:events", (
        opt("--since", help="Show all events created since timestamp"),
        opt("--until", help="Stream events until this timestamp"),
        many("--filter", "-f", help="Filter output based on conditions provided"),
        opt("--format", help="Format output using a Go template, or 'json'"),
    )),
    Command("completion", "Generate the autocompletion script for the specified shell",
            "nerdpy.cli.completion:completion", (
                arg("shell", metavar="bash|zsh|fish", help="The shell to generate the script for"),
            ), long="The script completes commands, flags and the names of containers, images, networks and "
                    "volumes (read from the store, without entering the rootless namespace). pip installs the "
                    "scripts below its prefix where bash-completion, zsh (share/zsh/site-functions) and fish "
                    "(vendor_completions.d) look for them; otherwise load one by hand: "
                    "`source <(nerdpy completion bash)` (bash), "
                    "`nerdpy completion zsh > \"${fpath[1]}/_nerdpy\"` (zsh), "
                    "`nerdpy completion fish | source` (fish)."),
    # The names the completion scripts offer; hidden (nerdpy.cli.commands).
    Command("complete", "List names for shell completion", "nerdpy.cli.completion:complete_names", (
        arg("kind", help="containers (or running-, stopped-, paused-containers), images, networks or volumes"),
    )),
    Command("df", "Show disk usage", "nerdpy.cli.system_df:df", (
        flag("--verbose", "-v", help="Show detailed information on space usage"),
        opt("--format", help="Format output: table, json or a Go template"),
    )),
)}
