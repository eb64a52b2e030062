"""`run` and `create`: Docker's flags -> CreateOptions -> the containers API."""

import typing
from typing import List, Optional

import typer

from nerdpy.cli import state

app = typer.Typer()

CTX = {"allow_interspersed_args": False, "help_option_names": ["--help"]}


# Shared option declarations (typer reads the defaults as the parameter specs).
O = typer.Option
FLAG_SPECS = dict(
    name=O(None, "--name", help="Assign a name to the container"),
    env=O([], "--env", "-e", help="Set environment variables"),
    env_file=O([], "--env-file", help="Read in a file of environment variables"),
    workdir=O(None, "--workdir", "-w", help="Working directory inside the container"),
    user=O(None, "--user", "-u", help="Username or UID (format: <name|uid>[:<group|gid>])"),
    group_add=O([], "--group-add", help="Add additional groups to join"),
    hostname=O(None, "--hostname", "-h", help="Container host name"),
    domainname=O(None, "--domainname", help="Container NIS domain name"),
    tty=O(False, "--tty", "-t", help="Allocate a pseudo-TTY"),
    interactive=O(False, "--interactive", "-i", help="Keep STDIN open even if not attached"),
    rm=O(False, "--rm", help="Automatically remove the container when it exits"),
    label=O([], "--label", "-l", help="Set meta data on a container"),
    label_file=O([], "--label-file", help="Read in a line delimited file of labels"),
    read_only=O(False, "--read-only", help="Mount the container's root filesystem as read only"),
    tmpfs=O([], "--tmpfs", help="Mount a tmpfs directory"),
    volume=O([], "--volume", "-v", help="Bind mount a volume"),
    mount=O([], "--mount", help="Attach a filesystem mount to the container"),
    volumes_from=O([], "--volumes-from", help="Mount volumes from the specified container(s)"),
    network=O([], "--network", "--net", help="Connect a container to a network"),
    publish=O([], "--publish", "-p", help="Publish a container's port(s) to the host"),
    publish_all=O(False, "--publish-all", "-P", help="Publish all exposed ports to random ports"),
    expose=O([], "--expose", help="Expose a port or a range of ports"),
    dns=O([], "--dns", help="Set custom DNS servers"),
    dns_search=O([], "--dns-search", help="Set custom DNS search domains"),
    dns_option=O([], "--dns-option", "--dns-opt", help="Set DNS options"),
    add_host=O([], "--add-host", help="Add a custom host-to-IP mapping (host:ip)"),
    network_alias=O([], "--network-alias", help="Add network-scoped alias for the container"),
    ip=O(None, "--ip", help="IPv4 address"),
    init=O(False, "--init", help="Run an init inside the container that forwards signals and reaps processes"),
    stop_signal=O(None, "--stop-signal", help="Signal to stop the container"),
    stop_timeout=O(None, "--stop-timeout", help="Timeout (in seconds) to stop a container"),
    restart=O("no", "--restart", help="Restart policy to apply when a container exits"),
    pull=O("missing", "--pull", help='Pull image before running ("always", "missing", "never")'),
    platform=O(None, "--platform", help="Set platform if server is multi-platform capable"),
    cap_add=O([], "--cap-add", help="Add Linux capabilities"),
    cap_drop=O([], "--cap-drop", help="Drop Linux capabilities"),
    privileged=O(False, "--privileged", help="Give extended privileges to this container"),
    security_opt=O([], "--security-opt", help="Security Options"),
    ulimit=O([], "--ulimit", help="Ulimit options"),
    shm_size=O(None, "--shm-size", help="Size of /dev/shm"),
    sysctl=O([], "--sysctl", help="Sysctl options"),
    log_driver=O("json-file", "--log-driver", help="Logging driver for the container"),
    log_opt=O([], "--log-opt", help="Log driver options"),
    memory=O(None, "--memory", "-m", help="Memory limit"),
    cpus=O(None, "--cpus", help="Number of CPUs"),
    pids_limit=O(0, "--pids-limit", help="Tune container pids limit"),
    entrypoint=O(None, "--entrypoint", help="Overwrite the default ENTRYPOINT of the image"),
    rootfs=O(False, "--rootfs", help="The first argument is a root filesystem directory, not an image (podman)"),
    annotation=O([], "--annotation", help="Add an annotation to the container (passed through to the OCI runtime)"),
    userns=O(None, "--userns", help="User namespace to use: host (default) or keep-id (rootless: your uid inside)"),
    storage_opt=O([], "--storage-opt", help="Storage driver options for the container (size: not supported)"),
)


def _with_flags(fn):
    """Give `fn` the shared flag parameters (one definition for run and create)."""
    import inspect

    sig = inspect.signature(fn)
    params = [p for p in sig.parameters.values() if p.name != "flags"]
    from nerdpy.cli.container_handlers import normalize_flags

    # The handlers module keeps `typing` off the fast path, so its annotations are strings.
    hints = typing.get_type_hints(normalize_flags, localns={"Any": typing.Any, "List": List, "Optional": Optional})
    extra = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=spec, annotation=hints[n])
             for n, spec in FLAG_SPECS.items()]
    positional = [p for p in params if p.kind != inspect.Parameter.VAR_KEYWORD]

    def wrapper(*args, **kwargs):
        flag_values = {n: kwargs.pop(n) for n in FLAG_SPECS}
        return fn(*args, flags=flag_values, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=positional + extra)
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


@app.command("run", context_settings=CTX, help="Create and run a new container from an image")
@_with_flags
def run(
    ctx: typer.Context,
    image: str = typer.Argument(..., help="Image (or, with --rootfs, the root filesystem directory)"),
    command: Optional[List[str]] = typer.Argument(None, help="Command and arguments"),
    detach: bool = typer.Option(False, "--detach", "-d", help="Run container in background and print container ID"),
    cidfile: Optional[str] = typer.Option(None, "--cidfile", help="Write the container ID to the file"),
    sig_proxy: str = typer.Option("true", "--sig-proxy", help="Proxy received signals to the process (true|false)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Suppress the pull output"),
    flags: dict = None,  # type: ignore[assignment]
) -> None:
    from nerdpy.cli.container_handlers import run as run_impl

    return run_impl(ctx.find_root().obj, image, command, detach, cidfile, sig_proxy, quiet, **flags)


@app.command("create", context_settings=CTX, help="Create a new container")
@_with_flags
def create(
    ctx: typer.Context,
    image: str = typer.Argument(..., help="Image (or, with --rootfs, the root filesystem directory)"),
    command: Optional[List[str]] = typer.Argument(None, help="Command and arguments"),
    cidfile: Optional[str] = typer.Option(None, "--cidfile", help="Write the container ID to the file"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Suppress the pull output"),
    flags: dict = None,  # type: ignore[assignment]
) -> None:
    from nerdpy.cli.container_handlers import create as create_impl

    return create_impl(ctx.find_root().obj, image, command, cidfile, quiet, **flags)
