"""`nerdpy compose` lifecycle and inspection commands (create, start, stop,
restart, kill, pause, unpause, rm, wait, top, port, images, ls, cp, pull, push,
version, build, events): the same thin shape as nerdpy.cli.compose, on its `group`."""


import typer

from nerdpy.cli import state
from nerdpy.cli.compose import _entered, _exit, group

_SERVICES = typer.Argument(None, metavar="[SERVICE...]", help="Services")
_TIMEOUT = typer.Option(None, "--timeout", "-t", help="Specify a shutdown timeout in seconds")


@group.command("create", help="Creates containers for a service")
def create(
    ctx: typer.Context,
    services: list[str] = _SERVICES,
    force_recreate: bool = typer.Option(False, "--force-recreate", help="Recreate containers even if their configuration and image haven't changed"),
    no_recreate: bool = typer.Option(False, "--no-recreate", help="If containers already exist, don't recreate them"),
    pull: str | None = typer.Option(None, "--pull", help='Pull image before running ("always"|"missing"|"never")'),
) -> None:
    from nerdpy_compose.converge import Plan
    from nerdpy_compose.up import create as engine_create

    settings, project, ui = _entered(ctx, tuple(services or ()))
    plan = Plan(force_recreate, no_recreate, pull=pull or "", parallel=ctx.meta["compose_parallel"])
    engine_create(settings, project, tuple(services or ()), plan, ui)


@group.command("start", help="Start services")
def start(ctx: typer.Context, services: list[str] = _SERVICES) -> None:
    from nerdpy_compose.up import start as engine_start

    settings, project, ui = _entered(ctx)
    engine_start(settings, project, tuple(services or ()), ui)


@group.command("stop", help="Stop services")
def stop(ctx: typer.Context, services: list[str] = _SERVICES, timeout: int | None = _TIMEOUT) -> None:
    from nerdpy_compose.lifecycle import stop as engine_stop

    settings, project, ui = _entered(ctx)
    _exit(engine_stop(settings, project, tuple(services or ()), timeout, ui))


@group.command("restart", help="Restart service containers")
def restart(ctx: typer.Context, services: list[str] = _SERVICES, timeout: int | None = _TIMEOUT) -> None:
    from nerdpy_compose.lifecycle import restart as engine_restart

    settings, project, ui = _entered(ctx)
    _exit(engine_restart(settings, project, tuple(services or ()), timeout, ui))


@group.command("kill", help="Force stop service containers")
def kill(
    ctx: typer.Context,
    services: list[str] = _SERVICES,
    signal: str = typer.Option("SIGKILL", "--signal", "-s", help="SIGNAL to send to the container"),
    remove_orphans: bool = typer.Option(False, "--remove-orphans", help="Remove containers for services not defined in the Compose file"),
) -> None:
    from nerdpy_compose.lifecycle import kill as engine_kill

    settings, project, ui = _entered(ctx)
    _exit(engine_kill(settings, project, tuple(services or ()), signal, remove_orphans, ui))


@group.command("pause", help="Pause services")
def pause(ctx: typer.Context, services: list[str] = _SERVICES) -> None:
    from nerdpy_compose.lifecycle import pause as engine_pause

    settings, project, ui = _entered(ctx)
    _exit(engine_pause(settings, project, tuple(services or ()), False, ui))


@group.command("unpause", help="Unpause services")
def unpause(ctx: typer.Context, services: list[str] = _SERVICES) -> None:
    from nerdpy_compose.lifecycle import pause as engine_pause

    settings, project, ui = _entered(ctx)
    _exit(engine_pause(settings, project, tuple(services or ()), True, ui))


@group.command("rm", help="Removes stopped service containers")
def rm(
    ctx: typer.Context,
    services: list[str] = _SERVICES,
    force: bool = typer.Option(False, "--force", "-f", help="Don't ask to confirm removal"),
    stop: bool = typer.Option(False, "--stop", "-s", help="Stop the containers, if required, before removing"),
    volumes: bool = typer.Option(False, "--volumes", "-v", help="Remove any anonymous volumes attached to containers"),
) -> None:
    from nerdpy_compose.lifecycle import rm as engine_rm

    settings, project, ui = _entered(ctx)

    def confirm(found: list) -> bool:
        typer.echo("Going to remove " + ", ".join(m.name for m in found))
        return typer.confirm("Are you sure?", default=False)

    _exit(engine_rm(settings, project, tuple(services or ()), stop, volumes, force, ui, confirm))


@group.command("wait", help="Block until containers of all (or specified) services stop.")
def wait(ctx: typer.Context, services: list[str] = typer.Argument(..., metavar="SERVICE...", help="Services"),
         down_project: bool = typer.Option(False, "--down-project", help="Drops project when the first container stops")) -> None:
    from nerdpy_compose.lifecycle import wait as engine_wait

    settings, project, ui = _entered(ctx)
    _exit(engine_wait(settings, project, tuple(services), down_project, ui))


@group.command("top", help="Display the running processes")
def top(ctx: typer.Context, services: list[str] = _SERVICES) -> None:
    from nerdpy_compose.listing import top as engine_top

    from nerdpy.cli.output import align

    settings, project, _ = _entered(ctx)
    for name, header, rows in engine_top(settings, project, tuple(services or ())):
        typer.echo(name)
        for line in align([header] + rows):
            typer.echo(line)
        typer.echo("")


@group.command("port", help="Print the public port for a port binding")
def port(
    ctx: typer.Context,
    service: str = typer.Argument(..., help="Service"),
    private_port: str = typer.Argument(..., help="Private port"),
    protocol: str = typer.Option("tcp", "--protocol", help="tcp or udp"),
    index: int = typer.Option(1, "--index", help="Index of the container if service has multiple replicas"),
) -> None:
    from nerdpy_compose.listing import port as engine_port

    settings, project, _ = _entered(ctx)
    typer.echo(engine_port(settings, project, service, private_port, protocol, index))


@group.command("images", help="List images used by the created containers")
def images(
    ctx: typer.Context,
    services: list[str] = _SERVICES,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only display IDs"),
    format: str = typer.Option("table", "--format", help="Format the output. Values: [table | json]"),
) -> None:
    from nerdpy_compose.listing import images as engine_images

    from nerdpy.cli.output import print_rows

    settings, project, _ = _entered(ctx)
    rows = engine_images(settings, project, tuple(services or ()))
    if format != "json":
        from nerdpy.formatting.human import human_size

        rows = [{**r, "Size": human_size(r["Size"])} for r in rows]
    columns = [("ContainerName", "CONTAINER"), ("Repository", "REPOSITORY"), ("Tag", "TAG"), ("ID", "IMAGE ID"),
               ("Size", "SIZE")]
    if format == "json":
        import json

        typer.echo(json.dumps(rows))
        return
    for line in print_rows(rows, columns, None if format == "table" else format, "ID", quiet):
        typer.echo(line)


@group.command("ls", help="List running compose projects")
def ls(
    ctx: typer.Context,
    all: bool = typer.Option(False, "--all", "-a", help="Show all stopped Compose projects"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only display project names"),
    filter: list[str] = typer.Option([], "--filter", help="Filter output based on conditions provided"),
    format: str = typer.Option("table", "--format", help="Format the output. Values: [table | json]"),
) -> None:
    from nerdpy_compose.listing import ls as engine_ls

    from nerdpy.cli.output import print_rows

    rows = engine_ls(state.entered(ctx.find_root().obj), all, tuple(filter))
    if format == "json":
        import json

        typer.echo(json.dumps(rows))
        return
    columns = [("Name", "NAME"), ("Status", "STATUS"), ("ConfigFiles", "CONFIG FILES")]
    for line in print_rows(rows, columns, None if format == "table" else format, "Name", quiet):
        typer.echo(line)


@group.command("cp", help="Copy files/folders between a service container and the local filesystem")
def cp(ctx: typer.Context, src: str = typer.Argument(..., metavar="SRC_PATH"),
       dest: str = typer.Argument(..., metavar="DEST_PATH"),
       index: int = typer.Option(0, "--index", help="Index of the container if service has multiple replicas")) -> None:
    from nerdpy_compose.oneoff import cp as engine_cp

    settings, project, _ = _entered(ctx)
    engine_cp(settings, project, src, dest, index)


@group.command("pull", help="Pull service images")
def pull(
    ctx: typer.Context,
    services: list[str] = _SERVICES,
    ignore_pull_failures: bool = typer.Option(False, "--ignore-pull-failures", help="Pull what it can and ignores images with pull failures"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Pull without printing progress information"),
) -> None:
    from nerdpy_compose.oneoff import pull as engine_pull

    settings, project, ui = _entered(ctx, tuple(services or ()))
    _exit(engine_pull(settings, project, tuple(services or ()), ignore_pull_failures, quiet, ui))


@group.command("push", help="Push service images")
def push(
    ctx: typer.Context,
    services: list[str] = _SERVICES,
    ignore_push_failures: bool = typer.Option(False, "--ignore-push-failures", help="Push what it can and ignores images with push failures"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Push without printing progress information"),
) -> None:
    from nerdpy_compose.oneoff import push as engine_push

    settings, project, ui = _entered(ctx, tuple(services or ()))
    _exit(engine_push(settings, project, tuple(services or ()), ignore_push_failures, quiet, ui))


@group.command("version", help="Show the Docker Compose version information")
def version(
    format: str = typer.Option("pretty", "--format", "-f", help='Format the output. Values: [pretty | json]'),
    short: bool = typer.Option(False, "--short", help="Shows only Compose's version number"),
) -> None:
    from nerdpy import __version__

    if short:
        typer.echo(__version__)
    elif format == "json":
        typer.echo(f'{{"version":"{__version__}"}}')
    else:
        typer.echo(f"nerdpy compose version {__version__}")


@group.command("build", help="Build or rebuild services")
def build(
    ctx: typer.Context,
    services: list[str] = _SERVICES,
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not use cache when building the image"),
    pull: bool = typer.Option(False, "--pull", help="Always attempt to pull a newer version of the image"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Don't print anything to STDOUT"),
    build_arg: list[str] = typer.Option([], "--build-arg", help="Set build-time variables for services"),
) -> None:
    from nerdpy_compose.build import build_services

    args = {}
    for item in build_arg:
        key, eq, value = item.partition("=")
        args[key] = value if eq else None
    settings, project, ui = _entered(ctx, tuple(services or ()))
    _exit(build_services(settings, project, tuple(services or ()), ui, no_cache, pull, quiet, args))


@group.command("events", help="Receive real time events from containers")
def events(ctx: typer.Context, services: list[str] = _SERVICES,
           json: bool = typer.Option(False, "--json", help="Output events as a stream of json objects")) -> None:
    import sys

    from nerdpy_compose.events import json_line, stream, text_line

    settings, project, _ = _entered(ctx)
    try:
        for event in stream(settings, project.name, tuple(services or ())):
            sys.stdout.write((json_line(event) if json else text_line(event)) + "\n")
            sys.stdout.flush()
    except (KeyboardInterrupt, BrokenPipeError):
        return
