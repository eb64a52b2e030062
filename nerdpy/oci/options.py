"""Spec options: each returns a `SpecOption` that changes one aspect of the spec."""

from __future__ import annotations

import os

from nerdpy.errors import InvalidArgument
from nerdpy.oci.defaults import ALL_CAPS, DEFAULT_PATH, clamped_rlimits, held_caps
from nerdpy.oci.user import ExecUser

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping, Sequence

    from nerdpy.oci import Spec, SpecOption


def with_args(args: Sequence[str]) -> SpecOption:
    def apply(spec: Spec) -> None:
        if not args:
            raise InvalidArgument("no command specified", hint="give a command or use an image with CMD/ENTRYPOINT")
        spec["process"]["args"] = list(args)

    return apply


def merge_env(base: Sequence[str], overrides: Sequence[str]) -> list[str]:
    """Later entries win by key, replacing in place (Docker's ReplaceOrAppendEnvValues)."""
    out: dict[str, str] = {}
    for item in list(base) + list(overrides):
        out[item.partition("=")[0]] = item
    return list(out.values())


def with_env(image_env: Sequence[str], user_env: Sequence[str], hostname: str, home: str, tty: bool) -> SpecOption:
    """PATH (Docker's default unless the image sets one), HOSTNAME, image env,
    then -e/--env-file; HOME from the user's passwd entry and TERM=xterm with -t
    unless set."""

    def apply(spec: Spec) -> None:
        env = merge_env([f"PATH={DEFAULT_PATH}", f"HOSTNAME={hostname}"], image_env)
        if tty:
            env = merge_env(env, ["TERM=xterm"])
        env = merge_env(env, user_env)
        keys = {e.partition("=")[0] for e in env}
        if "HOME" not in keys:
            env.append(f"HOME={home}")
        spec["process"]["env"] = env

    return apply


def with_cwd(path: str) -> SpecOption:
    def apply(spec: Spec) -> None:
        if not path.startswith("/"):
            raise InvalidArgument(f"the working directory {path!r} is invalid: it needs to be an absolute path")
        import posixpath

        clean = posixpath.normpath(path)
        if clean.startswith("/proc/self/fd") or clean.startswith("//"):
            raise InvalidArgument(f"the working directory {path!r} is not allowed")
        spec["process"]["cwd"] = clean

    return apply


def with_user(user: ExecUser) -> SpecOption:
    def apply(spec: Spec) -> None:
        entry: dict[str, Any] = {"uid": user.uid, "gid": user.gid}
        if user.additional_gids:
            entry["additionalGids"] = list(user.additional_gids)
        spec["process"]["user"] = entry

    return apply


def with_hostname(name: str) -> SpecOption:
    def apply(spec: Spec) -> None:
        spec["hostname"] = name

    return apply


def with_terminal(tty: bool) -> SpecOption:
    def apply(spec: Spec) -> None:
        spec["process"]["terminal"] = tty

    return apply


def with_root(path: str, readonly: bool) -> SpecOption:
    def apply(spec: Spec) -> None:
        spec["root"] = {"path": path, "readonly": readonly}

    return apply


def normalize_cap(name: str) -> str:
    upper = name.strip().upper()
    if upper == "ALL":
        return upper
    cap = upper if upper.startswith("CAP_") else "CAP_" + upper
    if cap not in ALL_CAPS:
        raise InvalidArgument(f"unknown capability {name!r}")
    return cap


def with_capabilities(add: Sequence[str], drop: Sequence[str]) -> SpecOption:
    """Docker's rules: drop ALL then add; add ALL then drop."""

    def apply(spec: Spec) -> None:
        adds = [normalize_cap(c) for c in add]
        drops = [normalize_cap(c) for c in drop]
        caps = list(spec["process"]["capabilities"]["bounding"])
        if "ALL" in drops:
            caps = []
        if "ALL" in adds:
            caps = list(held_caps())
        caps += [c for c in adds if c != "ALL" and c not in caps]
        caps = [c for c in caps if c not in drops or c in adds]
        _set_caps(spec, caps)

    return apply


def _set_caps(spec: Spec, caps: list[str]) -> None:
    spec["process"]["capabilities"] = {"bounding": list(caps), "effective": list(caps), "permitted": list(caps)}
    if spec["linux"].get("seccomp") is not None:
        from nerdpy.oci.seccomp import default_profile

        spec["linux"]["seccomp"] = default_profile(caps)


def with_privileged() -> SpecOption:
    """All capabilities, no seccomp, no masked/read-only paths, writable /sys."""

    def apply(spec: Spec) -> None:
        spec["linux"]["seccomp"] = None
        _set_caps(spec, list(held_caps()))
        spec["linux"]["maskedPaths"] = []
        spec["linux"]["readonlyPaths"] = []
        for mount in spec["mounts"]:
            if mount["destination"] in ("/sys", "/sys/fs/cgroup"):
                mount["options"] = [o for o in mount["options"] if o != "ro"] + ["rw"]

    return apply


def with_security_opts(opts: Sequence[str]) -> SpecOption:
    def apply(spec: Spec) -> None:
        for opt in opts:
            key, sep, value = opt.replace("=", ":", 1).partition(":") if "=" in opt else opt.partition(":")
            if key == "no-new-privileges":
                # Imported here: off the run path unless asked for.
                from nerdpy.booleans import parse_bool

                spec["process"]["noNewPrivileges"] = not sep or parse_bool(value, "--security-opt no-new-privileges")
            elif key == "seccomp" and value == "unconfined":
                spec["linux"]["seccomp"] = None
            elif key == "seccomp" and value:
                spec["linux"]["seccomp"] = _load_profile(value)
            elif key in ("label", "apparmor") and sep:
                continue  # no SELinux/AppArmor on the hosts nerdpy targets; accepted as Docker does
            elif key == "systempaths" and value == "unconfined":
                spec["linux"]["maskedPaths"] = []
                spec["linux"]["readonlyPaths"] = []
            else:
                raise InvalidArgument(f"invalid --security-opt {opt!r}")

    return apply


def _load_profile(path: str) -> dict[str, Any]:
    import json

    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read(8 << 20))
    except (OSError, ValueError) as exc:
        raise InvalidArgument(f"cannot load seccomp profile {path!r}: {exc}") from None
    if not isinstance(data, dict) or "defaultAction" not in data:
        raise InvalidArgument(f"seccomp profile {path!r} has no defaultAction")
    return data


ULIMIT_NAMES = {
    "core": "RLIMIT_CORE", "cpu": "RLIMIT_CPU", "data": "RLIMIT_DATA", "fsize": "RLIMIT_FSIZE",
    "locks": "RLIMIT_LOCKS", "memlock": "RLIMIT_MEMLOCK", "msgqueue": "RLIMIT_MSGQUEUE",
    "nice": "RLIMIT_NICE", "nofile": "RLIMIT_NOFILE", "nproc": "RLIMIT_NPROC", "rss": "RLIMIT_RSS",
    "rtprio": "RLIMIT_RTPRIO", "rttime": "RLIMIT_RTTIME", "sigpending": "RLIMIT_SIGPENDING",
    "stack": "RLIMIT_STACK", "as": "RLIMIT_AS",
}


def parse_ulimit(text: str) -> tuple[str, int, int]:
    """`name=soft[:hard]` -> (RLIMIT_NAME, soft, hard)."""
    name, _, values = text.partition("=")
    rname = ULIMIT_NAMES.get(name.strip())
    if rname is None or not values:
        raise InvalidArgument(f"invalid ulimit {text!r}", hint="use name=soft[:hard], e.g. nofile=1024:2048")
    soft_s, _, hard_s = values.partition(":")
    try:
        soft = int(soft_s)
        hard = int(hard_s) if hard_s else soft
    except ValueError:
        raise InvalidArgument(f"invalid ulimit {text!r}: values must be integers") from None
    if soft == -1:
        soft = 2**64 - 1
    if hard == -1:
        hard = 2**64 - 1
    if soft > hard:
        raise InvalidArgument(f"invalid ulimit {text!r}: soft limit {soft} is above hard limit {hard}")
    return rname, soft, hard


def with_ulimits(ulimits: Sequence[str]) -> SpecOption:
    """--ulimit entries replace the defaults; each must fit what we hold."""

    def apply(spec: Spec) -> None:
        import resource

        current = {r["type"]: (r["soft"], r["hard"]) for r in spec["process"]["rlimits"]}
        for text in ulimits:
            name, soft, hard = parse_ulimit(text)
            _, held = resource.getrlimit(getattr(resource, name))
            if held != resource.RLIM_INFINITY and hard > held:
                raise InvalidArgument(
                    f"ulimit {text!r}: hard limit {hard} is above the {held} this user may set",
                    hint=f"use at most {held}",
                )
            current[name] = (soft, hard)
        spec["process"]["rlimits"] = clamped_rlimits(current)

    return apply


def with_network_namespace(path: str | None, rootless: bool) -> SpecOption:
    """Join `path`; None shares the host's network (rootless: /sys is then a
    read-only rbind, since sysfs cannot be mounted without owning the netns)."""

    def apply(spec: Spec) -> None:
        namespaces = [ns for ns in spec["linux"]["namespaces"] if ns["type"] != "network"]
        if path is not None:
            namespaces.append({"type": "network", "path": path} if path else {"type": "network"})
        elif rootless:
            for mount in spec["mounts"]:
                if mount["destination"] == "/sys":
                    mount.update(type="none", source="/sys", options=["rbind", "nosuid", "noexec", "nodev", "ro"])
        spec["linux"]["namespaces"] = namespaces

    return apply


def with_mounts(mounts: Sequence[Mapping[str, Any]]) -> SpecOption:
    """Add mounts; one at an existing destination replaces the default there."""

    def apply(spec: Spec) -> None:
        wanted = {m["destination"].rstrip("/") or "/" for m in mounts}
        kept = [m for m in spec["mounts"] if m["destination"] not in wanted]
        if "/dev" in wanted:  # a user /dev replaces the whole default /dev tree
            kept = [m for m in kept if not m["destination"].startswith("/dev/")]
        spec["mounts"] = kept + [dict(m) for m in mounts]

    return apply


def with_shm_size(size: int) -> SpecOption:
    def apply(spec: Spec) -> None:
        for mount in spec["mounts"]:
            if mount["destination"] == "/dev/shm":
                mount["options"] = [o for o in mount["options"] if not o.startswith("size=")] + [f"size={size // 1024}k"]

    return apply


def with_annotations(values: Mapping[str, str]) -> SpecOption:
    def apply(spec: Spec) -> None:
        spec.setdefault("annotations", {}).update(values)

    return apply


def with_cgroups(path: str | None, resources: Mapping[str, Any]) -> SpecOption:
    """Cgroup path and limits; `path=None` leaves placement to the runtime (rootless)."""

    def apply(spec: Spec) -> None:
        if path:
            spec["linux"]["cgroupsPath"] = path
        spec["linux"]["resources"].update(resources)

    return apply


def with_sysctls(values: Mapping[str, str]) -> SpecOption:
    def apply(spec: Spec) -> None:
        if values:
            spec["linux"]["sysctl"] = dict(values)

    return apply


def with_devices(devices: Sequence[Mapping[str, str]], rootless: bool) -> SpecOption:
    """--device: as root a device node runc creates, allowed in the devices cgroup
    with its permissions; rootless (no mknod in a user namespace) a bind mount of
    the host node (its access is the node's own: create refuses narrower ones)."""

    def apply(spec: Spec) -> None:
        for device in devices:
            for host, inner, st in _device_nodes(device["PathOnHost"], device["PathInContainer"]):
                _add_device(spec, host, inner, st, device["CgroupPermissions"], rootless)

    return apply


def _device_nodes(host: str, inner: str) -> list[tuple[str, str, os.stat_result]]:
    """A device node, or every node under a directory (Docker's devicesFromPath:
    nothing followed, non-devices skipped, each at the same place under `inner`)."""
    import stat

    try:
        st = os.stat(host)
    except OSError as exc:
        raise InvalidArgument(f"device {host}: {exc.strerror}") from None
    if not stat.S_ISDIR(st.st_mode):
        return [(host, inner, st)]
    found = []
    for top, dirs, files in os.walk(host):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(top, name)
            try:
                node = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISCHR(node.st_mode) or stat.S_ISBLK(node.st_mode):
                found.append((path, os.path.join(inner, os.path.relpath(path, host)), node))
    return found


def _add_device(spec: Spec, host: str, inner: str, st: os.stat_result, perms: str, rootless: bool) -> None:
    import stat

    if rootless:
        spec["mounts"].append({"destination": inner, "type": "bind", "source": host,
                               "options": ["bind", "nosuid", "noexec"]})
        return
    kind = "b" if stat.S_ISBLK(st.st_mode) else "c"
    major, minor = os.major(st.st_rdev), os.minor(st.st_rdev)
    spec["linux"].setdefault("devices", []).append(
        {"path": inner, "type": kind, "major": major, "minor": minor,
         "fileMode": stat.S_IMODE(st.st_mode), "uid": 0, "gid": 0})
    spec["linux"]["resources"].setdefault("devices", []).append(
        {"allow": True, "type": kind, "major": major, "minor": minor, "access": perms})


def with_oom_score_adj(value: int) -> SpecOption:
    def apply(spec: Spec) -> None:
        spec["process"]["oomScoreAdj"] = value

    return apply
