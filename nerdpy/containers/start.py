"""`start`: mount the rootfs, set up the network, write the bundle, spawn the
shim, wait for it to report the container started. Any failure undoes the
mounts and the network, and maps runc's error to Docker's 125/126/127."""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from nerdpy.config import Settings, fault_point
from nerdpy.containers import Container
from nerdpy.containers.store import ContainerStore
from nerdpy.containers.volume_mounts import emit_mount_events, user_and_volume_owner, volume_mounts
from nerdpy.errors import CannotInvoke, CommandNotFound, Unavailable
from nerdpy.linux.confinement import in_user_namespace
from nerdpy.paths import private_dirs, write_private
from nerdpy.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterator

    from nerdpy.shim.record import ShimConfig


@record(frozen=False)
class Started:
    container: Container
    pid: int = 0
    warnings: list[str] = field(default_factory=list)
    shim: Any = None  # ShimProcess while a foreground client still has to attach


@contextmanager
def container_lock(settings: Settings, container_id: str) -> Iterator[None]:
    from nerdpy.locks import file_lock

    with file_lock(settings.layout.locks_dir / f"container-{container_id}.lock"):
        yield


def map_runtime_error(message: str) -> Exception:
    lower = message.lower()
    if "executable file not found" in lower or "no such file or directory" in lower:
        return CommandNotFound(message)
    if "permission denied" in lower or "is a directory" in lower or "exec format error" in lower:
        return CannotInvoke(message)
    return Unavailable(message)


def rootfs_path(store: ContainerStore, container: Container) -> str:
    return container.runtime.rootfs or str(store.dir(container.id) / "rootfs")


def mount_rootfs(settings: Settings, store: ContainerStore, container: Container) -> str:
    """A host-side view (cp, export of a stopped container): nosuid."""
    return _mount_rootfs(settings, store, container, setuid=False)[0]


def _mount_rootfs(settings: Settings, store: ContainerStore, container: Container,
                  setuid: bool = True) -> tuple[str, bool]:
    """(mounted rootfs, whether it has its mount points from an init layer)."""
    path = rootfs_path(store, container)
    if container.runtime.rootfs:
        return path, False
    from nerdpy.containers.initlayer import has_init_layer
    from nerdpy.snapshots import get_snapshotter
    from nerdpy.snapshots.mount import mount_all, unmount_all

    snapshotter = get_snapshotter(settings)
    unmount_all(path)
    mount_all(snapshotter.mounts(container.id), path, setuid=setuid)
    return path, has_init_layer(snapshotter, container.id)


def unmount_rootfs(settings: Settings, store: ContainerStore, container: Container) -> None:
    if container.host_config.get("IpcMode") == "shareable":
        from nerdpy.containers.hostmodes import unmount_shm

        _quiet(unmount_shm, store, container)
    if container.runtime.rootfs:
        return
    from nerdpy.snapshots.mount import unmount_all

    try:
        unmount_all(rootfs_path(store, container))
    except Exception:  # noqa: BLE001 - best effort during cleanup
        pass


def network_request(container: Container, store: ContainerStore | None = None) -> Any:
    from nerdpy.containers.netconfig import network_aliases, network_ips
    from nerdpy.network import NetworkRequest, parse_publish

    cfg, host, rt = container.cfg, container.host_config, container.runtime
    ports: list = []
    for spec in host.get("PortBindings") or []:
        ports += parse_publish(spec)
    networks = tuple(host.get("Networks") or ())
    if store is not None:  # the network area wants `container:<full id>`
        networks = tuple(f"container:{store.get(n.partition(':')[2]).id}" if n.startswith("container:") and
                         n.partition(":")[2] else n for n in networks)
    return NetworkRequest(
        networks=networks, ports=tuple(ports), publish_all=bool(host.get("PublishAllPorts")),
        exposed_ports=tuple(cfg.get("ExposedPorts") or {}), dns=tuple(host.get("Dns") or ()),
        dns_search=tuple(host.get("DnsSearch") or ()), dns_options=tuple(host.get("DnsOptions") or ()),
        add_hosts=tuple(host.get("ExtraHosts") or ()) + _links(store, host), hostname=cfg.get("Hostname") or "",
        domainname=cfg.get("Domainname") or "", name=container.name, aliases=tuple(rt.aliases),
        network_aliases=network_aliases(host), network_ips=network_ips(host),
        ip=rt.ip, mac_address=cfg.get("MacAddress") or "",
    )


# (file in the container's directory, the attachment's text for it, where it is bind-mounted)
NETWORK_FILES = (("hosts", "hosts", "/etc/hosts"), ("hostname", "hostname", "/etc/hostname"),
                 ("resolv.conf", "resolv_conf", "/etc/resolv.conf"))


def _network_files(cdir: Path, attachment: Any) -> list[dict[str, Any]]:
    mounts = []
    for name, field_name, dest in NETWORK_FILES:
        text = getattr(attachment, field_name)
        if not text:
            continue
        tmp = cdir / f".{name}.tmp"
        tmp.write_text(text)  # 0644 like Docker's: bind-mounted, read by non-root users in the container
        os.replace(tmp, cdir / name)
        mounts.append({"destination": dest, "type": "bind", "source": str(cdir / name), "options": ["rbind", "rprivate"]})
    return mounts


def cgroup_limits_available(settings: Settings) -> bool:
    if not settings.rootless and not in_user_namespace():
        return True
    return os.path.exists("/sys/fs/cgroup/cgroup.controllers")  # delegated v2 only; hybrid v1 never


def shim_config(settings: Settings, store: ContainerStore, container: Container, runtime: str,
                wait_attach: bool) -> ShimConfig:
    host, cfg = container.host_config, container.cfg
    log = host.get("LogConfig") or {}
    log_cfg = log.get("Config") or {}
    from nerdpy.containers.parse import parse_size

    env = exit_env(settings)
    config: ShimConfig = {
        "id": container.id, "bundle": str(store.dir(container.id)), "runtime": runtime,
        "runtime_root": str(settings.layout.runc_root), "state_file": str(store.dir(container.id) / "state.json"),
        "log_driver": "none" if log.get("Type") == "none" else "json-file", "log_path": str(store.log_path(container.id)),
        "log_max_size": parse_size(log_cfg["max-size"], "max-size") if log_cfg.get("max-size") else 0,
        "log_max_file": int(log_cfg.get("max-file") or 1),
        "tty": bool(cfg.get("Tty")), "stdin": bool(cfg.get("OpenStdin")),
        "restart": _policy(host), "wait_attach": wait_attach,
        "exit_command": [sys.executable, "-m", "nerdpy.containers.cleanup", container.id],
        "exit_env": env,
        "events_root": str(settings.layout.runtime_root),
        "event_attributes": {**(cfg.get("Labels") or {}), "image": container.image, "name": container.name},
    }
    if cfg.get("Healthcheck"):
        config["healthcheck"] = _health_settings(cfg)
    if any(log_cfg.get(key) for key in ("labels", "labels-regex", "env", "env-regex", "tag")):
        config["log_attrs"] = _log_attributes(container, log_cfg)
    return config


def _log_attributes(container: Container, log_cfg: dict[str, str]) -> dict[str, str]:
    """The "attrs" of each json-file line (`logs --details`), from --log-opt labels/env/tag."""
    from nerdpy.logs.attributes import extra_attributes, tag

    cfg = container.cfg
    attrs = extra_attributes(log_cfg, cfg.get("Labels") or {}, cfg.get("Env") or [])
    if log_cfg.get("tag"):
        attrs["tag"] = tag(log_cfg["tag"], container.id, container.name, container.image_id, container.image)
    return attrs


def _health_process(store: ContainerStore, container: Container, process: dict[str, Any]) -> None:
    from nerdpy.containers.health import probe_args, write_process_file

    args = probe_args(container.cfg["Healthcheck"])
    if args:
        write_process_file(store.shim_dir(container.id), process, args)


def _health_settings(cfg: dict[str, Any]) -> dict[str, Any] | None:
    from nerdpy.containers.health import probe_args, shim_settings

    return shim_settings(cfg["Healthcheck"]) if probe_args(cfg["Healthcheck"]) else None


def exit_env(settings: Settings) -> dict[str, str]:
    """What the exit command needs to find the same stores (from settings, not the environment)."""
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "NERDPY_DATA_ROOT": str(settings.layout.data_root),
        "NERDPY_RUNTIME_ROOT": str(settings.layout.runtime_root),
        "NERDPY_RUNTIME": settings.runtime,
        # The same nerdpy that started the container, installed or not.
        "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    }
    if settings.rootless:
        env["NERDPY_ROOTLESS_UID"] = str(settings.host_uid)
        env["NERDPY_ROOTLESS_GID"] = str(settings.host_gid)
    if settings.storage_driver:
        env["NERDPY_STORAGE_DRIVER"] = settings.storage_driver
    return env


def _policy(host: dict[str, Any]) -> str:
    policy = host.get("RestartPolicy") or {}
    name = policy.get("Name") or "no"
    count = policy.get("MaximumRetryCount") or 0
    return f"{name}:{count}" if name == "on-failure" and count else name


def prepare_shim_dir(store: ContainerStore, container_id: str) -> Path:
    shim_dir = store.shim_dir(container_id)
    if shim_dir.exists():
        from nerdpy.containers.state import remove_tree

        remove_tree(shim_dir)
    private_dirs(shim_dir.parent)
    shim_dir.mkdir(mode=0o700)
    return shim_dir


def spawn_shim(store: ContainerStore, container_id: str) -> Any:
    """Start the container's shim now, to be handed to `start` (its interpreter
    boots while the caller prepares the container)."""
    from nerdpy.shim.client import ShimProcess

    return ShimProcess(str(prepare_shim_dir(store, container_id)))


def start(settings: Settings, container: Container, wait_attach: bool = False,
          console_size: tuple[int, int] | None = None, shim: Any = None) -> Started:
    """Start a created or exited container. With `wait_attach` the shim holds
    the container until a client attaches (returned in `Started.shim`).
    `console_size` (rows, cols) is the caller's terminal, for `-t`. `shim`: one
    from `spawn_shim` (else one is spawned here); closed if it goes unused."""
    store = ContainerStore(settings)
    try:
        with container_lock(settings, container.id):
            state = store.state(container.id)
            if state.running:
                if shim is not None:
                    shim.close()
                return Started(container, state.pid)
            _forget_stopped_by_hand(store, container.id)
            return _start_locked(settings, store, container, wait_attach, console_size, shim)
    except BaseException:
        if shim is not None:
            shim.close()  # a shim still waiting for "go" exits
        raise


def _forget_stopped_by_hand(store: ContainerStore, container_id: str) -> None:
    # Name kept in step with lifecycle.STOPPED_BY_HAND (not imported: run path).
    try:
        os.unlink(store.dir(container_id) / "stopped-by-hand")
    except FileNotFoundError:
        pass


def _start_locked(settings: Settings, store: ContainerStore, container: Container, wait_attach: bool,
                  console_size: tuple[int, int] | None = None, shim: Any = None) -> Started:
    from nerdpy import network
    from nerdpy.oci.confined import makedirs
    from nerdpy.runtime import find_runtime

    runtime = find_runtime(settings.runtime, settings.rootless)
    if runtime is None:
        raise Unavailable(f"OCI runtime {settings.runtime!r} not found", hint="apt-get install runc")
    cdir = store.dir(container.id)
    if shim is None:
        shim = spawn_shim(store, container.id)  # starts while we prepare
    attachment = None
    try:
        if store.state(container.id).started_at:
            # Ran before: a lost shim or a reboot may have left network state behind.
            _quiet(network.teardown, settings, container.id)
        _clear_stale_runtime(settings, runtime, container.id)
        # First, so the network helper comes up while the rootfs and spec are prepared.
        attachment = network.setup(settings, container.id, network_request(container, store))
        fault_point(settings, "start:network-up")
        rootfs, layered = _mount_rootfs(settings, store, container)
        fault_point(settings, "start:rootfs-mounted")
        if not layered:  # --rootfs, or created before init layers: make them in the rootfs itself
            from nerdpy.containers.initlayer import container_mountpoints, make_mountpoints

            make_mountpoints(rootfs, container_mountpoints(container))
        cfg = container.cfg
        user, owner = user_and_volume_owner(settings, container, rootfs)
        if cfg.get("WorkingDir"):
            makedirs(rootfs, cfg["WorkingDir"])
        keep_id = container.host_config.get("UsernsMode") == "keep-id"
        mounts = _network_files(cdir, attachment) + volume_mounts(container, rootfs, *owner)
        emit_mount_events(settings, container)
        from nerdpy.containers.spec import build_spec

        root_path = "rootfs" if not container.runtime.rootfs else rootfs
        joined = attachment.hostname.strip() if attachment.mode == "container" else ""  # Docker: the owner's name
        spec, warnings = build_spec(settings, container, root_path, user, attachment.netns_path, mounts,
                                    cgroup_limits_available(settings), hostname=joined,
                                    shared=_shared_namespaces(store, container))
        if keep_id:
            from nerdpy.volumes.keepid import apply_keep_id

            apply_keep_id(spec, settings, set_user=not cfg.get("User"))
        if console_size and spec["process"]["terminal"]:  # no resize race at start-up
            spec["process"]["consoleSize"] = {"height": console_size[0], "width": console_size[1]}
        if cfg.get("Healthcheck"):
            _health_process(store, container, spec["process"])
        tmp = cdir / ".config.json.tmp"
        write_private(tmp, json.dumps(spec))  # holds -e secrets
        os.replace(tmp, cdir / "config.json")
        fault_point(settings, "start:bundle-written")
        attachment.wait_ready()
        started = _go(settings, store, container, shim, runtime, wait_attach, attachment.keep_fds)
        started.warnings = warnings
        attachment.release()
        return started
    except BaseException as exc:
        shim.close()  # a shim still waiting for "go" exits
        if attachment is not None:
            attachment.release()
            _quiet(network.teardown, settings, container.id)
        unmount_rootfs(settings, store, container)
        from nerdpy.containers.state import write_state

        message = getattr(exc, "message", None) or str(exc)
        write_state(cdir / "state.json", error=message)
        raise


def _links(store: ContainerStore | None, host: dict[str, Any]) -> tuple[str, ...]:
    if store is None or not host.get("Links"):
        return ()
    from nerdpy.containers.hostmodes import link_hosts

    return link_hosts(store, host)


def _shared_namespaces(store: ContainerStore, container: Container) -> dict[str, str]:
    if not (container.host_config.get("PidMode") or container.host_config.get("IpcMode") not in (None, "private")):
        return {}  # the common case stays off hostmodes
    from nerdpy.containers.hostmodes import shared_namespaces

    return shared_namespaces(store, container)


def _go(settings: Settings, store: ContainerStore, container: Container, shim: Any, runtime: str,
        wait_attach: bool, keep_fds: tuple[int, ...]) -> Started:
    from nerdpy.shim.client import ShimError

    try:
        shim.go(shim_config(settings, store, container, runtime, wait_attach), keep_fds)
        if wait_attach:  # the caller attaches, then waits for "started"
            return Started(container, 0, shim=shim)
        event = shim.wait_for("started")
        shim.close()
        return Started(container, int(event.get("pid", 0)))
    except ShimError as exc:
        shim.close()
        raise map_runtime_error(exc.message) from None


def _clear_stale_runtime(settings: Settings, runtime: str, container_id: str) -> None:
    """runc's state of a container whose shim was killed: not running (we hold its lock
    and its record says so), yet `runc run` would fail "container with given ID already
    exists". Deleted with --force, which also kills a process the dead shim left behind."""
    if not os.path.exists(settings.layout.runc_root / container_id):
        return  # the usual case: one stat, no runc call
    from nerdpy.runtime.runc import Runc

    _quiet(Runc(runtime, str(settings.layout.runc_root)).delete, container_id, True)


def _quiet(fn: Any, *args: Any) -> None:
    try:
        fn(*args)
    except Exception:  # noqa: BLE001 - cleanup must not hide the original error
        pass
