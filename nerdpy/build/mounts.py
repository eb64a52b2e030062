"""RUN --mount=type=bind|cache|tmpfs|secret as OCI mounts (BuildKit's options and checks).

Bind sources are resolved inside their tree (the context or a stage's rootfs) and
mounted read-only; `rw` mounts get a private copy, thrown away after the step.
Cache mounts are directories under the build cache that outlive builds. Secrets
are written 0400 into the step's private scratch dir and bind-mounted read-only.
"""

from __future__ import annotations

import os
import posixpath
import shutil
from pathlib import Path
from typing import Any

from nerdpy.records import field, record


@record
class MountSpec:
    type: str
    target: str
    source: str = ""
    from_: str = ""
    id: str = ""
    readonly: bool = False
    required: bool = False
    env: str = ""
    mode: int | None = None
    uid: int = 0  # owner of a new cache directory, or of the secret file
    gid: int = 0
    size: str = ""
    options: dict[str, str] = field(default_factory=dict)


_ALLOWED = {
    "bind": {"target", "source", "from", "ro", "rw"},
    "cache": {"target", "id", "ro", "rw", "sharing", "from", "source", "mode", "uid", "gid"},
    "tmpfs": {"target", "size"},
    "secret": {"target", "id", "required", "mode", "uid", "gid", "env"},
}
_ALIASES = {"dst": "target", "destination": "target", "src": "source", "readonly": "ro", "readwrite": "rw"}


def parse_mount(text: str, workdir: str) -> MountSpec:
    """One `--mount` value (already expanded) -> MountSpec; raises ValueError (BuildKit's words)."""
    from nerdpy.build.dockerfile.expand import split_csv

    fields: dict[str, str] = {}
    for part in split_csv(text):
        key, eq, value = part.partition("=")
        key = _ALIASES.get(key.lower(), key.lower())
        if not eq and key not in ("ro", "rw", "required"):
            raise ValueError(f"invalid field '{part}' must be a key=value pair")
        fields[key] = value if eq else "true"
    kind = fields.pop("type", "bind")
    if kind not in _ALLOWED:
        raise ValueError(f"unsupported mount type {kind!r}" + (" (ssh is not supported by nerdpy)" if kind == "ssh"
                                                                 else ""))
    unknown = set(fields) - _ALLOWED[kind]
    if unknown:
        raise ValueError(f"unexpected key '{sorted(unknown)[0]}' for mount type {kind}")
    target = fields.get("target", "")
    if kind == "secret":
        cid = fields.get("id") or posixpath.basename(target)
        if not target and not fields.get("env"):
            target = f"/run/secrets/{cid}"
    else:
        cid = fields.get("id", "")
    if not target and kind != "secret":
        raise ValueError("mount target is required")
    if target:
        target = posixpath.normpath(posixpath.join(workdir or "/", target))
        if target == "/":
            raise ValueError("invalid mount target \"/\"")
    if kind == "cache" and not cid:
        cid = target
    readonly = fields.get("ro", "false") == "true" or (kind == "bind" and fields.get("rw", "false") != "true")
    mode = int(fields["mode"], 8) if "mode" in fields else None
    uid, gid = int(fields.get("uid", "0")), int(fields.get("gid", "0"))
    return MountSpec(kind, target, fields.get("source", ""), fields.get("from", ""), cid, readonly,
                     fields.get("required", "false") == "true", fields.get("env", ""), mode, uid, gid,
                     fields.get("size", ""), fields)


def cache_mount(spec: MountSpec, directory: Path) -> dict[str, Any]:
    if not any(directory.iterdir()):  # a new cache: BuildKit's owner and mode, 0:0 and 0755 unless given
        os.chown(directory, spec.uid, spec.gid)
        directory.chmod(spec.mode if spec.mode is not None else 0o755)
    options = ["rbind", "ro" if spec.readonly else "rw"]
    return {"destination": spec.target, "type": "bind", "source": str(directory), "options": options}


def tmpfs_mount(spec: MountSpec) -> dict[str, Any]:
    options = ["nosuid", "nodev"] + ([f"size={spec.size}"] if spec.size else [])
    return {"destination": spec.target, "type": "tmpfs", "source": "tmpfs", "options": options}


def bind_mount(spec: MountSpec, source_path: str, scratch: Path) -> dict[str, Any]:
    """`source_path` is a host path already resolved inside its tree."""
    if not spec.readonly:
        copy = scratch / f"rw-{len(list(scratch.iterdir()))}"
        if os.path.isdir(source_path):
            shutil.copytree(source_path, copy, symlinks=True)
        else:
            shutil.copy2(source_path, copy)
        source_path = str(copy)
    return {"destination": spec.target, "type": "bind", "source": source_path,
            "options": ["rbind", "ro" if spec.readonly else "rw"]}


def secret_mount(spec: MountSpec, value: bytes, scratch: Path) -> dict[str, Any]:
    secrets_dir = scratch / "secrets"
    secrets_dir.mkdir(mode=0o700, exist_ok=True)
    path = secrets_dir / f"{len(list(secrets_dir.iterdir()))}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
    with os.fdopen(fd, "wb") as f:
        f.write(value)
    os.chown(path, spec.uid, spec.gid)
    path.chmod(spec.mode if spec.mode is not None else 0o400)
    return {"destination": spec.target, "type": "bind", "source": str(path), "options": ["rbind", "ro"]}
