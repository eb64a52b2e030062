"""`info` and `version` as the Docker Engine API shapes them (SystemInfo, SystemVersion).

Tools read these with Docker's template keys (`{{.Driver}}`, `{{.ServerVersion}}`,
`{{.Server.Version}}`, `{{.Containers}}`) or decode `{{json .}}` with the API's types, so
the documents carry Docker's keys with nerdpy's values; nerdpy's own diagnosis fields
(`rootless`, `storage_driver_reason`, `problems`, ...) stay beside them as extra keys.
There is no daemon: the "server" is this process on this host.
"""

from __future__ import annotations

import os
import platform

from nerdpy.config import Settings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# The Engine API version whose shapes these follow; nerdpy serves no API of its own.
API_VERSION = "1.43"
MIN_API_VERSION = "1.12"


def arch() -> str:
    """Go's GOARCH name of this machine (amd64, arm64, ...), as Docker prints it."""
    from nerdpy.images.platform import host_platform

    return host_platform().architecture


def _counts(settings: Settings) -> dict[str, int]:
    """Containers by state and distinct images; zeros before the first command made a store."""
    counts = {"Containers": 0, "ContainersRunning": 0, "ContainersPaused": 0, "ContainersStopped": 0, "Images": 0}
    if not (settings.layout.data_root / "meta.db").exists():
        return counts
    from nerdpy.containers.store import ContainerStore
    from nerdpy.errors import NerdpyError
    from nerdpy.images.store import ImageStore

    try:
        store = ContainerStore(settings)
        for container in store.list():
            status = store.state(container.id).status
            key = {"running": "ContainersRunning", "restarting": "ContainersRunning",
                   "paused": "ContainersPaused"}.get(status, "ContainersStopped")
            counts[key] += 1
            counts["Containers"] += 1
        counts["Images"] = len({image.id for image in ImageStore(settings).list()})
    except (NerdpyError, OSError):  # a store this identity cannot read: counts stay unknown (0)
        pass
    return counts


def system_info(settings: Settings, report: dict[str, Any], registry_config: dict[str, Any]) -> dict[str, Any]:
    """Docker's SystemInfo for this host; `report` is nerdpy.hostinfo's (kept as extra keys)."""
    from nerdpy import __version__

    runtime = report.get("runtime") or {}
    security = ["name=seccomp,profile=builtin"] + (["name=rootless"] if settings.rootless else [])
    cgroup = str(report.get("cgroup_version", "")).split(" ")[0]  # "1 (hybrid)" is Docker's "1"
    doc: dict[str, Any] = {
        "ID": "", **_counts(settings),
        "Driver": report.get("storage_driver", ""),
        "DriverStatus": [["Reason", report.get("storage_driver_reason", "")]],
        "DockerRootDir": str(settings.layout.data_root),
        "Plugins": {"Volume": ["local"], "Network": ["bridge", "host", "none"], "Authorization": None,
                    "Log": ["json-file"]},
        "MemoryLimit": bool(report.get("cgroup_limits")), "SwapLimit": bool(report.get("cgroup_limits")),
        "CpuCfsPeriod": bool(report.get("cgroup_limits")), "CpuCfsQuota": bool(report.get("cgroup_limits")),
        "CPUShares": bool(report.get("cgroup_limits")), "CPUSet": bool(report.get("cgroup_limits")),
        "PidsLimit": bool(report.get("cgroup_limits")),
        # --oom-kill-disable needs v1's memory.oom_control (Docker reports false on v2).
        "OomKillDisable": bool(report.get("cgroup_limits")) and cgroup == "1",
        "IPv4Forwarding": True, "Debug": settings.debug, "NFd": 0, "NGoroutines": 0,
        "SystemTime": _now(), "LoggingDriver": "json-file", "CgroupDriver": "cgroupfs",
        "CgroupVersion": cgroup if cgroup in ("1", "2") else "", "NEventsListener": 0,
        "KernelVersion": report.get("kernel", ""), "OperatingSystem": _os_name(), "OSVersion": "",
        "OSType": "linux", "Architecture": platform.machine(),
        "IndexServerAddress": "https://index.docker.io/v1/", "RegistryConfig": registry_config,
        "NCPU": os.cpu_count() or 0, "MemTotal": _mem_total(),
        "HttpProxy": "", "HttpsProxy": "", "NoProxy": "", "Name": os.uname().nodename, "Labels": [],
        "ExperimentalBuild": False, "ServerVersion": __version__,
        "Runtimes": {runtime["name"]: {"path": runtime["path"]}} if runtime else {},
        "DefaultRuntime": runtime.get("name", settings.runtime), "LiveRestoreEnabled": False,
        "Isolation": "", "InitBinary": "", "SecurityOptions": security,
        "Warnings": [f"WARNING: {p['message']}" for p in report.get("problems", []) if p["severity"] != "error"],
    }
    return {**report, **doc}


def system_version(settings: Settings) -> dict[str, Any]:
    """Docker's `version` document: Client, and Server in the API's SystemVersion shape."""
    from nerdpy import __version__
    from nerdpy.hostinfo import find_tool

    goarch = arch()
    runtime_path = find_tool(settings.runtime) or find_tool("runc")
    components: list[dict[str, Any]] = [{"Name": "Engine", "Version": __version__, "Details": {
        "ApiVersion": API_VERSION, "MinAPIVersion": MIN_API_VERSION, "Os": "linux", "Arch": goarch,
        "KernelVersion": os.uname().release, "Experimental": "false"}}]
    if runtime_path:
        components.append({"Name": os.path.basename(runtime_path), "Version": _runtime_version(runtime_path),
                           "Details": {"GitCommit": ""}})
    client = {"Platform": {"Name": "nerdpy"}, "Version": __version__, "ApiVersion": API_VERSION,
              "DefaultAPIVersion": API_VERSION, "GitCommit": "", "GoVersion": "", "Os": "linux", "Arch": goarch,
              "BuildTime": "", "Context": "default", "Python": platform.python_version()}
    server = {"Platform": {"Name": "nerdpy (no daemon)"}, "Components": components, "Version": __version__,
              "ApiVersion": API_VERSION, "MinAPIVersion": MIN_API_VERSION, "GitCommit": "", "GoVersion": "",
              "Os": "linux", "Arch": goarch, "KernelVersion": os.uname().release, "Experimental": False,
              "BuildTime": ""}
    return {"Client": client, "Server": server}


def _runtime_version(path: str) -> str:
    """runc's "runc version 1.1.5" -> "1.1.5"."""
    import subprocess

    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    first = out.splitlines()[0] if out else ""
    return first.rsplit(" ", 1)[-1] if "version" in first else first


def _now() -> str:
    import datetime

    return datetime.datetime.now(datetime.timezone.utc).astimezone().isoformat()


def _os_name() -> str:
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return "Linux"


def _mem_total() -> int:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0
