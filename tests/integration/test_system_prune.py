"""`nerdpy system prune` removes what Docker's does, and nothing in use."""

import pytest

from tests.conftest import requires

pytestmark = pytest.mark.integration


@requires("runc", "newuidmap")
def test_prune_keeps_what_is_in_use_and_removes_the_rest(fresh_nerdpy, busybox_tar):
    np = fresh_nerdpy
    np("load", "-i", busybox_tar, timeout=120)
    np("tag", "busybox:latest", "spare:1")
    np("run", "--name", "done1", "--network", "none", "busybox:latest", "true")
    np("run", "-d", "--name", "alive1", "--network", "none", "busybox:latest", "sleep", "300")
    np("network", "create", "unusednet")
    np("volume", "create", "keepvol")
    np("run", "--name", "anon1", "--network", "none", "-v", "/data", "busybox:latest", "true")

    declined = np("system", "prune", input="n\n")
    assert "WARNING! This will remove:" in declined.stdout
    assert "done1" in np("ps", "-a", "--format", "{{.Names}}").stdout

    out = np("system", "prune", "-f", "--volumes").stdout
    assert "Deleted Containers:" in out and "Deleted Networks:\nunusednet" in out
    assert "Total reclaimed space:" in out.splitlines()[-1]
    names = np("ps", "-a", "--format", "{{.Names}}").stdout.split()
    assert names == ["alive1"]
    assert np("volume", "ls", "-q").stdout.split() == ["keepvol"]  # named volumes stay
    assert "unusednet" not in np("network", "ls", "--format", "{{.Name}}").stdout
    # Dangling only: both tags of the image in use survive.
    assert set(np("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()) == {"busybox:latest", "spare:1"}

    np("system", "prune", "-f", "-a")
    # -a removes unused images; the one the running container uses stays.
    remaining = set(np("images", "--format", "{{.ID}}").stdout.split())
    assert len(remaining) == 1
    np("rm", "-f", "alive1")


@requires("runc", "newuidmap")
def test_prune_takes_the_build_cache_and_with_all_its_cache_mounts(fresh_nerdpy, busybox_tar, tmp_path):
    np = fresh_nerdpy
    np("load", "-i", busybox_tar, timeout=120)
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN --mount=type=cache,target=/c echo data > /c/x\n")
    tmp_path.chmod(0o755)
    np("build", "-q", tmp_path, timeout=120)

    def cache() -> str:
        return np("system", "df", "--format", "{{.Type}} {{.TotalCount}} {{.Size}}").stdout.splitlines()[-1]

    assert cache() == "Build Cache 1 5B"
    assert "  - unused build cache\n" in np("system", "prune", input="n\n").stdout
    out = np("system", "prune", "-f").stdout
    assert "Deleted build cache objects:\n" in out
    assert cache() == "Build Cache 0 5B"  # the cache mount stays, as `builder prune` without -a
    assert "  - all build cache\n" in np("system", "prune", "-a", input="n\n").stdout
    np("system", "prune", "-a", "-f")
    assert cache() == "Build Cache 0 0B"


def test_prune_rejects_a_bad_filter_before_asking(nerdpy):
    result = nerdpy("system", "prune", "--filter", "bogus=1", input="", check=False)
    assert result.returncode == 125
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "WARNING" not in result.stdout
