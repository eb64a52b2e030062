"""What nerdpy promises about hostile or unusual image content.

- A layer may not inflate past max_layer_ratio times its compressed size (beyond
  a floor of max_layer_size/64): a small gzip of zeros cannot fill the disk. The
  error says which setting raises it.
"""

from __future__ import annotations

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
