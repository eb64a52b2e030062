"""Interpolation of one file's data (values only, never keys), then the type
casts compose-go applies to interpolated values (loader/interpolate.go): a
`"${PORT}"` that lands in `ports[].target` becomes an int, `"${RO}"` in
`read_only` a bool. Booleans accept true/false (any case); y/yes/on/n/no/off are
accepted with a warning, as compose-go does ("not supported by YAML 1.2")."""

from __future__ import annotations

from nerdpy_compose.errors import at
from nerdpy_compose.template import TemplateError, substitute
from nerdpy_compose.yamlio import Override

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

_SVC = "services.*."
_INT = [_SVC + p for p in (
    "ports.[].target", "healthcheck.retries", "scale", "deploy.replicas", "deploy.restart_policy.max_attempts",
    "ulimits.*", "ulimits.*.hard", "ulimits.*.soft", "mem_swappiness", "oom_score_adj", "cpu_count", "cpu_percent",
    "cpu_period", "cpu_quota", "secrets.[].mode", "configs.[].mode", "networks.*.priority", "build.shm_size", "tmpfs_size",
    "volumes.[].tmpfs.size", "volumes.[].tmpfs.mode", "deploy.resources.limits.pids", "pids_limit",
)] + ["secrets.*.mode", "configs.*.mode"]
_BOOL = [_SVC + p for p in (
    "privileged", "read_only", "stdin_open", "tty", "init", "oom_kill_disable", "attach", "depends_on.*.required",
    "depends_on.*.restart", "build.no_cache", "build.pull", "build.privileged", "volumes.[].read_only",
    "volumes.[].volume.nocopy", "volumes.[].bind.create_host_path", "healthcheck.disable", "env_file.[].required",
    "use_api_socket",
)] + [f"{top}.*.{key}" for top in ("networks", "volumes", "secrets", "configs") for key in ("external",)] + [
    "networks.*.internal", "networks.*.attachable", "networks.*.enable_ipv4", "networks.*.enable_ipv6"]
_FLOAT = [_SVC + "cpus"]
_TRUE = {"true"}
_FALSE = {"false"}
_LEGACY_TRUE = {"y", "yes", "on"}
_LEGACY_FALSE = {"n", "no", "off"}


def interpolate(data: dict[str, Any], env: Mapping[str, str], source: str,
                warn: Callable[[str], None]) -> dict[str, Any]:
    """A copy of `data` with variables substituted and typed; an invalid or
    missing-required template raises ConfigError naming the key path."""
    missing: list[str] = []

    def on_missing(name: str) -> None:
        if name not in missing:
            missing.append(name)
            warn(f'The "{name}" variable is not set. Defaulting to a blank string.')

    def walk(value: Any, path: tuple[str, ...], shown: str) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, (*path, k), f"{shown}.{k}" if shown else k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (*path, "[]"), f"{shown}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, Override):
            return Override(walk(value.value, path, shown))
        if isinstance(value, str) and "$" in value:
            try:
                text = substitute(value, env, on_missing)
            except TemplateError as exc:
                raise at(source, shown, str(exc)) from None
            return _cast(text, path, shown, source, warn)
        return value

    return walk(data, (), "")


def _matches(pattern: str, path: tuple[str, ...]) -> bool:
    parts = pattern.split(".")
    if len(parts) != len(path):
        return False
    return all(p == "*" and q != "[]" or p == q for p, q in zip(parts, path))


def _cast(text: str, path: tuple[str, ...], shown: str, source: str, warn: Callable[[str], None]) -> Any:
    try:
        if any(_matches(p, path) for p in _INT):
            return int(text, 0) if text.lower().startswith(("0x", "0o")) else int(text)
        if any(_matches(p, path) for p in _FLOAT):
            return float(text)
    except ValueError:
        raise at(source, shown, f"{text!r} is not a number") from None
    if any(_matches(p, path) for p in _BOOL):
        return to_bool(text, source, shown, warn)
    return text


def to_bool(text: str, source: str, path: str, warn: Callable[[str], None]) -> bool:
    low = text.lower()
    if low in _TRUE or low in _FALSE:
        return low in _TRUE
    if low in _LEGACY_TRUE or low in _LEGACY_FALSE:
        warn(f"{path}: {text!r} for a boolean is not supported by YAML 1.2, use true or false")
        return low in _LEGACY_TRUE
    raise at(source, path, f"{text!r} is not a boolean (true or false)")
