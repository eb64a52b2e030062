"""`nerdpy compose`: docker compose's CLI over the compose engine (nerdpy_compose).

Thin by design: each command parses its flags into the engine's options
records and calls one engine function, which calls nerdpy.api in-process. The
one place that imports nerdpy_compose (an import-linter contract says so).
"""

import os
import sys

import typer

from nerdpy.cli import state

app = typer.Typer(add_completion=False)
group = typer.Typer(help="Define and run multi-container applications", no_args_is_help=True,
                    add_completion=False, rich_markup_mode=None)
app.add_typer(group, name="compose")


@group.callback()
def compose(
    ctx: typer.Context,
    file: list[str] = typer.Option([], "--file", "-f", help="Compose configuration files"),
    project_name: str | None = typer.Option(None, "--project-name", "-p", help="Project name"),
    project_directory: str | None = typer.Option(
        None, "--project-directory", help="Specify an alternate working directory (default: the path of the first "
                                          "specified Compose file)"),
    env_file: list[str] = typer.Option([], "--env-file", help="Specify an alternate environment file"),
    profile: list[str] = typer.Option([], "--profile", help="Specify a profile to enable"),
    ansi: str = typer.Option("auto", "--ansi", help='Control when to print ANSI control characters ("never"|"always"|"auto")'),
    progress: str = typer.Option("auto", "--progress", help='Set type of progress output (auto, tty, plain, json, quiet)'),
    parallel: int = typer.Option(-1, "--parallel", help="Control max parallelism, -1 for unlimited"),
) -> None:
    from nerdpy_compose.options import ProjectOptions

    ctx.meta["compose"] = ProjectOptions(
        files=tuple(file), project_name=project_name or "", project_directory=project_directory or "",
        env_files=tuple(env_file), profiles=tuple(profile), environ=dict(os.environ), cwd=os.getcwd(),
        stdin=sys.stdin.read)
    if parallel == -1 and os.environ.get("COMPOSE_PARALLEL_LIMIT", "").isdigit():
        parallel = int(os.environ["COMPOSE_PARALLEL_LIMIT"])
    ctx.meta["compose_ui"] = (ansi, progress)
    ctx.meta["compose_parallel"] = parallel


def _warn(line: str) -> None:
    typer.echo(f"WARN[0000] {line}", err=True)


def _project(ctx: typer.Context, selected: tuple = (), interpolate: bool = True):
    from nerdpy_compose.loader import load_project

    from nerdpy.records import replace

    opts = ctx.meta["compose"]
    if not interpolate:
        opts = replace(opts, interpolate=False)
    return load_project(opts, _warn, tuple(selected))


def _ui(ctx: typer.Context):
    from nerdpy_compose.ui import Ui

    ansi, progress = ctx.meta["compose_ui"]
    return Ui(sys.stdout.fileno(), sys.stderr.fileno(), ansi=ansi, progress=progress)


@group.command("config", help="Parse, resolve and render compose file in canonical format")
def config(
    ctx: typer.Context,
    services_: list[str] = typer.Argument(None, metavar="[SERVICE...]", help="Services"),
    format: str = typer.Option("yaml", "--format", help="Format the output. Values: [yaml | json]"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only validate the configuration, don't print anything"),
    services: bool = typer.Option(False, "--services", help="Print the service names, one per line"),
    volumes: bool = typer.Option(False, "--volumes", help="Print the volume names, one per line"),
    networks: bool = typer.Option(False, "--networks", help="Print the network names, one per line"),
    profiles: bool = typer.Option(False, "--profiles", help="Print the profile names, one per line"),
    images: bool = typer.Option(False, "--images", help="Print the image names, one per line"),
    hash: str | None = typer.Option(None, "--hash", help="Print the service config hash, one per line"),
    no_interpolate: bool = typer.Option(False, "--no-interpolate", help="Don't interpolate environment variables"),
    output: str | None = typer.Option(None, "--output", "-o", help="Save to file (default to stdout)"),
) -> None:
    from nerdpy_compose.config_cmd import ConfigRequest, render

    project = _project(ctx, tuple(services_ or ()), interpolate=not no_interpolate)
    text = render(project, ConfigRequest(format=format, services=services, volumes=volumes, networks=networks,
                                         profiles=profiles, images=images, hash=hash or "", quiet=quiet))
    if quiet:
        return
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        return
    if text:
        typer.echo(text)


def _entered(ctx: typer.Context, selected: tuple = ()):
    """Load the project first (a bad file creates nothing), then join the rootless
    namespace, single-threaded, before the engine starts its threads."""
    project = _project(ctx, selected)
    return state.entered(ctx.find_root().obj), project, _ui(ctx)


def _exit(code: int) -> None:
    if code:
        raise typer.Exit(code)


@group.command("up", help="Create and start containers")
def up(
    ctx: typer.Context,
    services: list[str] = typer.Argument(None, metavar="[SERVICE...]", help="Services"),
    detach: bool = typer.Option(False, "--detach", "-d", help="Detached mode: Run containers in the background"),
    wait: bool = typer.Option(False, "--wait", help="Wait for services to be running|healthy. Implies detached mode."),
    wait_timeout: int = typer.Option(0, "--wait-timeout", help="Maximum duration in seconds to wait for the project to be running|healthy"),
    force_recreate: bool = typer.Option(False, "--force-recreate", help="Recreate containers even if their configuration and image haven't changed"),
    no_recreate: bool = typer.Option(False, "--no-recreate", help="If containers already exist, don't recreate them"),
    remove_orphans: bool = typer.Option(False, "--remove-orphans", help="Remove containers for services not defined in the Compose file"),
    abort_on_container_exit: bool = typer.Option(False, "--abort-on-container-exit", help="Stops all containers if any container was stopped"),
    abort_on_container_failure: bool = typer.Option(False, "--abort-on-container-failure", help="Stops all containers if any container exited with failure"),
    exit_code_from: str | None = typer.Option(None, "--exit-code-from", help="Return the exit code of the selected service container. Implies --abort-on-container-exit"),
    scale: list[str] = typer.Option([], "--scale", help="Scale SERVICE to NUM instances. Overrides the scale setting in the Compose file if present"),
    no_deps: bool = typer.Option(False, "--no-deps", help="Don't start linked services"),
    timeout: int | None = typer.Option(None, "--timeout", "-t", help="Use this timeout in seconds for container shutdown"),
    no_start: bool = typer.Option(False, "--no-start", help="Don't start the services after creating them"),
    attach: list[str] = typer.Option([], "--attach", help="Restrict attaching to the specified services"),
    no_attach: list[str] = typer.Option([], "--no-attach", help="Do not attach (stream logs) to the specified services"),
    no_log_prefix: bool = typer.Option(False, "--no-log-prefix", help="Don't print prefix in logs"),
    timestamps: bool = typer.Option(False, "--timestamps", help="Show timestamps"),
    pull: str | None = typer.Option(None, "--pull", help='Pull image before running ("always"|"missing"|"never")'),
    no_build: bool = typer.Option(False, "--no-build", help="Don't build an image, even if it's policy"),
    build: bool = typer.Option(False, "--build", help="Build images before starting containers"),
) -> None:
    from nerdpy_compose.up import UpRequest
    from nerdpy_compose.up import up as engine_up

    from nerdpy.errors import InvalidArgument

    if build and no_build:
        raise InvalidArgument("--build and --no-build are incompatible")
    counts = {}
    for item in scale:
        name, eq, num = item.partition("=")
        if not eq or not num.isdigit():
            raise InvalidArgument(f"invalid --scale {item!r}: use SERVICE=NUM")
        counts[name] = int(num)
    settings, project, ui = _entered(ctx, tuple(services or ()))
    req = UpRequest(services=tuple(services or ()), detach=detach, wait=wait, wait_timeout=wait_timeout,
                    force_recreate=force_recreate, no_recreate=no_recreate, remove_orphans=remove_orphans,
                    abort_on_exit=abort_on_container_exit, abort_on_failure=abort_on_container_failure,
                    exit_code_from=exit_code_from or "", scale=counts, no_deps=no_deps, timeout=timeout,
                    no_start=no_start, attach=tuple(attach), no_attach=tuple(no_attach), no_log_prefix=no_log_prefix,
                    timestamps=timestamps, pull=pull or "", parallel=ctx.meta["compose_parallel"],
                    build="always" if build else "never" if no_build else "")
    _exit(engine_up(settings, project, req, ui))


@group.command("down", help="Stop and remove containers, networks")
def down(
    ctx: typer.Context,
    volumes: bool = typer.Option(False, "--volumes", "-v", help="Remove named volumes declared in the \"volumes\" section of the Compose file and anonymous volumes attached to containers"),
    rmi: str | None = typer.Option(None, "--rmi", help='Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")'),
    remove_orphans: bool = typer.Option(False, "--remove-orphans", help="Remove containers for services not defined in the Compose file"),
    timeout: int | None = typer.Option(None, "--timeout", "-t", help="Specify a shutdown timeout in seconds"),
) -> None:
    from nerdpy_compose.lifecycle import down as engine_down

    settings, project, ui = _entered(ctx)
    _exit(engine_down(settings, project, volumes, remove_orphans, timeout, rmi or "", ui))


_PS_COLUMNS = [("Name", "NAME"), ("Image", "IMAGE"), ("Command", "COMMAND"), ("Service", "SERVICE"),
               ("RunningFor", "CREATED"), ("Status", "STATUS"), ("Ports", "PORTS")]


@group.command("ps", help="List containers")
def ps(
    ctx: typer.Context,
    services_: list[str] = typer.Argument(None, metavar="[SERVICE...]", help="Services"),
    all: bool = typer.Option(False, "--all", "-a", help="Show all stopped containers (including those created by the run command)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only display IDs"),
    services: bool = typer.Option(False, "--services", help="Display services"),
    status: list[str] = typer.Option([], "--status", help="Filter services by status. Values: [paused | restarting | removing | running | dead | created | exited]"),
    filter: list[str] = typer.Option([], "--filter", help="Filter services by a property (supported filters: status)"),
    format: str = typer.Option("table", "--format", help="Format output using a custom template, 'table' or 'json'"),
    no_trunc: bool = typer.Option(False, "--no-trunc", help="Don't truncate output"),
) -> None:
    from nerdpy_compose.listing import ps_json, ps_rows

    from nerdpy.cli.output import print_rows

    settings, project, _ = _entered(ctx)
    rows = ps_rows(settings, project, tuple(services_ or ()), all, tuple(status), tuple(filter))
    if services:
        for name in dict.fromkeys(r["Service"] for r in rows):
            typer.echo(name)
        return
    if format == "json" and not quiet:
        text = ps_json(rows)
        if text:
            typer.echo(text)
        return
    for line in print_rows(rows, _PS_COLUMNS, None if format == "table" else format, "ID", quiet):
        typer.echo(line)


@group.command("logs", help="View output from containers")
def logs(
    ctx: typer.Context,
    services: list[str] = typer.Argument(None, metavar="[SERVICE...]", help="Services"),
    follow: bool = typer.Option(False, "--follow", "-f", help="Follow log output"),
    tail: str = typer.Option("all", "--tail", "-n", help="Number of lines to show from the end of the logs for each container"),
    timestamps: bool = typer.Option(False, "--timestamps", "-t", help="Show timestamps"),
    no_log_prefix: bool = typer.Option(False, "--no-log-prefix", help="Don't print prefix in logs"),
    no_color: bool = typer.Option(False, "--no-color", help="Produce monochrome output"),
    since: str | None = typer.Option(None, "--since", help="Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)"),
    index: int = typer.Option(0, "--index", help="index of the container if service has multiple replicas"),
) -> None:
    from nerdpy_compose.listing import logs as engine_logs

    settings, project, ui = _entered(ctx)
    if no_color:
        ui.colour = False
    engine_logs(settings, project, tuple(services or ()), follow, tail, timestamps, no_log_prefix, since or "", index, ui)


@group.command("exec", help="Execute a command in a running container",
               context_settings={"allow_interspersed_args": False})
def exec_(
    ctx: typer.Context,
    service: str = typer.Argument(..., help="Service"),
    command: list[str] = typer.Argument(..., metavar="COMMAND [ARGS...]", help="Command"),
    detach: bool = typer.Option(False, "--detach", "-d", help="Detached mode: Run command in the background"),
    no_tty: bool = typer.Option(False, "--no-TTY", "-T", help="Disable pseudo-TTY allocation. By default `docker compose exec` allocates a TTY."),
    env: list[str] = typer.Option([], "--env", "-e", help="Set environment variables"),
    user: str | None = typer.Option(None, "--user", "-u", help="Run the command as this user"),
    workdir: str | None = typer.Option(None, "--workdir", "-w", help="Path to workdir directory for this command"),
    index: int = typer.Option(0, "--index", help="Index of the container if service has multiple replicas"),
    privileged: bool = typer.Option(False, "--privileged", help="Give extended privileges to the process"),
) -> None:
    from nerdpy_compose.oneoff import exec_ as engine_exec
    from nerdpy_compose.oneoff import isatty

    settings, project, _ = _entered(ctx)
    _exit(engine_exec(settings, project, service, tuple(command), index, detach, not no_tty and isatty(),
                      tuple(env), user or "", workdir or "", privileged))


@group.command("run", help="Run a one-off command on a service", context_settings={"allow_interspersed_args": False})
def run(
    ctx: typer.Context,
    service: str = typer.Argument(..., help="Service"),
    command: list[str] = typer.Argument(None, metavar="[COMMAND] [ARGS...]", help="Command"),
    detach: bool = typer.Option(False, "--detach", "-d", help="Run container in background and print container ID"),
    rm: bool = typer.Option(False, "--rm", help="Automatically remove the container when it exits"),
    name: str | None = typer.Option(None, "--name", help="Assign a name to the container"),
    entrypoint: str | None = typer.Option(None, "--entrypoint", help="Override the entrypoint of the image"),
    env: list[str] = typer.Option([], "--env", "-e", help="Set environment variables"),
    label: list[str] = typer.Option([], "--label", "-l", help="Add or override a label"),
    publish: list[str] = typer.Option([], "--publish", "-p", help="Publish a container's port(s) to the host"),
    service_ports: bool = typer.Option(False, "--service-ports", "-P", help="Run command with all service's ports enabled and mapped to the host"),
    volume: list[str] = typer.Option([], "--volume", "-v", help="Bind mount a volume"),
    user: str | None = typer.Option(None, "--user", "-u", help="Run as specified username or uid"),
    workdir: str | None = typer.Option(None, "--workdir", "-w", help="Working directory inside the container"),
    no_deps: bool = typer.Option(False, "--no-deps", help="Don't start linked services"),
    no_tty: bool = typer.Option(False, "--no-TTY", "-T", help="Disable pseudo-TTY allocation (default: auto-detected)"),
    interactive: bool = typer.Option(True, "--interactive", "-i", help="Keep STDIN open even if not attached"),
    use_aliases: bool = typer.Option(False, "--use-aliases", help="Use the service's network aliases in the network(s) the container connects to"),
    cap_add: list[str] = typer.Option([], "--cap-add", help="Add Linux capabilities"),
    cap_drop: list[str] = typer.Option([], "--cap-drop", help="Drop Linux capabilities"),
) -> None:
    from nerdpy_compose.oneoff import RunRequest, isatty
    from nerdpy_compose.oneoff import run as engine_run

    settings, project, ui = _entered(ctx, (service,))
    req = RunRequest(service=service, command=tuple(command or ()), detach=detach, remove=rm, name=name or "",
                     entrypoint=entrypoint, env=tuple(env), labels=tuple(label), publish=tuple(publish),
                     service_ports=service_ports, volumes=tuple(volume), user=user or "", workdir=workdir or "",
                     no_deps=no_deps, tty=not no_tty and isatty(), interactive=interactive, use_aliases=use_aliases,
                     cap_add=tuple(cap_add), cap_drop=tuple(cap_drop))
    _exit(engine_run(settings, project, req, ui))


# The lifecycle and inspection commands live beside: they register on `group`.
from nerdpy.cli import compose_ops  # noqa: E402, F401
