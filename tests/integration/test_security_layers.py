"""What nerdpy promises about hostile or unusual image content.

- A layer may not inflate past max_layer_ratio times its compressed size (beyond
  a floor of max_layer_size/64): a small gzip of zeros cannot fill the disk. The
  error says which setting raises it.
- A sparse file under an image VOLUME stays sparse when the volume is filled from
  the image (64 MiB with 4 KiB of data does not become 64 MiB of zeros).
"""

from __future__ import annotations

import secrets
import subprocess

import pytest

pytestmark = pytest.mark.integration


def test_highly_compressible_layer_is_refused_until_the_ratio_is_raised(nerdpy, images, tmp_path) -> None:
    # 24 MiB of zeros gzip to ~24 KiB; with a 64 MiB size limit the floor is 1 MiB.
    tar = tmp_path / "bomb.tar"  # OCI: a docker-archive would hold the layer uncompressed
    images.write_oci_archive(tar, images.build_image([images.LayerSpec().file("/zeros", bytes(24 << 20))]),
                             "secbomb:latest")
    tmp_path.chmod(0o755)
    tar.chmod(0o644)
    small = {"NERDPY_MAX_LAYER_SIZE": str(64 << 20)}
    nerdpy("load", "-i", str(tar), env=small)
    result = nerdpy("create", "secbomb:latest", "true", env=small, check=False)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 125 and len(lines) == 1, result.stderr
    assert "inflates beyond the limit of 100 times its compressed size" in lines[0]
    assert "max_layer_ratio" in lines[0]
    cid = nerdpy("create", "secbomb:latest", "true", env={**small, "NERDPY_MAX_LAYER_RATIO": "0"}).stdout.strip()
    nerdpy("rm", cid)
    nerdpy("rmi", "secbomb:latest")


def test_volume_copy_up_keeps_holes(nerdpy, images, tmp_path) -> None:
    src = tmp_path / "src" / "data"
    src.mkdir(parents=True)
    with open(src / "big", "wb") as f:
        f.truncate(64 << 20)
        f.seek(32 << 20)
        f.write(b"x" * 4096)
    layer = tmp_path / "layer.tar"  # GNU tar: a sparse entry, which unpacks with its holes
    subprocess.run(["tar", "--sparse", "--format=gnu", "--owner=0", "--group=0", "-cf", str(layer),
                    "-C", str(src.parent), "data"], check=True)
    image = images.build_image([images.busybox_rootfs(), layer.read_bytes()], config={"Volumes": {"/data": {}}})
    tar = tmp_path / "sparse.tar"
    images.write_oci_archive(tar, image, "secsparse:latest")
    tmp_path.chmod(0o755)
    tar.chmod(0o644)
    nerdpy("load", "-i", str(tar))
    volume = f"sparse{secrets.token_hex(3)}"
    try:
        out = nerdpy("run", "--rm", "-v", f"{volume}:/data", "secsparse:latest",
                     "sh", "-c", "stat -c '%s %b' /data/big; dd if=/data/big bs=4096 skip=8192 count=1 2>/dev/null"
                     ).stdout
        size, blocks = map(int, out.splitlines()[0].split())
        assert size == 64 << 20 and blocks * 512 < 1 << 20, (size, blocks)  # 4 KiB of data: far below 1 MiB
        assert out.splitlines()[1].startswith("x" * 4096)
    finally:
        nerdpy("volume", "rm", "-f", volume, check=False)
        nerdpy("rmi", "secsparse:latest", check=False)
