"""nerdpy.config: defaults -> config file -> environment -> flags, and clean errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nerdpy.config import Flags, load_settings
from nerdpy.errors import InvalidArgument


def _env(tmp_path: Path, config: str | None = None, **extra: str) -> dict[str, str]:
    path = tmp_path / "config.toml"
    if config is not None:
        path.write_text(config)
    env = {"NERDPY_CONFIG": str(path), "TMPDIR": str(tmp_path), "HOME": str(tmp_path)}
    env.update(extra)
    return env


def test_identity_comes_from_the_rootless_env_inside_the_namespace(tmp_path):
    s = load_settings(env=_env(tmp_path, NERDPY_ROOTLESS_UID="1234", NERDPY_ROOTLESS_GID="99"))
    assert (s.host_uid, s.host_gid, s.rootless) == (1234, 99, True)
    assert s.layout.runtime_root == tmp_path / "nerdpy-run-1234" / "nerdpy"


def test_root_mode_when_uid_is_0(tmp_path):
    if os.getuid() != 0:
        pytest.skip("identity: root mode needs uid 0")
    s = load_settings(env=_env(tmp_path))
    assert not s.rootless and s.layout.data_root == Path("/var/lib/nerdpy")


def test_defaults(tmp_path):
    s = load_settings(env=_env(tmp_path))
    assert s.runtime == "runc" and s.log_level == "info" and s.storage_driver is None
    assert s.insecure_registries == () and s.debug is False


def test_precedence_file_then_env_then_flags(tmp_path):
    config = 'data_root = "/from/file"\nstorage_driver = "native"\nlog_level = "warn"\nruntime = "crun"\n'
    s = load_settings(env=_env(tmp_path, config))
    assert (str(s.layout.data_root), s.storage_driver, s.log_level, s.runtime) == ("/from/file", "native", "warn", "crun")
    env = _env(tmp_path, config, NERDPY_DATA_ROOT="/from/env", NERDPY_STORAGE_DRIVER="fuse-overlayfs")
    s = load_settings(env=env)
    assert (str(s.layout.data_root), s.storage_driver, s.log_level) == ("/from/env", "fuse-overlayfs", "warn")
    s = load_settings(Flags(data_root="/from/flag", storage_driver="overlay", log_level="error"), env=env)
    assert (str(s.layout.data_root), s.storage_driver, s.log_level) == ("/from/flag", "overlay", "error")


def test_runtime_root_and_tilde(tmp_path):
    s = load_settings(env=_env(tmp_path, 'data_root = "~/store"\n', NERDPY_RUNTIME_ROOT=str(tmp_path / "rr")))
    assert s.layout.data_root == Path(os.path.expanduser("~/store"))
    assert s.layout.runtime_root == tmp_path / "rr"


def test_insecure_registries_from_each_source(tmp_path):
    s = load_settings(env=_env(tmp_path, 'insecure_registries = ["a:5000"]\n'))
    assert s.insecure_registries == ("a:5000",)
    s = load_settings(env=_env(tmp_path, NERDPY_INSECURE_REGISTRY="b:1,c:2,"))
    assert s.insecure_registries == ("b:1", "c:2")
    s = load_settings(Flags(insecure_registries=("d:3",)), env=_env(tmp_path, NERDPY_INSECURE_REGISTRY="b:1"))
    assert s.insecure_registries == ("d:3",)


@pytest.mark.parametrize("value,expected", [("1", True), ("true", True), ("0", False), ("false", False), ("", False)])
def test_debug_env(tmp_path, value, expected):
    assert load_settings(env=_env(tmp_path, NERDPY_DEBUG=value)).debug is expected


def test_debug_flag_raises_log_level(tmp_path):
    s = load_settings(Flags(debug=True), env=_env(tmp_path))
    assert s.debug and s.log_level == "debug"


@pytest.mark.parametrize("config,needle", [
    ('storage_driver = "zfs"\n', "storage driver"),
    ('log_level = "loud"\n', "log level"),
    ('colour = "blue"\n', "unknown key"),
    ("data_root = \n", "invalid config file"),
    ('insecure_registries = "a:5000"\n', "must be a list"),
    ("data_root = 5\n", "data_root"),
    ("insecure_registries = [1, 2]\n", "insecure_registries"),
    ("runtime = 7\n", "runtime"),
    ('registry_mirrors = "https://m"\n', "must be a list"),
])
def test_bad_config_is_a_clean_invalid_argument(tmp_path, config, needle):
    with pytest.raises(InvalidArgument) as info:
        load_settings(env=_env(tmp_path, config))
    assert needle in info.value.message


def test_bad_flags_are_invalid_arguments(tmp_path):
    with pytest.raises(InvalidArgument) as info:
        load_settings(Flags(storage_driver="btrfs"), env=_env(tmp_path))
    assert info.value.hint and "overlay" in info.value.hint


def test_unreadable_config_path_is_an_invalid_argument(tmp_path):
    (tmp_path / "dir.toml").mkdir()
    with pytest.raises(InvalidArgument):
        load_settings(env={**_env(tmp_path), "NERDPY_CONFIG": str(tmp_path / "dir.toml")})


def test_missing_config_file_is_fine(tmp_path):
    assert load_settings(env=_env(tmp_path)).extra == {}


@pytest.mark.parametrize("key, good, bad_file, bad_env, message", [
    ("max_layer_size", 1024, '"big"', "-1", "positive number of bytes"),
    ("max_layer_ratio", 0, "-1", "lots", "0: no limit"),
])
def test_layer_limits_from_file_and_environment(tmp_path, key, good, bad_file, bad_env, message):
    from nerdpy.config import load_settings

    cfg = tmp_path / "config.toml"
    cfg.write_text(f"{key} = {good}\n")
    env = {"NERDPY_CONFIG": str(cfg), "HOME": str(tmp_path)}
    variable = f"NERDPY_{key.upper()}"
    assert load_settings(env=env).extra[key] == good
    assert load_settings(env={**env, variable: "2048"}).extra[key] == 2048
    cfg.write_text(f"{key} = {bad_file}\n")
    with pytest.raises(InvalidArgument, match=message):
        load_settings(env=env)
    with pytest.raises(InvalidArgument, match=variable):
        load_settings(env={"HOME": str(tmp_path), variable: bad_env})
