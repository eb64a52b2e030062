"""The OCI spec of one container start: the record's Config/HostConfig turned
into `nerdpy.oci` options, plus the mounts this start prepared."""

from __future__ import annotations

import os

from nerdpy.config import Settings
from nerdpy.containers import Container, cgroupres
from nerdpy.linux.confinement import in_user_namespace
from nerdpy.oci import build
from nerdpy.oci import options as o
from nerdpy.oci.user import ExecUser

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from nerdpy.oci import Spec

INIT_PATH = "/sbin/docker-init"
INIT_CANDIDATES = ("/usr/bin/catatonit", "/usr/libexec/podman/catatonit", "/usr/bin/tini", "/usr/bin/docker-init")


def find_init() -> str | None:
    for path in INIT_CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    return None


def process_args(container: Container) -> list[str]:
    cfg = container.cfg
    return list(cfg.get("Entrypoint") or []) + list(cfg.get("Cmd") or [])


_LIMIT_FLAGS = (("Memory", "--memory"), ("MemorySwap", "--memory-swap"), ("MemoryReservation", "--memory-reservation"),
                ("NanoCpus", "--cpus"), ("CpuShares", "--cpu-shares"), ("CpusetCpus", "--cpuset-cpus"),
                ("PidsLimit", "--pids-limit"))


def resources(settings: Settings, host: dict[str, Any], cgroup_limits: bool) -> tuple[dict[str, Any], list[str]]:
    """linux.resources for the limits asked for, or a warning when they cannot apply."""
    wanted: dict[str, Any] = {}
    if host.get("Memory"):
        wanted["memory"] = {"limit": int(host["Memory"])}
    if host.get("NanoCpus"):
        period = 100000
        wanted["cpu"] = {"quota": int(host["NanoCpus"]) * period // 1_000_000_000, "period": period}
    if host.get("MemorySwap") and host.get("Memory"):
        wanted["memory"]["swap"] = int(host["MemorySwap"])
    if host.get("CpuShares"):
        wanted.setdefault("cpu", {})["shares"] = int(host["CpuShares"])
    if host.get("PidsLimit"):
        wanted["pids"] = {"limit": int(host["PidsLimit"])}
    if host.get("MemoryReservation"):
        wanted.setdefault("memory", {})["reservation"] = int(host["MemoryReservation"])
    if host.get("CpusetCpus"):
        wanted.setdefault("cpu", {})["cpus"] = str(host["CpusetCpus"])
    extra = cgroupres.asked(host)
    if (wanted or extra) and not cgroup_limits:
        asked = ", ".join([flag for key, flag in _LIMIT_FLAGS if host.get(key)] + extra)
        return {}, [f"resource limits ({asked}) are ignored: rootless limits need "
                    "cgroup v2 with controllers delegated to the user, and this host does not have it"]
    if not extra:
        return wanted, []
    more, warnings = cgroupres.spec_resources(host)
    return cgroupres.merge(wanted, more), warnings


def _host_modes(settings: Settings, host: dict[str, Any], shared: dict[str, str]) -> list[Any]:
    """--pid, --ipc, --uts, --cgroupns, --device, --oom-score-adj (off the run
    path unless one is asked for)."""
    ipc = host.get("IpcMode") or "private"
    if not (shared or ipc != "private" or host.get("UTSMode") or host.get("CgroupnsMode") == "host"
            or host.get("Devices") or host.get("DeviceRequests") or host.get("OomScoreAdj")):
        return []
    from nerdpy.oci import namespaces as ns

    rootless = settings.rootless
    out = [ns.with_pid_namespace(shared.get("pid", ""), rootless),
           ns.with_ipc_namespace(ipc, shared.get("ipc", ""), shared.get("shm", ""), rootless),
           ns.with_uts_namespace(host.get("UTSMode") == "host"),
           ns.with_cgroup_namespace(host.get("CgroupnsMode") == "host")]
    if host.get("Devices"):
        out.append(o.with_devices(host["Devices"], rootless or in_user_namespace()))
    if host.get("DeviceRequests"):
        out.append(_gpus(host["DeviceRequests"][0], rootless or in_user_namespace()))
    if host.get("OomScoreAdj"):
        out.append(o.with_oom_score_adj(int(host["OomScoreAdj"])))
    return out


def _gpus(request: dict[str, Any], rootless: bool) -> Any:
    from nerdpy.oci.cdi import GPU_KIND, select_gpus, with_cdi_devices

    ids = request.get("DeviceIDs") or []
    count = int(request.get("Count") or 0)
    value = "device=" + ",".join(ids) if ids else "all" if count == -1 else str(count)
    return with_cdi_devices(GPU_KIND, select_gpus(value), rootless)


def _network_sysctls(host: dict[str, Any], netns_path: str | None) -> dict[str, str]:
    """Docker's defaults in a network namespace of the container's own (see
    `netns.set_default_sysctls`, which sets them when it makes one). runc writes
    them again where /proc/sys was read-only then; a keep-id container's user
    namespace does not own the namespace, so there they are left to its maker."""
    if netns_path is None or str(host.get("NetworkMode") or "").startswith("container:"):
        return {}
    if host.get("UsernsMode") == "keep-id":
        return {}
    from nerdpy.network.netns import default_sysctls

    return default_sysctls()


def build_spec(
    settings: Settings,
    container: Container,
    root_path: str,
    user: ExecUser,
    netns_path: str | None,
    mounts: list[dict[str, Any]],
    cgroup_limits: bool,
    hostname: str = "",
    shared: dict[str, str] | None = None,
) -> tuple[Spec, list[str]]:
    """`shared`: the namespaces to join and the /dev/shm to bind
    (nerdpy.containers.hostmodes.shared_namespaces)."""
    cfg, host = container.cfg, container.host_config
    args = process_args(container)
    if host.get("Init"):
        init = find_init()
        if init is None:
            from nerdpy.errors import Unavailable

            raise Unavailable("--init needs catatonit or tini", hint="apt-get install catatonit")
        mounts = mounts + [{"destination": INIT_PATH, "type": "bind", "source": init, "options": ["rbind", "ro"]}]
        args = [INIT_PATH, "--"] + args
    limits, warnings = resources(settings, host, cgroup_limits)
    cgroup_path = None if settings.rootless or in_user_namespace() else cgroupres.cgroups_path(host, container.id)
    if cgroup_path is None and host.get("CgroupParent"):
        warnings.append("--cgroup-parent is ignored: a rootless container's cgroup is placed by the runtime, "
                        "not by nerdpy")
    hostname = hostname or cfg.get("Hostname") or container.id[:12]
    options = [
        o.with_args(args),
        o.with_env([], cfg.get("Env") or [], hostname, user.home, bool(cfg.get("Tty"))),
        o.with_cwd(cfg.get("WorkingDir") or "/"),
        o.with_user(user),
        o.with_hostname(hostname),
        o.with_terminal(bool(cfg.get("Tty"))),
        o.with_root(root_path, bool(host.get("ReadonlyRootfs"))),
        o.with_network_namespace(netns_path, settings.rootless),
        o.with_shm_size(int(host.get("ShmSize") or 64 << 20)),
    ]
    if host.get("Privileged"):
        options.append(o.with_privileged())
    if host.get("CapAdd") or host.get("CapDrop"):
        options.append(o.with_capabilities(host.get("CapAdd") or [], host.get("CapDrop") or []))
    if host.get("SecurityOpt"):
        options.append(o.with_security_opts(host["SecurityOpt"]))
    if host.get("Ulimits"):
        options.append(o.with_ulimits(host["Ulimits"]))
    options += [
        o.with_mounts(mounts),
        o.with_sysctls({**_network_sysctls(host, netns_path), **(host.get("Sysctls") or {})}),
        o.with_annotations(container.runtime.annotations),
        o.with_cgroups(cgroup_path, limits),
    ]
    options += _host_modes(settings, host, shared or {})
    return build(settings.rootless, options), warnings
