"""`nerdpy system df` against a real store (load, then count and size)."""

from __future__ import annotations

import json

from tests.conftest import requires


@requires("userns", "busybox")
def test_system_df_counts_images_and_lists_every_type(fresh_nerdpy, busybox_tar, busybox_built):
    empty = fresh_nerdpy("system", "df", "--format", "json").stdout.splitlines()
    rows = [json.loads(line) for line in empty]
    assert [r["Type"] for r in rows] == ["Images", "Containers", "Local Volumes", "Build Cache"]
    assert all(r["TotalCount"] == 0 and r["Size"] == "0B" for r in rows)
    fresh_nerdpy("load", "-i", busybox_tar, timeout=120)
    fresh_nerdpy("volume", "create", "dfvol")
    rows = {json.loads(line)["Type"]: json.loads(line)
            for line in fresh_nerdpy("system", "df", "--format", "json").stdout.splitlines()}
    assert rows["Images"]["TotalCount"] == 1 and rows["Images"]["Active"] == 0
    # docker-archive layers are stored as loaded (uncompressed): between the gzip and 3x that.
    blob_bytes = busybox_built.config.size + sum(layer.size for layer in busybox_built.layers)
    size = rows["Images"]["Size"]
    assert size.endswith("MB") and blob_bytes <= float(size[:-2]) * 1e6 <= 3 * blob_bytes, (size, blob_bytes)
    assert rows["Images"]["Reclaimable"] == f"{size} (100%)"
    assert rows["Local Volumes"]["TotalCount"] == 1
    table = fresh_nerdpy("system", "df").stdout.splitlines()
    assert table[0].split() == ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]
    verbose = fresh_nerdpy("system", "df", "-v").stdout
    assert "Images space usage:" in verbose and "dfvol" in verbose
    assert any(line.split()[:2] == ["busybox", "latest"] for line in verbose.splitlines())
    assert fresh_nerdpy("system", "df", "--format", "{{.Type}}={{.TotalCount}}").stdout.splitlines() == [
        "Images=1", "Containers=0", "Local Volumes=1", "Build Cache=0"]
