"""Storage options: config precedence and syntax, per-driver checks, the mounts they produce."""

from __future__ import annotations

from pathlib import Path

import pytest

from nerdpy.config import Flags, load_settings
from nerdpy.errors import InvalidArgument
from nerdpy.snapshots import Kind, options
from nerdpy.snapshots.mount import _split_options
from nerdpy.snapshots.overlay import FuseOverlaySnapshotter, OverlaySnapshotter


def _settings(tmp_path: Path, file_opts: list[str] | None = None, env: dict[str, str] | None = None,
              flags: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    config = tmp_path / "config.toml"
    config.write_text("" if file_opts is None else f"storage_opts = {file_opts!r}\n".replace("'", '"'))
    base = {"NERDPY_CONFIG": str(config), "NERDPY_DATA_ROOT": str(tmp_path / "d"), "HOME": str(tmp_path)}
    return load_settings(Flags(storage_opts=flags), {**base, **(env or {})})


def test_precedence_flags_over_env_over_file_and_empty_clears(tmp_path: Path) -> None:
    assert _settings(tmp_path, ["overlay.mountopt=nodev"]).storage_opts == ("overlay.mountopt=nodev",)
    env = {"NERDPY_STORAGE_OPT": "overlay.mountopt=nosuid\nsize=1G"}
    assert _settings(tmp_path, ["overlay.mountopt=nodev"], env).storage_opts == ("overlay.mountopt=nosuid", "size=1G")
    assert _settings(tmp_path, ["size=1G"], env, ("overlay.mountopt=noexec",)).storage_opts == (
        "overlay.mountopt=noexec",)
    assert _settings(tmp_path, ["size=1G"], None, ("size=2G", "", "overlay.mountopt=nodev")).storage_opts == (
        "overlay.mountopt=nodev",)


@pytest.mark.parametrize("entries,message", [
    (["nokv"], "use KEY=VALUE"), (["overlay.size=1"], "unknown storage option 'overlay.size'"),
])
def test_bad_entries_are_one_line_errors(tmp_path: Path, entries: list[str], message: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        _settings(tmp_path, flags=tuple(entries))
    assert message in str(err.value) or message in (err.value.hint or "")


def test_config_file_must_hold_a_list_of_strings(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('storage_opts = "size=1"\n')
    with pytest.raises(InvalidArgument, match="storage_opts must be a list"):
        load_settings(Flags(), {"NERDPY_CONFIG": str(tmp_path / "config.toml"), "HOME": str(tmp_path)})


def test_parse_check_and_driver_choice(tmp_path: Path) -> None:
    opts = options.parse(["overlay.mountopt=nodev,xino=off", "overlay.mountopt=nodev"])  # last one wins
    assert opts.mountopt == ("nodev",) and opts.mount_program is None and opts.size is None
    options.check("overlay", opts)
    with pytest.raises(InvalidArgument, match="not supported by the native storage driver"):
        options.check("native", opts)
    with pytest.raises(InvalidArgument, match="'metacopy=on' is not supported by the overlay"):
        options.check("overlay", options.parse(["overlay.mountopt=metacopy=on"]))
    with pytest.raises(InvalidArgument, match="--storage-opt size is not supported by the fuse-overlayfs"):
        options.check("fuse-overlayfs", options.parse(["size=1G"]))
    with pytest.raises(InvalidArgument, match="not an executable file"):
        options.parse([f"overlay.mount_program={tmp_path}"])
    fuse = options.parse(["overlay.mount_program=/bin/true"])
    assert options.effective_driver(None, fuse) == options.effective_driver("overlay", fuse) == "fuse-overlayfs"
    assert options.effective_driver("native", options.parse([])) == "native"
    with pytest.raises(InvalidArgument, match="native"):
        options.effective_driver("native", fuse)
    assert fuse.entries() == ("overlay.mount_program=/bin/true",)


def test_container_size_and_unknown_keys() -> None:
    with pytest.raises(InvalidArgument, match="^--storage-opt size is not supported by the overlay storage driver$"):
        options.check_container("overlay", ["size=10G"])
    with pytest.raises(InvalidArgument, match="unknown --storage-opt 'foo'"):
        options.check_container("native", ["foo=1"])
    with pytest.raises(InvalidArgument, match="invalid --storage-opt"):
        options.check_container("native", ["size"])
    options.check_container("overlay", [])


def test_mounts_carry_the_options(tmp_path: Path) -> None:
    kernel = OverlaySnapshotter.__new__(OverlaySnapshotter)
    kernel.configure(options.parse(["overlay.mountopt=nodev,xino=off"]))
    (mount,) = kernel._mounts(tmp_path, Kind.ACTIVE, [tmp_path / "lower"])
    assert "nodev" in mount.options and "xino=off" in mount.options and "index=off" in mount.options
    flags, data = _split_options(mount.options)
    assert flags and "nodev" not in data and "xino=off" in data  # nodev is a mount flag, not overlay data
    fuse = FuseOverlaySnapshotter.__new__(FuseOverlaySnapshotter)
    fuse.configure(options.parse(["overlay.mount_program=/bin/true", "overlay.mountopt=noacl"]))
    (mount,) = fuse._mounts(tmp_path, Kind.ACTIVE, [tmp_path / "lower"])
    assert mount.options[:2] == ("x-nerdpy.helper=/bin/true", "noacl")
    assert not any(o.startswith("x-") for o in _split_options(mount.options)[1])  # never reaches the helper
