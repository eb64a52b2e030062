"""`nerdpy info` diagnosis: each missing prerequisite names its exact fix."""

from pathlib import Path

import pytest

from nerdpy import hostinfo
from nerdpy.config import Settings
from nerdpy.paths import Layout


def _settings(tmp_path: Path, uid: int = 4242) -> Settings:
    layout = Layout(tmp_path / "data", tmp_path / "run", tmp_path / "cfg")
    return Settings(layout=layout, rootless=uid != 0, host_uid=uid, host_gid=uid)


@pytest.fixture
def subid_files(tmp_path, monkeypatch):
    subuid, subgid = tmp_path / "subuid", tmp_path / "subgid"
    monkeypatch.setattr(hostinfo, "SUBUID", subuid)
    monkeypatch.setattr(hostinfo, "SUBGID", subgid)
    return subuid, subgid


def test_missing_subuid_is_an_error_with_the_usermod_fix(tmp_path, subid_files):
    subuid, subgid = subid_files
    subuid.write_text("someoneelse:100000:65536\n")
    subgid.write_text("4242:100000:65536\n")
    report = hostinfo.host_report(_settings(tmp_path))
    errors = [p for p in report.problems if p.severity == "error" and "subuid" in p.message]
    assert errors and "usermod --add-subuids" in errors[0].fix
    assert not report.usable
    # The gid side was found by numeric uid and is stacked after the user's own id.
    assert [(r.inside, r.outside, r.count) for r in report.gid_map] == [(0, 4242, 1), (1, 100000, 65536)]


def test_small_range_is_only_a_warning(tmp_path, subid_files):
    for path in subid_files:
        path.write_text("4242:200000:1000\n")
    report = hostinfo.host_report(_settings(tmp_path))
    assert not [p for p in report.problems if "sub" in p.message and p.severity == "error"]
    assert any("1000 ids" in p.message for p in report.problems)


def test_recorded_driver_wins_over_probing(tmp_path, subid_files):
    settings = _settings(tmp_path, uid=0)
    (settings.layout.snapshots_dir).mkdir(parents=True)
    (settings.layout.snapshots_dir / "driver").write_text("native\n")
    report = hostinfo.host_report(settings)
    assert report.storage_driver == "native" and "recorded" in report.storage_driver_reason


def test_cgroup_version_reads_the_mount_table():
    assert hostinfo.cgroup_version() in ("1", "1 (hybrid)", "2")


def test_inaccessible_dev_fuse_says_how_to_enable_the_fallback(tmp_path, subid_files, monkeypatch):
    for path in subid_files:
        path.write_text("4242:100000:65536\n")
    monkeypatch.setattr(hostinfo, "find_tool", lambda name: f"/usr/bin/{name}")
    real_access = hostinfo.os.access
    for fuse_usable in (False, True):
        monkeypatch.setattr(hostinfo.os, "access",
                            lambda p, m, u=fuse_usable: u if p == "/dev/fuse" else real_access(p, m))
        report = hostinfo.host_report(_settings(tmp_path))
        fuse = [p for p in report.problems if "/dev/fuse" in p.message]
        if fuse_usable:
            assert not fuse
        else:
            assert fuse and fuse[0].severity == "warning" and "chmod 0666 /dev/fuse" in fuse[0].fix


def test_info_looks_at_where_it_runs_once(tmp_path, subid_files, monkeypatch):
    """One detection feeds every check: the runtime-owner check and the /dev/net/tun
    fix read the report's view of the outer container rather than looking again."""
    from nerdpy.linux import confinement

    for path in subid_files:
        path.write_text("4242:100000:65536\n")
    runc = tmp_path / "runc"
    runc.write_text("")
    inside_docker = confinement.Confinement(
        engine="docker", evidence="/.dockerenv", uid_map=((0, 1000, 1), (1, 100000, 65536)), cap_eff=0,
        seccomp=2, no_new_privs=False, ci=None, apparmor_restricts_userns=False, userns_sysctl_off=False,
        fuse=False, tun=False)
    looks = []
    monkeypatch.setattr(confinement, "detect", lambda *a, **k: looks.append(1) or inside_docker)
    monkeypatch.setattr(confinement, "read_uid_map", lambda root="/": pytest.fail("the uid map was read again"))
    monkeypatch.setattr(hostinfo, "find_tool", lambda name, *a: str(runc) if name == "runc" else None)
    real_access = hostinfo.os.access
    monkeypatch.setattr(hostinfo.os, "access", lambda p, m: False if p == "/dev/net/tun" else real_access(p, m))
    for uid in (4242, 0):
        looks.clear()
        report = hostinfo.host_report(_settings(tmp_path, uid=uid))
        assert looks == [1]
        assert report.container == "docker" and report.in_user_namespace and report.rootless
    tun = [p for p in hostinfo.host_report(_settings(tmp_path)).problems if "/dev/net/tun" in p.message]
    assert tun and tun[0].fix == confinement.engine_fix(inside_docker)
