"""The container record a `create` writes: Docker's `Config` and `HostConfig` built
from the options and the image's config, every value checked before anything is stored."""

from __future__ import annotations

import os
import time

from nerdpy.config import Settings
from nerdpy.containers import Container, CreateOptions, RuntimeConfig
from nerdpy.containers.cgroupres import check_cfs, check_cpu_list, host_fields, online
from nerdpy.containers.parse import parse_labels, parse_log_opts, parse_restart, parse_signal, parse_size
from nerdpy.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


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
    from nerdpy.containers.hostmodes import attached_streams, check_ip, check_mac, host_modes, host_name

    modes = host_modes(opts, settings.rootless, name)
    check_ip(opts.ip, opts.networks)
    for network, address in opts.endpoint_ips:
        check_ip(address, (network,))
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
    if opts.endpoint_aliases:
        host["NetworkAliases"] = {network: list(aliases) for network, aliases in opts.endpoint_aliases}
    if opts.endpoint_ips:
        host["NetworkIPs"] = dict(opts.endpoint_ips)
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
        out["CpusetCpus"] = check_cpu_list(opts.cpuset_cpus, "cpus", online("cpu"))
    check_cfs(opts.cpu_period, opts.cpu_quota, out["NanoCpus"])
    out.update(host_fields(opts))
    return out


def _userns_mode(settings: Settings, mode: str) -> str:
    if mode in ("", "host"):
        return ""
    if mode != "keep-id":
        raise InvalidArgument(f"unsupported --userns mode {mode!r}", hint="use host or keep-id")
    if not settings.rootless:
        raise InvalidArgument("--userns=keep-id is only for rootless use", hint="as root, use --user")
    return mode
