"""ps, logs, inspect, top, port."""

from typing import List, Optional

import typer

from nerdpy.cli import state

app = typer.Typer()

@app.command("ps", help="List containers")
def ps(
    ctx: typer.Context,
    all: bool = typer.Option(False, "--all", "-a", help="Show all containers (default shows just running)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only display container IDs"),
    last: int = typer.Option(-1, "--last", "-n", help="Show n last created containers (includes all states)"),
    latest: bool = typer.Option(False, "--latest", "-l", help="Show the latest created container (includes all states)"),
    size: bool = typer.Option(False, "--size", "-s", help="Display total file sizes"),
    no_trunc: bool = typer.Option(False, "--no-trunc", help="Don't truncate output"),
    filter: List[str] = typer.Option([], "--filter", "-f", help="Filter output based on conditions provided"),
    format: Optional[str] = typer.Option(None, "--format", help="Format output using a Go template, or 'json'"),
) -> None:
    from nerdpy.cli.container_handlers import ps as ps_impl

    return ps_impl(ctx.find_root().obj, all, quiet, last, latest, size, no_trunc, filter, format)


@app.command("logs", help="Fetch the logs of a container")
def logs(
    ctx: typer.Context,
    container: str = typer.Argument(..., help="Container"),
    follow: bool = typer.Option(False, "--follow", "-f", help="Follow log output"),
    tail: str = typer.Option("all", "--tail", "-n", help="Number of lines to show from the end of the logs"),
    timestamps: bool = typer.Option(False, "--timestamps", "-t", help="Show timestamps"),
    since: Optional[str] = typer.Option(None, "--since", help="Show logs since timestamp or relative (e.g. 42m)"),
    until: Optional[str] = typer.Option(None, "--until", help="Show logs before a timestamp or relative"),
) -> int:
    from nerdpy.cli.handlers import containers as body

    return body.logs(ctx.find_root().obj, container, follow, tail, timestamps, since, until)


@app.command("inspect", help="Display detailed information on one or more containers")
def inspect(
    ctx: typer.Context,
    containers: List[str] = typer.Argument(..., help="Containers"),
    format: Optional[str] = typer.Option(None, "--format", "-f", help="Format output using a Go template"),
    size: bool = typer.Option(False, "--size", "-s", help="Display total file sizes"),
) -> int:
    from nerdpy.cli.handlers import containers as body

    return body.inspect(ctx.find_root().obj, containers, format, size)


@app.command("top", help="Display the running processes of a container")
def top(ctx: typer.Context, container: str = typer.Argument(..., help="Container"),
        ps_args: Optional[List[str]] = typer.Argument(None, help="ps options")) -> None:
    from nerdpy.api.containers import top as api_top

    header, rows = api_top(state.entered(ctx), container)
    from nerdpy.cli.output import align

    for line in align([header] + rows):
        typer.echo(line)


@app.command("port", help="List port mappings or a specific mapping for the container")
def port(ctx: typer.Context, container: str = typer.Argument(..., help="Container"),
         private_port: Optional[str] = typer.Argument(None, help="PRIVATE_PORT[/PROTO]")) -> None:
    from nerdpy.api.containers import ports

    lines = ports(state.entered(ctx), container, private_port or "")
    for line in lines:
        typer.echo(line)


@app.command("inspect-any", help="Return low-level information on containers or images")
def inspect_any(
    ctx: typer.Context,
    names: List[str] = typer.Argument(..., help="Containers or images"),
    format: Optional[str] = typer.Option(None, "--format", "-f", help="Format output using a Go template"),
    type: Optional[str] = typer.Option(None, "--type", help="Only inspect objects of this type: container or image"),
    size: bool = typer.Option(False, "--size", "-s", help="Display total file sizes"),
) -> int:
    from nerdpy.cli.handlers import containers as body

    return body.inspect_any(ctx.find_root().obj, names, format, type, size)
