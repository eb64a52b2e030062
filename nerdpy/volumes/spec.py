"""Parsing `-v`, `--mount`, `--tmpfs` and `--volumes-from` with Docker's rules.

Pure functions: they read nothing on disk (whether a bind source exists is
checked when mounts are resolved) and raise InvalidArgument with Docker's
wording, so a bad flag fails before anything is created.
"""

from __future__ import annotations

import posixpath
import re

from nerdpy.errors import InvalidArgument, NotImplementedYet
from nerdpy.records import record

KIND_BIND = "bind"
KIND_VOLUME = "volume"
KIND_TMPFS = "tmpfs"

VOLUME_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")  # fullmatch: no trailing newline
# The name is a directory (volumes/<name>): NAME_MAX. Docker's local driver fails
# the mkdir there ("file name too long"); nerdpy says so before touching anything.
VOLUME_NAME_MAX = 255
PROPAGATIONS = ("shared", "rshared", "slave", "rslave", "private", "rprivate")
_RW_MODES = ("rw", "ro")
_LABEL_MODES = ("z", "Z")
_CONSISTENCY = ("consistent", "cached", "delegated")
# tmpfs flags with their opposite, so a user's `exec` replaces the default `noexec`.
TMPFS_FLAG_PAIRS = {
    "rw": "ro", "ro": "rw", "exec": "noexec", "noexec": "exec", "suid": "nosuid", "nosuid": "suid",
    "dev": "nodev", "nodev": "dev", "atime": "noatime", "noatime": "atime", "diratime": "nodiratime",
    "nodiratime": "diratime", "sync": "async", "async": "sync", "dirsync": "", "relatime": "norelatime",
    "norelatime": "relatime", "strictatime": "nostrictatime", "nostrictatime": "strictatime",
    "mand": "nomand", "nomand": "mand",
}
TMPFS_DATA_KEYS = ("size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "huge", "mpol")
TMPFS_DEFAULTS = ("noexec", "nosuid", "nodev")


@record
class MountRequest:
    """One parsed mount flag, before volumes are created or paths checked."""

    kind: str  # bind | volume | tmpfs
    source: str  # host path, volume name, "" for an anonymous volume or tmpfs
    target: str
    read_only: bool = False
    propagation: str | None = None
    recursive: bool = True
    create_host_path: bool = False  # `-v` creates a missing host dir, `--mount` refuses
    chown: bool = False  # podman's `U`
    copy_up: bool = True  # `nocopy` turns Docker's copy-up off
    volume_options: tuple[tuple[str, str], ...] = ()
    volume_labels: tuple[tuple[str, str], ...] = ()
    tmpfs_options: tuple[str, ...] = ()
    raw: str = ""
    mode: str = ""  # inspect's Mounts[].Mode: `-v`'s MODES as written ("z" for a named volume without)


def clean_target(target: str, kind: str = KIND_VOLUME) -> str:
    if not target.startswith("/"):
        raise InvalidArgument(f"invalid mount config for type \"{kind}\": invalid mount path: '{target}' mount path must be absolute")
    clean = posixpath.normpath(target)
    if clean.startswith("//"):
        clean = "/" + clean.lstrip("/")
    if clean == "/":
        raise InvalidArgument("invalid specification: destination can't be '/'")
    return clean


def check_volume_name(name: str) -> str:
    if len(name) > VOLUME_NAME_MAX:
        raise InvalidArgument(f"create {name[:32]}...: volume name is {len(name)} characters long",
                              hint=f"a local volume name has at most {VOLUME_NAME_MAX}")
    if not VOLUME_NAME.fullmatch(name):
        shown = name if name.isprintable() else repr(name)[1:-1]  # one line, whatever was typed
        raise InvalidArgument(
            f"create {shown}: \"{shown}\" includes invalid characters for a local volume name, only "
            "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path"
        )
    return name


def _looks_relative_path(source: str) -> bool:
    return "/" in source or source.startswith((".", "~"))


def _parse_modes(mode: str, raw: str) -> dict[str, str]:
    """Docker's ValidMountMode: at most one of each kind, plus podman's `U`."""
    found: dict[str, str] = {}
    for item in mode.split(","):
        if item in _RW_MODES:
            kind = "rw"
        elif item in _LABEL_MODES:
            kind = "label"
        elif item in PROPAGATIONS:
            kind = "propagation"
        elif item == "nocopy":
            kind = "copy"
        elif item in _CONSISTENCY:
            kind = "consistency"
        elif item == "U":
            kind = "chown"
        else:
            raise InvalidArgument(f"invalid mode: {mode}", hint="use ro, rw, z, Z, U, nocopy or a propagation such as rshared")
        if kind in found:
            raise InvalidArgument(f"invalid mode: {mode}")
        found[kind] = item
    return found


def parse_volume_flag(raw: str) -> MountRequest:
    """`-v [SOURCE:]TARGET[:MODES]`: an anonymous or named volume, or a bind."""
    if not raw:
        raise InvalidArgument("invalid empty volume spec")
    parts = raw.split(":")
    if len(parts) > 3:
        raise InvalidArgument(f"invalid volume specification: '{raw}'")
    if any(p == "" for p in parts):
        raise InvalidArgument(f"invalid spec: {raw}: empty section between colons")
    mode = ""
    if len(parts) == 1:
        source, target = "", parts[0]
    elif len(parts) == 2:
        if _is_mode(parts[1]):
            raise InvalidArgument(f"invalid volume specification: '{raw}'", hint="an anonymous volume takes no mode")
        source, target = parts
    else:
        source, target, mode = parts
    modes = _parse_modes(mode, raw) if mode else {}
    if source.startswith("/"):
        kind = KIND_BIND
        source = posixpath.normpath(source)
    elif source:
        if _looks_relative_path(source):
            raise InvalidArgument(
                f"invalid volume specification: '{raw}': host path {source!r} is relative",
                hint="use an absolute host path, e.g. \"$PWD/" + source.lstrip("./") + "\"",
            )
        kind = KIND_VOLUME
        check_volume_name(source)
    else:
        kind = KIND_VOLUME
    if kind == KIND_VOLUME and "propagation" in modes:
        raise InvalidArgument(f"invalid mode: {mode}", hint="propagation applies to bind mounts only")
    return MountRequest(
        kind=kind,
        source=source,
        target=clean_target(target, kind),
        read_only=modes.get("rw") == "ro",
        propagation=modes.get("propagation"),
        create_host_path=kind == KIND_BIND,
        chown="chown" in modes,
        copy_up="copy" not in modes,
        raw=raw,
        mode=mode or ("z" if kind == KIND_VOLUME and source else ""),  # moby's setBindModeIfNull
    )


def _is_mode(text: str) -> bool:
    try:
        _parse_modes(text, text)
    except InvalidArgument:
        return False
    return True


_SIZE = re.compile(r"^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$")


def parse_size(text: str) -> int:
    """Docker's RAMInBytes: "64m", "1g", "512k", "100" (binary multiples)."""
    match = _SIZE.fullmatch(text.strip())
    if not match:
        raise InvalidArgument(f"invalid size: '{text}'")
    power = " kmgtp".index((match.group(2) or " ").lower())
    return int(float(match.group(1)) * 1024**power)


def parse_mount_flag(raw: str) -> MountRequest:
    """`--mount type=...,source=...,target=...,...` (csv, as Docker's CLI)."""
    import csv

    try:
        fields = next(csv.reader([raw]), [])
    except csv.Error as exc:
        raise InvalidArgument(f"invalid argument \"{raw}\" for \"--mount\" flag: {exc}") from None
    values: dict[str, object] = {"type": KIND_VOLUME}
    vol_opts: list[tuple[str, str]] = []
    vol_labels: list[tuple[str, str]] = []
    tmpfs: list[str] = []
    seen: set[str] = set()
    for field in fields:
        key, has_value, value = field.partition("=")
        key = key.strip().lower()
        seen.add(key)
        if not has_value and key not in ("readonly", "ro", "bind-nonrecursive", "volume-nocopy", "u", "chown"):
            raise InvalidArgument(f"invalid argument \"{raw}\" for \"--mount\" flag: invalid field '{field}' must be a key=value pair")
        _mount_field(raw, key, value if has_value else "true", values, vol_opts, vol_labels, tmpfs)
    return _mount_request(raw, values, seen, vol_opts, vol_labels, tmpfs)


def _mount_field(raw: str, key: str, value: str, values: dict, vol_opts: list, vol_labels: list, tmpfs: list) -> None:
    # Docker's ParseBool for readonly=, volume-nocopy=... (imported here: off the run path)
    from nerdpy.booleans import parse_bool

    def bad(message: str) -> InvalidArgument:
        return InvalidArgument(f"invalid argument \"{raw}\" for \"--mount\" flag: {message}")

    if key == "type":
        if value not in (KIND_BIND, KIND_VOLUME, KIND_TMPFS):
            raise bad(f"invalid mount type '{value}': use bind, volume or tmpfs")
        values["type"] = value
    elif key in ("source", "src"):
        values["source"] = value
    elif key in ("target", "destination", "dst"):
        values["target"] = value
    elif key in ("readonly", "ro"):
        values["read_only"] = parse_bool(value, f"--mount {key}")
    elif key in ("u", "chown"):
        values["chown"] = parse_bool(value, f"--mount {key}")
    elif key == "consistency":
        if value not in (*_CONSISTENCY, "default"):
            raise bad(f"invalid consistency: '{value}'")
    elif key == "bind-propagation":
        if value not in PROPAGATIONS:
            raise bad(f"invalid propagation mode: '{value}'")
        values["propagation"] = value
    elif key == "bind-nonrecursive":
        values["recursive"] = not parse_bool(value, f"--mount {key}")
    elif key == "volume-driver":
        if value != "local":
            raise NotImplementedYet(f"volume driver {value!r} is not supported", hint="only the local driver exists")
    elif key in ("volume-opt", "volume-label"):
        name, eq, val = value.partition("=")
        if not eq or not name:
            raise bad(f"invalid {key} '{value}': must be key=value")
        (vol_opts if key == "volume-opt" else vol_labels).append((name, val))
    elif key == "volume-nocopy":
        values["copy_up"] = not parse_bool(value, f"--mount {key}")
    elif key == "tmpfs-size":
        tmpfs.append(f"size={parse_size(value)}")
    elif key == "tmpfs-mode":
        try:
            tmpfs.append(f"mode={int(value, 8):o}")
        except ValueError:
            raise bad(f"invalid tmpfs-mode '{value}': must be octal") from None
    elif key == "volume-subpath":
        raise NotImplementedYet("--mount volume-subpath is not supported yet")
    else:
        raise bad(f"unexpected key '{key}' in '{raw}'")


def _mount_request(raw: str, values: dict, seen: set[str], vol_opts: list, vol_labels: list, tmpfs: list) -> MountRequest:
    kind = str(values["type"])
    for prefix in ("volume-", "bind-", "tmpfs-"):
        if prefix[:-1] != kind and any(k.startswith(prefix) for k in seen):
            raise InvalidArgument(f"invalid argument \"{raw}\" for \"--mount\" flag: cannot mix '{prefix}*' options with mount type '{kind}'")
    target = str(values.get("target") or "")
    if not target:
        raise InvalidArgument(f"invalid argument \"{raw}\" for \"--mount\" flag: target is required")
    source = str(values.get("source") or "")
    if kind == KIND_TMPFS and source:
        raise InvalidArgument("invalid mount config for type \"tmpfs\": field Source must not be specified")
    if kind == KIND_BIND:
        if not source:
            raise InvalidArgument("invalid mount config for type \"bind\": field Source must not be empty")
        if not source.startswith("/"):
            raise InvalidArgument(
                f"invalid mount config for type \"bind\": invalid mount path: '{source}' mount path must be absolute"
            )
        source = posixpath.normpath(source)
    if kind == KIND_VOLUME and source:
        check_volume_name(source)
    return MountRequest(
        kind=kind,
        source=source,
        target=clean_target(target, kind),
        read_only=bool(values.get("read_only", False)),
        propagation=values.get("propagation"),
        recursive=bool(values.get("recursive", True)),
        create_host_path=False,
        chown=bool(values.get("chown", False)),
        copy_up=bool(values.get("copy_up", True)),
        volume_options=tuple(vol_opts),
        volume_labels=tuple(vol_labels),
        tmpfs_options=tuple(tmpfs),
        raw=raw,
    )


def check_tmpfs_options(options: list[str] | tuple[str, ...], raw: str) -> tuple[str, ...]:
    for option in options:
        key, eq, _ = option.partition("=")
        if (eq and key not in TMPFS_DATA_KEYS) or (not eq and option not in TMPFS_FLAG_PAIRS and option != "tmpcopyup"):
            raise InvalidArgument(f"invalid tmpfs option '{option}' in '{raw}'", hint="e.g. --tmpfs /run:rw,size=64m,mode=1777")
        if key == "size" and eq:
            value = option.partition("=")[2]
            if not re.match(r"^\d+[kKmMgG%]?$", value):
                raise InvalidArgument(f"invalid tmpfs size '{value}' in '{raw}'")
    return tuple(o for o in options if o != "tmpcopyup")


def parse_tmpfs_flag(raw: str) -> MountRequest:
    """`--tmpfs /path[:opt,opt...]`."""
    target, _, opts = raw.partition(":")
    if not target:
        raise InvalidArgument(f"invalid tmpfs specification: '{raw}'")
    options = check_tmpfs_options([o for o in opts.split(",") if o], raw) if opts else ()
    return MountRequest(kind=KIND_TMPFS, source="", target=clean_target(target, KIND_TMPFS), tmpfs_options=options, raw=raw)


def tmpfs_mount_options(user: tuple[str, ...]) -> tuple[str, ...]:
    """Docker's defaults (noexec,nosuid,nodev) merged with the user's: a user
    flag replaces its opposite; data options (size=...) keep the last value."""
    flags: list[str] = list(TMPFS_DEFAULTS)
    data: dict[str, str] = {}
    for option in user:
        key, eq, value = option.partition("=")
        if eq:
            data[key] = value
            continue
        opposite = TMPFS_FLAG_PAIRS.get(option, "")
        flags = [f for f in flags if f not in (option, opposite)]
        flags.append(option)
    return tuple(flags) + tuple(f"{k}={v}" for k, v in data.items())


def parse_volumes_from(raw: str) -> tuple[str, bool | None]:
    """`CONTAINER[:ro|rw]` -> (container reference, read-only override or None)."""
    ref, _, mode = raw.partition(":")
    if not ref:
        raise InvalidArgument(f"invalid --volumes-from value: '{raw}'")
    if not mode:
        return ref, None
    modes = _parse_modes(mode, raw)
    if set(modes) - {"rw", "label"}:
        raise InvalidArgument(f"invalid mode: {mode}", hint="--volumes-from takes ro or rw")
    return ref, (modes["rw"] == "ro") if "rw" in modes else None


def image_volume_targets(volumes: object) -> list[str]:
    """The image config's `Volumes` keys, cleaned and confined to absolute
    container paths (image config is data, not control: CVE-2022-23648)."""
    if not volumes:
        return []
    keys: list[object] = list(volumes) if isinstance(volumes, (dict, list, tuple)) else []
    out = []
    for key in keys:
        if not isinstance(key, str) or not key or "\x00" in key:
            continue
        clean = posixpath.normpath("/" + key.lstrip("/"))
        if clean != "/" and clean not in out:
            out.append(clean)
    return out
