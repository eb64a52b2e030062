"""The CLI's command registry: which Docker spelling runs which command.

An entry's target is a command of the table (`table.<group>:<name>`, see
nerdpy/cli/spec.py: its flags, help and body are declared there), a management
group (`@container`), or a typer command (`module:command` of that module's
`app`) for commands not moved into the table yet. The top-level shortcuts
(`ps`, `images`, `rmi`) and the group spellings (`container ls`, `image rm`)
share one entry target each, so every spelling takes the same path.
"""

from __future__ import annotations

from nerdpy.records import record


@record
class Entry:
    target: str
    help: str = ""  # table commands: "" (their help is in the table)

    @property
    def in_table(self) -> bool:
        return self.target.startswith("table.")


def _T(group: str, name: str) -> Entry:
    return Entry(f"table.{group}:{name}")


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
        "top": Entry(_C + "container_list:top", "Display the running processes of a container"),
        "port": Entry(_C + "container_list:port", "List port mappings or a specific mapping for the container"),
        "wait": _T("containers", "wait"),
        "attach": Entry(_C + "container_ops:attach", "Attach local standard input, output, and error streams to a running container"),
        "pause": _T("containers", "pause"),
        "unpause": _T("containers", "unpause"),
        "rename": Entry(_C + "container_ops:rename", "Rename a container"),
        "exec": _T("containers", "exec"),
        "cp": Entry(_C + "container_ops:cp", "Copy files/folders between a container and the local filesystem"),
        "export": Entry(_C + "container_ops:export", "Export a container's filesystem as a tar archive"),
        "diff": Entry(_C + "container_ops:diff", "Inspect changes to files or directories on a container's filesystem"),
        "commit": Entry(_C + "container_ops:commit", "Create a new image from a container's changes"),
        "prune": Entry(_C + "container_ops:prune", "Remove all stopped containers"),
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
        "push": Entry(_C + "registry_cmds:push", "Upload an image to a registry"),
        "build": Entry(_C + "build:build", "Build an image from a Dockerfile"),
    },
    "builder": {
        "build": Entry(_C + "build:build", "Build an image from a Dockerfile"),
        "prune": Entry(_C + "build:prune", "Remove build cache"),
    },
    "buildx": {
        "build": Entry(_C + "build:build", "Start a build"),
        "prune": Entry(_C + "build:prune", "Remove build cache"),
        "version": Entry(_C + "build:version", "Show buildx version information"),
        "ls": Entry(_C + "build:ls", "List builder instances"),
    },
    "network": {
        "create": Entry(_C + "network:create", "Create a network"),
        "ls": Entry(_C + "network:ls", "List networks"),
        "inspect": Entry(_C + "network:inspect", "Display detailed information on one or more networks"),
        "rm": Entry(_C + "network:rm", "Remove one or more networks"),
        "prune": Entry(_C + "network:prune", "Remove all unused networks"),
        "connect": Entry(_C + "network:connect", "Connect a container to a network"),
        "disconnect": Entry(_C + "network:disconnect", "Disconnect a container from a network"),
    },
    "volume": {
        "create": Entry(_C + "volume:create", "Create a volume"),
        "ls": Entry(_C + "volume:ls", "List volumes"),
        "list": Entry(_C + "volume:ls", "List volumes"),
        "inspect": Entry(_C + "volume:inspect", "Display detailed information on one or more volumes"),
        "rm": Entry(_C + "volume:rm", "Remove one or more volumes"),
        "remove": Entry(_C + "volume:rm", "Remove one or more volumes"),
        "prune": Entry(_C + "volume:prune", "Remove unused local volumes"),
    },
    "system": {
        "info": Entry(_C + "system:info", "Display system-wide information"),
        "df": Entry(_C + "disk:df", "Show disk usage"),
        "prune": Entry(_C + "system:prune", "Remove unused data"),
    },
}

# Docker's top-level shorthands: `nerdpy start` is `nerdpy container start`.
_CONTAINER_SHORTHANDS = ("run", "create", "start", "stop", "restart", "kill", "rm", "ps", "logs", "top", "port", "wait",
                         "attach", "pause", "unpause", "rename", "exec", "cp", "export", "diff", "commit")

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
    "info": Entry(_C + "system:info", "Display system-wide information"),
    "version": _T("system", "version"),
    "unshare": Entry(_C + "system:unshare", "Run a command inside the rootless user namespace"),
    "system": Entry("@system", "Manage nerdpy"),
    "volume": Entry("@volume", "Manage volumes"),
    "network": Entry("@network", "Manage networks"),
    "compose": Entry(_C + "compose:compose", "Define and run multi-container applications (not implemented yet)"),
    "pull": _T("images", "pull"),
    "push": Entry(_C + "registry_cmds:push", "Upload an image to a registry"),
    "build": Entry(_C + "build:build", "Build an image from a Dockerfile"),
    "builder": Entry("@builder", "Manage builds"),
    "buildx": Entry("@buildx", "Docker Buildx (nerdpy's built-in builder)"),
    "login": Entry(_C + "registry_cmds:login", "Log in to a registry"),
    "logout": Entry(_C + "registry_cmds:logout", "Log out from a registry"),
}


def table_command(entry: Entry):  # -> nerdpy.cli.spec.Command
    """The table's Command for a `table.` entry (imports only that group's table)."""
    import importlib

    module, _, name = entry.target.partition(":")
    return importlib.import_module(_C + module).COMMANDS[name]


def help_of(entry: Entry) -> str:
    return table_command(entry).help if entry.in_table else entry.help


def lookup(path: list[str]) -> Entry | None:
    """The entry for a command path such as ["image", "ls"] or ["ps"]."""
    if not path:
        return None
    entry = TOP.get(path[0])
    if entry is None or not entry.target.startswith("@") or len(path) == 1:
        return entry
    return GROUPS[entry.target[1:]].get(path[1], entry)
