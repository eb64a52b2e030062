"""The local driver's option parsing and mount-point discovery."""

from __future__ import annotations

from nerdpy.linux import libc
from nerdpy.volumes.local import _unescape, mounts_under, parse_o


def test_parse_o_splits_flags_from_data() -> None:
    flags, data = parse_o("size=64m,ro,nosuid,mode=1777,noexec")
    assert flags == libc.MS_RDONLY | libc.MS_NOSUID | libc.MS_NOEXEC
    assert data == "size=64m,mode=1777"
    assert parse_o("ro,rw") == (0, "")
    assert parse_o("rbind")[0] == libc.MS_BIND | libc.MS_REC
    assert parse_o("") == (0, "")


def test_mountinfo_unescape() -> None:
    assert _unescape(rb"/a\040b\011c\134d") == "/a b\tc\\d"
    assert _unescape(rb"/plain\04") == "/plain\\04"


def test_mounts_under_sees_real_mount_points() -> None:
    # /proc is a mount point on every Linux host, /proc/self is not one.
    assert mounts_under("/proc")[-1] == "/proc"
    assert mounts_under("/proc/self") == []
    nested = mounts_under("/")
    depth = [p.rstrip("/").count("/") for p in nested]
    assert nested[-1] == "/" and depth == sorted(depth, reverse=True)
