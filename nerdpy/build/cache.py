"""The build cache: step key -> the layer (and history line) it produced.

A key is sha256 over the parent's chain ID, the instruction after expansion, the
build args it can see and the content digest of what it reads (never mtimes), so
identical steps hit in any project. An entry is one small JSON file under
`<data_root>/buildcache/` written atomically; a hit also needs its layer blob and
the committed snapshot it names, otherwise it is a miss (image gc may take them).
Cache mounts (`RUN --mount=type=cache`) live under `<data_root>/buildcache/mounts/`.

    <data_root>/buildcache/<key hex>.json  {"diff_id", "size", "chain", "created"}
    <data_root>/buildcache/mounts/<sha256 of id>/
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

from nerdpy.config import Settings
from nerdpy.records import record


@record
class Entry:
    diff_id: str
    size: int
    chain: str
    created: float = 0.0


def cache_dir(settings: Settings) -> Path:
    from nerdpy.paths import ensure_private_dir

    return ensure_private_dir(settings.layout.data_root / "buildcache")


def step_key(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return h.hexdigest()


def lookup(settings: Settings, key: str) -> Entry | None:
    try:
        raw = json.loads((cache_dir(settings) / f"{key}.json").read_text())
        return Entry(raw["diff_id"], int(raw["size"]), raw["chain"], float(raw.get("created", 0)))
    except (OSError, ValueError, KeyError):
        return None


def record_step(settings: Settings, key: str, entry: Entry) -> None:
    path = cache_dir(settings) / f"{key}.json"
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"diff_id": entry.diff_id, "size": entry.size, "chain": entry.chain,
                   "created": entry.created or time.time()}, f)
    os.replace(tmp, path)


def mount_dir(settings: Settings, cache_id: str) -> Path:
    path = cache_dir(settings) / "mounts" / hashlib.sha256(cache_id.encode()).hexdigest()[:32]
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def usage(settings: Settings) -> tuple[int, int]:
    """(entries, bytes of cache mounts) for `system df`."""
    root = settings.layout.data_root / "buildcache"
    if not root.exists():
        return 0, 0
    count = sum(1 for p in root.glob("*.json"))
    size = 0
    for dirpath, _dirs, files in os.walk(root / "mounts"):
        for name in files:
            try:
                size += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return count, size


def prune(settings: Settings, everything: bool, until: float | None = None) -> tuple[list[str], int]:
    """Drop cache records (older than `until` if given) and, with `everything`, cache mounts.

    Returns (keys of the records removed, bytes of cache mounts removed). Layers
    themselves are reclaimed by image gc once no image or record needs them.
    """
    root = settings.layout.data_root / "buildcache"
    if not root.exists():
        return [], 0
    removed = []
    for path in root.glob("*.json"):
        try:
            if until is not None and path.stat().st_mtime >= until:
                continue
            path.unlink()
            removed.append(path.stem)
        except OSError:
            pass
    freed = 0
    if everything and (root / "mounts").exists():
        freed = usage(settings)[1]
        shutil.rmtree(root / "mounts", ignore_errors=True)
    return removed, freed
