"""Spec options for namespaces shared with the host or another container
(--pid, --ipc, --uts, --cgroupns).

Rootless, a namespace owned by the host's user namespace cannot be mounted
from ours: a shared pid namespace gets the host's /proc bound in, a shared ipc
namespace the host's /dev/mqueue (podman does the same)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from nerdpy.oci import Spec, SpecOption

HOST = "host"


def _set_namespace(spec: Spec, kind: str, target: str) -> None:
    """`target`: "" a new namespace, HOST the runtime's own, else a path to join."""
    namespaces = [ns for ns in spec["linux"]["namespaces"] if ns["type"] != kind]
    if target != HOST:
        namespaces.append({"type": kind, "path": target} if target else {"type": kind})
    spec["linux"]["namespaces"] = namespaces


def _bind(spec: Spec, destination: str, source: str, drop: bool = False) -> None:
    """Replace the default mount at `destination` with a bind of `source` (or drop it)."""
    spec["mounts"] = [m for m in spec["mounts"] if m["destination"] != destination]
    if not drop:
        spec["mounts"].append({"destination": destination, "type": "bind", "source": source,
                               "options": ["rbind", "nosuid", "noexec", "nodev"]})


def with_pid_namespace(target: str, rootless: bool) -> SpecOption:
    def apply(spec: Spec) -> None:
        _set_namespace(spec, "pid", target)
        if target == HOST and rootless:
            _bind(spec, "/proc", "/proc")

    return apply


def with_ipc_namespace(mode: str, target: str, shm_source: str, rootless: bool) -> SpecOption:
    """`mode`: Docker's IpcMode; `target` the namespace as for _set_namespace;
    `shm_source` the shared /dev/shm (shareable, container:NAME, host)."""

    def apply(spec: Spec) -> None:
        _set_namespace(spec, "ipc", target)
        if mode == "none":
            _bind(spec, "/dev/shm", "", drop=True)
        elif shm_source:
            _bind(spec, "/dev/shm", shm_source)
        if target == HOST and rootless:  # the host's queues, where it has them mounted
            import os

            _bind(spec, "/dev/mqueue", "/dev/mqueue", drop=not os.path.ismount("/dev/mqueue"))

    return apply


def with_uts_namespace(host: bool) -> SpecOption:
    """The host's UTS namespace: no hostname to set (runc refuses one there)."""

    def apply(spec: Spec) -> None:
        if host:
            _set_namespace(spec, "uts", HOST)
            spec.pop("hostname", None)
            spec.pop("domainname", None)

    return apply


def with_cgroup_namespace(host: bool) -> SpecOption:
    def apply(spec: Spec) -> None:
        if host:
            _set_namespace(spec, "cgroup", HOST)

    return apply
