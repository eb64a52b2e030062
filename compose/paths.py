"""Relative paths in a file resolved against the directory that file's paths
are relative to (the project directory for `-f` files, the included or extended
file's own directory otherwise), as compose-go's loader/paths.go does."""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def absolute(path: str, base_dir: str) -> str:
    if path.startswith("~"):
        return os.path.expanduser(path)
    return os.path.normpath(os.path.join(base_dir, path))


def _is_remote(context: str) -> bool:
    return "://" in context or context.startswith(("git@", "github.com/"))


def resolve_service(svc: Any, base_dir: str) -> Any:
    if not isinstance(svc, dict):
        return svc
    out = dict(svc)
    build = out.get("build")
    if isinstance(build, dict):
        context = build.get("context", ".")
        out["build"] = {**build, "context": context if _is_remote(context) else absolute(context, base_dir)}
    if isinstance(out.get("env_file"), list):
        out["env_file"] = [{**e, "path": absolute(e["path"], base_dir)} for e in out["env_file"]]
    if isinstance(out.get("label_file"), list):
        out["label_file"] = [absolute(p, base_dir) for p in out["label_file"]]
    if isinstance(out.get("volumes"), list):
        out["volumes"] = [_volume(v, base_dir) for v in out["volumes"]]
    if isinstance(out.get("extends"), dict) and out["extends"].get("file"):
        pass  # resolved against the extending file by the loader
    return out


def _volume(entry: Any, base_dir: str) -> Any:
    if isinstance(entry, dict) and entry.get("type") == "bind" and entry.get("source"):
        return {**entry, "source": absolute(entry["source"], base_dir)}
    return entry


def resolve_top(data: dict[str, Any], base_dir: str) -> None:
    for kind in ("secrets", "configs"):
        for name, spec in (data.get(kind) or {}).items():
            if isinstance(spec, dict) and spec.get("file"):
                data[kind][name] = {**spec, "file": absolute(spec["file"], base_dir)}
