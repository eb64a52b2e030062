"""Direct apply into an overlay upper dir (nerdpy.archive.layered) against the merged view.

The equivalence test mounts real overlays in a private mount namespace (`unshare -m`
as root, `unshare -rm` as a plain user: then the user.* overlay xattrs are used);
the confinement tests need no mounts: they check nothing outside the layer dirs moved.
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from nerdpy.archive import ApplyOptions, Whiteouts
from nerdpy.archive.apply import apply_layer
from nerdpy.errors import DataCorrupted
from tests.unit.archive.layered_cases import CASES
from tests.unit.archive.tarbuild import tar

REPO = Path(__file__).resolve().parents[3]


def _stack(tmp: Path, *layers: bytes) -> list[Path]:
    """Apply each layer into its own dir, the later ones directly over the earlier."""
    dirs: list[Path] = []
    for i, layer in enumerate(layers):
        d = tmp / f"l{i}"
        d.mkdir()
        opts = ApplyOptions(in_userns=True, whiteouts=Whiteouts.OVERLAY, opaque_xattr="user.overlay.opaque",
                            lowers=tuple(str(p) for p in reversed(dirs)))
        apply_layer(io.BytesIO(layer), str(d), opts if dirs else ApplyOptions(in_userns=True))
        dirs.append(d)
    return dirs


def test_direct_apply_gives_the_mounted_tree(tmp_path: Path) -> None:
    cmd = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-rm"]
    proc = subprocess.run([*cmd, sys.executable, "-m", "tests.unit.archive.layered_check", str(tmp_path), *CASES],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name, (mounted, direct) in json.loads(proc.stdout).items():
        assert direct == mounted, name
        assert len(direct) > 3, name  # the view really showed the layers


def test_lower_symlinks_resolve_inside_the_root(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    l0, l1 = _stack(tmp_path, tar(("up", "s", "../../../.."), ("abs", "s", str(victim)), ("lib", "s", "usr/lib"),
                                  ("usr/lib", "d", None, {"mode": 0o750})),
                    tar(("up/pwned", "f", "1"), ("abs/pwned", "f", "2"), ("lib/x", "f", "3")))
    assert os.listdir(victim) == [] and not (tmp_path / "pwned").exists()
    assert (l1 / "pwned").read_text() == "1"
    assert (l1 / str(victim).lstrip("/") / "pwned").read_text() == "2"
    assert (l1 / "usr/lib/x").read_text() == "3" and not (l1 / "lib").exists()
    assert (l1 / "usr/lib").stat().st_mode & 0o777 == 0o750  # copied up with the lower's mode
    assert sorted(os.listdir(l0)) == ["abs", "lib", "up", "usr"] and os.listdir(l0 / "usr/lib") == []


def test_whiteouts_and_opaque_are_overlay_native(tmp_path: Path) -> None:
    _, l1 = _stack(tmp_path, tar(("etc/a", "f", "a"), ("d/x", "f", "x")),
                   tar(("etc/.wh.a", "f", ""), ("d/.wh..wh..opq", "f", "")))
    st = os.lstat(l1 / "etc/a")
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == 0
    assert os.getxattr(l1 / "d", "user.overlay.opaque") == b"y"


def test_recreate_under_a_whiteout_hides_the_lower_dir(tmp_path: Path) -> None:
    _, l1 = _stack(tmp_path, tar(("d/old", "f", "o")), tar((".wh.d", "f", ""), ("d/new", "f", "n")))
    assert os.listdir(l1 / "d") == ["new"]  # whiteout first: the recreated dir is opaque
    assert os.getxattr(l1 / "d", "user.overlay.opaque") == b"y"


def test_hardlink_to_a_missing_lower_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataCorrupted, match="does not exist"):
        _stack(tmp_path, tar(("a", "f", "a")), tar(("h", "h", "nope")))


def test_symlink_loop_in_a_lower_layer_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataCorrupted, match="symbolic links"):
        _stack(tmp_path, tar(("loop", "s", "loop2"), ("loop2", "s", "loop")), tar(("loop/f", "f", "x")))


def test_file_in_the_path_is_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(DataCorrupted, match="Not a directory"):
        _stack(tmp_path, tar(("f", "f", "x")), tar(("f/child", "f", "y")))


def test_later_entries_replace_earlier_ones_of_another_type(tmp_path: Path) -> None:
    _, l1 = _stack(tmp_path, tar(("base", "d")), tar(("x", "d", None, {"mode": 0o700}), ("x", "f", "now a file"),
                                                   ("y", "f", "file"), ("y", "d", None, {"mode": 0o711})))
    assert (l1 / "x").read_text() == "now a file" and (l1 / "y").stat().st_mode & 0o777 == 0o711
