"""Diagnose the host: what nerdpy will use, and the exact fix for what is missing.

Everything here only reads the host; `nerdpy info` renders the report.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from nerdpy.config import Settings
from nerdpy.records import asdict, field, record
from nerdpy.userns import IdRange
from nerdpy.userns.subids import SUBGID, SUBUID, lookup_ranges

TYPE_CHECKING = False
if TYPE_CHECKING:
    from nerdpy.linux.confinement import Confinement


@record
class Problem:
    severity: str  # "error": containers cannot run; "warning": a feature degrades
    message: str
    fix: str


@record
class Tool:
    name: str
    path: str | None
    version: str | None = None


@record(frozen=False)
class HostReport:
    rootless: bool
    uid: int
    uid_map: list[IdRange] = field(default_factory=list)
    gid_map: list[IdRange] = field(default_factory=list)
    runtime: Tool | None = None
    storage_driver: str = "native"
    storage_driver_reason: str = ""
    storage_opts: list[str] = field(default_factory=list)  # --storage-opt / storage_opts in use
    cgroup_version: str = "unknown"
    cgroup_limits: bool = False
    network_backends: list[Tool] = field(default_factory=list)
    data_root: str = ""
    runtime_root: str = ""
    kernel: str = ""
    problems: list[Problem] = field(default_factory=list)
    container: str | None = None  # the engine whose container we run in, if any
    container_evidence: str = ""
    in_user_namespace: bool = False  # uid 0 here is not root on the host

    @property
    def usable(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["usable"] = self.usable
        return data


def find_tool(name: str, extra_dirs: tuple[str, ...] = ("/usr/libexec/podman", "/usr/lib/podman")) -> str | None:
    from nerdpy.linux.which import find_executable

    return find_executable(name, extra_dirs)


def _version(path: str, args: tuple[str, ...] = ("--version",)) -> str | None:
    try:
        out = subprocess.run([path, *args], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else None


def cgroup_version() -> str:
    """'2' (unified), '1 (hybrid)' or '1', as mounted on /sys/fs/cgroup."""
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return "unknown"
    types = {line.split()[1]: line.split()[2] for line in mounts if len(line.split()) > 2}
    if types.get("/sys/fs/cgroup") == "cgroup2":
        return "2"
    if "/sys/fs/cgroup/unified" in types:
        return "1 (hybrid)"
    return "1"


def _setuid_or_caps(path: str) -> bool:
    st = os.stat(path)
    if st.st_uid == 0 and st.st_mode & stat.S_ISUID:
        return True
    try:
        return bool(os.getxattr(path, "security.capability"))
    except OSError:
        return False


def _check_confinement(report: HostReport, settings: Settings, conf: Confinement) -> None:
    """Inside another engine's container, or where user namespaces are refused:
    name the blocker and the fix for the engine that runs us."""
    from nerdpy.linux import confinement

    report.container = conf.engine
    report.container_evidence = conf.evidence
    report.in_user_namespace = conf.in_user_namespace
    if conf.in_user_namespace:
        report.rootless = True  # root in a user namespace owns nothing on the host
        if not settings.rootless:
            report.uid_map = [IdRange(*row) for row in conf.uid_map]
    errno = confinement.probe_userns() if settings.rootless else 0
    for severity, message, fix in confinement.problems(conf, settings.rootless, errno):
        report.problems.append(Problem(severity, message, fix))


def _check_id_maps(report: HostReport, settings: Settings) -> None:
    import pwd

    try:
        name = pwd.getpwuid(settings.host_uid).pw_name
    except KeyError:
        name = str(settings.host_uid)
    for tool in ("newuidmap", "newgidmap"):
        path = find_tool(tool)
        if path is None:
            report.problems.append(Problem("error", f"{tool} is missing", "sudo apt-get install uidmap"))
        elif not _setuid_or_caps(path):
            report.problems.append(Problem("error", f"{path} is not setuid root", f"sudo chmod u+s {path}"))
    for kind, source, target, own in (("subuid", SUBUID, report.uid_map, settings.host_uid),
                                      ("subgid", SUBGID, report.gid_map, settings.host_gid)):
        ranges = lookup_ranges(source, settings.host_uid)
        if not ranges:
            report.problems.append(Problem(
                "error", f"no {kind} range for {name} in {source}",
                f"sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 {name}"))
            continue
        target.append(IdRange(0, own, 1))
        inside = 1
        for start, count in ranges:
            target.append(IdRange(inside, start, count))
            inside += count
        if inside < 65537:
            report.problems.append(Problem(
                "warning", f"{kind} range of {name} has {inside - 1} ids; images may use uids up to 65535",
                f"give {name} at least 65536 ids in {source}"))


def _storage_driver(report: HostReport, settings: Settings) -> None:
    if settings.storage_driver:
        report.storage_driver, report.storage_driver_reason = settings.storage_driver, "forced by configuration"
        return
    recorded = settings.layout.snapshots_dir / "driver"
    if recorded.is_file():
        report.storage_driver = recorded.read_text().strip()
        report.storage_driver_reason = f"recorded in {recorded}"
        return
    release = tuple(int(p) for p in os.uname().release.split(".")[:2] if p.isdigit())
    overlay = "overlay" in Path("/proc/filesystems").read_text()
    if overlay and (not settings.rootless or release >= (5, 11)):
        report.storage_driver = "overlay"
        report.storage_driver_reason = "native overlayfs" + (" in the user namespace" if settings.rootless else "")
    elif find_tool("fuse-overlayfs") and os.access("/dev/fuse", os.R_OK | os.W_OK):
        report.storage_driver, report.storage_driver_reason = "fuse-overlayfs", "overlayfs unavailable"
    else:
        report.storage_driver, report.storage_driver_reason = "native", "no overlay available: copying driver"


def _check_fuse(report: HostReport, settings: Settings) -> None:
    """The fuse-overlayfs fallback (for kernels or filesystems where overlayfs cannot
    be mounted rootless) needs /dev/fuse, which Debian ships 0600."""
    if settings.rootless and find_tool("fuse-overlayfs") and not os.access("/dev/fuse", os.R_OK | os.W_OK):
        report.problems.append(Problem(
            "warning", "/dev/fuse is not accessible: the fuse-overlayfs fallback is unavailable",
            "sudo chmod 0666 /dev/fuse (persist with a udev rule: KERNEL==\"fuse\", MODE=\"0666\")"))


def host_report(settings: Settings) -> HostReport:
    report = HostReport(rootless=settings.rootless, uid=settings.host_uid,
                        data_root=str(settings.layout.data_root), runtime_root=str(settings.layout.runtime_root),
                        kernel=os.uname().release)
    from nerdpy.linux.confinement import detect

    conf = detect()  # once: every check below reads this one view of where we run
    _check_confinement(report, settings, conf)
    if settings.rootless:
        _check_id_maps(report, settings)
    for name in (settings.runtime, "runc", "crun"):
        path = find_tool(name)
        if path:
            report.runtime = Tool(name, path, _version(path))
            if not settings.rootless:
                _check_runtime_owner(report, path, conf)
            break
    else:
        report.problems.append(Problem("error", "no OCI runtime (runc or crun) found", "sudo apt-get install runc"))
    _storage_driver(report, settings)
    _check_fuse(report, settings)
    report.storage_opts = list(settings.storage_opts)
    report.cgroup_version = cgroup_version()
    if report.cgroup_version == "2":
        report.cgroup_limits = not report.rootless or _delegated_controllers()
    else:
        report.cgroup_limits = not report.rootless
    if not report.cgroup_limits:
        report.problems.append(Problem(
            "warning", f"cgroup v{report.cgroup_version}: --memory, --cpus and --pids-limit are ignored rootless",
            "boot with systemd.unified_cgroup_hierarchy=1 and delegate controllers to user@.service"))
    for name in ("slirp4netns", "pasta"):
        path = find_tool(name)
        if path:
            report.network_backends.append(Tool(name, path, _version(path) if name == "slirp4netns" else None))
    if settings.rootless:
        if not report.network_backends:
            report.problems.append(Problem("warning", "no slirp4netns or pasta: only --network none and host work",
                                           "sudo apt-get install slirp4netns"))
        if not os.access("/dev/net/tun", os.R_OK | os.W_OK):
            report.problems.append(Problem(
                "warning", "/dev/net/tun is not accessible: container networking fails",
                _in_container_fix(conf) or "sudo chmod 0666 /dev/net/tun"))
    return report


def _check_runtime_owner(report: HostReport, path: str, conf: Confinement) -> None:
    """nerdpy runs only a runtime binary nobody but the host's root can replace."""
    from nerdpy.linux.confinement import trusted_owner

    st = os.stat(path)
    if trusted_owner(st, conf.in_user_namespace) and not st.st_mode & 0o022:
        return
    if report.container:
        message = (f"{path} is owned by uid {st.st_uid}, which root in this container does not map to the "
                   "host's root: nerdpy refuses a runtime binary the container could replace (CVE-2019-5736)")
        fix = "install runc in the job's image (apt-get install runc) instead of mounting the host's"
    else:
        message = f"{path} is writable by others than root: nerdpy refuses it (CVE-2019-5736)"
        fix = f"sudo chown root:root {path} && sudo chmod go-w {path}"
    report.problems.append(Problem("error", message, fix))


def _in_container_fix(conf: Confinement) -> str:
    if not conf.engine:
        return ""
    from nerdpy.linux.confinement import engine_fix

    return engine_fix(conf)


def _delegated_controllers() -> bool:
    try:
        own = Path("/proc/self/cgroup").read_text().strip().split("::", 1)[-1]
        controllers = Path("/sys/fs/cgroup" + own.rsplit("/", 1)[0], "cgroup.subtree_control").read_text().split()
    except OSError:
        return False
    return {"memory", "pids"} <= set(controllers)
