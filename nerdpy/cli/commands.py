"""Which Docker spelling runs which command: `ps`, `container ps` and `container ls` alike.

An entry's target is a command of the table (`table.<group>:<name>`, see
nerdpy/cli/spec.py: its flags, help and body are declared there) or a management
group (`@container`; `@compose` with flags of its own, before the subcommand).
The top-level shortcuts (`ps`, `images`, `rmi`) and the group spellings
(`container ls`, `image rm`) share one entry target each, so every spelling
takes the same path.
"""

from __future__ import annotations

from nerdpy.records import record


@record
class Entry:
    target: str
    help: str = ""  # table commands: "" for the table's help, or this spelling's own (buildx build)
    hidden: bool = False  # runs, but is not listed in help, man pages, completions or the README
    flags: str = ""  # a group with flags of its own: the table module whose GROUP declares them

    @property
    def in_table(self) -> bool:
        return self.target.startswith("table.")


def _T(group: str, name: str, help: str = "", hidden: bool = False) -> Entry:
    return Entry(f"table.{group}:{name}", help, hidden)


_C = "nerdpy.cli."

GROUPS: dict[str, dict[str, Entry]] = {
    "container": {
        "run": _T("containers", "run"),
        "create": _T("containers", "create"),
        "start": _T("containers", "start"),
        "stop": _T("containers", "stop"),
        "restart": _T("containers", "restart"),
        "kill": _T("containers", "kill"),
        "rm": _T("containers", "rm"),
        "ls": _T("containers", "ps"),
        "list": _T("containers", "ps"),
        "ps": _T("containers", "ps"),
        "logs": _T("containers", "logs"),
        "inspect": _T("containers", "inspect"),
        "top": _T("containers", "top"),
        "stats": _T("containers", "stats"),
        "port": _T("containers", "port"),
        "wait": _T("containers", "wait"),
        "attach": _T("containers", "attach"),
        "pause": _T("containers", "pause"),
        "unpause": _T("containers", "unpause"),
        "rename": _T("containers", "rename"),
        "exec": _T("containers", "exec"),
        "cp": _T("containers", "cp"),
        "export": _T("containers", "export"),
        "diff": _T("containers", "diff"),
        "commit": _T("containers", "commit"),
        "prune": _T("containers", "prune"),
        "update": _T("containers", "update"),
    },
    "image": {
        "ls": _T("images", "ls"),
        "list": _T("images", "ls"),
        "tag": _T("images", "tag"),
        "rm": _T("images", "rm"),
        "inspect": _T("images", "inspect"),
        "history": _T("images", "history"),
        "save": _T("images", "save"),
        "load": _T("images", "load"),
        "import": _T("images", "import"),
        "prune": _T("images", "prune"),
        "pull": _T("images", "pull"),
        "push": _T("images", "push"),
        "build": _T("build", "build"),
    },
    "builder": {
        "build": _T("build", "build"),
        "prune": _T("build", "prune"),
    },
    "buildx": {
        "build": _T("build", "build", help="Start a build"),
        "prune": _T("build", "prune"),
        "version": _T("build", "version"),
        "ls": _T("build", "ls"),
    },
    "network": {
        "create": _T("networks", "create"),
        "ls": _T("networks", "ls"),
        "list": _T("networks", "ls"),
        "inspect": _T("networks", "inspect"),
        "rm": _T("networks", "rm"),
        "remove": _T("networks", "rm"),
        "prune": _T("networks", "prune"),
        "connect": _T("networks", "connect"),
        "disconnect": _T("networks", "disconnect"),
    },
    "volume": {
        "create": _T("volumes", "create"),
        "ls": _T("volumes", "ls"),
        "list": _T("volumes", "ls"),
        "inspect": _T("volumes", "inspect"),
        "rm": _T("volumes", "rm"),
        "remove": _T("volumes", "rm"),
        "prune": _T("volumes", "prune"),
    },
    "healthcheck": {
        "run": _T("containers", "healthcheck-run"),
    },
    "system": {
        "info": _T("system", "info"),
        "df": _T("system", "df"),
        "prune": _T("system", "prune"),
        "events": _T("system", "events"),
    },
    "compose": {name: _T("compose", name) for name in (
        "config", "up", "down", "ps", "logs", "exec", "run", "create", "start", "stop", "restart", "kill", "pause",
        "unpause", "rm", "scale", "wait", "top", "port", "images", "ls", "cp", "pull", "push", "version", "build",
        "events")},
}

# Docker's top-level shorthands: `nerdpy start` is `nerdpy container start`.
_CONTAINER_SHORTHANDS = ("run", "create", "start", "stop", "restart", "kill", "rm", "ps", "logs", "top", "stats",
                         "port", "wait", "attach", "pause", "unpause", "rename", "exec", "cp", "export", "diff", "commit", "update")

TOP: dict[str, Entry] = {
    "container": Entry("@container", "Manage containers"),
    **{name: GROUPS["container"][name] for name in _CONTAINER_SHORTHANDS},
    "inspect": _T("containers", "inspect-any"),
    "image": Entry("@image", "Manage images"),
    "images": _T("images", "ls"),
    "tag": _T("images", "tag"),
    "rmi": _T("images", "rm"),
    "history": _T("images", "history"),
    "save": _T("images", "save"),
    "load": _T("images", "load"),
    "import": _T("images", "import"),
    "info": _T("system", "info"),
    "events": _T("system", "events"),
    "version": _T("system", "version"),
    "unshare": _T("system", "unshare"),
    "system": Entry("@system", "Manage nerdpy"),
    "healthcheck": Entry("@healthcheck", "Manage healthchecks of containers (podman)"),
    "volume": Entry("@volume", "Manage volumes"),
    "network": Entry("@network", "Manage networks"),
    "compose": Entry("@compose", "Define and run multi-container applications", flags="table.compose"),
    "pull": _T("images", "pull"),
    "push": _T("images", "push"),
    "build": _T("build", "build"),
    "builder": Entry("@builder", "Manage builds"),
    "buildx": Entry("@buildx", "Docker Buildx (nerdpy's built-in builder)"),
    "completion": _T("system", "completion"),
    "__complete": _T("system", "complete", hidden=True),  # what the completion scripts run
    "login": _T("images", "login"),
    "logout": _T("images", "logout"),
}


def table_command(entry: Entry):  # -> nerdpy.cli.spec.Command
    """The table's Command for a `table.` entry (imports only that group's table)."""
    import importlib

    module, _, name = entry.target.partition(":")
    return importlib.import_module(_C + module).COMMANDS[name]


def group_flags(entry: Entry):  # -> nerdpy.cli.spec.Group | None
    """The flags a group takes before its subcommand (`compose -f FILE up`), if any."""
    if not entry.flags:
        return None
    import importlib

    return importlib.import_module(_C + entry.flags).GROUP


def help_of(entry: Entry) -> str:
    return entry.help or table_command(entry).help


def lookup(path: list[str]) -> Entry | None:
    """The entry for a command path such as ["image", "ls"] or ["ps"]."""
    if not path:
        return None
    entry = TOP.get(path[0])
    if entry is None or not entry.target.startswith("@") or len(path) == 1:
        return entry
    return GROUPS[entry.target[1:]].get(path[1], entry)
