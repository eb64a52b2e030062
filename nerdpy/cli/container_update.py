"""`update`: a container's restart policy and resource limits."""

from __future__ import annotations

from nerdpy.cli import state
from nerdpy.cli.state import CliState


def update(cli: CliState, *, containers: list[str], restart: str, memory: str, memory_swap: str, cpus: str,
           memory_reservation: str, cpu_shares: int, blkio_weight: int, pids_limit: int, cpu_period: int,
           cpu_quota: int, cpuset_cpus: str, cpuset_mems: str) -> int:
    from nerdpy.api.containers import update as api_update
    from nerdpy.cli.container import each

    settings = state.entered(cli)

    def one(ref: str) -> str:
        api_update(settings, ref, restart=restart, memory=memory, memory_swap=memory_swap,
                   memory_reservation=memory_reservation, cpus=cpus, cpu_shares=cpu_shares,
                   blkio_weight=blkio_weight, pids_limit=pids_limit, cpu_period=cpu_period, cpu_quota=cpu_quota,
                   cpuset_cpus=cpuset_cpus, cpuset_mems=cpuset_mems)
        return ref

    return each(containers, one)
