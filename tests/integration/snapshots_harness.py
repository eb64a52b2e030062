"""Snapshot scenarios that must run inside the rootless namespace.

Run as `nerdpy unshare python -m tests.integration.snapshots_harness SCENARIO DRIVER`
(plain python as root) with NERDPY_DATA_ROOT pointing at a fresh store. Each
scenario asserts and prints a JSON summary; a failed assertion exits non-zero
with the traceback on stderr, which the calling test shows.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

from nerdpy.config import Flags, load_settings
from nerdpy.errors import AlreadyExists, Conflict, InvalidArgument, NotFound
from nerdpy.snapshots import Kind, Snapshotter, get_snapshotter
from nerdpy.snapshots.mount import mount_all, unmount_all

SCENARIOS: dict[str, Callable[[Snapshotter], Any]] = {}


def scenario(fn: Callable[[Snapshotter], Any]) -> Callable[[Snapshotter], Any]:
    SCENARIOS[fn.__name__] = fn
    return fn


class Mounted:
    """Mount a snapshot's mounts on a temporary dir (what the runtime does)."""

    def __init__(self, mounts: list) -> None:
        self.mounts = mounts
        self.path = Path(tempfile.mkdtemp(prefix="snap-mnt-"))

    def __enter__(self) -> Path:
        mount_all(self.mounts, self.path)
        return self.path

    def __exit__(self, *exc: object) -> None:
        unmount_all(self.path)
        self.path.rmdir()


def _expect(exc: type, fn: Callable[[], Any]) -> None:
    try:
        fn()
    except exc:
        return
    raise AssertionError(f"expected {exc.__name__}")


def _tree(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            rel = str(p.relative_to(root))
            out[rel] = "dir" if p.is_dir() and not p.is_symlink() else (
                "->" + os.readlink(p) if p.is_symlink() else p.read_text())
    return out


@scenario
def basic(sn: Snapshotter) -> Any:
    with Mounted(sn.prepare("a")) as root:
        (root / "foo").mkdir()
        (root / "foo" / "bar").write_text("one")
        (root / "gone").write_text("x")
        os.symlink("foo/bar", root / "link")
        os.chown(root / "foo" / "bar", 1000, 1000)
    sn.commit("A", "a")
    _expect(NotFound, lambda: sn.stat("a"))
    with Mounted(sn.prepare("b", "A")) as root:
        assert (root / "foo" / "bar").read_text() == "one"
        assert os.lstat(root / "foo" / "bar").st_uid == 1000
        (root / "foo" / "bar").write_text("two")
        os.unlink(root / "gone")
        (root / "new").write_text("n")
    sn.commit("B", "b")
    with Mounted(sn.view("v", "B")) as root:
        tree = _tree(root)
        assert tree == {"foo": "dir", "foo/bar": "two", "link": "->foo/bar", "new": "n"}, tree
        _expect(OSError, lambda: (root / "ro").write_text("no"))
    with Mounted(sn.view("va", "A")) as root:
        assert (root / "foo" / "bar").read_text() == "one" and (root / "gone").exists()
    return tree


@scenario
def stat(sn: Snapshotter) -> Any:
    sn.prepare("s1", labels={"l": "v"})
    info = sn.stat("s1")
    assert info.kind == Kind.ACTIVE and info.parent is None and info.labels == {"l": "v"}, info
    sn.commit("S1", "s1", labels={"m": "w"})
    info = sn.stat("S1")
    assert info.kind == Kind.COMMITTED and info.labels == {"l": "v", "m": "w"}, info
    sn.view("v1", "S1")
    assert sn.stat("v1").kind == Kind.VIEW and sn.stat("v1").parent == "S1"
    _expect(AlreadyExists, lambda: sn.prepare("S1"))
    _expect(InvalidArgument, lambda: sn.prepare("x", "v1"))  # parent not committed
    _expect(NotFound, lambda: sn.prepare("y", "nope"))
    _expect(InvalidArgument, lambda: sn.commit("Z", "v1"))  # views cannot be committed
    sn.prepare("s2", "S1")
    _expect(AlreadyExists, lambda: sn.commit("S1", "s2"))
    return "ok"


@scenario
def chain(sn: Snapshotter) -> Any:
    parent = None
    for i in range(4):
        with Mounted(sn.prepare(f"c{i}", parent)) as root:
            (root / f"f{i}").write_text(str(i))
            if i == 2:
                os.unlink(root / "f0")
        sn.commit(f"C{i}", f"c{i}")
        parent = f"C{i}"
    with Mounted(sn.prepare("top", parent)) as root:
        tree = _tree(root)
    assert tree == {"f1": "1", "f2": "2", "f3": "3"}, tree
    return tree


@scenario
def remove(sn: Snapshotter) -> Any:
    sn.prepare("r1")
    sn.commit("R1", "r1")
    sn.prepare("r2", "R1")
    _expect(Conflict, lambda: sn.remove("R1"))
    upper = Path(sn.upper_dir("r2"))
    sn.remove("r2")
    assert not upper.exists()
    sn.remove("R1")
    _expect(NotFound, lambda: sn.remove("R1"))
    _expect(NotFound, lambda: sn.mounts("r2"))
    assert list(sn.walk()) == []
    return "ok"


@scenario
def walk(sn: Snapshotter) -> Any:
    sn.prepare("w1")
    sn.commit("W1", "w1")
    sn.prepare("w2", "W1")
    sn.view("w3", "W1")
    found = {i.key: (i.kind.value, i.parent) for i in sn.walk()}
    assert found == {"W1": ("committed", None), "w2": ("active", "W1"), "w3": ("view", "W1")}, found
    return found


@scenario
def many_layers(sn: Snapshotter) -> Any:
    count = int(os.environ.get("SNAP_LAYERS", "70"))
    parent = None
    for i in range(count):
        with Mounted(sn.prepare(f"m{i}", parent)) as root:
            (root / f"f{i}").write_text(str(i))
        sn.commit(f"M{i}", f"m{i}")
        parent = f"M{i}"
    top = sn.prepare("mtop", parent)
    if sn.name != "native":  # the lowerdir list must exceed one page: mount_all has to shorten it
        assert len(",".join(top[0].options)) > os.sysconf("SC_PAGESIZE"), len(",".join(top[0].options))
    with Mounted(top) as root:
        names = sorted(os.listdir(root))
    assert len(names) == count and (root / "x").exists() is False, names
    return len(names)


@scenario
def usage(sn: Snapshotter) -> Any:
    with Mounted(sn.prepare("u1")) as root:
        (root / "big").write_bytes(os.urandom(1 << 20))
        os.link(root / "big", root / "big-link")
        (root / "small").write_text("s")
    active = sn.usage("u1")
    sn.commit("U1", "u1")
    committed = sn.usage("U1")
    assert committed == active and committed.size >= 1 << 20 and committed.inodes == 2, committed
    with Mounted(sn.prepare("u2", "U1")) as root:
        (root / "more").write_bytes(os.urandom(1 << 16))
    child = sn.usage("u2")
    if sn.name == "native":  # a native snapshot is a full copy of its parent
        assert child.size >= committed.size + (1 << 16), child
    else:  # only the snapshot's own changes
        assert (1 << 16) <= child.size < (1 << 20), child
    return [committed.size, committed.inodes, child.size]


class FakeImage:
    """What unpack needs from nerdpy.images.image.Image, for an image built by the fixtures."""

    def __init__(self, built: Any, settings: Any, diff_ids: list[str] | None = None) -> None:
        from types import SimpleNamespace

        from nerdpy.content.store import ContentStore
        from nerdpy.images.image import chain_ids

        self.content = ContentStore(settings.layout.content_dir)
        for digest, data in built.blobs().items():
            if not self.content.has(digest):
                self.content.add_bytes(data, digest)
        self.id = built.id
        self.layers = [SimpleNamespace(digest=layer.digest) for layer in built.layers]
        self.diff_ids = diff_ids or [layer.diff_id for layer in built.layers]
        self.chain_ids = chain_ids(self.diff_ids)


def _settings() -> Any:
    return load_settings(Flags(storage_driver=os.environ["SNAP_DRIVER"]))


@scenario
def unpack_tricky(sn: Snapshotter) -> Any:
    from nerdpy.images.unpack import unpack
    from tests.fixtures import images
    from tests.unit.archive.tarbuild import snapshot_tree

    settings = _settings()
    base = images.LayerSpec().dir("/bin").file("/bin/sh", "#!fake\n", 0o755)
    built = images.build_image([base, *images.tricky_layers()])
    top = unpack(settings, FakeImage(built, settings))
    assert top == FakeImage(built, settings).chain_ids[-1]
    count = len(list(sn.walk()))
    assert unpack(settings, FakeImage(built, settings)) == top and len(list(sn.walk())) == count == 3
    # A second image sharing the two lower layers reuses their snapshots.
    other = images.build_image([base, images.tricky_layers()[0], images.LayerSpec().file("/other", "o")])
    unpack(settings, FakeImage(other, settings))
    assert len(list(sn.walk())) == 4
    with Mounted(sn.prepare("ctr", top)) as root:
        tree = snapshot_tree(root)
        assert (root / "data/keep").read_text() == "v2\n" and not (root / "data/gone").exists()
        assert sorted(os.listdir(root / "opaque")) == ["new"]
        assert os.readlink(root / "data/link") == "keep"
        assert (root / "bin/su-copy").stat().st_mode & 0o7777 == 0o4755
        assert os.lstat(root / "data/nobody-file")[4:6] == (65534, 65534)
        assert os.lstat(root / "data/userdir").st_mode & 0o7777 == 0o750
        assert os.lstat(root / "data/userdir")[4:6] == (1000, 1000)
        assert os.getxattr(root / "data/xattr", "user.test") == b"hello"
        import stat as st_mod
        assert st_mod.S_ISFIFO(os.lstat(root / "data/fifo").st_mode)
    return {k: list(v) for k, v in tree.items()}


@scenario
def unpack_hostile(sn: Snapshotter) -> Any:
    from nerdpy.images.unpack import unpack
    from tests.fixtures import images

    settings = _settings()
    marker = f"nerdpy-escape-{os.getpid()}"
    one = images.LayerSpec().symlink("/escape", "/").symlink("/up", "../../../..").dir("/tmp")
    two = images.LayerSpec().file(f"/escape/tmp/{marker}", "x").file(f"/up/tmp/{marker}-2", "y")
    built = images.build_image([one, two])
    top = unpack(settings, FakeImage(built, settings))
    assert not os.path.exists(f"/tmp/{marker}") and not os.path.exists(f"/tmp/{marker}-2")
    with Mounted(sn.view("check", top)) as root:
        assert (root / "tmp" / marker).read_text() == "x" and (root / "tmp" / f"{marker}-2").read_text() == "y"
    from nerdpy.errors import DataCorrupted

    three = images.LayerSpec().file("/tmp/../../../" + marker + "-3", "z")
    hostile = FakeImage(images.build_image([one, two, three]), settings)
    try:
        unpack(settings, hostile)
    except DataCorrupted as exc:
        assert "outside the root" in str(exc), exc
    else:
        raise AssertionError("a ../ entry was accepted")
    assert not os.path.exists(f"/{marker}-3") and not sn.exists(hostile.chain_ids[-1])  # type: ignore[attr-defined]
    assert len(list(sn.walk())) == 3  # two layers + the view; no extract snapshot left behind
    return "contained"


@scenario
def unpack_bad_diff_id(sn: Snapshotter) -> Any:
    from nerdpy.errors import DataCorrupted
    from nerdpy.images.unpack import unpack
    from tests.fixtures import images

    settings = _settings()
    built = images.build_image([images.LayerSpec().file("/a", "a"), images.LayerSpec().file("/b", "b")])
    good = FakeImage(built, settings)
    bad = FakeImage(built, settings, diff_ids=[good.diff_ids[0], "sha256:" + "0" * 64])
    try:
        unpack(settings, bad)
    except DataCorrupted as exc:
        assert "wrong diff id" in str(exc), exc
    else:
        raise AssertionError("a wrong diff_id was accepted")
    keys = [i.key for i in sn.walk()]
    assert keys == [good.chain_ids[0]], keys  # the verified lower layer only; no extract left
    assert unpack(settings, good) == good.chain_ids[-1]
    return keys


@scenario
def unpack_concurrent(sn: Snapshotter) -> Any:
    from nerdpy.images.unpack import unpack
    from tests.fixtures import images

    settings = _settings()
    built = images.build_image([images.LayerSpec().file(f"/l{i}", os.urandom(50_000)) for i in range(4)])
    image = FakeImage(built, settings)
    pids = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:
            try:
                from nerdpy.metadata import db

                db._open.clear()  # a fresh sqlite connection per process
                unpack(settings, image)
                os._exit(0)
            except BaseException:
                import traceback

                traceback.print_exc()
                os._exit(1)
        pids.append(pid)
    codes = [os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in pids]
    assert codes == [0, 0, 0], codes
    infos = list(sn.walk())
    assert sorted(i.key for i in infos) == sorted(image.chain_ids), infos
    return len(infos)


@scenario
def unpack_reaps_killed(sn: Snapshotter) -> Any:
    """An unpack killed mid-layer leaves an extract snapshot; the next unpack removes it."""
    import signal
    import time

    from nerdpy.images.unpack import unpack
    from tests.fixtures import images

    settings = _settings()
    big = images.LayerSpec()
    for i in range(3000):
        big.file(f"/many/f{i}", os.urandom(2000))
    # Two layers: with overlay the second is applied by a mounting helper process, which
    # must die with the killed command.
    image = FakeImage(images.build_image([images.LayerSpec().file("/base", "b"), big]), settings)
    pid = os.fork()
    if pid == 0:
        from nerdpy.metadata import db

        db._open.clear()
        try:
            unpack(settings, image)
        finally:
            os._exit(0)
    deadline = time.time() + 30
    while not any(i.key.startswith("extract-") and i.parent for i in sn.walk()) and time.time() < deadline:
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    left = [i.key for i in sn.walk()]
    assert len(left) == 2 and left[1].startswith(f"extract-{pid}-"), left  # killed while extracting
    assert unpack(settings, image) == image.chain_ids[-1]
    keys = [i.key for i in sn.walk()]
    assert keys == image.chain_ids, keys
    root = settings.layout.snapshots_dir / sn.name
    assert len(os.listdir(root / "snapshots")) == len(keys)  # the killed extract's dir is gone too
    assert not [d for d in os.listdir(root) if d.startswith(("rm-", "tmp-"))]
    return keys


def sparse_layer(flags: tuple[str, ...] = ("--format=gnu",)) -> bytes:
    """A layer made by GNU tar --sparse: /sparse/file.bin, 3 MiB with 30 data blocks and holes.
    The directory is in the layer too: podman creates a missing parent 0755 root, where
    nerdpy (like containerd) keeps a lower layer's directory as it was."""
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "sparse", "file.bin")
        path.parent.mkdir(mode=0o755)
        with open(path, "wb") as f:
            f.truncate(3 << 20)
            for i in range(30):  # more blocks than an old-GNU header holds: extension headers too
                f.seek(4096 + i * 65536)
                f.write(b"block %d\n" % i)
        os.utime(path, (1_700_000_000, 1_700_000_000))
        os.chmod(path.parent, 0o755)
        out = Path(tmp, "layer.tar")
        subprocess.run(["tar", "--sparse", *flags, "--owner=0", "--group=0", "--numeric-owner",
                        "-cf", str(out), "-C", tmp, "sparse"], check=True)
        return out.read_bytes()


def peer_image() -> Any:
    """The image compared with podman: busybox + the tricky layers + more owners and links,
    and a GNU sparse file (PAX 1.0: podman 4.3 refuses old-GNU type S, nerdpy reads both)."""
    from tests.fixtures import images

    extra = (images.LayerSpec().dir("/srv", 0o2775, uid=33, gid=33)
             .file("/srv/setgid", "g", 0o2755, uid=0, gid=50).file("/srv/www", "w", 0o640, uid=33, gid=33)
             .hardlink("/srv/www-link", "/srv/www").symlink("/srv/abs", "/etc/passwd")
             .symlink("/srv/dangling", "../nowhere").file("/srv/big", bytes(range(256)) * 4096, uid=4242)
             .dir("/srv/sticky", 0o1777).whiteout("/data/sub"))
    return images.build_image([images.busybox_rootfs(), *images.tricky_layers(), extra,
                               images.make_layer(sparse_layer(("--format=pax", "--sparse-version=1.0")))])


@scenario
def peer_tree(sn: Snapshotter) -> Any:
    from nerdpy.images.unpack import unpack
    from tests.unit.archive.tarbuild import snapshot_tree

    settings = _settings()
    top = unpack(settings, FakeImage(peer_image(), settings))
    with Mounted(sn.prepare("peer", top)) as root:
        return {k: list(v) for k, v in snapshot_tree(root).items()}


@scenario
def diff_roundtrip(sn: Snapshotter) -> Any:
    """Changes made through a mount, exported as a layer and applied on the parent, give the same tree."""
    import io

    from nerdpy.images.unpack import unpack
    from nerdpy.snapshots.apply import apply_to_snapshot
    from nerdpy.snapshots.diff import write_diff
    from tests.fixtures import images
    from tests.unit.archive.tarbuild import snapshot_tree

    settings = _settings()
    base = images.LayerSpec().dir("/d").file("/d/a", "a").file("/d/b", "b").dir("/o").file("/o/x", "x") \
        .file("/keep", "k").symlink("/lnk", "keep").dir("/gone").file("/gone/f", "f")
    top = unpack(settings, FakeImage(images.build_image([base]), settings))
    with Mounted(sn.prepare("work", top)) as root:
        os.unlink(root / "d" / "a")
        (root / "d" / "b").write_text("b2")
        os.chmod(root / "keep", 0o600)
        import shutil

        shutil.rmtree(root / "gone")
        shutil.rmtree(root / "o")
        (root / "o").mkdir()
        (root / "o" / "y").write_text("y")
        (root / "new").write_text("n")
        os.link(root / "new", root / "new-link")
        os.chown(root / "new", 1000, 1000)
        expected = snapshot_tree(root)
    buf = io.BytesIO()
    write_diff(sn, "work", buf)
    sn.prepare("replay", top)
    buf.seek(0)
    apply_to_snapshot(sn, "replay", buf)
    with Mounted(sn.mounts("replay")) as root:
        got = snapshot_tree(root)
    assert got == expected, {"got": got, "expected": expected}
    return sorted(got)


def main(argv: list[str]) -> int:
    name, driver = argv[0], argv[1]
    os.environ["SNAP_DRIVER"] = driver
    settings = load_settings(Flags(storage_driver=driver))
    sn = get_snapshotter(settings)
    assert sn.name == driver, sn.name
    assert (settings.layout.snapshots_dir / "driver").read_text().strip() == driver
    print(json.dumps({"scenario": name, "driver": driver, "result": SCENARIOS[name](sn)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
