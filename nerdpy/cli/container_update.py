"""`update`: a container's restart policy and resource limits."""

from typing import List, Optional

import typer

from nerdpy.cli import state

app = typer.Typer()


@app.command("update", help="Update configuration of one or more containers")
def update(
    ctx: typer.Context,
    containers: List[str] = typer.Argument(..., help="Containers"),
    restart: Optional[str] = typer.Option(None, "--restart", help="Restart policy to apply when a container exits"),
    memory: Optional[str] = typer.Option(None, "--memory", "-m", help="Memory limit"),
    memory_swap: Optional[str] = typer.Option(None, "--memory-swap",
                                              help="Swap limit equal to memory plus swap: -1 to enable unlimited swap"),
    cpus: Optional[str] = typer.Option(None, "--cpus", help="Number of CPUs"),
    cpu_shares: int = typer.Option(0, "--cpu-shares", "-c", help="CPU shares (relative weight)"),
    pids_limit: int = typer.Option(0, "--pids-limit", help="Tune container pids limit"),
) -> int:
    from nerdpy.api.containers import update as api_update
    from nerdpy.cli.handlers.containers import each

    settings = state.entered(ctx.find_root().obj)
    def one(ref: str) -> str:
        api_update(settings, ref, restart or "", memory or "", memory_swap or "", cpus or "", cpu_shares, pids_limit)
        return ref

    code = each(containers, one)
    if code:
        raise typer.Exit(code)
    return 0
