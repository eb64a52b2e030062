"""Which module implements which command, with the one-line help shown in lists.

Entries are "module:command" — the command named in that module's `app` — so
the top-level shortcuts (`ps`, `images`, `rmi`) and the management groups
(`container ls`, `image ls`, `image rm`) share one implementation each.
"""

from __future__ import annotations

from nerdpy.records import record



@record
class Entry:
    target: str  # "module:command", or "@group" for a management group
    help: str
    # "module:function" taking (CliState, **params): the typer-free body the
    # fast path calls (see nerdpy.cli.fastpath); the typer command calls it too.
    fast: str | None = None


_C = "nerdpy.cli."

GROUPS: dict[str, dict[str, Entry]] = {
    "container": {
        "run": Entry(_C + "container_run:run", "Create and run a new container from an image",
                     fast=_C + "container_handlers:run"),
        "create": Entry(_C + "container_run:create", "Create a new container", fast=_C + "container_handlers:create"),
        "start": Entry(_C + "container_ops:start", "Start one or more stopped containers",
                       fast=_C + "handlers.containers:start"),
        "stop": Entry(_C + "container_ops:stop", "Stop one or more running containers",
                      fast=_C + "handlers.containers:stop"),
        "restart": Entry(_C + "container_ops:restart", "Restart one or more containers",
                         fast=_C + "handlers.containers:restart"),
        "kill": Entry(_C + "container_ops:kill", "Kill one or more running containers",
                      fast=_C + "handlers.containers:kill"),
        "rm": Entry(_C + "container_ops:rm", "Remove one or more containers", fast=_C + "handlers.containers:rm"),
        "ls": Entry(_C + "container_list:ps", "List containers", fast=_C + "container_handlers:ps"),
        "list": Entry(_C + "container_list:ps", "List containers", fast=_C + "container_handlers:ps"),
        "ps": Entry(_C + "container_list:ps", "List containers", fast=_C + "container_handlers:ps"),
        "logs": Entry(_C + "container_list:logs", "Fetch the logs of a container",
                      fast=_C + "handlers.containers:logs"),
        "inspect": Entry(_C + "container_list:inspect", "Display detailed information on one or more containers",
                         fast=_C + "handlers.containers:inspect"),
        "top": Entry(_C + "container_list:top", "Display the running processes of a container"),
        "port": Entry(_C + "container_list:port", "List port mappings or a specific mapping for the container"),
        "wait": Entry(_C + "container_ops:wait", "Block until one or more containers stop, then print their exit codes",
                      fast=_C + "handlers.containers:wait"),
        "attach": Entry(_C + "container_ops:attach", "Attach local standard input, output, and error streams to a running container"),
        "pause": Entry(_C + "container_ops:pause", "Pause all processes within one or more containers",
                       fast=_C + "handlers.containers:pause"),
        "unpause": Entry(_C + "container_ops:unpause", "Unpause all processes within one or more containers",
                         fast=_C + "handlers.containers:unpause"),
        "rename": Entry(_C + "container_ops:rename", "Rename a container"),
        "exec": Entry(_C + "container_exec:exec", "Execute a command in a running container",
                      fast=_C + "handlers.containers:exec_"),
        "cp": Entry(_C + "container_ops:cp", "Copy files/folders between a container and the local filesystem"),
        "export": Entry(_C + "container_ops:export", "Export a container's filesystem as a tar archive"),
        "diff": Entry(_C + "container_ops:diff", "Inspect changes to files or directories on a container's filesystem"),
        "commit": Entry(_C + "container_ops:commit", "Create a new image from a container's changes"),
        "prune": Entry(_C + "container_ops:prune", "Remove all stopped containers"),
    },
    "image": {
        "ls": Entry(_C + "images:ls", "List images"),
        "list": Entry(_C + "images:ls", "List images"),
        "tag": Entry(_C + "images:tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"),
        "rm": Entry(_C + "images:rm", "Remove one or more images"),
        "inspect": Entry(_C + "images:inspect", "Display detailed information on one or more images"),
        "history": Entry(_C + "images:history", "Show the history of an image"),
        "save": Entry(_C + "images:save", "Save one or more images to a tar archive"),
        "load": Entry(_C + "images:load", "Load an image from a tar archive or STDIN"),
        "import": Entry(_C + "images:import", "Import a tarball or directory to create a filesystem image"),
        "prune": Entry(_C + "images:prune", "Remove unused images"),
        "pull": Entry(_C + "registry_cmds:pull", "Download an image from a registry",
                      fast=_C + "handlers.registry:pull"),
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
    "inspect": Entry(_C + "container_list:inspect-any", "Return low-level information on containers or images",
                     fast=_C + "handlers.containers:inspect_any"),
    "image": Entry("@image", "Manage images"),
    "images": Entry(_C + "images:ls", "List images", fast=_C + "handlers.images:ls"),
    "tag": Entry(_C + "images:tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"),
    "rmi": Entry(_C + "images:rm", "Remove one or more images"),
    "history": Entry(_C + "images:history", "Show the history of an image"),
    "save": Entry(_C + "images:save", "Save one or more images to a tar archive"),
    "load": Entry(_C + "images:load", "Load an image from a tar archive or STDIN"),
    "import": Entry(_C + "images:import", "Import a tarball or directory to create a filesystem image"),
    "info": Entry(_C + "system:info", "Display system-wide information"),
    "version": Entry(_C + "system:version", "Show the nerdpy version information", fast=_C + "handlers.system:version"),
    "unshare": Entry(_C + "system:unshare", "Run a command inside the rootless user namespace"),
    "system": Entry("@system", "Manage nerdpy"),
    "volume": Entry("@volume", "Manage volumes"),
    "network": Entry("@network", "Manage networks"),
    "compose": Entry(_C + "compose:compose", "Define and run multi-container applications (not implemented yet)"),
    "pull": Entry(_C + "registry_cmds:pull", "Download an image from a registry", fast=_C + "handlers.registry:pull"),
    "push": Entry(_C + "registry_cmds:push", "Upload an image to a registry"),
    "build": Entry(_C + "build:build", "Build an image from a Dockerfile"),
    "builder": Entry("@builder", "Manage builds"),
    "buildx": Entry("@buildx", "Docker Buildx (nerdpy's built-in builder)"),
    "login": Entry(_C + "registry_cmds:login", "Log in to a registry"),
    "logout": Entry(_C + "registry_cmds:logout", "Log out from a registry"),
}


def lookup(path: list[str]) -> Entry | None:
    """The entry for a command path such as ["image", "ls"] or ["ps"]."""
    if not path:
        return None
    entry = TOP.get(path[0])
    if entry is None or not entry.target.startswith("@") or len(path) == 1:
        return entry
    return GROUPS[entry.target[1:]].get(path[1], entry)
