"""Containers: records, state and lifecycle (create, start, stop, kill, rm, wait).

Vocabulary:

* `CreateOptions` — what `run`/`create` asked for (parsed flags; no typer here).
* `Container` — the stored record: id, name, image and the container's config
  (`config`: Docker-shaped `Config` + `HostConfig` dicts), in sqlite domain
  "containers" (`nerdpy.containers.store`).
* `State` — the dynamic state from `<data_root>/containers/<id>/state.json`,
  which the shim rewrites atomically; a dead shim reads as exited (137).

Per-container directory `<data_root>/containers/<id>/`: `config.json` (the OCI
bundle), `rootfs/` (mount point), `<id>-json.log`, `hosts`, `hostname`,
`resolv.conf`, `state.json`. Shim state lives in `<runtime_root>/shims/<id>/`.
Lock: `<data_root>/locks/container-<id>.lock` (flock) serialises start, cleanup
and removal of one container.
"""

from __future__ import annotations

from nerdpy.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@record
class CreateOptions:
    image: str = ""
    command: tuple[str, ...] = ()
    entrypoint: str | None = None  # None: the image's; "": reset it
    name: str = ""
    env: tuple[str, ...] = ()
    workdir: str = ""
    user: str = ""
    group_add: tuple[str, ...] = ()
    hostname: str = ""
    domainname: str = ""
    tty: bool = False
    interactive: bool = False
    auto_remove: bool = False
    labels: tuple[str, ...] = ()
    read_only: bool = False
    tmpfs: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    mounts: tuple[str, ...] = ()
    volumes_from: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    publish: tuple[str, ...] = ()
    publish_all: bool = False
    expose: tuple[str, ...] = ()
    dns: tuple[str, ...] = ()
    dns_search: tuple[str, ...] = ()
    dns_options: tuple[str, ...] = ()
    add_hosts: tuple[str, ...] = ()
    network_aliases: tuple[str, ...] = ()
    ip: str = ""
    # Per network (Docker's `--network name=NET,alias=A,ip=IP`, compose's `networks:`):
    endpoint_aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (network, its own aliases)
    endpoint_ips: tuple[tuple[str, str], ...] = ()  # (network, static IPv4 address)
    init: bool = False
    stop_signal: str = ""
    stop_timeout: int | None = None
    restart: str = "no"
    pull: str = "missing"
    platform: str = ""
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    privileged: bool = False
    security_opt: tuple[str, ...] = ()
    ulimits: tuple[str, ...] = ()
    shm_size: str = ""
    sysctls: tuple[str, ...] = ()
    log_driver: str = "json-file"
    log_opts: tuple[str, ...] = ()
    memory: str = ""
    memory_swap: str = ""  # Docker's: memory plus swap, "-1" unlimited
    cpus: str = ""
    cpu_shares: int = 0
    cpuset_cpus: str = ""
    memory_reservation: str = ""
    cpu_period: int = 0
    cpu_quota: int = 0  # -1: unlimited
    cpuset_mems: str = ""
    memory_swappiness: int = -1  # -1: the kernel's
    oom_kill_disable: bool = False
    blkio_weight: int = 0  # 10-1000, 0: unset
    blkio_weight_device: tuple[str, ...] = ()  # DEV:WEIGHT
    device_read_bps: tuple[str, ...] = ()  # DEV:RATE (size units)
    device_write_bps: tuple[str, ...] = ()
    device_read_iops: tuple[str, ...] = ()  # DEV:N
    device_write_iops: tuple[str, ...] = ()
    cgroup_parent: str = ""
    pids_limit: int = 0
    rootfs: str = ""  # podman's --rootfs: run from a directory instead of an image
    annotations: tuple[str, ...] = ()
    userns: str = ""  # "" or "host": nerdpy's namespace; "keep-id": the invoking uid inside (rootless)
    health_cmd: str = ""
    health_interval: str = ""
    health_timeout: str = ""
    health_start_period: str = ""
    health_start_interval: str = ""
    health_retries: int = 0
    no_healthcheck: bool = False
    attach: tuple[str, ...] = ()  # -a: stdin, stdout, stderr (empty: stdout and stderr, stdin with -i)
    pid: str = ""  # "", host, container:NAME
    ipc: str = ""  # "" (private), shareable, host, none, container:NAME
    uts: str = ""  # "" or host
    cgroupns: str = ""  # "" (private), host
    devices: tuple[str, ...] = ()  # HOST[:CONTAINER][:rwm]
    links: tuple[str, ...] = ()  # NAME[:ALIAS]
    oom_score_adj: int = 0
    gpus: str = ""
    mac_address: str = ""


@record
class RuntimeConfig:
    """nerdpy's own part of a container record (the "Runtime" key next to Docker's
    Config and HostConfig, which stay dicts: they are the inspect shape)."""

    rootfs: str = ""  # --rootfs: the directory run instead of an image's snapshot
    aliases: tuple[str, ...] = ()  # --network-alias
    ip: str = ""  # --ip
    annotations: dict[str, str] = field(default_factory=dict)  # --annotation, for the OCI spec
    mounts: tuple[dict[str, Any], ...] = ()  # resolved volumes/binds/tmpfs (nerdpy.volumes.RuntimeMount dicts)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RuntimeConfig:
        return cls(data.get("rootfs") or "", tuple(data.get("aliases") or ()), data.get("ip") or "",
                   dict(data.get("annotations") or {}), tuple(data.get("mounts") or ()))

    def to_dict(self) -> dict[str, Any]:
        return {"rootfs": self.rootfs, "aliases": list(self.aliases), "ip": self.ip,
                "annotations": dict(self.annotations), "mounts": list(self.mounts)}


@record
class Container:
    id: str
    name: str
    image: str
    image_id: str
    created: float
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def host_config(self) -> dict[str, Any]:
        return self.config.get("HostConfig", {})

    @property
    def cfg(self) -> dict[str, Any]:
        return self.config.get("Config", {})

    @property
    def runtime(self) -> RuntimeConfig:
        return RuntimeConfig.from_dict(self.config.get("Runtime") or {})


@record
class State:
    status: str = "created"  # created | running | paused | restarting | exited | dead
    pid: int = 0
    exit_code: int = 0
    started_at: str = ""
    finished_at: str = ""
    restart_count: int = 0
    shim_pid: int = 0
    error: str = ""
    oom_killed: bool = False
    shim_protocol: int = 0  # what the shim's socket understands (nerdpy.shim.PROTOCOL)

    @property
    def running(self) -> bool:
        return self.status in ("running", "paused", "restarting")


ZERO_TIME = "0001-01-01T00:00:00Z"


def event(settings: Any, container: Container, action: str, **extra: object) -> None:
    """Record a container event in the journal (`nerdpy events`)."""
    from nerdpy.events import container_attributes, emit

    emit(settings.layout.runtime_root, "container", action, container.id, container_attributes(container, **extra))
