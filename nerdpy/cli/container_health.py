"""`healthcheck run` (podman's command): one probe now, for scripts."""

import typer

from nerdpy.cli import state

app = typer.Typer()


@app.command("run", help="Run the container's healthcheck once (exit 0: healthy, 1: unhealthy)")
def run(ctx: typer.Context, container: str = typer.Argument(..., help="Container")) -> None:
    from nerdpy.api.containers import healthcheck_run

    result = healthcheck_run(state.entered(ctx.find_root().obj), container)
    if result["ExitCode"] != 0:
        typer.echo("unhealthy")
        raise typer.Exit(1)
