"""nerdpy's own description of the Compose file format, written from the
Compose Specification (services, networks, volumes, secrets, configs, include):
which keys exist and the JSON types each accepts. `validate` walks a file's
data with it and reports the first problem as `file: key.path: what`.

Kept to types and key names: values (port syntax, durations, conditions) are
checked where they are parsed. Any key starting with `x-` is allowed in objects.
"""

from __future__ import annotations

from nerdpy_compose.errors import at
from nerdpy_compose.yamlio import Override, Reset, type_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

S, INT, N, B, NULL = "string", "integer", "number", "boolean", "null"


class Obj:
    def __init__(self, props: dict[str, Any], extra: Any = None, required: tuple[str, ...] = ()) -> None:
        self.props, self.extra, self.required = props, extra, required


class Map:
    """Any (name) keys, each value of one spec."""

    def __init__(self, value: Any) -> None:
        self.value = value


class List:
    def __init__(self, item: Any) -> None:
        self.item = item


class OneOf:
    def __init__(self, *options: Any) -> None:
        self.options = options


ANY = "any"
STR_OR_LIST = OneOf(S, List(S))
LIST_OR_DICT = OneOf(Map((S, N, B, NULL)), List(S))
SCALAR = (S, N, B, NULL)
DRIVER_OPTS = Map((S, N))
LABELS = LIST_OR_DICT
COMMAND = OneOf((S, NULL), List(S))
BLKIO = List(Obj({"path": S, "rate": (INT, S)}))
ULIMITS = Map(OneOf((INT, S), Obj({"hard": (INT, S), "soft": (INT, S)}, required=("soft", "hard"))))
HEALTHCHECK = Obj({
    "disable": (B, S), "interval": S, "retries": (N, S), "test": OneOf(S, List(S)), "timeout": S,
    "start_period": S, "start_interval": S,
})
ENV_FILE = OneOf(S, List(OneOf(S, Obj({"path": S, "format": S, "required": (B, S)}, required=("path",)))))
EXTRA_HOSTS = OneOf(Map(OneOf(S, List(S))), List(S))
BUILD = OneOf(S, Obj({
    "context": S, "dockerfile": S, "dockerfile_inline": S, "entitlements": List(S), "args": LIST_OR_DICT,
    "ssh": LIST_OR_DICT, "labels": LIST_OR_DICT, "cache_from": List(S), "cache_to": List(S), "no_cache": (B, S),
    "no_cache_filter": STR_OR_LIST, "additional_contexts": LIST_OR_DICT, "network": S, "provenance": (S, B),
    "sbom": (S, B), "pull": (B, S), "target": S, "shm_size": (INT, S), "extra_hosts": EXTRA_HOSTS, "isolation": S,
    "privileged": (B, S), "secrets": ANY, "tags": List(S), "ulimits": ULIMITS, "platforms": List(S),
}))
PORT_LONG = Obj({"name": S, "mode": S, "host_ip": S, "target": (INT, S), "published": (S, INT), "protocol": S,
                 "app_protocol": S})
VOLUME_LONG = Obj({
    "type": S, "source": S, "target": S, "read_only": (B, S), "consistency": S,
    "bind": Obj({"propagation": S, "create_host_path": (B, S), "recursive": S, "selinux": S}),
    "volume": Obj({"nocopy": (B, S), "subpath": S, "labels": LIST_OR_DICT}),
    "tmpfs": Obj({"size": (INT, S), "mode": (N, S)}), "image": Obj({"subpath": S}),
}, required=("type",))
CONFIG_REF = List(OneOf(S, Obj({"source": S, "target": S, "uid": S, "gid": S, "mode": (N, S)})))
DEPENDS_ON = OneOf(List(S), Map(Obj({"restart": (B, S), "required": (B, S), "condition": S},
                                    required=("condition",))))
NETWORKS_REF = OneOf(List(S), Map(OneOf(NULL, Obj({
    "aliases": List(S), "interface_name": S, "ipv4_address": S, "ipv6_address": S, "link_local_ips": List(S),
    "mac_address": S, "driver_opts": DRIVER_OPTS, "priority": N, "gw_priority": N,
}))))
RESOURCES = Obj({"cpus": (N, S), "memory": S, "pids": (INT, S)})
DEPLOY = Obj({
    "mode": S, "endpoint_mode": S, "replicas": (INT, S), "labels": LIST_OR_DICT, "rollback_config": ANY,
    "update_config": ANY, "resources": Obj({"limits": RESOURCES, "reservations": ANY}),
    "restart_policy": Obj({"condition": S, "delay": S, "max_attempts": (INT, S), "window": S}),
    "placement": ANY,
})
HOOK = Obj({"command": COMMAND, "user": S, "privileged": (B, S), "working_dir": S, "environment": LIST_OR_DICT},
           required=("command",))

SERVICE = Obj({
    "develop": ANY, "deploy": DEPLOY, "annotations": LIST_OR_DICT, "attach": (B, S), "build": BUILD,
    "blkio_config": Obj({"device_read_bps": BLKIO, "device_read_iops": BLKIO, "device_write_bps": BLKIO,
                         "device_write_iops": BLKIO, "weight": (INT, S), "weight_device": ANY}),
    "cap_add": List(S), "cap_drop": List(S), "cgroup": S, "cgroup_parent": S, "command": COMMAND,
    "configs": CONFIG_REF, "container_name": S, "cpu_count": (S, INT), "cpu_percent": (S, INT), "cpu_shares": (N, S),
    "cpu_quota": (N, S), "cpu_period": (N, S), "cpu_rt_period": (N, S), "cpu_rt_runtime": (N, S), "cpus": (N, S),
    "cpuset": S, "credential_spec": ANY, "depends_on": DEPENDS_ON, "device_cgroup_rules": List(S),
    "devices": List(OneOf(S, Obj({"source": S, "target": S, "permissions": S}, required=("source",)))),
    "dns": STR_OR_LIST, "dns_opt": List(S), "dns_search": STR_OR_LIST, "domainname": S, "entrypoint": COMMAND,
    "env_file": ENV_FILE, "label_file": STR_OR_LIST, "environment": LIST_OR_DICT, "expose": List((S, N)),
    "extends": OneOf(S, Obj({"service": S, "file": S}, required=("service",))), "provider": ANY,
    "external_links": List(S), "extra_hosts": EXTRA_HOSTS, "gpus": ANY, "group_add": List((S, N)),
    "healthcheck": HEALTHCHECK, "hostname": S, "image": S, "init": (B, S), "ipc": S, "isolation": S,
    "labels": LIST_OR_DICT, "links": List(S),
    "logging": Obj({"driver": S, "options": Map((S, N, NULL))}), "mac_address": S, "mem_limit": (N, S),
    "mem_reservation": (S, INT), "mem_swappiness": (INT, S), "memswap_limit": (N, S), "network_mode": S,
    "models": ANY, "networks": NETWORKS_REF, "oom_kill_disable": (B, S), "oom_score_adj": (S, INT),
    "pid": (S, NULL), "pids_limit": (N, S), "platform": S,
    "ports": List(OneOf(N, S, PORT_LONG)), "pre_start": List(ANY), "post_start": List(HOOK),
    "pre_stop": List(HOOK), "privileged": (B, S), "profiles": List(S), "pull_policy": S,
    "pull_refresh_after": S, "read_only": (B, S), "restart": S, "runtime": S, "scale": (INT, S),
    "security_opt": List(S), "shm_size": (N, S), "secrets": CONFIG_REF, "sysctls": LIST_OR_DICT,
    "stdin_open": (B, S), "stop_grace_period": S, "stop_signal": S, "storage_opt": Map(ANY), "tmpfs": STR_OR_LIST,
    "tty": (B, S), "ulimits": ULIMITS, "use_api_socket": B, "user": S, "uts": S, "userns_mode": S,
    "volumes": List(OneOf(S, VOLUME_LONG)), "volumes_from": List(S), "working_dir": S,
})
EXTERNAL = OneOf((B, S), Obj({"name": S}))
NETWORK = OneOf(NULL, Obj({
    "name": S, "driver": S, "driver_opts": DRIVER_OPTS,
    "ipam": Obj({"driver": S, "config": List(Obj({"subnet": S, "ip_range": S, "gateway": S,
                                                  "aux_addresses": Map(S)})), "options": Map(S)}),
    "external": EXTERNAL, "internal": (B, S), "enable_ipv4": (B, S), "enable_ipv6": (B, S), "attachable": (B, S),
    "labels": LIST_OR_DICT,
}))
VOLUME = OneOf(NULL, Obj({"name": S, "driver": S, "driver_opts": DRIVER_OPTS, "external": EXTERNAL,
                          "labels": LIST_OR_DICT}))
SECRET = Obj({"name": S, "environment": S, "file": S, "external": EXTERNAL, "labels": LIST_OR_DICT, "driver": S,
              "driver_opts": DRIVER_OPTS, "template_driver": S})
CONFIG = Obj({"name": S, "content": S, "environment": S, "file": S, "external": EXTERNAL, "labels": LIST_OR_DICT,
              "template_driver": S})
INCLUDE = List(OneOf(S, Obj({"path": STR_OR_LIST, "env_file": STR_OR_LIST, "project_directory": S},
                            required=("path",))))
TOP = Obj({
    "version": S, "name": S, "include": INCLUDE, "services": Map(OneOf(NULL, SERVICE)), "models": ANY,
    "networks": Map(NETWORK), "volumes": Map(VOLUME), "secrets": Map(SECRET), "configs": Map(CONFIG),
})
_RESOURCE_NAME = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"


def validate(data: dict[str, Any], source: str) -> None:
    """Raise ConfigError (exit 15) at the first key that breaks the format."""
    problem = _check(TOP, data, "")
    if problem is not None:
        raise at(source, *problem)


def _check(spec: Any, value: Any, path: str) -> tuple[str, str] | None:
    if isinstance(value, Override):
        value = value.value
    if isinstance(value, Reset) or spec == ANY:
        return None
    if isinstance(spec, (str, tuple)):
        kinds = (spec,) if isinstance(spec, str) else spec
        return None if _is(value, kinds) else (path, f"must be {_kinds(kinds)}, not {type_name(value)}")
    if isinstance(spec, OneOf):
        problems = [_check(opt, value, path) for opt in spec.options]
        if any(p is None for p in problems):
            return None
        shaped = [p for p, opt in zip(problems, spec.options) if _shape_matches(opt, value)]
        return shaped[0] if shaped else (path, f"must be {_describe(spec)}, not {type_name(value)}")
    if isinstance(spec, List):
        if not isinstance(value, list):
            return (path, f"must be an array, not {type_name(value)}")
        for i, item in enumerate(value):
            problem = _check(spec.item, item, f"{path}[{i}]")
            if problem is not None:
                return problem
        return None
    if not isinstance(value, dict):
        return (path, f"must be a mapping, not {type_name(value)}")
    if isinstance(spec, Map):
        for key, item in value.items():
            problem = _check(spec.value, item, _join(path, key))
            if problem is not None:
                return problem
        return None
    return _check_object(spec, value, path)


def _check_object(spec: Obj, value: dict[str, Any], path: str) -> tuple[str, str] | None:
    for key, item in value.items():
        if key.startswith("x-"):
            continue
        sub = spec.props.get(key)
        if sub is None:
            return (path, f"additional property {key!r} is not allowed")
        problem = _check(sub, item, _join(path, key))
        if problem is not None:
            return problem
    for key in spec.required:
        if key not in value:
            return (path, f"{key!r} is required")
    return None


def _shape_matches(spec: Any, value: Any) -> bool:
    """Whether an option of a oneOf is the one the user meant (same container kind)."""
    if isinstance(spec, List):
        return isinstance(value, list)
    if isinstance(spec, (Obj, Map)):
        return isinstance(value, dict)
    return False


def _is(value: Any, kinds: tuple[str, ...]) -> bool:
    for kind in kinds:
        if kind == S and isinstance(value, str):
            return True
        if kind == B and isinstance(value, bool):
            return True
        if kind == INT and isinstance(value, int) and not isinstance(value, bool):
            return True
        if kind == N and isinstance(value, (int, float)) and not isinstance(value, bool):
            return True
        if kind == NULL and value is None:
            return True
    return False


def _kinds(kinds: tuple[str, ...]) -> str:
    names = [{"string": "a string", "integer": "an integer", "number": "a number", "boolean": "a boolean",
              "null": "null"}[k] for k in kinds]
    return " or ".join(names)


def _describe(spec: OneOf) -> str:
    parts = []
    for opt in spec.options:
        if isinstance(opt, (str, tuple)):
            parts.append(_kinds((opt,) if isinstance(opt, str) else opt))
        elif isinstance(opt, List):
            parts.append("an array")
        else:
            parts.append("a mapping")
    return " or ".join(dict.fromkeys(parts))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def valid_resource_name(name: str) -> bool:
    """Service, network, volume, secret and config names: `^[a-zA-Z0-9._-]+$`."""
    return bool(name) and all(c in _RESOURCE_NAME for c in name)
