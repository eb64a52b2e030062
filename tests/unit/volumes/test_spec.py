"""Parsing of -v, --mount, --tmpfs, --volumes-from: Docker's rules and messages."""

from __future__ import annotations

import pytest

from nerdpy.errors import InvalidArgument, NotImplementedYet
from nerdpy.volumes.spec import (
    KIND_BIND,
    KIND_TMPFS,
    KIND_VOLUME,
    image_volume_targets,
    parse_mount_flag,
    parse_size,
    parse_tmpfs_flag,
    parse_volume_flag,
    parse_volumes_from,
    tmpfs_mount_options,
)


@pytest.mark.parametrize(
    "raw, kind, source, target, ro",
    [
        ("/data", KIND_VOLUME, "", "/data", False),
        ("vol:/data", KIND_VOLUME, "vol", "/data", False),
        ("vol:/data:ro", KIND_VOLUME, "vol", "/data", True),
        ("/host:/ctr", KIND_BIND, "/host", "/ctr", False),
        ("/host/:/ctr/sub/../x:rw", KIND_BIND, "/host", "/ctr/x", False),
        ("/host:/ctr:ro,Z", KIND_BIND, "/host", "/ctr", True),
        ("/host:/ctr:z", KIND_BIND, "/host", "/ctr", False),
        ("a.b_c-d:/x", KIND_VOLUME, "a.b_c-d", "/x", False),
    ],
)
def test_volume_flag_forms(raw: str, kind: str, source: str, target: str, ro: bool) -> None:
    req = parse_volume_flag(raw)
    assert (req.kind, req.source, req.target, req.read_only) == (kind, source, target, ro)


def test_bind_from_v_creates_host_path_and_mount_does_not() -> None:
    assert parse_volume_flag("/h:/c").create_host_path is True
    assert parse_mount_flag("type=bind,source=/h,target=/c").create_host_path is False


def test_volume_flag_modes() -> None:
    req = parse_volume_flag("/h:/c:ro,U,rshared")
    assert req.chown and req.read_only and req.propagation == "rshared"
    assert parse_volume_flag("vv:/c:nocopy").copy_up is False
    assert parse_volume_flag("vv:/c").copy_up is True


@pytest.mark.parametrize(
    "raw, message",
    [
        ("", "invalid empty volume spec"),
        ("a:b:c:d", "invalid volume specification: 'a:b:c:d'"),
        ("/a::/b", "empty section between colons"),
        ("/data:ro", "invalid volume specification: '/data:ro'"),
        ("/h:/c:bogus", "invalid mode: bogus"),
        ("/h:/c:ro,rw", "invalid mode: ro,rw"),
        ("/h:relative", "mount path must be absolute"),
        ("relative", "mount path must be absolute"),
        ("/h:/", "destination can't be '/'"),
        ("./dir:/c", "is relative"),
        ("dir/sub:/c", "is relative"),
        ("~/dir:/c", "is relative"),
        ("a:/c", "includes invalid characters for a local volume name"),
        ("bad$name:/c", "includes invalid characters for a local volume name"),
        ("-lead:/c", "includes invalid characters"),
        ("vol:/c:rshared", "invalid mode: rshared"),
    ],
)
def test_volume_flag_errors(raw: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        parse_volume_flag(raw)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_mount_flag_bind() -> None:
    req = parse_mount_flag("type=bind,src=/h,dst=/c,readonly,bind-propagation=rslave,bind-nonrecursive")
    assert (req.kind, req.source, req.target, req.read_only) == (KIND_BIND, "/h", "/c", True)
    assert req.propagation == "rslave" and req.recursive is False


def test_mount_flag_volume_defaults_and_options() -> None:
    req = parse_mount_flag("target=/c,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-label=a=b,volume-nocopy")
    assert req.kind == KIND_VOLUME and req.source == ""
    assert req.volume_options == (("type", "tmpfs"), ("device", "tmpfs"))
    assert req.volume_labels == (("a", "b"),)
    assert req.copy_up is False
    assert parse_mount_flag('"type=volume","source=vv","target=/c","ro=false"').read_only is False


def test_mount_flag_tmpfs() -> None:
    req = parse_mount_flag("type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1770")
    assert req.kind == KIND_TMPFS
    assert req.tmpfs_options == ("size=67108864", "mode=1770")


@pytest.mark.parametrize(
    "raw, message",
    [
        ("type=bind,source=/h", "target is required"),
        ("type=bind,target=/c", "field Source must not be empty"),
        ("type=bind,source=rel,target=/c", "mount path must be absolute"),
        ("type=tmpfs,source=x,target=/c", "field Source must not be specified"),
        ("type=nfs,target=/c", "invalid mount type 'nfs'"),
        ("type=volume,target=/c,bogus=1", "unexpected key 'bogus'"),
        ("type=volume,target", "must be a key=value pair"),
        ("type=bind,source=/h,target=/c,volume-nocopy", "cannot mix 'volume-*' options with mount type 'bind'"),
        ("type=volume,target=/c,bind-propagation=rshared", "cannot mix 'bind-*' options"),
        ("type=bind,source=/h,target=/c,tmpfs-size=1m", "cannot mix 'tmpfs-*' options"),
        ("type=volume,source=x/y,target=/c", "invalid characters"),
        ("type=volume,target=c", "mount path must be absolute"),
        ("type=tmpfs,target=/c,tmpfs-mode=9z", "must be octal"),
        ("type=tmpfs,target=/c,tmpfs-size=lots", "invalid size"),
        ("type=bind,source=/h,target=/c,bind-propagation=odd", "invalid propagation mode"),
        ("type=bind,source=/h,target=/c,readonly=maybe", "invalid --mount readonly: 'maybe' is not a boolean"),
    ],
)
def test_mount_flag_errors(raw: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        parse_mount_flag(raw)
    assert message in str(err.value)


def test_mount_flag_unsupported_driver() -> None:
    with pytest.raises(NotImplementedYet):
        parse_mount_flag("type=volume,target=/c,volume-driver=nfs")


def test_tmpfs_flag() -> None:
    req = parse_tmpfs_flag("/run:rw,size=64m,mode=1777,exec")
    assert req.target == "/run" and req.kind == KIND_TMPFS
    assert tmpfs_mount_options(req.tmpfs_options) == ("nosuid", "nodev", "rw", "exec", "size=64m", "mode=1777")
    assert tmpfs_mount_options(()) == ("noexec", "nosuid", "nodev")
    for bad in ("run", "/run:bogus", "/run:size=lots", ":rw"):
        with pytest.raises(InvalidArgument):
            parse_tmpfs_flag(bad)


def test_size_units() -> None:
    assert parse_size("100") == 100
    assert parse_size("1k") == 1024
    assert parse_size("1.5m") == 1572864
    assert parse_size("2GiB") == 2 << 30


def test_volumes_from() -> None:
    assert parse_volumes_from("web") == ("web", None)
    assert parse_volumes_from("web:ro") == ("web", True)
    assert parse_volumes_from("web:rw") == ("web", False)
    for bad in (":ro", "web:bogus", "web:rshared"):
        with pytest.raises(InvalidArgument):
            parse_volumes_from(bad)


def test_image_volume_targets_are_cleaned_and_confined() -> None:
    got = image_volume_targets({"/data": {}, "rel/dir": {}, "/../../etc": {}, "/": {}, "/data/": {}})
    assert got == ["/data", "/rel/dir", "/etc"]
    assert image_volume_targets(None) == []
