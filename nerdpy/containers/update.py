"""`update`: change a container's restart policy and resource limits, stored in
its record and, while it runs, applied with `runc update` (limits) or handed to
its shim (the restart policy: `<shim_dir>/restart`, read at the next exit)."""

from __future__ import annotations

import os

from nerdpy.config import Settings
from nerdpy.containers import Container
from nerdpy.containers.store import ContainerStore
from nerdpy.errors import Conflict, InvalidArgument, Unavailable
from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@record
class UpdateOptions:
    restart: str = ""
    memory: str = ""
    memory_swap: str = ""
    memory_reservation: str = ""
    cpus: str = ""
    cpu_shares: int = 0
    blkio_weight: int = 0
    pids_limit: int = 0
    cpu_period: int = 0
    cpu_quota: int = 0
    cpuset_cpus: str = ""
    cpuset_mems: str = ""


def parse_limits(opts: UpdateOptions) -> dict[str, Any]:
    from nerdpy.containers.parse import parse_size

    out: dict[str, Any] = {}
    if opts.memory:
        out["Memory"] = parse_size(opts.memory, "--memory")
    if opts.memory_swap:
        out["MemorySwap"] = -1 if opts.memory_swap == "-1" else parse_size(opts.memory_swap, "--memory-swap")
    if opts.memory_reservation:
        out["MemoryReservation"] = parse_size(opts.memory_reservation, "--memory-reservation")
    if opts.blkio_weight:
        from nerdpy.containers.cgroupres import check_blkio_weight

        out["BlkioWeight"] = check_blkio_weight(opts.blkio_weight)
    if opts.cpus:
        try:
            out["NanoCpus"] = int(float(opts.cpus) * 1e9)
        except ValueError:
            raise InvalidArgument(f"invalid argument {opts.cpus!r} for \"--cpus\" flag") from None
        if out["NanoCpus"] <= 0:
            raise InvalidArgument("range of CPUs is from 0.01 to the number of CPUs available")
    if opts.cpu_shares:
        out["CpuShares"] = opts.cpu_shares
    if opts.pids_limit:
        out["PidsLimit"] = opts.pids_limit
    out.update(_cpu_limits(opts, out.get("NanoCpus", 0)))
    memory, swap = out.get("Memory"), out.get("MemorySwap")
    if memory and swap and swap > 0 and swap < memory:
        raise InvalidArgument("Minimum memoryswap limit should be larger than memory limit, see usage")
    return out


def _cpu_limits(opts: UpdateOptions, nano_cpus: int) -> dict[str, Any]:
    from nerdpy.containers.cgroupres import check_cfs, check_cpu_list, online

    check_cfs(opts.cpu_period, opts.cpu_quota, nano_cpus)
    out: dict[str, Any] = {"CpuPeriod": opts.cpu_period, "CpuQuota": opts.cpu_quota,
                           "CpusetCpus": opts.cpuset_cpus and check_cpu_list(opts.cpuset_cpus, "cpus", online("cpu")),
                           "CpusetMems": opts.cpuset_mems and check_cpu_list(opts.cpuset_mems, "mems", online("node"))}
    return {key: value for key, value in out.items() if value}


def check_cpu_conflicts(host: dict[str, Any], changed: dict[str, Any]) -> None:
    """As Docker's update: --cpus replaces period/quota, so one set blocks the other
    (moby daemon/container/container_unix.go UpdateContainer)."""
    for new, old in (("NanoCpus", "CpuPeriod"), ("NanoCpus", "CpuQuota"), ("CpuPeriod", "NanoCpus"),
                     ("CpuQuota", "NanoCpus")):
        if changed.get(new, 0) > 0 and (host.get(old) or 0) > 0:
            what = {"NanoCpus": "Nano CPUs", "CpuPeriod": "CPU Period", "CpuQuota": "CPU Quota"}
            had = "NanoCPUs" if old == "NanoCpus" else what[old]
            raise Conflict(f"Conflicting options: {what[new]} cannot be updated as {had} has already been set")


def runc_update_args(host: dict[str, Any], changed: dict[str, Any]) -> list[str]:
    """`runc update` flags for the limits that changed (values from the merged HostConfig)."""
    args: list[str] = []
    if "Memory" in changed or "MemorySwap" in changed:
        if host.get("Memory"):
            args += ["--memory", str(host["Memory"])]
        if host.get("MemorySwap"):
            args += ["--memory-swap", str(host["MemorySwap"])]
    if "NanoCpus" in changed:
        period = 100000
        args += ["--cpu-period", str(period), "--cpu-quota", str(host["NanoCpus"] * period // 1_000_000_000)]
    if "CpuShares" in changed:
        args += ["--cpu-share", str(host["CpuShares"])]
    if "PidsLimit" in changed:
        args += ["--pids-limit", str(host["PidsLimit"])]
    for key, flag in (("MemoryReservation", "--memory-reservation"), ("BlkioWeight", "--blkio-weight"),
                      ("CpuPeriod", "--cpu-period"), ("CpuQuota", "--cpu-quota"), ("CpusetCpus", "--cpuset-cpus"),
                      ("CpusetMems", "--cpuset-mems")):
        if key in changed:
            args += [flag, str(host[key])]
    return args


def update(settings: Settings, container: Container, opts: UpdateOptions) -> None:
    from nerdpy.containers.parse import parse_restart
    from nerdpy.containers.lifecycle import runc
    from nerdpy.containers.start import _policy, cgroup_limits_available, container_lock

    limits = parse_limits(opts)
    host = dict(container.host_config)
    if opts.restart:
        if host.get("AutoRemove") and opts.restart not in ("no", ""):
            raise Conflict("Restart policy cannot be updated because AutoRemove is enabled for the container")
        host["RestartPolicy"] = parse_restart(opts.restart, False)
    if not opts.restart and not limits:
        raise InvalidArgument("you must provide one or more flags when using this command")
    if limits and not cgroup_limits_available(settings):
        raise Unavailable(f"cannot update the resource limits of container {container.name}: rootless limits need "
                          "cgroup v2 with controllers delegated to the user, and this host does not have it",
                          hint="--restart can still be updated")
    check_cpu_conflicts(host, limits)
    host.update(limits)
    store = ContainerStore(settings)
    with container_lock(settings, container.id):
        if store.state(container.id).running:
            if limits:
                from nerdpy.runtime import RuntimeFailure

                try:
                    runc(settings)._check("update", *runc_update_args(host, limits), container.id)
                except RuntimeFailure as exc:
                    raise Unavailable(f"cannot update container {container.name}: {exc.message}") from None
            if opts.restart:
                _hand_to_shim(store, container.id, _policy(host))
        store.update_config(container.id, {**container.config, "HostConfig": host})


def _hand_to_shim(store: ContainerStore, container_id: str, policy: str) -> None:
    path = store.shim_dir(container_id) / "restart"
    tmp = path.with_name(".restart.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(policy)
    os.replace(tmp, path)
