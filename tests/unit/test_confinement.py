"""Where nerdpy runs, read from recorded /proc snapshots of real CI environments,
and the exact blocker and fix it names for each."""

from __future__ import annotations

import errno
from pathlib import Path

from nerdpy.linux import confinement

IDENTITY = "         0          0 4294967295\n"
DOCKER_DEFAULT_CAPS = "00000000a80425fb"  # Docker's default capability set: no CAP_SYS_ADMIN
PRIVILEGED_CAPS = "000001ffffffffff"


def _snapshot(root: Path, *, uid_map: str = IDENTITY, caps: str = DOCKER_DEFAULT_CAPS, seccomp: int = 2,
              files: dict[str, str] | None = None) -> str:
    """A recorded environment: /proc/self/{uid_map,status} plus marker files."""
    (root / "proc/self").mkdir(parents=True)
    (root / "proc/1").mkdir(parents=True)
    (root / "proc/self/uid_map").write_text(uid_map)
    (root / "proc/self/status").write_text(
        f"Name:\tpython3\nUid:\t0\t0\t0\t0\nCapEff:\t{caps}\nNoNewPrivs:\t0\nSeccomp:\t{seccomp}\n")
    for rel, text in (files or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return str(root)


def test_docker_default_container_forbids_nested_userns_and_names_the_docker_fix(tmp_path):
    conf = confinement.detect(_snapshot(tmp_path, files={".dockerenv": "", "proc/1/cgroup": "0::/\n"}), env={})
    assert (conf.engine, conf.evidence) == ("docker", "/.dockerenv")
    assert not conf.in_user_namespace and conf.seccomp == 2 and not conf.has_cap(confinement.CAP_SYS_ADMIN)
    [(severity, message, fix)] = confinement.problems(conf, rootless=True, userns_errno=errno.EPERM)
    assert severity == "error"
    assert "docker container" in message and "seccomp profile refuses unshare(CLONE_NEWUSER)" in message
    assert "CAP_SYS_ADMIN is not in the effective set" in message
    assert "--security-opt seccomp=unconfined" in fix and "--device /dev/net/tun" in fix
    # Root in the same container cannot mount: said as such, not "runtime not found".
    [(severity, message, _)] = confinement.problems(conf, rootless=False, userns_errno=0)
    assert severity == "error" and "without CAP_SYS_ADMIN" in message


def test_rootless_podman_container_is_root_in_a_user_namespace(tmp_path):
    root = _snapshot(tmp_path, uid_map="0 1000 1\n1 100000 65536\n",
                     files={"run/.containerenv": 'engine="podman-4.3.1"\nrootless=1\n'})
    conf = confinement.detect(root, env={})
    assert conf.engine == "podman" and conf.in_user_namespace
    assert conf.uid_map == ((0, 1000, 1), (1, 100000, 65536))
    [(_, message, fix)] = confinement.problems(conf, rootless=False, userns_errno=0)
    assert "podman container" in message and fix.startswith("podman run --security-opt seccomp=unconfined")


def test_privileged_container_has_no_blocker(tmp_path):
    conf = confinement.detect(_snapshot(tmp_path, caps=PRIVILEGED_CAPS, seccomp=0, files={".dockerenv": ""}),
                              env={})
    assert conf.engine == "docker" and conf.has_cap(confinement.CAP_SYS_ADMIN)
    assert confinement.problems(conf, rootless=False, userns_errno=0) == []
    assert confinement.problems(conf, rootless=True, userns_errno=0) == []


def test_kubernetes_pod_and_gitlab_runner_get_their_own_fix(tmp_path):
    pod = confinement.detect(_snapshot(tmp_path / "k8s", files={"proc/1/cgroup": "0::/kubepods/besteffort/pod1\n"}),
                             env={"KUBERNETES_SERVICE_HOST": "10.96.0.1"})
    assert pod.engine == "kubernetes" and "securityContext" in confinement.engine_fix(pod)
    runner = confinement.detect(_snapshot(tmp_path / "gitlab", files={".dockerenv": ""}),
                                env={"GITLAB_CI": "true"})
    assert runner.ci == "gitlab" and "privileged = true" in confinement.engine_fix(runner)


def test_pid1_environment_and_cgroup_paths_name_the_engine(tmp_path):
    conf = confinement.detect(_snapshot(tmp_path / "a", files={"proc/1/environ": "PATH=/bin\0container=lxc\0"}),
                              env={})
    assert (conf.engine, conf.evidence) == ("lxc", "container= in PID 1's environment")
    conf = confinement.detect(_snapshot(tmp_path / "b", files={"proc/1/cgroup": "12:pids:/docker/abc\n"}), env={})
    assert conf.engine == "docker" and conf.evidence == "cgroup /docker/abc"
    host = confinement.detect(_snapshot(tmp_path / "c", seccomp=0, files={"proc/1/cgroup": "0::/init.scope\n"}),
                              env={})
    assert host.engine is None and not host.in_user_namespace


def test_github_actions_ubuntu_2404_apparmor_gets_a_profile_not_a_global_sysctl(tmp_path):
    root = _snapshot(tmp_path, seccomp=0, files={
        "proc/sys/kernel/apparmor_restrict_unprivileged_userns": "1\n", "proc/1/cgroup": "0::/init.scope\n"})
    conf = confinement.detect(root, env={"GITHUB_ACTIONS": "true"})
    assert conf.ci == "github-actions" and conf.engine is None and conf.apparmor_restricts_userns
    [(_, message, fix)] = confinement.problems(conf, rootless=True, userns_errno=errno.EACCES)
    assert "AppArmor restricts unprivileged user namespaces" in message
    assert "userns," in fix and "rather than turning" in fix


def test_disabled_userns_sysctl(tmp_path):
    root = _snapshot(tmp_path, seccomp=0, files={"proc/sys/user/max_user_namespaces": "0\n"})
    [(_, message, fix)] = confinement.problems(confinement.detect(root, env={}), rootless=True,
                                               userns_errno=errno.ENOSPC)
    assert "disabled" in message and "sysctl" in fix


def test_the_overflow_uid_is_trusted_only_inside_a_user_namespace(tmp_path, monkeypatch):
    class St:
        st_uid = confinement.OVERFLOW_UID

    monkeypatch.setattr(confinement, "read_uid_map", lambda root="/": ((0, 0, 4294967295),))
    assert not confinement.trusted_owner(St())  # type: ignore[arg-type]
    monkeypatch.setattr(confinement, "read_uid_map", lambda root="/": ((0, 1000, 1), (1, 100000, 65536)))
    assert confinement.trusted_owner(St())  # type: ignore[arg-type]
    St.st_uid = 1000
    assert not confinement.trusted_owner(St())  # type: ignore[arg-type]


def test_probe_answers_from_this_host():
    assert confinement.probe_userns() in (0, errno.EPERM, errno.EACCES, errno.ENOSPC, errno.EINVAL)
