"""Hostile layers: nothing outside the layer root may be created, changed, chmod'ed or removed.

Catalogue from containerd TestBreakouts, moby/go-archive and continuity RootPath
(../shared/reference/security.md section 1). Each case ends either with a
DataCorrupted error or with the write contained in the root; the victim
directory beside the root must be exactly as before in every case.
"""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import zlib
from pathlib import Path

import pytest

from nerdpy.archive import ApplyOptions
from nerdpy.archive.apply import apply_layer
from nerdpy.errors import DataCorrupted, NerdpyError
from tests.unit.archive.tarbuild import tar

OPTS = ApplyOptions(in_userns=True)  # device nodes skipped: works as root and as a plain user


@pytest.fixture
def box(tmp_path: Path):
    root, victim = tmp_path / "root", tmp_path / "victim"
    root.mkdir()
    victim.mkdir()
    (victim / "hello").write_text("hello")
    os.chmod(victim / "hello", 0o400)
    (tmp_path / "root-evil").mkdir()
    (tmp_path / "root-evil" / "secret").write_text("secret")
    yield root, victim
    os.chmod(victim / "hello", 0o600)
    assert sorted(os.listdir(victim)) == ["hello"], "something was written outside the root"
    assert (victim / "hello").read_text() == "hello"
    assert sorted(os.listdir(tmp_path)) == ["root", "root-evil", "victim"]
    for dirpath, _, files in os.walk(root):
        for name in files:
            p = Path(dirpath, name)
            if p.is_file() and not p.is_symlink() and os.access(p, os.R_OK):
                assert p.read_bytes() != b"hello", f"{p} leaked the victim's content"


def apply(root: Path, *layers: bytes, opts: ApplyOptions = OPTS):
    return [apply_layer(io.BytesIO(layer), str(root), opts) for layer in layers]


def contained_or_refused(root: Path, *layers: bytes) -> str:
    try:
        apply(root, *layers)
    except DataCorrupted as exc:
        assert "\n" not in str(exc)
        return "refused"
    return "contained"


# ---------------------------------------------------------------- A. traversal, absolute names

@pytest.mark.parametrize("name", ["../victim/dotdot", "/../victim/slash-dotdot", "..", "../pwned",
                                  "../../pwned", "a/../../victim/x", "./../victim/y"])
def test_dotdot_names_are_refused(box, name):
    root, _ = box
    with pytest.raises(DataCorrupted, match="outside the root"):
        apply(root, tar((name, "f", "pwned")))


def test_absolute_and_relative_names_land_inside(box):
    root, _ = box
    apply(root, tar(("/etc/passwd", "f", "root"), ("dne/../x", "f", "x"), ("..gitme", "f", "ok"), ("./y", "f", "y")))
    assert (root / "etc/passwd").read_text() == "root"
    assert (root / "x").read_text() == "x" and not (root / "dne").exists()
    assert (root / "..gitme").read_text() == "ok" and (root / "y").exists()


# ---------------------------------------------------------------- B. symlink escapes

def test_write_through_absolute_symlink_same_layer(box):
    root, victim = box
    apply(root, tar(("localetc", "s", str(victim)), ("localetc/pwned", "f", "x")))
    assert (root / str(victim).lstrip("/") / "pwned").read_text() == "x"


def test_write_through_symlink_in_a_later_layer(box):
    root, victim = box
    apply(root, tar(("up", "s", "../../../../.."), ("abs", "s", str(victim))),
          tar(("up/pwned", "f", "x"), ("abs/pwned", "f", "y")))
    assert (root / "pwned").read_text() == "x"
    assert (root / str(victim).lstrip("/") / "pwned").read_text() == "y"


def test_symlink_to_root_and_dotdot(box):
    root, victim = box
    rel = os.path.relpath(victim, root)  # ../victim
    apply(root, tar(("toroot", "s", "/"), ("dotdot", "s", ".."), ("rel", "s", rel)),
          tar(("toroot/a", "f", "a"), ("dotdot/b", "f", "b"), ("rel/c", "f", "c")))
    assert (root / "a").exists() and (root / "b").exists() and (root / "victim" / "c").exists()


def test_two_hop_chain_cve_2026_17106(box):
    root, _ = box
    apply(root, tar(("inner", "d"), ("inner/go_up", "s", ".."), ("inner/go_up/escape", "s", "../victim"),
                    ("inner/go_up/escape/newfile", "f", "x")))
    assert (root / "victim" / "newfile").exists()


def test_empty_file_through_symlink_does_not_truncate(box):
    root, victim = box
    apply(root, tar(("localetc", "s", str(victim)), ("localetc/hello", "f", "")))
    assert (root / str(victim).lstrip("/") / "hello").read_bytes() == b""


def test_symlink_override_path(box):
    root, _ = box
    tmp = root.parent
    apply(root, tar(("foo", "d"), ("foo/tmp/x", "f", "1")),
          tar(("foo", "s", str(tmp)), ("foo/tmp/x", "f", "2")),
          tar(("foo", "d"), ("foo/tmp/x", "f", "3")))
    assert (root / "foo").is_dir() and not (root / "foo").is_symlink()
    assert (root / "foo/tmp/x").read_text() == "3"
    assert (root / str(tmp).lstrip("/") / "tmp/x").read_text() == "2"


def test_directory_replaces_symlink_to_outside(box):
    root, victim = box
    apply(root, tar(("link", "s", str(victim))), tar(("link", "d"), ("link/x", "f", "x")))
    assert (root / "link").is_dir() and not (root / "link").is_symlink()


def test_implied_dirs_through_lower_symlink(box):
    root, _ = box
    apply(root, tar(("usr", "d"), ("lib", "s", "usr/lib"), ("var/run", "s", "/run")),
          tar(("lib/systemd/system/x", "f", "x"), ("var/run/existing/non/file", "f", "y")))
    assert (root / "usr/lib/systemd/system/x").read_text() == "x" and (root / "lib").is_symlink()
    assert (root / "run/existing/non/file").read_text() == "y"


def test_symlink_loop_is_an_error(box):
    root, _ = box
    with pytest.raises(DataCorrupted):
        apply(root, tar(("a", "s", "b"), ("b", "s", "a"), ("a/x", "f", "x")))


def test_symlinks_are_kept_verbatim(box):
    root, victim = box
    apply(root, tar(("abs", "s", "/etc/passwd"), ("rel", "s", "../../../../etc/shadow"), ("v", "s", str(victim))))
    assert os.readlink(root / "abs") == "/etc/passwd"
    assert os.readlink(root / "rel") == "../../../../etc/shadow"


# ---------------------------------------------------------------- C. hardlinks

@pytest.mark.parametrize("target", ["../victim/hello", "../root-evil/secret", "/../victim/hello"])
def test_hardlink_outside_is_refused(box, target):
    root, _ = box
    with pytest.raises(DataCorrupted):
        apply(root, tar(("h", "h", target)))


def test_hardlink_absolute_resolves_in_root(box):
    root, victim = box
    assert contained_or_refused(root, tar(("h", "h", str(victim / "hello")))) == "refused"
    apply(root, tar(("usr/bin/perl", "f", "perl"), ("usr/bin/perlbug", "h", "/usr/bin/perl")))
    assert os.stat(root / "usr/bin/perl").st_ino == os.stat(root / "usr/bin/perlbug").st_ino


def test_hardlink_through_symlinked_dir(box):
    root, victim = box
    apply(root, tar(("etc/passwd", "f", "in"), ("breakouts/d1", "s", "../../etc"),
                    ("breakouts/d2", "s", str(victim)), ("h1", "h", "breakouts/d1/passwd")))
    assert os.stat(root / "h1").st_ino == os.stat(root / "etc/passwd").st_ino
    with pytest.raises(DataCorrupted):
        apply(root, tar(("h2", "h", "breakouts/d2/hello")))


def test_hardlink_to_symlink_links_the_symlink(box):
    root, victim = box
    apply(root, tar(("s", "s", str(victim / "hello")), ("h", "h", "s", {"mode": 0o777})))
    assert os.path.islink(root / "h") and os.lstat(root / "h").st_ino == os.lstat(root / "s").st_ino
    assert (victim / "hello").stat().st_mode & 0o777 == 0o400  # CVE-2021-32760: no chmod outside


# ---------------------------------------------------------------- D. whiteouts

@pytest.mark.parametrize("name", [".wh...", "etc/.wh..", ".wh.", "etc/.wh.."])
def test_invalid_whiteouts(box, name):
    root, _ = box
    with pytest.raises(DataCorrupted, match="invalid whiteout"):
        apply(root, tar(("etc", "d")), tar((name, "f", "")))


def test_whiteout_of_symlink_removes_only_the_link(box):
    root, victim = box
    apply(root, tar(("localetc", "s", str(victim))), tar((".wh.localetc", "f", "")))
    assert not os.path.lexists(root / "localetc")


def test_whiteout_through_symlinked_parent_stays_inside(box):
    root, victim = box
    inside = root / str(victim).lstrip("/")
    apply(root, tar(("localetc", "s", str(victim)), ("localetc/hello", "f", "in")),
          tar(("localetc/.wh.hello", "f", ""), ("dead", "s", "/dne"), ("dead/.wh.etc", "f", "")))
    assert inside.is_dir() and not (inside / "hello").exists()


def test_whiteout_looking_directory_is_not_a_whiteout(box):
    root, _ = box
    apply(root, tar((".wh.etc/somefile", "f", "x"), ("dne/../.wh.nothing", "f", "")))
    assert (root / ".wh.etc/somefile").read_text() == "x"


def test_whiteouts_and_opaque_hide_lower_layers_only(box):
    root, _ = box
    apply(root, tar(("foo/a", "f", "a"), ("foo/b", "f", "b"), (".baz", "f", ""), ("bar", "f", ""), ("keep", "f", "")),
          tar(("foo/new", "f", "n"), ("foo/.wh..wh..opq", "f", ""), ("foo/.bce", "f", ""),
              (".wh..baz", "f", ""), (".wh.bar", "f", ""), ("x", "f", ""), (".wh.x", "f", ""),
              (".wh..wh.plnk", "d"), (".wh..wh.plnk/1", "f", "")))
    assert sorted(os.listdir(root / "foo")) == [".bce", "new"]
    assert sorted(os.listdir(root)) == ["foo", "keep", "x"]


# ---------------------------------------------------------------- E/F. devices, modes

def test_devices_skipped_in_userns_with_one_warning(box):
    root, _ = box
    (result,) = apply(root, tar(("dev/null", "c", (1, 3)), ("dev/zero", "c", (1, 5)), ("dev/ok", "f", "")))
    assert not (root / "dev/null").exists() and (root / "dev/ok").exists()
    assert len(result.warnings) == 1 and "2 device" in result.warnings[0]


def test_device_number_out_of_range(box):
    root, _ = box
    with pytest.raises(DataCorrupted, match="out of range"):
        apply(root, tar(("dev/bad", "c", (1 << 33, 1)), fmt=tarfile.GNU_FORMAT))
    assert not (root / "dev").exists()  # refused before any filesystem change


def test_setuid_and_explicit_modes(box):
    root, _ = box
    apply(root, tar(("bin/su", "f", "x", {"mode": 0o4755}), ("ro", "d", None, {"mode": 0o555}),
                    ("ro/f", "f", "", {"mode": 0o400}), ("sticky", "d", None, {"mode": 0o1777})))
    assert (root / "bin/su").stat().st_mode & 0o7777 == 0o4755
    assert (root / "bin").stat().st_mode & 0o7777 == 0o755  # implied parent
    assert (root / "ro").stat().st_mode & 0o7777 == 0o555
    assert (root / "ro/f").stat().st_mode & 0o7777 == 0o400
    assert (root / "sticky").stat().st_mode & 0o7777 == 0o1777
    assert int((root / "bin/su").stat().st_mtime) == 1_700_000_000
    os.chmod(root / "ro", 0o755)


def test_trusted_xattrs_refused(box):
    root, _ = box
    (result,) = apply(root, tar(("f", "f", "x", {"pax": {"SCHILY.xattr.trusted.overlay.opaque": "y",
                                                          "SCHILY.xattr.user.ok": "v"}})))
    assert any("trusted.overlay.opaque" in w for w in result.warnings)
    with pytest.raises(OSError):
        os.getxattr(root / "f", "trusted.overlay.opaque")


# ---------------------------------------------------------------- H/I. names, PAX, duplicates

def test_pax_path_override_to_dotdot(box):
    root, _ = box
    with pytest.raises(DataCorrupted, match="outside"):
        apply(root, tar(("innocent", "f", "x", {"pax": {"path": "../victim/pwned"}})))


def test_long_names_and_gnu_format(box):
    root, _ = box
    long = "/".join(["d" * 100] * 3) + "/" + "f" * 200
    apply(root, tar((long, "f", "pax")), tar((long + "2", "f", "gnu"), fmt=tarfile.GNU_FORMAT))
    assert (root / long).read_text() == "pax" and (root / (long + "2")).read_text() == "gnu"
    with pytest.raises(DataCorrupted):
        apply(root, tar(("x" * 300, "f", "")))  # ENAMETOOLONG: one-line error, not a traceback


def test_pax_global_header_ignored(box):
    root, _ = box
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT, pax_headers={"comment": "g"}) as tf:
        ti = tarfile.TarInfo("a")
        ti.uid, ti.gid = os.geteuid(), os.getegid()
        tf.addfile(ti, io.BytesIO(b""))
    apply(root, buf.getvalue())
    assert os.listdir(root) == ["a"]


def test_duplicates_later_wins(box):
    root, _ = box
    apply(root, tar(("x", "f", "1"), ("x", "f", "2"), ("d", "d", None, {"mode": 0o700}), ("d/keep", "f", ""),
                    ("d", "d", None, {"mode": 0o750}), ("y", "d"), ("y/z", "f", ""), ("y", "f", "file"),
                    ("l", "s", "x"), ("l", "f", "real")))
    assert (root / "x").read_text() == "2"
    assert (root / "d/keep").exists() and (root / "d").stat().st_mode & 0o777 == 0o750
    assert (root / "y").read_text() == "file" and (root / "l").read_text() == "real"


def test_unknown_type_and_garbage(box):
    root, _ = box
    raw = bytearray(tar(("v", "f", "")))
    raw[156:157] = b"V"  # typeflag: volume label
    raw[148:156] = b"%06o\x00 " % (sum(raw[:148]) + sum(raw[156:512]) + 8 * 32)
    with pytest.raises(DataCorrupted, match="unhandled tar header type"):
        apply(root, bytes(raw))
    with pytest.raises(DataCorrupted, match="corrupt tar header"):
        apply(root, b"\x00garbage" * 100)


# ---------------------------------------------------------------- J/K. bombs, compression, digests

def test_gzip_bomb_stops_at_the_limit(box):
    root, _ = box
    comp = zlib.compressobj(1, zlib.DEFLATED, 31)
    header = tar(("bomb", "f", ""))[:512]
    ti = tarfile.TarInfo("bomb")
    ti.size = 256 << 20
    parts = [comp.compress(ti.tobuf(tarfile.PAX_FORMAT))]
    zeros = bytes(1 << 20)
    parts += [comp.compress(zeros) for _ in range(256)]
    parts.append(comp.flush())
    bomb = b"".join(parts)
    assert len(bomb) < 2 << 20 and header  # ~1000:1
    with pytest.raises(DataCorrupted, match="limit"):
        apply(root, bomb, opts=ApplyOptions(in_userns=True, max_size=32 << 20))
    assert (root / "bomb").stat().st_size <= 32 << 20


def test_truncated_streams(box):
    root, _ = box
    import zstandard

    layer = tar(("a", "f", os.urandom(200_000)))
    for blob in (gzip.compress(layer)[:-50], zstandard.ZstdCompressor().compress(layer)[:-50]):
        with pytest.raises(DataCorrupted):
            apply(root, blob)
    with pytest.raises(DataCorrupted, match="truncated"):
        apply(root, layer[:100_000])


def test_diff_id_covers_trailing_bytes_and_all_compressions(box):
    root, _ = box
    import hashlib

    import zstandard

    layer = tar(("a", "f", "a")) + b"trailing garbage after the end-of-archive blocks"
    want = "sha256:" + hashlib.sha256(layer).hexdigest()
    for blob in (layer, gzip.compress(layer), zstandard.ZstdCompressor().compress(layer)):
        (result,) = apply(root, blob)
        assert result.diff_id == want and result.size == len(layer)


def test_no_fd_leak(box):
    root, _ = box
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(3):
        apply(root, tar(*[(f"d{i}/f{j}", "f", "x") for i in range(300) for j in range(2)]))
        with pytest.raises(NerdpyError):
            apply(root, tar(("ok", "f", ""), ("../bad", "f", "")))
    assert len(os.listdir("/proc/self/fd")) == before
