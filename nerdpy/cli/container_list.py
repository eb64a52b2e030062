"""ps, logs, inspect, top, port."""

from typing import List, Optional

import typer

from nerdpy.cli import state

app = typer.Typer()

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


