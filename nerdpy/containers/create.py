"""`create`: validate everything first, then record the container, prepare its
rootfs snapshot and volumes; undo all of it if any step fails."""

from __future__ import annotations

import os
import time

from nerdpy.config import Settings, fault_point
from nerdpy.containers import Container, CreateOptions, RuntimeConfig
from nerdpy.containers.store import ContainerStore, new_id
from nerdpy.errors import AlreadyExists, InvalidArgument, NotFound
from nerdpy.paths import private_dirs

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


def parse_size(text: str, what: str) -> int:
    """Docker's RAMInBytes: 512, 64k, 10m, 1g (binary units)."""
    units = {"b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
    value = text.strip().lower().rstrip("b") if text.strip().lower() not in ("", "b") else text
    if value and value[-1] in units:
        number, unit = value[:-1], units[value[-1]]
    else:
        number, unit = value, 1
    try:
        size = int(float(number) * unit)
    except ValueError:
        raise InvalidArgument(f"invalid {what} {text!r}", hint="use a size like 64m or 1g") from None
    if size < 0:
        raise InvalidArgument(f"invalid {what} {text!r}: negative")
    return size


def parse_log_opts(driver: str, opts: tuple[str, ...]) -> dict[str, str]:
    if driver not in ("json-file", "none", "k8s-file"):
        raise InvalidArgument(f"unsupported log driver {driver!r}", hint="use json-file or none")
    values = {}
    for opt in opts:
        key, sep, value = opt.partition("=")
        if not sep or key not in ("max-size", "max-file", "compress", "labels", "env", "tag"):
            raise InvalidArgument(f"invalid --log-opt {opt!r}", hint="json-file knows max-size and max-file")
        values[key] = value
    if "max-size" in values:
        parse_size(values["max-size"], "log max-size")
    if "max-file" in values and (not values["max-file"].isdigit() or int(values["max-file"]) < 1):
        raise InvalidArgument(f"invalid log max-file {values['max-file']!r}: must be a positive integer")
    if "max-file" in values and int(values["max-file"]) > 1 and "max-size" not in values:
        raise InvalidArgument("max-file cannot be given without max-size")
    return values


def parse_restart(text: str, auto_remove: bool) -> dict[str, Any]:
    name, _, count = (text or "no").partition(":")
    if name not in ("no", "always", "on-failure", "unless-stopped"):
        raise InvalidArgument(f"invalid restart policy {text!r}", hint="use no, always, on-failure[:N] or unless-stopped")
    if count and (name != "on-failure" or not count.isdigit()):
        raise InvalidArgument(f"invalid restart policy {text!r}: only on-failure takes a retry count")
    if auto_remove and name != "no":
        raise InvalidArgument("conflicting options: cannot specify both --restart and --rm")
    return {"Name": "" if name == "no" else name, "MaximumRetryCount": int(count or 0)}


def parse_signal(text: str) -> int:
    import _signal  # not `signal`: its enums cost `run` ~0.5 ms

    value = text.strip().upper()
    if value.isdigit():
        number = int(value)
    else:
        name = value if value.startswith("SIG") else "SIG" + value
        number = getattr(_signal, name, None)
        if not isinstance(number, int):
            raise InvalidArgument(f"invalid signal {text!r}")
    if not 0 < number < 65:
        raise InvalidArgument(f"invalid signal {text!r}")
    return int(number)


def command_line(opts: CreateOptions, image_cfg: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(entrypoint, cmd) by Docker's rules: --entrypoint resets the image's CMD."""
    if opts.entrypoint is not None:
        entrypoint = [opts.entrypoint] if opts.entrypoint else []
        cmd = list(opts.command)
    else:
        entrypoint = list(image_cfg.get("Entrypoint") or [])
        cmd = list(opts.command) or list(image_cfg.get("Cmd") or [])
    if not entrypoint and not cmd:
        raise InvalidArgument("no command specified", hint="give a command after the image name")
    return entrypoint, cmd


def parse_labels(values: tuple[str, ...]) -> dict[str, str]:
    labels = {}
    for item in values:
        key, _, value = item.partition("=")
        if not key:
            raise InvalidArgument(f"invalid label {item!r}")
        labels[key] = value
    return labels


def exposed_ports(image_ports: dict, expose: tuple[str, ...] | list[str], publish: tuple[str, ...] | list[str]) -> dict:
    """Config.ExposedPorts as Docker keeps it: the image's, `--expose` (ranges
    expanded) and every published container port, each "PORT/PROTO"."""
    from nerdpy.network import expand_exposed, parse_publish

    ports = dict.fromkeys(image_ports, None)
    for m in expand_exposed(list(expose)) + [m for spec in publish for m in parse_publish(spec)]:
        ports.setdefault(f"{m.container_port}/{m.protocol}", None)
    return {p: {} for p in ports}


def build_record(settings: Settings, opts: CreateOptions, image: Any, name: str, cid: str) -> Container:
    """The Docker-shaped record, validated; nothing is written yet."""
    from nerdpy.oci.options import merge_env, normalize_cap, parse_ulimit

    image_cfg = dict((image.config.get("config") or {}) if image is not None else {})
    entrypoint, cmd = command_line(opts, image_cfg)
    for cap in opts.cap_add + opts.cap_drop:
        normalize_cap(cap)
    for text in opts.ulimits:
        parse_ulimit(text)
    for item in opts.env:
        if not item or item.startswith("="):
            raise InvalidArgument(f"invalid environment variable {item!r}")
    if opts.workdir and not opts.workdir.startswith("/"):
        raise InvalidArgument(f"the working directory {opts.workdir!r} is invalid: it needs to be an absolute path")
    if opts.pull not in ("missing", "always", "never"):
        raise InvalidArgument(f"invalid --pull {opts.pull!r}", hint="use missing, always or never")
    stop_signal = opts.stop_signal or image_cfg.get("StopSignal") or "SIGTERM"
    parse_signal(stop_signal)
    log_opts = parse_log_opts(opts.log_driver or "json-file", opts.log_opts)
    restart = parse_restart(opts.restart, opts.auto_remove)
    labels = dict(image_cfg.get("Labels") or {})
    labels.update(parse_labels(opts.labels))
    resources = _resources(opts)
    if opts.hostname:  # at create, as Docker checks it (start would be too late for `create`)
        from nerdpy.network.files import check_hostname

        check_hostname(opts.hostname)
    from nerdpy.containers.hostmodes import attached_streams, check_mac, host_modes, host_name

    modes = host_modes(opts, settings.rootless, name)
    config = {
        "Hostname": opts.hostname or (host_name() if opts.uts == "host" else cid[:12]),
        "Domainname": opts.domainname,
        "User": opts.user or image_cfg.get("User") or "",
        **attached_streams(opts),
        "ExposedPorts": exposed_ports(image_cfg.get("ExposedPorts") or {}, opts.expose, opts.publish),
        "Tty": opts.tty, "OpenStdin": opts.interactive, "StdinOnce": opts.interactive,
        "Env": merge_env(list(image_cfg.get("Env") or []), list(opts.env)),
        "Cmd": cmd, "Image": opts.image or opts.rootfs, "Volumes": image_cfg.get("Volumes") or None,
        "WorkingDir": opts.workdir or image_cfg.get("WorkingDir") or "",
        "Entrypoint": entrypoint or None, "Labels": labels, "StopSignal": stop_signal,
        "MacAddress": check_mac(opts.mac_address, opts.networks),
    }
    if opts.stop_timeout is not None:
        config["StopTimeout"] = opts.stop_timeout
    healthcheck = _healthcheck(opts, image_cfg)
    if healthcheck:
        config["Healthcheck"] = healthcheck
    host = {
        "LogConfig": {"Type": opts.log_driver or "json-file", "Config": log_opts},
        "NetworkMode": (opts.networks[0] if opts.networks else "bridge"),
        "Networks": list(opts.networks), "PortBindings": list(opts.publish), "PublishAllPorts": opts.publish_all,
        "RestartPolicy": restart, "AutoRemove": opts.auto_remove,
        "CapAdd": list(opts.cap_add) or None, "CapDrop": list(opts.cap_drop) or None,
        "Dns": list(opts.dns), "DnsOptions": list(opts.dns_options), "DnsSearch": list(opts.dns_search),
        "ExtraHosts": list(opts.add_hosts) or None, "GroupAdd": list(opts.group_add) or None,
        "Privileged": opts.privileged, "UsernsMode": _userns_mode(settings, opts.userns),
        "ReadonlyRootfs": opts.read_only, "SecurityOpt": list(opts.security_opt) or None,
        "Tmpfs": list(opts.tmpfs), "Binds": list(opts.volumes) or None, "Mounts": list(opts.mounts),
        "VolumesFrom": list(opts.volumes_from) or None, "Init": opts.init,
        "ShmSize": parse_size(opts.shm_size, "--shm-size") if opts.shm_size else 64 << 20,
        "Ulimits": list(opts.ulimits), "Sysctls": parse_labels(opts.sysctls), **resources, **modes,
    }
    runtime = RuntimeConfig(os.path.abspath(opts.rootfs) if opts.rootfs else "", tuple(opts.network_aliases),
                            opts.ip, parse_labels(opts.annotations))
    return Container(cid, name, opts.image or opts.rootfs, image.id if image is not None else "", time.time(),
                     {"Config": config, "HostConfig": host, "Runtime": runtime.to_dict()})


def _healthcheck(opts: CreateOptions, image_cfg: dict[str, Any]) -> dict[str, Any] | None:
    if not (opts.health_cmd or opts.health_interval or opts.health_timeout or opts.health_start_period
            or opts.health_start_interval or opts.health_retries or opts.no_healthcheck
            or image_cfg.get("Healthcheck")):
        return None  # the common case stays off the health module
    from nerdpy.containers import health

    own = health.from_flags(opts.health_cmd, opts.health_interval, opts.health_timeout, opts.health_start_period,
                            opts.health_start_interval, opts.health_retries, opts.no_healthcheck)
    merged = health.merge(own, image_cfg.get("Healthcheck"))
    health.probe_args(merged)  # an unknown Test type fails at create, as Docker's
    return merged


def _resources(opts: CreateOptions) -> dict[str, Any]:
    out: dict[str, Any] = {"Memory": 0, "NanoCpus": 0, "PidsLimit": opts.pids_limit or None}
    if opts.memory:
        out["Memory"] = parse_size(opts.memory, "--memory")
    if opts.cpus:
        try:
            out["NanoCpus"] = int(float(opts.cpus) * 1e9)
        except ValueError:
            raise InvalidArgument(f"invalid --cpus {opts.cpus!r}") from None
    if opts.memory_swap or opts.cpu_shares:
        from nerdpy.containers.update import UpdateOptions, parse_limits

        # update's checks: swap needs no less than --memory, "-1" is unlimited
        out.update(parse_limits(UpdateOptions(memory=opts.memory, memory_swap=opts.memory_swap,
                                         cpu_shares=opts.cpu_shares)))
    if opts.memory_reservation:
        out["MemoryReservation"] = parse_size(opts.memory_reservation, "--memory-reservation")
    if opts.cpuset_cpus:
        import re

        if not re.fullmatch(r"\d+(-\d+)?(,\d+(-\d+)?)*", opts.cpuset_cpus):
            raise InvalidArgument(f"Invalid value {opts.cpuset_cpus} for cpuset cpus", hint="use a list like 0-3,5")
        out["CpusetCpus"] = opts.cpuset_cpus
    return out


def find_image(settings: Settings, opts: CreateOptions, notice: Callable[[str], None] | None = None,
               progress: Callable[[Any], None] | None = None) -> Any:
    """The image (pulled per --pull), or None with --rootfs. `notice` gets Docker's
    lines around a pull ("Unable to find image ... locally", "TAG: Pulling from REPO",
    "Digest: ...", "Status: ..."), `progress` the pull's per-layer events."""
    if opts.rootfs:
        if not os.path.isdir(opts.rootfs):
            raise NotFound(f"rootfs {opts.rootfs!r} is not a directory")
        return None
    from nerdpy.images.store import ImageStore

    store = ImageStore(settings)
    image = store.find(opts.image) if opts.pull != "always" else None
    want = None
    if opts.platform:
        from nerdpy.images.platform import format_platform, matches, parse_platform

        want = parse_platform(opts.platform)
        if image is not None and not matches(want, image.platform):
            if opts.pull == "never":  # Docker's wording
                raise NotFound(f"image with reference {opts.image} was found but does not match the specified "
                               f"platform: wanted {format_platform(want)}, actual: {format_platform(image.platform)}")
            image = None  # the local image is another platform's: pull the one asked for
    if image is None:
        if opts.pull == "never":
            raise NotFound(f"No such image: {opts.image}", hint="pull it first or use --pull missing")
        image = _pull(settings, opts, want, notice, progress)
    return image


def _pull(settings: Settings, opts: CreateOptions, want: Any, notice: Callable[[str], None] | None,
          progress: Callable[[Any], None] | None) -> Any:
    from nerdpy import reference
    from nerdpy.images.progress import silent
    from nerdpy.images.pull import pull

    ref = reference.parse(opts.image)  # a malformed reference fails before any pull line
    if notice is None:
        image = pull(settings, opts.image, want, progress or silent).image
        _pull_event(settings, opts.image)
        return image
    if opts.pull == "missing":
        notice(f"Unable to find image '{ref.familiar()}' locally")  # Docker's: busybox:latest
    header = [f"{ref.digest or ref.tag or 'latest'}: Pulling from {ref.path}"]
    shown = progress or silent

    def first() -> None:  # once the registry answered, as Docker: a failed resolve prints only its error
        try:
            line = header.pop()  # atomic: fetch threads may race here
        except IndexError:
            return
        notice(line)

    def on_event(event: Any) -> None:
        first()
        shown(event)

    result = pull(settings, opts.image, want, on_event)
    _pull_event(settings, opts.image)
    first()
    notice(f"Digest: {result.digest}")
    status = "Image is up to date for" if result.up_to_date else "Downloaded newer image for"
    notice(f"Status: {status} {result.familiar}")
    return result.image


def _pull_event(settings: Settings, image: str) -> None:
    """The `image pull` event, as `nerdpy pull` records it (nerdpy.api.registry)."""
    from nerdpy.events import emit  # here, not at the top: a run without a pull does not import it

    emit(settings.layout.runtime_root, "image", "pull", image, {"name": image})


def creation_warnings(opts: CreateOptions, image: Any) -> list[str]:
    """What Docker's daemon warns about at create (its wording)."""
    out = []
    if "host" in opts.networks and (opts.publish or opts.publish_all):
        out.append("Published ports are discarded when using host network mode")
    if image is not None and not opts.platform:
        from nerdpy.images.platform import format_platform, host_platform, matches

        host = host_platform()
        if image.platform.os and not matches(host, image.platform):
            out.append(f"The requested image's platform ({format_platform(image.platform)}) does not match the "
                       f"detected host platform ({format_platform(host)}) and no specific platform was requested")
    return out


def create(settings: Settings, opts: CreateOptions, notice: Callable[[str], None] | None = None,
           container_id: str = "", progress: Callable[[Any], None] | None = None) -> Container:
    """`container_id`: an ID the caller drew with `new_id()` (run spawns the shim
    under it before the container exists); a fresh one by default."""
    from nerdpy.containers.names import validate_name

    image = find_image(settings, opts, notice, progress)
    for warning in creation_warnings(opts, image) if notice is not None else ():
        notice(f"WARNING: {warning}")
    store = ContainerStore(settings)
    if opts.networks:
        from nerdpy.network import check_networks

        check_networks(settings, tuple(opts.networks))
    cid = container_id or new_id()
    if opts.name:
        record = build_record(settings, opts, image, validate_name(opts.name), cid)
        store.add(record)
    else:
        record = _add_with_random_name(settings, store, opts, image, cid)
    fault_point(settings, "run:record-added")
    try:
        created = _provision(settings, store, record, opts, image)
    except BaseException:
        from nerdpy.containers.remove import remove_everything

        remove_everything(settings, store, record, remove_volumes=True, event=False)
        raise
    from nerdpy.containers import event

    event(settings, created, "create")
    return created


def _add_with_random_name(settings: Settings, store: ContainerStore, opts: CreateOptions, image: Any,
                          cid: str) -> Container:
    """Concurrent creates can draw the same generated name (about 1 in 2,600 pairs);
    Docker draws again on a conflict, so does this."""
    from nerdpy.containers.names import random_name

    for attempt in range(10):
        record = build_record(settings, opts, image, random_name(), cid)
        try:
            store.add(record)
            return record
        except AlreadyExists:
            if attempt == 9:
                raise
    raise AssertionError("unreachable")


def _provision(settings: Settings, store: ContainerStore, record: Container, opts: CreateOptions, image: Any) -> Container:
    cdir = store.dir(record.id)
    private_dirs(cdir.parent)
    cdir.mkdir(mode=0o700)
    (cdir / "rootfs").mkdir(mode=0o700)  # the mount point: a mounted rootfs shows its own root's mode
    mounts = _volumes(settings, store, record, opts, image)
    if mounts:
        config = dict(record.config)
        from nerdpy.records import replace

        runtime = replace(record.runtime, mounts=tuple(m.to_dict() for m in mounts))
        config["Runtime"] = runtime.to_dict()
        store.update_config(record.id, config)
        record = Container(record.id, record.name, record.image, record.image_id, record.created, config)
    if image is not None:
        _rootfs_snapshots(settings, record, image, str(cdir / "rootfs"))
    fault_point(settings, "run:rootfs-prepared")
    from nerdpy.containers.state import write_state

    write_state(cdir / "state.json", status="created")
    return record


def _rootfs_snapshots(settings: Settings, record: Container, image: Any, scratch: str) -> None:
    """The image unpacked, the read-only init layer on it, the writable layer on that."""
    from nerdpy.containers import initlayer
    from nerdpy.snapshots import get_snapshotter

    snapshotter = get_snapshotter(settings)
    top = _unpacked_top(snapshotter, image)
    if top is None:  # not (fully) unpacked yet: the images area does it
        from nerdpy.images.unpack import unpack

        top = unpack(settings, image)
    points = initlayer.container_mountpoints(record)
    init = initlayer.create_layer(snapshotter, record.id, top or None, scratch, points)
    snapshotter.prepare(record.id, parent=init)  # image gc never sweeps a container's layers


def _unpacked_top(snapshotter: Any, image: Any) -> str | None:
    """The image's top chain ID when it is already a committed snapshot (the
    common case; spares `run` the unpack machinery), else None."""
    from nerdpy.errors import NerdpyError
    from nerdpy.snapshots import Kind

    chains = list(image.chain_ids)
    if not chains:
        return None
    try:
        return chains[-1] if snapshotter.stat(chains[-1]).kind == Kind.COMMITTED else None
    except NerdpyError:
        return None


def _volumes(settings: Settings, store: ContainerStore, record: Container, opts: CreateOptions, image: Any) -> list:
    image_volumes = record.cfg.get("Volumes") or {}
    if not (opts.volumes or opts.mounts or opts.tmpfs or image_volumes or opts.volumes_from):
        return []
    from nerdpy.volumes import resolve_mounts

    return resolve_mounts(settings, record.id, opts.volumes, opts.mounts, opts.tmpfs, image_volumes,
                          opts.volumes_from, lookup_container=lambda ref: store.get(ref).id)


def _userns_mode(settings: Settings, mode: str) -> str:
    if mode in ("", "host"):
        return ""
    if mode != "keep-id":
        raise InvalidArgument(f"unsupported --userns mode {mode!r}", hint="use host or keep-id")
    if not settings.rootless:
        raise InvalidArgument("--userns=keep-id is only for rootless use", hint="as root, use --user")
    return mode
