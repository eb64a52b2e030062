"""Docker-compatible documents for `image inspect` and `image history`."""

from __future__ import annotations

from nerdpy.images.image import Image, parse_time
from nerdpy.reference import familiar

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Docker's container-config fields, in its order; inspect always shows all of them.
_CONFIG_DEFAULTS: dict[str, Any] = {
    "Hostname": "", "Domainname": "", "User": "", "AttachStdin": False, "AttachStdout": False,
    "AttachStderr": False, "Tty": False, "OpenStdin": False, "StdinOnce": False, "Env": None,
    "Cmd": None, "Image": "", "Volumes": None, "WorkingDir": "", "Entrypoint": None,
    "OnBuild": None, "Labels": None,
}
_OPTIONAL = ("ExposedPorts", "StopSignal", "Healthcheck", "ArgsEscaped", "Shell")
ZERO_TIME = "0001-01-01T00:00:00Z"


def container_config(image: Image) -> dict[str, Any]:
    src = image.config.get("config") or {}
    out = {key: src.get(key, default) for key, default in _CONFIG_DEFAULTS.items()}
    for key in _OPTIONAL:
        if key in src:
            out[key] = src[key]
    return out


def inspect_document(image: Image) -> dict[str, Any]:
    config = image.config
    doc: dict[str, Any] = {
        "Id": image.id,
        "RepoTags": [familiar(n) for n in image.names if "@" not in n],
        "RepoDigests": [familiar(d) for d in image.repo_digests()],
        "Parent": "",
        "Comment": config.get("comment", ""),
        "Created": config.get("created", ZERO_TIME),
        "DockerVersion": config.get("docker_version", ""),
        "Author": config.get("author", ""),
        "Config": container_config(image),
        "Architecture": config.get("architecture", image.platform.architecture),
    }
    if config.get("variant"):
        doc["Variant"] = config["variant"]
    doc.update({
        "Os": config.get("os", image.platform.os),
        "Size": image.size,
        "VirtualSize": image.size,  # Docker's API < 1.44 still shows it; the same sum
        "GraphDriver": {"Data": None, "Name": "nerdpy"},
        "RootFS": {"Type": "layers", "Layers": image.diff_ids},
        "Metadata": {"LastTagTime": ZERO_TIME},
        "Descriptor": image.target.to_json(),
    })
    return doc


def history_entries(image: Image, layer_sizes: list[int] | None = None) -> list[dict[str, Any]]:
    """Newest first, as `docker history`; `layer_sizes` (uncompressed, bottom first) default
    to the manifest's blob sizes."""
    history = image.config.get("history") or []
    sizes = layer_sizes if layer_sizes is not None else [layer.size for layer in image.layers]
    entries = []
    layer_index = 0
    for item in history:
        empty = bool(item.get("empty_layer"))
        size = 0
        if not empty and layer_index < len(sizes):
            size = sizes[layer_index]
            layer_index += 1
        entries.append({
            "ID": "<missing>",
            "Created": parse_time(item.get("created")),
            "CreatedAt": item.get("created", ""),
            "CreatedBy": item.get("created_by", ""),
            "Size": size,
            "Comment": item.get("comment", ""),
        })
    if not entries:  # an image without history: one line per layer
        entries = [{"ID": "<missing>", "Created": 0.0, "CreatedAt": "", "CreatedBy": "", "Size": size,
                    "Comment": ""} for size in sizes]
    entries.reverse()
    if entries:
        entries[0]["ID"] = image.id
    return entries
