"""The cgroup resource flags beyond memory, CPUs and pids: --cpu-period/--cpu-quota,
--cpuset-mems, --memory-swappiness, --oom-kill-disable, the blkio weights and
throttles and --cgroup-parent. `host_fields` checks them at create and gives
Docker's HostConfig keys; `spec_resources` turns those into OCI linux.resources,
dropping with Docker's warning what the host's cgroups cannot do."""

from __future__ import annotations

import os
import re
import stat

from nerdpy.containers import CreateOptions
from nerdpy.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CGROUP_ROOT = "/sys/fs/cgroup"
_LIST = re.compile(r"\d+(-\d+)?(,\d+(-\d+)?)*")
# HostConfig key, flag, OCI blockIO key, the cgroup v1 file that must exist, Docker's warning without it.
_THROTTLES = (
    ("BlkioDeviceReadBps", "--device-read-bps", "throttleReadBpsDevice", "blkio.throttle.read_bps_device",
     "Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. "
     "Block I/O BPS read limit discarded."),
    ("BlkioDeviceWriteBps", "--device-write-bps", "throttleWriteBpsDevice", "blkio.throttle.write_bps_device",
     "Your kernel does not support BPS Block I/O write limit or the cgroup is not mounted. "
     "Block I/O BPS write limit discarded."),
    ("BlkioDeviceReadIOps", "--device-read-iops", "throttleReadIOPSDevice", "blkio.throttle.read_iops_device",
     "Your kernel does not support IOPS Block read limit or the cgroup is not mounted. "
     "Block I/O IOPS read limit discarded."),
    ("BlkioDeviceWriteIOps", "--device-write-iops", "throttleWriteIOPSDevice", "blkio.throttle.write_iops_device",
     "Your kernel does not support IOPS Block write limit or the cgroup is not mounted. "
     "Block I/O IOPS write limit discarded."),
)
LIMIT_FLAGS = (("CpuPeriod", "--cpu-period"), ("CpuQuota", "--cpu-quota"), ("CpusetMems", "--cpuset-mems"),
               ("MemorySwappiness", "--memory-swappiness"), ("OomKillDisable", "--oom-kill-disable"),
               ("BlkioWeight", "--blkio-weight"), ("BlkioWeightDevice", "--blkio-weight-device"),
               *((key, flag) for key, flag, *_ in _THROTTLES))


def asked(host: dict[str, Any]) -> list[str]:
    """The flags of these keys a container's HostConfig asks for (swappiness 0 is asked)."""
    return [flag for key, flag in LIMIT_FLAGS
            if host.get(key) or key == "MemorySwappiness" and host.get(key) is not None]


def check_cpu_list(value: str, what: str, online: str) -> str:
    """--cpuset-cpus/--cpuset-mems: a list like 0-3,5 naming only what the host has
    (`online`: the host's list, as /sys/devices/system/*/online; "" skips that check)."""
    if not _LIST.fullmatch(value):
        raise InvalidArgument(f"Invalid value {value} for cpuset {what}", hint="use a list like 0-3,5")
    have = _expand(online) if online else None
    if have is not None and not _expand(value) <= have:
        noun = "CPUs" if what == "cpus" else "memory nodes"
        raise InvalidArgument(f"Requested {noun} are not available - requested {value}, available: {online}")
    return value


def _expand(text: str) -> set[int]:
    out: set[int] = set()
    for part in text.strip().split(","):
        first, _, last = part.partition("-")
        out.update(range(int(first), int(last or first) + 1))
    return out


def online(kind: str) -> str:
    """The host's online CPUs ("cpu") or memory nodes ("node"), "" if unknown."""
    try:
        with open(f"/sys/devices/system/{kind}/online") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def check_blkio_weight(weight: int) -> int:
    """--blkio-weight: 10-1000, or 0 for unset (Docker's daemon check)."""
    if weight and not 10 <= weight <= 1000:
        raise InvalidArgument("Range of blkio weight is from 10 to 1000")
    return weight


def check_cfs(period: int, quota: int, nano_cpus: int) -> None:
    """Docker's checks of --cpu-period/--cpu-quota (daemon verifyPlatformContainerResources)."""
    if nano_cpus > 0 and period > 0:
        raise InvalidArgument("Conflicting options: Nano CPUs and CPU Period cannot both be set")
    if nano_cpus > 0 and quota > 0:
        raise InvalidArgument("Conflicting options: Nano CPUs and CPU Quota cannot both be set")
    if period and not 1000 <= period <= 1000000:
        raise InvalidArgument("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)")
    if 0 < quota < 1000:
        raise InvalidArgument("CPU cfs quota can not be less than 1ms (i.e. 1000)")


def block_device(path: str) -> tuple[int, int]:
    """(major, minor) of a block device node, as Docker stats it for blockIO."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise InvalidArgument(f"stat {path}: {os.strerror(exc.errno or 0).lower()}") from None
    if not stat.S_ISBLK(st.st_mode):
        raise InvalidArgument(f"{path} is not a block device", hint="give a block device such as /dev/sda")
    return os.major(st.st_rdev), os.minor(st.st_rdev)


def _device_value(text: str, flag: str, kind: str) -> tuple[str, int]:
    """DEV:VALUE as Docker's CLI parses it (docker/cli opts/weightdevice.go, throttledevice.go)."""
    path, sep, value = text.partition(":")
    bad = f'invalid argument "{text}" for "{flag}" flag: '
    if not sep or not path:
        raise InvalidArgument(bad + f"bad format: {text}")
    if not path.startswith("/dev/"):
        raise InvalidArgument(bad + f"bad format for device path: {text}")
    if kind == "weight":
        if not value.isdigit() or int(value) and not 10 <= int(value) <= 1000:
            raise InvalidArgument(bad + f"invalid weight for device: {text}")
        number = int(value)
    elif kind == "bps":
        from nerdpy.containers.parse import parse_size

        try:
            number = parse_size(value, flag)
        except InvalidArgument:
            raise InvalidArgument(bad + f"invalid rate for device: {text}. The correct format is "
                                  "<device-path>:<number>[<unit>]. Number must be a positive integer. "
                                  "Unit is optional and can be kb, mb, or gb") from None
    elif value.isdigit():
        number = int(value)
    else:
        raise InvalidArgument(bad + f"invalid rate for device: {text}. The correct format is "
                              "<device-path>:<number>. Number must be a positive integer")
    block_device(path)  # refused now rather than at every start
    return path, number


def host_fields(opts: CreateOptions) -> dict[str, Any]:
    """These flags' HostConfig keys, every key present as Docker's inspect shows them."""
    if opts.memory_swappiness != -1 and not 0 <= opts.memory_swappiness <= 100:
        raise InvalidArgument(f"invalid value: {opts.memory_swappiness}. Valid memory swappiness range is 0-100")
    check_blkio_weight(opts.blkio_weight)
    out: dict[str, Any] = {
        "CgroupParent": opts.cgroup_parent, "BlkioWeight": opts.blkio_weight,
        "BlkioWeightDevice": [{"Path": p, "Weight": w} for p, w in
                              (_device_value(t, "--blkio-weight-device", "weight") for t in opts.blkio_weight_device)],
        "CpuPeriod": opts.cpu_period, "CpuQuota": opts.cpu_quota,
        "CpusetMems": check_cpu_list(opts.cpuset_mems, "mems", online("node")) if opts.cpuset_mems else "",
        "MemorySwappiness": None if opts.memory_swappiness == -1 else opts.memory_swappiness,
        "OomKillDisable": opts.oom_kill_disable,
    }
    asked = {"BlkioDeviceReadBps": opts.device_read_bps, "BlkioDeviceWriteBps": opts.device_write_bps,
             "BlkioDeviceReadIOps": opts.device_read_iops, "BlkioDeviceWriteIOps": opts.device_write_iops}
    for key, flag, *_ in _THROTTLES:
        kind = "bps" if key.endswith("Bps") else "iops"
        out[key] = [{"Path": p, "Rate": r} for p, r in (_device_value(t, flag, kind) for t in asked[key])]
    return out


def spec_resources(host: dict[str, Any], root: str = CGROUP_ROOT) -> tuple[dict[str, Any], list[str]]:
    """linux.resources parts of these keys (to merge into the others) and Docker's
    warning for each one the host's cgroups (mounted at `root`) cannot apply."""
    v2 = os.path.exists(os.path.join(root, "cgroup.controllers"))
    out: dict[str, Any] = {}
    warnings: list[str] = []
    cpu = {k: v for k, v in (("period", host.get("CpuPeriod")), ("quota", host.get("CpuQuota")),
                             ("mems", host.get("CpusetMems"))) if v}
    if cpu:
        out["cpu"] = cpu
    memory: dict[str, Any] = {}
    if host.get("MemorySwappiness") is not None:
        if v2:
            warnings.append("Your kernel does not support memory swappiness capabilities or the cgroup is not "
                            "mounted. Memory swappiness discarded.")
        else:
            memory["swappiness"] = int(host["MemorySwappiness"])
    if host.get("OomKillDisable"):
        if v2:
            warnings.append("Your kernel does not support OomKillDisable. OomKillDisable discarded.")
        else:
            memory["disableOOMKiller"] = True
        if not host.get("Memory"):
            warnings.append("OOM killer is disabled for the container, but no memory limit is set, "
                            "this can result in the system running out of resources.")
    if memory:
        out["memory"] = memory
    block = _block_io(host, v2, os.path.join(root, "blkio"), warnings)
    if block:
        out["blockIO"] = block
    return out, warnings


def _block_io(host: dict[str, Any], v2: bool, blkio: str, warnings: list[str]) -> dict[str, Any]:
    def supported(*files: str) -> bool:
        return v2 or any(os.path.exists(os.path.join(blkio, f)) for f in files)

    out: dict[str, Any] = {}
    if host.get("BlkioWeight"):
        if supported("blkio.weight", "blkio.bfq.weight"):
            out["weight"] = int(host["BlkioWeight"])
        else:
            warnings.append("Your kernel does not support Block I/O weight or the cgroup is not mounted. "
                            "Weight discarded.")
    if host.get("BlkioWeightDevice"):
        if supported("blkio.weight_device", "blkio.bfq.weight_device"):
            out["weightDevice"] = [_device(d, "weight", d["Weight"]) for d in host["BlkioWeightDevice"]]
        else:
            warnings.append("Your kernel does not support Block I/O weight_device or the cgroup is not mounted. "
                            "Weight-device discarded.")
    for key, _flag, oci, v1_file, warning in _THROTTLES:
        if not host.get(key):
            continue
        if supported(v1_file):
            out[oci] = [_device(d, "rate", d["Rate"]) for d in host[key]]
        else:
            warnings.append(warning)
    return out


def _device(entry: dict[str, Any], name: str, value: int) -> dict[str, Any]:
    major, minor = block_device(entry["Path"])
    return {"major": major, "minor": minor, name: int(value)}


def merge(base: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """linux.resources `more` over `base`, one level of sections deep."""
    out = dict(base)
    for section, values in more.items():
        out[section] = {**out.get(section, {}), **values} if isinstance(values, dict) else values
    return out


def cgroups_path(host: dict[str, Any], container_id: str) -> str:
    """Docker's cgroupfs placement: `<parent>/<id>` (a relative parent is under
    the runtime's own cgroup, as runc resolves it), `/nerdpy/<id>` by default."""
    parent = str(host.get("CgroupParent") or "/nerdpy").rstrip("/") or "/"
    return os.path.join(parent, container_id)
