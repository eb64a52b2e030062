"""nerdpy.paths: root and rootless layouts, the XDG_RUNTIME_DIR fallback, private dirs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nerdpy.errors import PermissionDenied
from nerdpy.paths import Layout, ensure_private_dir, root_layout, rootless_layout


def test_root_layout_uses_system_dirs():
    layout = root_layout()
    assert layout.data_root == Path("/var/lib/nerdpy")
    assert layout.runtime_root == Path("/run/nerdpy")
    assert layout.config_file == Path("/etc/nerdpy/config.toml")


def test_well_known_paths_hang_off_the_roots():
    layout = Layout(Path("/d"), Path("/r"), Path("/c"))
    assert layout.meta_db == Path("/d/meta.db")
    assert layout.content_dir == Path("/d/content")
    assert layout.snapshots_dir == Path("/d/snapshots")
    assert layout.containers_dir == Path("/d/containers")
    assert layout.volumes_dir == Path("/d/volumes")
    assert layout.locks_dir == Path("/d/locks")
    assert layout.runc_root == Path("/r/runc")
    assert layout.shims_dir == Path("/r/shims")
    assert layout.holder_pidfile == Path("/r/holder.pid")
    assert layout.holder_lock == Path("/r/holder.lock")


def test_rootless_uses_a_private_xdg_runtime_dir(tmp_path):
    xdg = tmp_path / "run"
    xdg.mkdir(mode=0o700)
    layout = rootless_layout(os.getuid(), {"XDG_RUNTIME_DIR": str(xdg)}, run_user=tmp_path / "no-logind")
    assert layout.runtime_root == xdg / "nerdpy"
    assert layout.data_root.name == "nerdpy" and layout.config_dir.name == "nerdpy"


@pytest.mark.parametrize("xdg", [None, "", "/nonexistent/run"])
def test_rootless_without_usable_xdg_runtime_dir_falls_back_to_tmp(tmp_path, xdg):
    env = {"TMPDIR": str(tmp_path)}
    if xdg is not None:
        env["XDG_RUNTIME_DIR"] = xdg
    layout = rootless_layout(4242, env)
    assert layout.runtime_root == tmp_path / "nerdpy-run-4242" / "nerdpy"


def test_rootless_rejects_an_xdg_runtime_dir_owned_by_someone_else(tmp_path):
    if os.getuid() == 0:
        foreign = tmp_path / "foreign"
        foreign.mkdir()
        os.chown(foreign, 12345, 12345)
    else:
        foreign = Path("/")  # owned by root, not us
    layout = rootless_layout(4242, {"XDG_RUNTIME_DIR": str(foreign), "TMPDIR": str(tmp_path)})
    assert layout.runtime_root == tmp_path / "nerdpy-run-4242" / "nerdpy"


def test_ensure_private_dir_creates_0700_and_tightens(tmp_path):
    made = ensure_private_dir(tmp_path / "a" / "b")
    assert made.is_dir() and (made.stat().st_mode & 0o777) == 0o700
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    loose.chmod(0o755)
    ensure_private_dir(loose)
    assert (loose.stat().st_mode & 0o777) == 0o700


def test_ensure_private_dir_refuses_a_planted_symlink(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(PermissionDenied) as info:
        ensure_private_dir(tmp_path / "link")
    assert info.value.hint


def test_ensure_private_dir_refuses_someone_elses_dir(tmp_path):
    with pytest.raises(PermissionDenied):
        ensure_private_dir(tmp_path, uid=os.getuid() + 1)


def test_rootless_layout_reads_the_given_environment(tmp_path, monkeypatch):
    from nerdpy.paths import rootless_layout

    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    env = {"XDG_DATA_HOME": str(tmp_path / "d"), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    layout = rootless_layout(4242, env)
    assert layout.data_root == tmp_path / "d" / "nerdpy"
    assert layout.config_dir == tmp_path / "c" / "nerdpy"


@pytest.mark.parametrize("env", [
    {},
    {"XDG_DATA_HOME": "/srv/d", "XDG_CONFIG_HOME": "/srv/c"},
    {"XDG_DATA_HOME": "relative/ignored", "XDG_CONFIG_HOME": ""},
    {"HOME": "/home/someone"},
])
def test_rootless_xdg_dirs_match_platformdirs(env, monkeypatch, tmp_path):
    """paths computes the XDG rule itself (platformdirs costs ~6 ms per command);
    it must give platformdirs' answer for every environment."""
    from platformdirs import unix

    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "HOME"):
        monkeypatch.delenv(name, raising=False)
    env = {"HOME": str(tmp_path), **env}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    dirs = unix.Unix("nerdpy", appauthor=False)
    layout = rootless_layout(os.getuid(), env)
    assert layout.data_root == Path(dirs.user_data_dir)
    assert layout.config_dir == Path(dirs.user_config_dir)


def test_run_user_dir_wins_so_sessions_with_and_without_xdg_runtime_dir_agree(tmp_path):
    """`su`, cron and CI sessions lack XDG_RUNTIME_DIR: they must still reach the
    containers a login session started (one runtime root, one user namespace)."""
    run_user = tmp_path / "run-user"
    (run_user / str(os.getuid())).mkdir(parents=True, mode=0o700)
    other = tmp_path / "elsewhere"
    other.mkdir(mode=0o700)
    roots = {rootless_layout(os.getuid(), env, run_user=run_user).runtime_root
             for env in ({}, {"XDG_RUNTIME_DIR": str(run_user / str(os.getuid()))}, {"XDG_RUNTIME_DIR": str(other)},
                         {"TMPDIR": str(tmp_path)})}
    assert roots == {run_user / str(os.getuid()) / "nerdpy"}
def test_private_dirs_and_files(tmp_path):
    import stat

    from nerdpy.paths import private_dirs, write_private

    old = os.umask(0o022)
    try:
        private_dirs(tmp_path / "a" / "b" / "c")
        private_dirs(tmp_path / "a" / "b" / "c")  # exists: fine
        write_private(tmp_path / "a" / "f", "secret")
    finally:
        os.umask(old)
    for d in ("a", "a/b", "a/b/c"):
        assert stat.S_IMODE(os.stat(tmp_path / d).st_mode) == 0o700, d
    assert stat.S_IMODE(os.stat(tmp_path / "a" / "f").st_mode) == 0o600
    assert (tmp_path / "a" / "f").read_text() == "secret"


def test_ensure_private_dir_refuses_a_dangling_symlink(tmp_path):
    import pytest

    from nerdpy.errors import PermissionDenied
    from nerdpy.paths import ensure_private_dir

    planted = tmp_path / "nerdpy-run-1000"
    planted.symlink_to(tmp_path / "nowhere")
    for path in (planted, planted / "nerdpy"):
        with pytest.raises(PermissionDenied, match="not a private directory"):
            ensure_private_dir(path)
    assert not (tmp_path / "nowhere").exists()
