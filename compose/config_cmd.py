"""`compose config`: the canonical model (YAML or JSON) or one of its listings."""

from __future__ import annotations

import hashlib
import json

from nerdpy_compose import order
from nerdpy_compose.errors import ConfigError, NoSuchService

from nerdpy.api.types import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from nerdpy_compose.normalize import Project

# Not part of a service's identity (docker compose pkg/compose/hash.go ServiceHash).
_HASH_EXCLUDED = ("build", "pull_policy", "scale", "depends_on", "profiles")


@record
class ConfigRequest:
    format: str = "yaml"
    services: bool = False
    volumes: bool = False
    networks: bool = False
    profiles: bool = False
    images: bool = False
    hash: str = ""  # "*" or comma-separated service names
    quiet: bool = False


def service_hash(svc: dict[str, Any]) -> str:
    """The config-hash label: sha256 of the service's JSON without the keys that
    do not change the container."""
    data = {k: v for k, v in svc.items() if k not in _HASH_EXCLUDED}
    if isinstance(data.get("deploy"), dict):
        data["deploy"] = {k: v for k, v in data["deploy"].items() if k != "replicas"}
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def render(project: Project, req: ConfigRequest) -> str:
    """What `config` prints (without the final newline)."""
    model = project.model
    if req.quiet:
        return ""
    # Go prints maps sorted by key: the listings and the model's maps are sorted too.
    if req.services:  # compose-go's ForEachService over the sorted names: dependencies first
        return "\n".join(order.select(project, sorted(model["services"])))
    if req.volumes:
        return "\n".join(sorted(model.get("volumes", {})))
    if req.networks:
        return "\n".join(sorted(model.get("networks", {})))
    if req.profiles:
        names = {p for s in (*model["services"].values(), *project.disabled.values()) for p in s.get("profiles") or []}
        return "\n".join(sorted(names))
    if req.images:
        return "\n".join(s.get("image") or f"{project.name}-{n}" for n, s in model["services"].items())
    if req.hash:
        wanted = list(model["services"]) if req.hash == "*" else req.hash.split(",")
        missing = [w for w in wanted if w not in model["services"]]
        if missing:
            raise NoSuchService(f"no such service: {missing[0]}")
        return "\n".join(f"{n} {service_hash(model['services'][n])}" for n in sorted(set(wanted)))
    model = {k: dict(sorted(v.items())) if k in ("services", "networks", "volumes", "secrets", "configs") else v
             for k, v in model.items()}
    if req.format == "json":
        if model.get("services"):
            from nerdpy_compose.forms import go_field_names

            model["services"] = {name: go_field_names(svc) for name, svc in model["services"].items()}
        return json.dumps(model, indent=4)
    if req.format != "yaml":
        raise ConfigError(f"unsupported format {req.format!r}: use yaml or json")
    return to_yaml(model)


def to_yaml(model: dict[str, Any]) -> str:
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    # ruamel's YAML.__init__ sets this to an untyped None, so mypy takes its type as None
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    buf = io.StringIO()
    yaml.dump(model, buf)
    return buf.getvalue().rstrip("\n")
