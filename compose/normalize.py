"""The merged data made canonical, as compose-go's normalize and validate steps
do: the project name, profiles, each service's environment (env_file, then
`environment`, bare keys from the project environment), command forms, the
implicit `default` network, resource names `<project>_<key>`, and the semantic
checks (undefined services, networks, volumes, secrets; depends_on cycles)."""

from __future__ import annotations

import os
import re
import shlex

from nerdpy_compose import forms
from nerdpy_compose.errors import ConfigError, FileNotFound, NoSuchService, at
from nerdpy_compose.options import ProjectOptions, read_env_file
from nerdpy_compose.order import NAMESPACE_KEYS, implied_deps, shared_with, volumes_from_service

from nerdpy.api.types import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@record
class Project:
    name: str
    working_dir: str
    config_files: tuple[str, ...]
    env_files: tuple[str, ...]
    model: dict[str, Any]  # `config --format json`: name, services, networks, volumes, secrets, configs
    disabled: dict[str, Any] = field(default_factory=dict)  # services whose profiles are not active
    environment: dict[str, str] = field(default_factory=dict)

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        return self.model.get("services", {})


def normalize_name(name: str) -> str:
    """compose-go NormalizeProjectName: lowercase, keep [a-z0-9_-], no leading _ or -."""
    kept = "".join(c for c in name.lower() if c.isascii() and (c.isalnum() or c in "_-"))
    return kept.lstrip("_-")


def project_name(opts: ProjectOptions, env: dict[str, str], data: dict[str, Any], project_dir: str) -> str:
    for explicit in (opts.project_name, env.get("COMPOSE_PROJECT_NAME", "")):
        if explicit:
            if not _PROJECT_NAME.match(explicit):
                raise ConfigError(f"invalid project name {explicit!r}: must consist only of lowercase alphanumeric "
                                  "characters, hyphens, and underscores as well as start with a letter or number")
            return explicit
    name = normalize_name(str(data.get("name") or "")) or normalize_name(os.path.basename(project_dir))
    if not name:
        raise ConfigError("project name must not be empty: use -p or a top-level `name:`")
    return name


def active_profiles(opts: ProjectOptions, env: dict[str, str]) -> set[str]:
    if opts.profiles:
        return set(opts.profiles)
    return {p.strip() for p in env.get("COMPOSE_PROFILES", "").split(",") if p.strip()}


def normalize(data: dict[str, Any], opts: ProjectOptions, env: dict[str, str], project_dir: str,
              config_files: tuple[str, ...], env_files: tuple[str, ...], selected: tuple[str, ...],
              warn: Callable[[str], None]) -> Project:
    source = config_files[0] if config_files else ""
    name = project_name(opts, env, data, project_dir)
    env = {**env, "COMPOSE_PROJECT_NAME": name}
    services = {n: s or {} for n, s in (data.get("services") or {}).items()}
    for svc_name in services:
        if not all(c.isalnum() and c.isascii() or c in "._-" for c in svc_name) or not svc_name:
            raise at(source, f"services.{svc_name}", "invalid service name: only [a-zA-Z0-9._-] allowed")
    profiles = active_profiles(opts, env)
    for wanted in selected:
        if wanted in services:
            profiles |= set(services[wanted].get("profiles") or [])
    enabled = {n: s for n, s in services.items()
               if not s.get("profiles") or "*" in profiles or profiles & set(s["profiles"])}
    disabled = {n: s for n, s in services.items() if n not in enabled}
    for svc_name in selected:
        if svc_name not in services:
            raise NoSuchService(f"no such service: {svc_name}")
    model: dict[str, Any] = {"name": name}
    out_services = {n: _service(n, s, env, source, warn) for n, s in enabled.items()}
    model["services"] = out_services
    model["networks"] = _resources(data.get("networks"), name, "networks")
    if any("default" in (s.get("networks") or {}) for s in out_services.values()):
        model["networks"].setdefault("default", {"name": f"{name}_default"})
    for kind in ("volumes", "secrets", "configs"):
        model[kind] = _resources(data.get(kind), name, kind)
    for key, value in data.items():
        if key.startswith("x-"):
            model[key] = value
    model = {k: v for k, v in model.items() if v or k in ("name", "services")}
    _check(model, disabled, source)
    for svc in out_services.values():
        _add_implied_deps(svc, out_services)
    return Project(name, project_dir, config_files, env_files, model, disabled, env)


def _service(name: str, svc: dict[str, Any], env: dict[str, str], source: str,
             warn: Callable[[str], None]) -> dict[str, Any]:
    out = dict(svc)
    path = f"services.{name}"
    out["environment"] = _environment(out, env, warn)
    if not out["environment"]:
        del out["environment"]
    out.pop("env_file", None)
    for key in ("command", "entrypoint"):
        if isinstance(out.get(key), str):
            try:
                out[key] = shlex.split(out[key])
            except ValueError as exc:
                raise at(source, f"{path}.{key}", str(exc)) from None
    health = out.get("healthcheck")
    if isinstance(health, dict) and isinstance(health.get("test"), str):
        out["healthcheck"] = {**health, "test": ["CMD-SHELL", health["test"]]}
    out = forms.cgroup_keys(out, source, path)
    if "network_mode" not in out and not out.get("networks"):
        out["networks"] = {"default": None}
    if out.get("deploy", {}).get("replicas") is not None and "scale" not in out:
        out["scale"] = out["deploy"]["replicas"]
    if out.get("container_name") and int(out.get("scale", 1)) > 1:
        raise at(source, f"{path}.container_name",
                 f"services.{name}: can't set container_name and {name} as container name must be unique")
    if "image" not in out and "build" not in out:
        raise at(source, path, f"service {name!r} has neither an image nor a build context specified")
    if "scale" in out and int(out["scale"]) < 0:
        raise at(source, f"{path}.scale", "must not be negative")
    return out


def _environment(svc: dict[str, Any], env: dict[str, str], warn: Callable[[str], None]) -> dict[str, str]:
    """env_file entries top-down, then `environment` (which wins even when empty);
    a bare key takes the project environment's value or is left out."""
    values: dict[str, str] = {}
    for entry in svc.get("env_file") or []:
        path = entry["path"]
        if not os.path.isfile(path):
            if entry.get("required", True):
                raise FileNotFound(f"env file {path} not found: stat {path}: no such file or directory")
            continue
        values.update(read_env_file(path, env, warn, raw=entry.get("format") == "raw"))
    for key, value in (svc.get("environment") or {}).items():
        if value is None:
            if key in env:
                values[key] = env[key]
            else:
                values.pop(key, None)
        else:
            values[key] = value
    return values


def _resources(section: dict[str, Any] | None, project: str, kind: str) -> dict[str, Any]:
    out = {}
    for key, spec in (section or {}).items():
        spec = dict(spec or {})
        external = spec.get("external")
        if isinstance(external, dict):  # the deprecated `external: {name: x}`
            spec["name"] = external.get("name", spec.get("name"))
            spec["external"] = True
        if spec.get("external") and any(k in spec for k in ("driver", "driver_opts", "ipam", "internal", "file")):
            raise ConfigError(f"{kind}.{key}: conflicting parameters \"external\" and \"driver\" specified")
        if kind in ("networks", "volumes") and "labels" in spec:
            spec["labels"] = forms.as_dict(spec["labels"], "", f"{kind}.{key}.labels")
        if "name" not in spec:
            spec["name"] = key if spec.get("external") else f"{project}_{key}"
        out[key] = spec
    return out


def _check(model: dict[str, Any], disabled: dict[str, Any], source: str) -> None:
    services = model["services"]
    for name, svc in services.items():
        path = f"services.{name}"
        for dep, spec in (svc.get("depends_on") or {}).items():
            if dep in services or not spec.get("required", True):
                continue
            why = "is disabled by its profiles" if dep in disabled else "is not defined"
            raise at(source, f"{path}.depends_on", f"service {name!r} depends on {dep!r}, which {why}")
        for net in svc.get("networks") or {}:
            if net not in model.get("networks", {}):
                raise at(source, f"{path}.networks", f"service {name!r} refers to undefined network {net}")
        for vol in svc.get("volumes") or []:
            src = vol.get("source")
            if vol.get("type") == "volume" and src and src not in model.get("volumes", {}):
                raise at(source, f"{path}.volumes", f"service {name!r} refers to undefined volume {src}")
        for kind in ("secrets", "configs"):
            for ref in svc.get(kind) or []:
                if ref["source"] not in model.get(kind, {}):
                    raise at(source, f"{path}.{kind}", f"service {name!r} refers to undefined {kind[:-1]} {ref['source']}")
        _check_references(name, svc, services, disabled, source)
    cycle = find_cycle({n: list(s.get("depends_on") or {}) + implied_deps(s, services) for n, s in services.items()})
    if cycle:
        raise at(source, "services", "dependency cycle detected: " + " -> ".join(cycle))


def _add_implied_deps(svc: dict[str, Any], services: dict[str, Any]) -> None:
    """compose-go's implied depends_on, kept where depends_on names the service
    already: started first, and restarted with it, except for volumes_from."""
    implied = implied_deps(svc, services)
    if not implied:
        return
    from_volumes = {volumes_from_service(str(v), services) for v in svc.get("volumes_from") or ()}
    links_or_ns = {str(link).partition(":")[0] for link in svc.get("links") or ()} | set(shared_with(svc))
    deps = dict(svc.get("depends_on") or {})
    for name in implied:
        restart = {"restart": True} if name in links_or_ns or name not in from_volumes else {}
        deps.setdefault(name, {"condition": "service_started", **restart, "required": True})
    svc["depends_on"] = deps


def _check_references(name: str, svc: dict[str, Any], services: dict[str, Any], disabled: dict[str, Any],
                      source: str) -> None:
    """The services named by `KEY: service:X`, links and volumes_from exist and are enabled."""
    path = f"services.{name}"
    refs = [(key, str(svc[key])[8:]) for key in NAMESPACE_KEYS if str(svc.get(key) or "").startswith("service:")]
    refs += [("links", str(link).partition(":")[0]) for link in svc.get("links") or ()]
    refs += [("volumes_from", volumes_from_service(str(v), services)) for v in svc.get("volumes_from") or ()]
    for key, ref in refs:
        if ref and ref not in services:
            why = "is disabled by its profiles" if ref in disabled else "is not defined"
            raise at(source, f"{path}.{key}", f"service {name!r} refers to service {ref!r}, which {why}")


def find_cycle(graph: dict[str, list[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for dep in graph.get(node, []):
            if state.get(dep) == 1:
                return stack[stack.index(dep):] + [dep]
            if dep in graph and not state.get(dep):
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in graph:
        if not state.get(node):
            found = visit(node)
            if found:
                return found
    return []
