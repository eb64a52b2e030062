"""One service (canonical model) to the container options nerdpy's `create`
takes — the compose keys as the `docker run` flags they stand for. Keys nerdpy
cannot honour are reported once each by name, never dropped silently."""

from __future__ import annotations

import csv
import io
import re

from nerdpy_compose import labels as L
from nerdpy_compose.hostkeys import host_options, mac_address
from nerdpy_compose.config_cmd import service_hash
from nerdpy_compose.errors import ConfigError

from nerdpy.api.types import CreateOptions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from nerdpy_compose.normalize import Project

# Keys that change nothing nerdpy does (with why), reported once per service.
UNSUPPORTED = ("cpu_count", "cpu_percent", "cpu_rt_period", "cpu_rt_runtime", "credential_spec",
               "device_cgroup_rules", "develop", "isolation", "post_start", "pre_stop", "pre_start", "provider",
               "runtime", "storage_opt", "label_file", "models", "use_api_socket")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration(text: str, what: str) -> float:
    """A Go duration (`1m30s`, `500ms`) in seconds."""
    text = str(text).strip()
    pos, total = 0, 0.0
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(text) or not text:
        raise ConfigError(f"{what}: invalid duration {text!r}")
    return total


def _csv(fields: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(fields)
    return buf.getvalue()


def mount(vol: dict[str, Any], project: Project, inherited: str = "") -> str:
    """A long-form volume as a `--mount` value; `inherited` names the volume an
    anonymous one reuses."""
    kind = vol["type"]
    fields = [f"type={kind}", f"target={vol['target']}"]
    if kind == "volume" and vol.get("source"):
        fields.append(f"source={project.model['volumes'][vol['source']]['name']}")
    elif kind == "volume" and inherited:
        fields.append(f"source={inherited}")
    elif kind == "bind":
        fields.append(f"source={vol['source']}")
        if vol.get("bind", {}).get("propagation"):
            fields.append(f"bind-propagation={vol['bind']['propagation']}")
    elif kind == "tmpfs":
        tmpfs = vol.get("tmpfs") or {}
        if tmpfs.get("size"):
            fields.append(f"tmpfs-size={tmpfs['size']}")
        if tmpfs.get("mode"):
            fields.append(f"tmpfs-mode={oct(tmpfs['mode'])[2:] if isinstance(tmpfs['mode'], int) else tmpfs['mode']}")
    elif kind in ("image", "npipe", "cluster"):
        raise ConfigError(f"volume type {kind!r} is not supported by nerdpy")
    if vol.get("read_only"):
        fields.append("readonly")
    if vol.get("volume", {}).get("nocopy"):
        fields.append("volume-nocopy")
    return _csv(fields)


def compose_labels(project: Project, name: str, svc: dict[str, Any], number: int, oneoff: bool) -> list[str]:
    deps = ",".join(f"{d}:{s['condition']}:{str(s.get('restart', False)).lower()}"
                    for d, s in (svc.get("depends_on") or {}).items())
    out = {
        L.PROJECT: project.name, L.SERVICE: name, L.VERSION: L.COMPOSE_VERSION, L.ONEOFF: "True" if oneoff else "False",
        L.WORKING_DIR: project.working_dir, L.CONFIG_FILES: ",".join(project.config_files),
        L.CONFIG_HASH: service_hash(svc), L.DEPENDS_ON: deps, L.IMAGE: svc.get("image", ""),
    }
    if not oneoff:
        out[L.NUMBER] = str(number)
    if project.env_files:
        out[L.ENV_FILE] = ",".join(project.env_files)
    return [f"{k}={v}" for k, v in {**(svc.get("labels") or {}), **out}.items()]


def _networking(project: Project, name: str, svc: dict[str, Any], container_names: Callable[[str], str],
                warn: Callable[[str], None]) -> dict[str, Any]:
    mode = svc.get("network_mode")
    if mode:
        mac = {"mac_address": str(svc["mac_address"])} if svc.get("mac_address") else {}
        if mode.startswith("service:"):
            return {"networks": (f"container:{container_names(mode[8:])}",), **mac}
        return {"networks": (mode,), **mac}
    nets = svc.get("networks") or {}
    ordered = sorted(nets.items(), key=lambda kv: -((kv[1] or {}).get("priority") or 0))
    real = tuple(project.model["networks"][n]["name"] for n, _ in ordered)
    # The service name on every network; `aliases` and `ipv4_address` on their own network only.
    aliases = tuple((net, tuple(a for a in own if a != name)) for net, own in
                    ((real[i], (spec or {}).get("aliases") or ()) for i, (_, spec) in enumerate(ordered)) if own)
    ips = tuple((real[i], spec["ipv4_address"]) for i, (_, spec) in enumerate(ordered)
                if (spec or {}).get("ipv4_address"))
    return {"networks": real, "network_aliases": (name,), "endpoint_aliases": aliases, "endpoint_ips": ips,
            "mac_address": mac_address(svc, name, [n for n, _ in ordered], warn)}


def _publish(svc: dict[str, Any]) -> tuple[str, ...]:
    out = []
    for p in svc.get("ports") or []:
        host = p.get("published", "")
        spec = f"{p['target']}/{p.get('protocol', 'tcp')}"
        if host:
            spec = f"{host}:{spec}"
        if p.get("host_ip"):
            spec = f"{p['host_ip']}:{spec}" if host else f"{p['host_ip']}::{spec}"
        out.append(spec)
    return tuple(out)


def command_line(entrypoint: list[str] | None, command: list[str] | tuple[str, ...] | None,
                 ) -> tuple[str | None, tuple[str, ...]]:
    """CreateOptions' (entrypoint, command) for a list entrypoint (None: the image's) and command."""
    command = tuple(command or ())
    if entrypoint is None:
        return None, command
    if not entrypoint:
        return "", command
    # nerdpy's --entrypoint takes one word: the rest of a list entrypoint leads the command.
    return entrypoint[0], (*entrypoint[1:], *command)


def _limits(svc: dict[str, Any]) -> dict[str, Any]:
    limits = ((svc.get("deploy") or {}).get("resources") or {}).get("limits") or {}
    memory = limits.get("memory") or svc.get("mem_limit") or ""
    cpus = limits.get("cpus") or svc.get("cpus") or ""
    pids = limits.get("pids") or svc.get("pids_limit") or 0
    return {"memory": str(memory), "cpus": str(cpus) if cpus else "", "pids_limit": int(pids)}


def _ulimits(svc: dict[str, Any]) -> tuple[str, ...]:
    out = []
    for name, value in (svc.get("ulimits") or {}).items():
        if isinstance(value, dict):
            out.append(f"{name}={value['soft']}:{value['hard']}")
        else:
            out.append(f"{name}={value}")
    return tuple(out)


def _mounts(project: Project, svc: dict[str, Any], inherited: dict[str, str]) -> tuple[str, ...]:
    """The service's volumes, its anonymous ones reusing `inherited` volumes, and the
    other inherited ones (an image's VOLUME) where nothing else is mounted now."""
    volumes = svc.get("volumes") or ()
    own = tuple(mount(v, project, inherited.get(v["target"], "") if v["type"] == "volume" else "") for v in volumes)
    taken = {v["target"] for v in volumes} | {str(t).partition(":")[0] for t in svc.get("tmpfs") or ()}
    return own + tuple(_csv(["type=volume", f"source={name}", f"target={dest}"])
                       for dest, name in inherited.items() if dest not in taken)


_PULL = {"always": "always", "never": "never", "missing": "missing", "if_not_present": "missing", "build": "never"}


def create_options(project: Project, name: str, number: int, *, oneoff: bool = False, container_name: str = "",
                   container_names: Callable[[str], str], extra_mounts: tuple[str, ...] = (),
                   warn: Callable[[str], None] = lambda _: None,
                   inherited: dict[str, str] | None = None) -> CreateOptions:
    """`inherited`: {destination: volume} of the replaced container's anonymous volumes."""
    svc = project.services[name]
    for key in UNSUPPORTED:
        if key in svc:
            warn(f"services.{name}.{key} is not supported by nerdpy and is ignored")
    entrypoint, command = command_line(svc.get("entrypoint"), svc.get("command"))
    logging = svc.get("logging") or {}
    stop = svc.get("stop_grace_period")
    restart = svc.get("restart") or "no"
    return CreateOptions(
        image=svc.get("image") or f"{project.name}-{name}", command=command, entrypoint=entrypoint,
        name=container_name or svc.get("container_name") or L.container_name(project.name, name, number),
        env=tuple(f"{k}={v}" for k, v in (svc.get("environment") or {}).items()),
        workdir=svc.get("working_dir", ""), user=str(svc.get("user", "")),
        group_add=tuple(str(g) for g in svc.get("group_add") or ()), hostname=svc.get("hostname", ""),
        domainname=svc.get("domainname", ""), tty=bool(svc.get("tty")), interactive=bool(svc.get("stdin_open")),
        labels=tuple(compose_labels(project, name, svc, number, oneoff)), read_only=bool(svc.get("read_only")),
        tmpfs=tuple(svc.get("tmpfs") or ()), mounts=_mounts(project, svc, inherited or {}) + extra_mounts,
        publish=_publish(svc) if not oneoff else (), expose=tuple(str(e) for e in svc.get("expose") or ()),
        dns=tuple(svc.get("dns") or ()), dns_search=tuple(svc.get("dns_search") or ()),
        dns_options=tuple(svc.get("dns_opt") or ()),
        add_hosts=tuple(h.replace("=", ":", 1) for h in svc.get("extra_hosts") or ()),
        init=bool(svc.get("init")), stop_signal=svc.get("stop_signal", ""),
        stop_timeout=int(duration(stop, f"services.{name}.stop_grace_period")) if stop else None,
        restart=restart if not oneoff else "no", pull=_PULL.get(str(svc.get("pull_policy", "missing")), "missing"),
        platform=svc.get("platform", ""), cap_add=tuple(svc.get("cap_add") or ()),
        cap_drop=tuple(svc.get("cap_drop") or ()), privileged=bool(svc.get("privileged")),
        security_opt=tuple(svc.get("security_opt") or ()), ulimits=_ulimits(svc),
        shm_size=str(svc.get("shm_size", "") or ""),
        sysctls=tuple(f"{k}={v}" for k, v in (svc.get("sysctls") or {}).items()),
        log_driver=logging.get("driver") or "json-file",
        log_opts=tuple(f"{k}={v}" for k, v in (logging.get("options") or {}).items()),
        annotations=tuple(f"{k}={v}" for k, v in (svc.get("annotations") or {}).items()),
        userns=svc.get("userns_mode", ""),
        **_networking(project, name, svc, container_names, warn), **_limits(svc),
        **host_options(svc, name, project.services, container_names, warn),
    )
