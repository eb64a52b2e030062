"""Service `secrets` and `configs` as read-only bind mounts: a `file:` source is
mounted as is; `environment:` and `content:` sources are written to a private
per-project directory first (0700; the file has the spec's mode, 0400 for
secrets and 0444 for configs by default, as the container must read it)."""

from __future__ import annotations

import os

from nerdpy_compose import forms
from nerdpy_compose.convert import _csv
from nerdpy_compose.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from nerdpy_compose.normalize import Project

    from nerdpy.api.types import Settings


def mounts(settings: Settings, project: Project, name: str, warn: Callable[[str], None]) -> tuple[str, ...]:
    svc = project.services[name]
    out = []
    for kind in ("secrets", "configs"):
        for ref in svc.get(kind) or []:
            spec = project.model[kind][ref["source"]]
            if spec.get("external"):
                raise ConfigError(f"services.{name}.{kind}: external {kind} are not supported by nerdpy")
            if ref.get("uid") or ref.get("gid"):
                warn(f"services.{name}.{kind}.{ref['source']}: uid/gid are not supported by nerdpy and are ignored")
            source = spec.get("file") or _materialise(settings, project, kind, ref["source"], spec, ref)
            if not os.path.exists(source):
                raise ConfigError(f"{kind[:-1]} {ref['source']}: file {source} not found")
            out.append(_csv(["type=bind", f"source={source}", f"target={forms.ref_target(ref, kind)}", "readonly"]))
    return tuple(out)


def forget(settings: Settings, project: str) -> None:
    """`down`: the project's written secrets and configs go with it."""
    import shutil

    shutil.rmtree(os.path.join(str(settings.layout.data_root), "compose", project), ignore_errors=True)


def _materialise(settings: Settings, project: Project, kind: str, key: str, spec: dict[str, Any],
                 ref: dict[str, Any]) -> str:
    if "environment" in spec:
        value = project.environment.get(spec["environment"])
        if value is None:
            raise ConfigError(f"{kind}.{key}: environment variable {spec['environment']} is not set")
    else:
        value = spec.get("content", "")
    directory = os.path.join(str(settings.layout.data_root), "compose", project.name, kind)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    os.chmod(os.path.dirname(directory), 0o700)
    path = os.path.join(directory, key)
    mode = ref.get("mode")
    mode = int(mode, 8) if isinstance(mode, str) else (mode if mode is not None else (0o400 if kind == "secrets" else 0o444))
    tmp = f"{path}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, value.encode())
        os.fchmod(fd, mode)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return path
