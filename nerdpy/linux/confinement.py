"""Where this process runs: on a host, or inside another engine's container, and
what that container lets nerdpy do.

CI jobs very often run inside a container (GitLab and Jenkins Docker executors,
Kubernetes pods, devcontainers). There `uid == 0` does not mean rootful: root
inside a user namespace owns nothing on the host, the host's files show as the
overflow uid, and the outer engine's seccomp profile usually refuses
`unshare(CLONE_NEWUSER)` unless the container has CAP_SYS_ADMIN. Everything here
only reads `/proc` and a few marker files (under `root`, so tests replay recorded
snapshots of real environments); `probe_userns` is the one call that tries.
"""

from __future__ import annotations

import os

from nerdpy.records import record

OVERFLOW_UID = 65534
IDENTITY_MAP = ((0, 0, 4294967295),)
CAP_NET_ADMIN = 12
CAP_SYS_ADMIN = 21
CAP_MKNOD = 27
_ENGINE_CGROUP_MARKS = (("kubepods", "kubernetes"), ("libpod", "podman"), ("docker", "docker"),
                        ("containerd", "containerd"), ("lxc", "lxc"), ("nerdpy", "nerdpy"))


@record
class Confinement:
    engine: str | None  # "docker", "podman", "kubernetes", "lxc", ...: None on a host
    evidence: str  # what told us (a marker file, PID 1's environment, a cgroup path)
    uid_map: tuple[tuple[int, int, int], ...]
    cap_eff: int
    seccomp: int  # 0 off, 1 strict, 2 filter (/proc/self/status)
    no_new_privs: bool
    ci: str | None  # "github-actions", "gitlab", "jenkins", ... from the job's environment
    apparmor_restricts_userns: bool  # Ubuntu 23.10+ (GitHub's ubuntu-24.04 runners)
    userns_sysctl_off: bool  # max_user_namespaces=0 or Debian's unprivileged_userns_clone=0
    fuse: bool
    tun: bool

    @property
    def in_user_namespace(self) -> bool:
        """A non-identity uid map: root here is not root on the host."""
        return self.uid_map != IDENTITY_MAP

    def has_cap(self, cap: int) -> bool:
        return bool(self.cap_eff >> cap & 1)


def read_uid_map(root: str = "/") -> tuple[tuple[int, int, int], ...]:
    """This process's uid map: cheap (one small read), so mode choice can use it."""
    try:
        with open(os.path.join(root, "proc/self/uid_map")) as f:
            text = f.read()
    except OSError:
        return IDENTITY_MAP
    rows = []
    for line in text.splitlines():
        if line.strip():
            inside, outside, count = (int(x) for x in line.split())  # the kernel writes three numbers a line
            rows.append((inside, outside, count))
    return tuple(rows)


def in_user_namespace() -> bool:
    """Root here is not root on the host (a CI job in a rootless container): the host's
    cgroups are not ours to place containers in."""
    return read_uid_map() != IDENTITY_MAP


def trusted_owner(st: os.stat_result, in_userns: bool | None = None) -> bool:
    """A runtime binary nobody in here can replace (CVE-2019-5736): owned by root,
    or, when this root is itself inside a user namespace (a CI job in a rootless
    container), by the overflow uid: the host's root seen from here. `in_userns`:
    what a caller holding a `Confinement` already knows (else the uid map is read)."""
    if st.st_uid == 0:
        return True
    if st.st_uid != OVERFLOW_UID:
        return False
    return in_user_namespace() if in_userns is None else in_userns


def detect(root: str = "/", env: dict[str, str] | None = None) -> Confinement:
    env = dict(os.environ) if env is None else env
    status = _status_fields(root)
    engine, evidence = _engine(root, env)
    return Confinement(
        engine=engine, evidence=evidence, uid_map=read_uid_map(root),
        cap_eff=int(status.get("CapEff", "0"), 16), seccomp=int(status.get("Seccomp", "0")),
        no_new_privs=status.get("NoNewPrivs", "0") == "1", ci=_ci(env),
        apparmor_restricts_userns=_read(root, "proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1",
        userns_sysctl_off=(_read(root, "proc/sys/user/max_user_namespaces") == "0"
                           or _read(root, "proc/sys/kernel/unprivileged_userns_clone") == "0"),
        fuse=_usable(root, "dev/fuse"), tun=_usable(root, "dev/net/tun"),
    )


def probe_userns() -> int:
    """0 when this process may create a user namespace, else the errno the kernel
    (or a seccomp filter) answered. Tried in a forked child: ~1 ms, so `info` and
    error paths call it, never the hot path."""
    from nerdpy.linux import libc

    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            libc.unshare(libc.CLONE_NEWUSER)
            os._exit(0)
        except OSError as exc:
            os._exit(min(exc.errno or 1, 255))
        except BaseException:
            os._exit(255)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _engine(root: str, env: dict[str, str]) -> tuple[str | None, str]:
    if os.path.exists(os.path.join(root, ".dockerenv")):
        return "docker", "/.dockerenv"
    containerenv = os.path.join(root, "run/.containerenv")
    if os.path.exists(containerenv):
        engine = "podman"
        for line in (_read(root, "run/.containerenv") or "").splitlines():
            if line.startswith("engine=") and "podman" not in line:
                engine = line.split("=", 1)[1].strip('"').split("-")[0] or engine
        return engine, "/run/.containerenv"
    if env.get("KUBERNETES_SERVICE_HOST"):
        return "kubernetes", "KUBERNETES_SERVICE_HOST"
    pid1 = _read(root, "proc/1/environ", raw=True)
    for item in (pid1 or "").split("\0"):
        if item.startswith("container="):
            return item.split("=", 1)[1] or "container", "container= in PID 1's environment"
    for line in (_read(root, "proc/1/cgroup") or "").splitlines():
        path = line.split(":", 2)[-1]
        for mark, engine in _ENGINE_CGROUP_MARKS:
            if mark in path:
                return engine, f"cgroup {path}"
    return None, ""


def _ci(env: dict[str, str]) -> str | None:
    for var, name in (("GITHUB_ACTIONS", "github-actions"), ("GITLAB_CI", "gitlab"), ("JENKINS_URL", "jenkins"),
                      ("BUILDKITE", "buildkite"), ("CIRCLECI", "circleci")):
        if env.get(var):
            return name
    return None


def _status_fields(root: str) -> dict[str, str]:
    fields = {}
    for line in (_read(root, "proc/self/status") or "").splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def _read(root: str, rel: str, raw: bool = False) -> str | None:
    try:
        with open(os.path.join(root, rel), "rb") as f:
            data = f.read(65536)
    except OSError:
        return None
    text = data.decode(errors="replace")
    return text if raw else text.strip()


def _usable(root: str, rel: str) -> bool:
    return os.access(os.path.join(root, rel), os.R_OK | os.W_OK)


# How to give a CI container what nerdpy needs, per outer engine: the narrowest
# setting that works, then the blunt one.
_ENGINE_FIXES = {
    "docker": ("docker run --security-opt seccomp=unconfined --security-opt apparmor=unconfined "
               "--device /dev/fuse --device /dev/net/tun ... (or --privileged)"),
    "podman": "podman run --security-opt seccomp=unconfined --device /dev/fuse --device /dev/net/tun ... (or --privileged)",
    "nerdpy": "nerdpy run --privileged ...",
    "kubernetes": ("set securityContext: {privileged: true} on the pod's container (or seccompProfile: "
                   "{type: Unconfined} with /dev/fuse and /dev/net/tun from a device plugin)"),
    "gitlab": 'set privileged = true under [runners.docker] in the runner\'s config.toml',
}
APPARMOR_FIX = ("give the interpreter that runs nerdpy an AppArmor profile with the userns rule "
                "(/etc/apparmor.d/nerdpy: `abi <abi/4.0>, profile nerdpy /usr/bin/python3.* flags=(unconfined) "
                "{ userns, }`, then apparmor_parser -r), rather than turning "
                "kernel.apparmor_restrict_unprivileged_userns off for every program")


def engine_fix(conf: Confinement) -> str:
    if conf.ci == "gitlab" and conf.engine in ("docker", None):
        return _ENGINE_FIXES["gitlab"]
    return _ENGINE_FIXES.get(conf.engine or "", "run the job's container privileged (its engine's --privileged)")


def userns_blocker(conf: Confinement, errno: int) -> tuple[str, str]:
    """Why `unshare(CLONE_NEWUSER)` failed with `errno`, and the fix: (message, fix)."""
    if conf.userns_sysctl_off:
        return ("user namespaces are disabled on this kernel (user.max_user_namespaces=0 or "
                "kernel.unprivileged_userns_clone=0)",
                "sudo sysctl -w user.max_user_namespaces=28633 kernel.unprivileged_userns_clone=1")
    if conf.apparmor_restricts_userns and conf.engine is None:
        return ("AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1)",
                APPARMOR_FIX)
    if conf.engine is not None:
        why = []
        if conf.seccomp == 2:
            why.append("its seccomp profile refuses unshare(CLONE_NEWUSER)")
        if not conf.has_cap(CAP_SYS_ADMIN):
            why.append("CAP_SYS_ADMIN is not in the effective set")
        detail = " and ".join(why) or f"unshare(CLONE_NEWUSER) failed: {os.strerror(errno)}"
        return (f"inside a {conf.engine} container ({conf.evidence}) that forbids nested user namespaces: {detail}",
                engine_fix(conf))
    return (f"unshare(CLONE_NEWUSER) failed: {os.strerror(errno)}",
            "check the kernel's user namespace settings (user.max_user_namespaces) and any LSM policy")


def problems(conf: Confinement, rootless: bool, userns_errno: int) -> list[tuple[str, str, str]]:
    """(severity, message, fix) for everything this confinement blocks or degrades.
    `userns_errno`: `probe_userns()`'s answer (rootless nerdpy makes a user namespace)."""
    found = []
    if rootless and userns_errno:
        found.append(("error",) + userns_blocker(conf, userns_errno))
    elif not rootless and not conf.has_cap(CAP_SYS_ADMIN):
        where = (f"inside a {conf.engine} container ({conf.evidence})" if conf.engine
                 else "in a user namespace" if conf.in_user_namespace else "in a confined process")
        found.append(("error", f"root {where} without CAP_SYS_ADMIN: nerdpy cannot mount container filesystems",
                      engine_fix(conf)))
    return found


def privilege_hint() -> str | None:
    """For an EPERM from mount or unshare: when root here lacks CAP_SYS_ADMIN (a CI job
    in an unprivileged container), the hint that names it and the engine's fix."""
    conf = detect()
    if os.getuid() != 0 or conf.has_cap(CAP_SYS_ADMIN):
        return None
    where = f"inside a {conf.engine} container" if conf.engine else "here"
    return f"root {where} lacks CAP_SYS_ADMIN: {engine_fix(conf)}"
