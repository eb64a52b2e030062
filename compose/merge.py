"""Merging compose data (13-merge.md, compose-go override/): one file over the
files before it, and `extends` (the local service over its base). Both sides are
already in the long forms `expand_service` makes, so map and list syntaxes merge
alike. Mappings merge recursively, sequences append, `command`, `entrypoint` and
`healthcheck.test` replace; ports, volumes, secrets, configs and env_file are
unique by key (the later entry wins); `!reset` removes and `!override` replaces."""

from __future__ import annotations

from nerdpy_compose import forms
from nerdpy_compose.yamlio import Override, Reset

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_REPLACE = {"command", "entrypoint", "test"}
_DICT_FORMS = ("environment", "labels", "annotations", "sysctls")


def _unique_by(key: Callable[[Any], Any]) -> Callable[[list[Any], list[Any]], list[Any]]:
    def merge(base: list[Any], over: list[Any]) -> list[Any]:
        out: dict[Any, Any] = {}
        for item in base + over:
            k = key(item)
            out.pop(k, None)  # the later entry wins and takes the later place
            out[k] = item
        return list(out.values())

    return merge


_SERVICE_LISTS = {
    "ports": _unique_by(forms.port_key),
    "volumes": _unique_by(lambda v: v.get("target")),
    "secrets": _unique_by(lambda v: forms.ref_target(v, "secrets")),
    "configs": _unique_by(lambda v: forms.ref_target(v, "configs")),
    "env_file": _unique_by(lambda v: v.get("path")),
}


def expand_service(svc: dict[str, Any] | None, source: str, path: str) -> dict[str, Any]:
    """The service with its dual-form attributes in long form (tags kept)."""
    out: dict[str, Any] = {}
    for key, value in (svc or {}).items():
        out[key] = _expand(key, value, source, f"{path}.{key}")
    return out


def _expand(key: str, value: Any, source: str, path: str) -> Any:
    if isinstance(value, Reset):
        return value
    if isinstance(value, Override):
        return Override(_expand(key, value.value, source, path))
    if value is None:
        return None
    if key in _DICT_FORMS:
        return forms.as_dict(value, source, path)
    if key == "build":
        build = {"context": value} if isinstance(value, str) else dict(value)
        for sub in ("args", "labels"):
            if sub in build:
                build[sub] = forms.as_dict(build[sub], source, f"{path}.{sub}")
        return build
    if key == "deploy" and isinstance(value.get("labels"), list):
        return {**value, "labels": forms.as_dict(value["labels"], source, f"{path}.labels")}
    expanders: dict[str, Callable[[], Any]] = {
        "depends_on": lambda: forms.depends_on(value, source, path),
        "networks": lambda: forms.networks(value),
        "ports": lambda: forms.ports(value, source, path),
        "volumes": lambda: forms.volumes(value, source, path),
        "secrets": lambda: forms.file_refs(value, "secrets"),
        "configs": lambda: forms.file_refs(value, "configs"),
        "env_file": lambda: forms.env_files(value),
        "extra_hosts": lambda: forms.extra_hosts(value),
        "dns": lambda: forms.as_list(value),
        "dns_search": lambda: forms.as_list(value),
        "tmpfs": lambda: forms.as_list(value),
        "label_file": lambda: forms.as_list(value),
    }
    expand = expanders.get(key)
    return expand() if expand is not None else value


def merge_service(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Reset):
            out.pop(key, None)
        elif isinstance(value, Override):
            out[key] = strip_tags(value.value)
        elif key not in out or out[key] is None or value is None:
            out[key] = strip_tags(value) if value is not None else out.get(key)
        elif key in _SERVICE_LISTS and isinstance(value, list):
            out[key] = _SERVICE_LISTS[key](out[key], strip_tags(value))
        elif key == "logging" and _other_driver(out[key], value):
            out[key] = strip_tags(value)
        else:
            out[key] = merge_value(out[key], value, key)
    return out


def _other_driver(base: dict[str, Any], over: dict[str, Any]) -> bool:
    return bool(base.get("driver") and over.get("driver") and base["driver"] != over["driver"])


def merge_value(base: Any, over: Any, key: str = "") -> Any:
    """Generic merge: mappings recursively, sequences append (distinct items),
    scalars and the replace-keys take the later value."""
    if isinstance(over, Reset):
        return None
    if isinstance(over, Override):
        return strip_tags(over.value)
    if isinstance(base, dict) and isinstance(over, dict) and key not in _REPLACE:
        out = dict(base)
        for k, v in over.items():
            if isinstance(v, Reset):
                out.pop(k, None)
            elif k in out and v is not None:
                out[k] = merge_value(out[k], v, k)
            else:
                out[k] = strip_tags(v)
        return out
    if isinstance(base, list) and isinstance(over, list) and key not in _REPLACE:
        out_list = list(base)
        for item in strip_tags(over):
            if item not in out_list:
                out_list.append(item)
        return out_list
    return strip_tags(over)


def merge_files(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """One file's (expanded) data over the merge of the files before it."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Reset):
            out.pop(key, None)
        elif key == "services" and isinstance(value, dict):
            services = dict(out.get("services") or {})
            for name, svc in value.items():
                if isinstance(svc, Reset):
                    services.pop(name, None)
                elif isinstance(svc, Override):
                    services[name] = strip_tags(svc.value)
                else:
                    services[name] = merge_service(services.get(name) or {}, svc or {})
            out["services"] = services
        elif key in out:
            out[key] = merge_value(out[key], value, key)
        else:
            out[key] = strip_tags(value)
    return out


def strip_tags(value: Any) -> Any:
    """`!override` values unwrapped and `!reset` entries dropped (nothing left to merge with)."""
    if isinstance(value, Override):
        return strip_tags(value.value)
    if isinstance(value, dict):
        return {k: strip_tags(v) for k, v in value.items() if not isinstance(v, Reset)}
    if isinstance(value, list):
        return [strip_tags(v) for v in value if not isinstance(v, Reset)]
    return value
