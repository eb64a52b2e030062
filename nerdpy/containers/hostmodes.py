"""`run`/`create` flags that pick namespaces and host resources, checked at
create and kept in HostConfig in Docker's shape: --pid, --ipc, --uts,
--cgroupns, --device, --oom-score-adj, --link, --mac-address, --gpus."""

from __future__ import annotations

import os
import re
import stat

from nerdpy.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from nerdpy.containers import CreateOptions

IPC_MODES = ("private", "shareable", "host", "none")
_MAC = re.compile(r"[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}")
_LINK_NAME = re.compile(r"/?[a-zA-Z0-9][a-zA-Z0-9_.-]*")


def _container_mode(value: str, flag: str, allowed: tuple[str, ...]) -> str:
    """`value` when one of `allowed` or `container:NAME`; else a one-line refusal."""
    if value in allowed or (value.startswith("container:") and value.partition(":")[2]):
        return value
    choices = ", ".join(a for a in allowed if a)
    raise InvalidArgument(f"invalid {flag} {value!r}", hint=f"use {choices} or container:NAME")


def parse_device(text: str, rootless: bool) -> dict[str, str]:
    """`/dev/x[:/dev/y][:rwm]` -> Docker's DeviceMapping; the host node (or a directory
    of nodes, expanded at start as Docker does) must exist.
    Rootless the node is bind-mounted: no devices cgroup narrows what it allows
    (a read-only mount does not stop writes to a device)."""
    parts = text.split(":")
    if not parts[0] or len(parts) > 3:
        raise InvalidArgument(f"invalid device mode: {text}", hint="use HOST[:CONTAINER][:PERMISSIONS], e.g. /dev/fuse:/dev/fuse:rwm")
    host, inner, perms = parts[0], parts[0], "rwm"
    if len(parts) == 3:
        inner, perms = parts[1], parts[2]
    elif len(parts) == 2:
        if parts[1] and set(parts[1]) <= set("rwm") and not parts[1].startswith("/"):
            perms = parts[1]
        else:
            inner = parts[1]
    if not perms or not set(perms) <= set("rwm"):
        raise InvalidArgument(f"invalid device mode: {perms}", hint="permissions are any of r, w, m")
    if not host.startswith("/") or not inner.startswith("/"):
        raise InvalidArgument(f"invalid device {text!r}: paths must be absolute")
    try:
        st = os.stat(host)
    except OSError as exc:
        raise InvalidArgument(f"error gathering device information while adding custom device {host!r}: "
                              f"{exc.strerror}") from None
    if not (stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        raise InvalidArgument(f"{host} is not a device node", hint="give a character or block device, or a "
                              "directory of them, under /dev")
    if rootless and not {"r", "w"} <= set(perms):
        raise InvalidArgument(f"--device {text}: rootless, a device is bound with the host node's own access; "
                              f"permissions {perms!r} need root", hint="drop the permissions or use rw")
    return {"PathOnHost": host, "PathInContainer": os.path.normpath(inner), "CgroupPermissions": perms}


def parse_links(values: tuple[str, ...], networks: tuple[str, ...], own_name: str) -> list[str] | None:
    """`NAME[:ALIAS]` as Docker records it ("/NAME:/OWN_NAME/ALIAS"); on a user
    network each is an alias of NAME seen only by this container (Docker's
    behaviour there)."""
    if not values:
        return None
    user_networks = [n for n in networks if n not in ("", "bridge", "default", "host", "none")
                     and not n.startswith("container:")]
    if not user_networks:
        raise InvalidArgument("--link needs a user-defined network: the default network has no legacy links here",
                              hint="nerdpy network create NET, then run with --network NET")
    links = []
    for item in values:
        name, _, alias = item.partition(":")
        alias = alias or name.lstrip("/")
        if not _LINK_NAME.fullmatch(name) or not _LINK_NAME.fullmatch(alias):
            raise InvalidArgument(f"invalid --link {item!r}", hint="use NAME[:ALIAS]")
        links.append(f"/{name.lstrip('/')}:/{own_name}/{alias.lstrip('/')}")
    return links


def check_oom_score_adj(value: int, rootless: bool) -> int:
    if not -1000 <= value <= 1000:
        raise InvalidArgument(f"Invalid value {value}, range for oom score adj is [-1000, 1000]")
    if rootless:
        try:
            with open("/proc/self/oom_score_adj") as handle:
                floor = int(handle.read().strip() or 0)
        except (OSError, ValueError):
            floor = 0
        if value < floor:
            raise InvalidArgument(f"--oom-score-adj {value} is below this user's {floor}: only root may lower it",
                                  hint=f"use a value of at least {floor}")
    return value


def device_requests(value: str) -> list[dict[str, Any]] | None:
    """--gpus as Docker's HostConfig.DeviceRequests, once CDI describes the GPUs
    asked for (nvidia-ctk cdi generate); else a one-line refusal. The devices are
    resolved again at start, from the specs of that moment."""
    if not value:
        return None
    from nerdpy.oci.cdi import parse_gpus, select_gpus

    count, ids = parse_gpus(value)
    select_gpus(value)
    return [{"Driver": "", "Count": 0 if ids else count, "DeviceIDs": ids or None, "Capabilities": [["gpu"]],
             "Options": {}}]


def _on_default_network(networks: tuple[str, ...]) -> bool:
    first = networks[0] if networks else ""
    return first in ("", "bridge", "default", "host", "none") or first.startswith("container:")


def check_ip(value: str, networks: tuple[str, ...]) -> None:
    """--ip is for a user-defined network, as Docker's refusal at create says; on
    the default network (slirp4netns, fixed address) it was silently ignored."""
    if value and _on_default_network(networks):
        raise InvalidArgument("user specified IP address is supported on user defined networks only",
                              hint="nerdpy network create --subnet CIDR NET, then run with --network NET")


def check_mac(value: str, networks: tuple[str, ...]) -> str:
    if not value:
        return ""
    if not _MAC.fullmatch(value):
        raise InvalidArgument(f"{value} is not a valid mac address")
    if int(value[:2], 16) & 1:
        raise InvalidArgument(f"{value} is a multicast mac address", hint="the first byte must be even")
    if _on_default_network(networks):
        raise InvalidArgument("--mac-address needs a user-defined network: the default network's "
                              "address is fixed by slirp4netns or the host",
                              hint="nerdpy network create NET, then run with --network NET")
    return value.lower()


def host_name() -> str:
    """--uts host: the container's Hostname is the host's, as Docker records it."""
    import _socket

    return _socket.gethostname()


def attached_streams(opts: CreateOptions) -> dict[str, bool]:
    """Config.AttachStd*: `-a` names the streams; without it stdout and stderr,
    and stdin with -i."""
    streams = {a.lower() for a in opts.attach}
    if streams - {"stdin", "stdout", "stderr"}:
        bad = next(iter(sorted(streams - {"stdin", "stdout", "stderr"})))
        raise InvalidArgument(f'invalid argument "{bad}" for "-a, --attach" flag: '
                              "valid streams are STDIN, STDOUT and STDERR")
    if not streams:
        return {"AttachStdin": opts.interactive, "AttachStdout": True, "AttachStderr": True}
    return {"AttachStdin": "stdin" in streams, "AttachStdout": "stdout" in streams,
            "AttachStderr": "stderr" in streams}


def host_modes(opts: CreateOptions, rootless: bool, name: str) -> dict[str, Any]:
    """The HostConfig entries of these flags, validated."""
    pid = _container_mode(opts.pid, "--pid", ("", "host"))
    ipc = _container_mode(opts.ipc, "--ipc", ("",) + IPC_MODES) or "private"
    if opts.uts not in ("", "host"):
        raise InvalidArgument(f"invalid --uts {opts.uts!r}", hint="use host")
    if opts.uts == "host" and opts.hostname:
        raise InvalidArgument("conflicting options: hostname and the UTS mode")
    if opts.cgroupns not in ("", "host", "private"):
        raise InvalidArgument(f"invalid --cgroupns {opts.cgroupns!r}", hint="use host or private")
    return {
        "PidMode": pid, "IpcMode": ipc, "UTSMode": opts.uts, "CgroupnsMode": opts.cgroupns or "private",
        "Devices": [parse_device(d, rootless) for d in opts.devices],
        "OomScoreAdj": check_oom_score_adj(opts.oom_score_adj, rootless) if opts.oom_score_adj else 0,
        "Links": parse_links(opts.links, opts.networks, name), "DeviceRequests": device_requests(opts.gpus),
    }


def _running_pid(store: Any, ref: str, what: str) -> tuple[Any, int]:
    from nerdpy.errors import Conflict

    donor = store.get(ref)
    state = store.state(donor.id)
    if not state.running or not state.pid:
        raise Conflict(f"cannot join {what} of a non running container: {ref}", hint=f"start {ref} first")
    return donor, state.pid


def shared_namespaces(store: Any, container: Any) -> dict[str, str]:
    """At start: the namespaces to join ("pid", "ipc": a /proc path, or "host")
    and the /dev/shm to bind ("shm"), from PidMode and IpcMode; a shareable
    container's own /dev/shm is mounted here."""
    host = container.host_config
    out: dict[str, str] = {}
    pid_mode = host.get("PidMode") or ""
    if pid_mode == "host":
        out["pid"] = "host"
    elif pid_mode.startswith("container:"):
        out["pid"] = f"/proc/{_running_pid(store, pid_mode.partition(':')[2], 'PID namespace')[1]}/ns/pid"
    ipc_mode = host.get("IpcMode") or "private"
    if ipc_mode == "host":
        out.update(ipc="host", shm="/dev/shm")
    elif ipc_mode.startswith("container:"):
        ref = ipc_mode.partition(":")[2]
        donor, pid = _running_pid(store, ref, "IPC")
        if (donor.host_config.get("IpcMode") or "private") != "shareable":
            raise InvalidArgument(f"container {ref}: non-shareable IPC",
                                  hint="create the donor container with --ipc shareable")
        out.update(ipc=f"/proc/{pid}/ns/ipc", shm=str(store.dir(donor.id) / "shm"))
    elif ipc_mode == "shareable":
        out["shm"] = mount_shareable_shm(store, container)
    return out


def mount_shareable_shm(store: Any, container: Any) -> str:
    """A shareable container's /dev/shm: a tmpfs in its directory, as Docker's,
    so that containers joining its IPC namespace bind the same one."""
    from nerdpy.linux import libc

    path = store.dir(container.id) / "shm"
    path.mkdir(mode=0o700, exist_ok=True)
    if not os.path.ismount(path):
        size = int(container.host_config.get("ShmSize") or 64 << 20)
        flags = libc.MS_NOSUID | libc.MS_NODEV | libc.MS_NOEXEC
        libc.mount("shm", str(path), "tmpfs", flags, f"mode=1777,size={size}")
    return str(path)


def unmount_shm(store: Any, container: Any) -> None:
    path = store.dir(container.id) / "shm"
    if os.path.ismount(path):
        from nerdpy.linux import libc

        libc.umount(str(path), libc.MNT_DETACH)


def link_hosts(store: Any, host: dict[str, Any]) -> tuple[str, ...]:
    """--link NAME:ALIAS on a user network: ALIAS resolves to NAME's address on
    the first network both share, for this container only (an /etc/hosts entry)."""
    from nerdpy.errors import Conflict
    from nerdpy.network import inspect_settings

    ours = [n for n in host.get("Networks") or ()]
    out = []
    for link in host.get("Links") or ():
        name, _, path = link.partition(":")
        name, alias = name.lstrip("/"), path.rpartition("/")[2]
        target = store.get(name)
        if not store.state(target.id).running:
            raise Conflict(f"cannot link to a non running container: {name}", hint=f"start {name} first")
        theirs = inspect_settings(store.settings, target.id).get("Networks") or {}
        ip = next((entry["IPAddress"] for net in ours for key, entry in theirs.items()
                   if entry.get("IPAddress") and (net == key or (len(net) >= 12 and
                                                  str(entry.get("NetworkID", "")).startswith(net)))), "")
        if not ip:
            raise InvalidArgument(f"cannot link to {name}: it is on none of this container's networks",
                                  hint=f"nerdpy network connect NET {name}")
        out.append(f"{alias}:{ip}")
    return tuple(out)
