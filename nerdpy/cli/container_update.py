"""`update`: a container's restart policy and resource limits."""

from __future__ import annotations

from nerdpy.cli import state
from nerdpy.cli.state import CliState


def update(cli: CliState, *, containers: list[str], restart: str, memory: str, memory_swap: str, cpus: str,
           cpu_shares: int, pids_limit: int) -> int:
    from nerdpy.api.containers import update as api_update
    from nerdpy.cli.container import each

    settings = state.entered(cli)

    def one(ref: str) -> str:
        api_update(settings, ref, restart, memory, memory_swap, cpus, cpu_shares, pids_limit)
        return ref

    return each(containers, one)
