"""Container Device Interface (CDI): devices a vendor describes in spec files
under /etc/cdi and /var/run/cdi (`nvidia-ctk cdi generate`), applied to the
runtime spec as their containerEdits say: device nodes, mounts, env, hooks.
`--gpus` selects devices of kind nvidia.com/gpu, as Docker does with CDI on."""

from __future__ import annotations

import os

from nerdpy.errors import InvalidArgument, Unavailable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Sequence

    from nerdpy.oci import Spec, SpecOption

CDI_DIRS = ("/etc/cdi", "/var/run/cdi")  # the later directory wins a name both define
GPU_KIND = "nvidia.com/gpu"
MAX_SPEC = 4 << 20


def _load(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            text = handle.read(MAX_SPEC)
        if path.endswith(".json"):
            import json

            data = json.loads(text)
        else:
            from ruamel.yaml import YAML

            data = YAML(typ="safe").load(text)
    except Exception as exc:  # noqa: BLE001 - any unreadable spec is named, in one line
        raise InvalidArgument(f"CDI spec {path}: cannot be read: {exc}".splitlines()[0]) from None
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        raise InvalidArgument(f"CDI spec {path}: no kind")
    return data


def spec_files(dirs: Sequence[str] | None = None) -> list[str]:
    out = []
    for directory in CDI_DIRS if dirs is None else dirs:
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        out += [os.path.join(directory, n) for n in names if n.endswith((".json", ".yaml", ".yml"))]
    return out


def kind_devices(kind: str, dirs: Sequence[str] | None = None) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(the spec-wide edits of `kind`, its devices by name) from every spec file."""
    common: dict[str, Any] = {}
    devices: dict[str, dict[str, Any]] = {}
    for path in spec_files(dirs):
        data = _load(path)
        if data["kind"] != kind:
            continue
        _merge(common, data.get("containerEdits") or {})
        for device in data.get("devices") or ():
            if isinstance(device, dict) and device.get("name"):
                devices[str(device["name"])] = dict(device.get("containerEdits") or {})
    return common, devices


def _merge(into: dict[str, Any], edits: dict[str, Any]) -> None:
    for key, value in edits.items():
        into[key] = list(into.get(key) or ()) + list(value or ())


def parse_gpus(value: str) -> tuple[int, list[str]]:
    """Docker's --gpus: "all" (count -1), a count, or device=ID[,ID]; capabilities
    and driver options are accepted and only gpus are served."""
    count = 0
    ids: list[str] = []
    for part in value.strip().strip('"').split(","):
        key, sep, val = part.partition("=")
        if not sep and ids:
            ids.append(key)  # device=0,1: the ids after the first
        elif not sep and key == "all":
            count = -1
        elif not sep and key.isdigit():
            count = int(key)
        elif key == "count":
            count = -1 if val == "all" else int(val) if val.isdigit() else -2
        elif key == "device":
            ids.append(val)
        elif key not in ("driver", "capabilities", "options"):
            count = -2
        if count == -2:
            raise InvalidArgument(f"invalid --gpus {value!r}", hint="use all, a count, or device=ID[,ID]")
    return count, ids


def select_gpus(value: str, dirs: Sequence[str] | None = None) -> list[str]:
    """The CDI device names --gpus asks for; a one-line refusal when there are none."""
    count, ids = parse_gpus(value)
    _, devices = kind_devices(GPU_KIND, dirs)
    if not devices:
        raise Unavailable(f"--gpus: no CDI devices of kind {GPU_KIND} in {' or '.join(CDI_DIRS if dirs is None else dirs)}",
                          hint="generate them: nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml")
    named = [n for n in devices if n != "all"]
    if ids:
        missing = [i for i in ids if i not in devices]
        if missing:
            raise Unavailable(f"--gpus: unknown CDI device {GPU_KIND}={missing[0]}",
                              hint=f"known: {', '.join(sorted(devices))}")
        return ids
    if count == -1:
        return ["all"] if "all" in devices else named
    if count > len(named):
        raise Unavailable(f"--gpus: {count} GPUs asked for, {len(named)} described by CDI")
    return named[:count]


def with_cdi_devices(kind: str, names: Sequence[str], rootless: bool,
                     dirs: Sequence[str] | None = None) -> SpecOption:
    def apply(spec: Spec) -> None:
        common, devices = kind_devices(kind, dirs)
        edits: dict[str, Any] = {}
        _merge(edits, common)
        for name in names:
            if name not in devices:
                raise Unavailable(f"CDI device {kind}={name} is no longer described in {' or '.join(CDI_DIRS if dirs is None else dirs)}")
            _merge(edits, devices[name])
        _apply_edits(spec, edits, rootless)

    return apply


def _apply_edits(spec: Spec, edits: dict[str, Any], rootless: bool) -> None:
    from nerdpy.oci.options import merge_env, with_devices

    spec["process"]["env"] = merge_env(spec["process"]["env"], [str(e) for e in edits.get("env") or ()])
    nodes = [{"PathOnHost": n.get("hostPath") or n["path"], "PathInContainer": n["path"],
              "CgroupPermissions": n.get("permissions") or "rwm"} for n in edits.get("deviceNodes") or ()]
    with_devices(nodes, rootless)(spec)
    for mount in edits.get("mounts") or ():
        spec["mounts"].append({"destination": mount["containerPath"], "type": mount.get("type") or "bind",
                               "source": mount["hostPath"], "options": list(mount.get("options") or ["rbind"])})
    for hook in edits.get("hooks") or ():
        entry = {k: hook[k] for k in ("path", "args", "env", "timeout") if hook.get(k) is not None}
        spec.setdefault("hooks", {}).setdefault(hook["hookName"], []).append(entry)
    gids = [int(g) for g in edits.get("additionalGids") or ()]
    if gids:
        user = spec["process"]["user"]
        user["additionalGids"] = list(user.get("additionalGids") or ()) + gids
