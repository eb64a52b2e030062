"""Image commands end to end through the real CLI (root and rootless):
load/images/tag/rmi/inspect/history/save/import/prune, bad input, podman interop."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

from tests.conftest import requires
from tests.fixtures import images as fx

pytestmark = [pytest.mark.integration, requires("busybox", "userns", "newuidmap")]


def _blobs(np) -> set[str]:
    blobs = np.data_root / "content" / "blobs" / "sha256"
    return set(os.listdir(blobs)) if blobs.exists() else set()


def _one_line_error(result, code: int = 125) -> None:
    """Exit 125, or 1 for a missing object (Docker's rule)."""
    assert result.returncode == code, result
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_load_list_tag_inspect_rmi(fresh_nerdpy, busybox_tar, busybox_built):
    np = fresh_nerdpy
    out = np("load", "-i", busybox_tar).stdout
    assert out == "Loaded image: busybox:latest\n"
    lines = np("images").stdout.splitlines()
    assert lines[0].split() == ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"]
    assert lines[1].split()[:3] == ["busybox", "latest", busybox_built.id[7:19]]
    np("tag", "busybox", "localhost:5000/bb:v1")
    assert np("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split() == [
        "busybox:latest", "localhost:5000/bb:v1"]
    assert np("images", "-q").stdout.split() == [busybox_built.id[7:19]] * 2
    assert np("images", "--no-trunc", "-q", "--filter", "reference=localhost:5000/*").stdout.split() == [
        busybox_built.id]
    assert np("images", "localhost:5000/bb").stdout.count("\n") == 2

    [doc] = json.loads(np("image", "inspect", "busybox").stdout)
    assert doc["Id"] == busybox_built.id
    assert doc["RepoTags"] == ["busybox:latest", "localhost:5000/bb:v1"]
    assert doc["RootFS"] == {"Type": "layers", "Layers": [layer.diff_id for layer in busybox_built.layers]}
    assert (doc["Os"], doc["Architecture"], doc["Config"]["Cmd"]) == ("linux", "amd64", ["sh"])
    fmt = np("image", "inspect", "-f", "{{.Os}}/{{.Architecture}} {{join .Config.Cmd \",\"}}", busybox_built.id[7:19])
    assert fmt.stdout == "linux/amd64 sh\n"
    assert np("history", "-q", "busybox").stdout.split() == [busybox_built.id[7:19]]
    # Go's RFC 3339 in local time, whole seconds (Docker's -H=false and CreatedAt).
    for tz, suffix in (("UTC", "Z"), ("Europe/Paris", ":00")):
        stamps = np("history", "--format", "{{.CreatedAt}}", "busybox", env={"TZ": tz}).stdout.split()
        assert stamps and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)", s) for s in stamps)
        assert stamps[0].endswith(suffix), stamps
    assert "T" in np("history", "-H=false", "busybox").stdout.splitlines()[1].split()[1]

    assert np("rmi", "busybox").stdout == "Untagged: busybox:latest\n"
    assert _blobs(np)  # still held by localhost:5000/bb:v1
    out = np("rmi", "localhost:5000/bb:v1").stdout
    assert out == f"Untagged: localhost:5000/bb:v1\nDeleted: {busybox_built.id}\n"
    assert np("images", "-q").stdout == ""
    assert _blobs(np) == set()  # GC swept manifest, config and layers


def test_rmi_by_id_with_several_names_needs_force(fresh_nerdpy, busybox_tar, busybox_built):
    np = fresh_nerdpy
    np("load", "-i", busybox_tar)
    np("tag", "busybox", "other:1")
    result = np("rmi", busybox_built.id[7:19], check=False)
    _one_line_error(result, 1)  # Docker's CLI exits 1 for a refusal of its daemon
    assert "must be forced" in result.stderr
    out = np("rmi", "-f", busybox_built.id[7:19]).stdout
    assert "Untagged: busybox:latest" in out and "Untagged: other:1" in out and "Deleted: " in out
    # docker/cli's image rm: not-found errors are printed, and fail only without -f
    gone = np("rmi", "-f", "nosuch", "other:1")
    assert gone.stderr == "Error: No such image: nosuch\nError: No such image: other:1\n"
    assert np("rmi", "nosuch", check=False).returncode == 1


def test_save_stdout_load_stdin_round_trip(nerdpy, busybox_image, busybox_built, fresh_nerdpy, tmp_path):
    nerdpy("tag", busybox_image, "roundtrip:1")
    archive = subprocess.run(nerdpy.argv("save", "roundtrip:1"), env=nerdpy.env, capture_output=True, cwd="/tmp",
                             timeout=60, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        assert {"index.json", "manifest.json", "oci-layout"} <= set(tar.getnames())
    loaded = subprocess.run(fresh_nerdpy.argv("load"), env=fresh_nerdpy.env, input=gzip.compress(archive),
                            capture_output=True, cwd="/tmp", timeout=60)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout == b"Loaded image: roundtrip:1\n"
    assert fresh_nerdpy("image", "inspect", "-f", "{{.Id}}", "roundtrip:1").stdout.strip() == busybox_built.id
    nerdpy("save", "-o", tmp_path / "rt.tar", "roundtrip:1")
    assert (tmp_path / "rt.tar").read_bytes() == archive or tarfile.is_tarfile(tmp_path / "rt.tar")
    nerdpy("rmi", "roundtrip:1")


def test_load_multi_platform_oci_archive(nerdpy, tmp_path):
    idx = fx.two_platform_index()
    path = fx.write_oci_archive(tmp_path / "multi.tar", idx, "localhost/multi:1")
    nerdpy("load", "-i", path)
    assert nerdpy("image", "inspect", "-f", "{{.Architecture}}", "localhost/multi:1").stdout == "amd64\n"
    nerdpy("load", "--platform", "linux/arm64", "-i", path)
    assert nerdpy("image", "inspect", "-f", "{{.Architecture}}", "localhost/multi:1").stdout == "arm64\n"
    result = nerdpy("load", "--platform", "linux/s390x", "-i", path, check=False)
    _one_line_error(result, code=1)  # no such platform in the archive
    assert "linux/amd64, linux/arm64" in result.stderr
    nerdpy("rmi", "localhost/multi:1")


def test_import_busybox_rootfs(nerdpy, tmp_path):
    root = tmp_path / "rootfs"
    (root / "bin").mkdir(parents=True)
    shutil.copy2(fx.BUSYBOX, root / "bin" / "busybox")
    for applet in ("sh", "echo", "ls"):
        (root / "bin" / applet).symlink_to("busybox")
    image_id = nerdpy("import", "-c", "CMD [\"/bin/sh\"]", "-c", "ENV PATH=/bin", "-m", "from dir",
                      root, "imported:dir").stdout.strip()
    assert image_id.startswith("sha256:") and len(image_id) == 71
    [doc] = json.loads(nerdpy("image", "inspect", "imported:dir").stdout)
    assert doc["Id"] == image_id and doc["Config"]["Cmd"] == ["/bin/sh"] and doc["Config"]["Env"] == ["PATH=/bin"]
    assert doc["Comment"] == "from dir"
    with tarfile.open(tmp_path / "rootfs.tar", "w") as tar:
        tar.add(root, arcname=".")
    with open(tmp_path / "rootfs.tar", "rb") as stdin:
        piped = subprocess.run(nerdpy.argv("import", "-", "imported:stdin"), env=nerdpy.env, cwd="/tmp",
                               capture_output=True, stdin=stdin, timeout=60)
    assert piped.returncode == 0, piped.stderr
    history = nerdpy("history", "--format", "{{.Comment}}", "imported:stdin").stdout
    assert history == "Imported from -\n"
    nerdpy("rmi", "imported:dir", "imported:stdin")


def test_prune_dangling_and_all(fresh_nerdpy, busybox_tar, tmp_path):
    np = fresh_nerdpy
    np("load", "-i", busybox_tar)
    other = fx.build_image([fx.busybox_rootfs(), fx.LayerSpec().file("/v2", "2")])
    np("load", "-i", fx.write_docker_archive(tmp_path / "v2.tar", other, ["busybox:latest"]))
    rows = np("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    assert sorted(rows) == ["<none>:<none>", "busybox:latest"]
    assert np("images", "-q", "--filter", "dangling=true").stdout.strip() != ""
    out = np("image", "prune", "-f").stdout
    assert out.startswith("Deleted Images:\ndeleted: sha256:") and "Total reclaimed space:" in out
    assert np("images", "--format", "{{.Repository}}").stdout.split() == ["busybox"]
    # Without -f and no "y" on stdin, nothing happens.
    assert "busybox" in np("image", "prune", "-a", input="n\n").stdout + np("images").stdout
    np("image", "prune", "-a", "-f")
    assert np("images", "-q").stdout == "" and _blobs(np) == set()


@pytest.mark.parametrize("args,needle,code", [
    (("rmi", "nothere"), "No such image: nothere", 1),
    (("image", "inspect", "nothere"), "No such image", 1),
    (("tag", "nothere", "x"), "No such image", 1),
    (("load", "-i", "/nonexistent.tar"), "no such file", 1),
    (("images", "--filter", "bogus=1"), "invalid filter", 125),
    (("import", "/nonexistent.tar"), "no such file", 1),
    (("import", "/etc/hostname", "x:1"), "tar", 125),
    (("save", "-o", "/nonexistent/dir/x.tar", "nothere"), "No such image", 1),
    (("images", "--format", "{{.Nope"), "template parsing error", 1),  # Docker: exit 1
    (("tag", "busybox", "x@sha256:" + "a" * 64), "digest", 125),
])
def test_bad_input_is_one_line(nerdpy, args, needle, code):
    result = nerdpy(*args, check=False)
    _one_line_error(result, code)
    assert needle in result.stderr


def test_load_refuses_tampered_archive(fresh_nerdpy, busybox_built, tmp_path):
    path = fx.write_docker_archive(tmp_path / "bad.tar", busybox_built, ["tampered:1"])
    with tarfile.open(path) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    layer = next(n for n in files if n.endswith("layer.tar"))
    files[layer] = fx.LayerSpec().file("/evil", "x").tar_bytes()
    with tarfile.open(path, "w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    result = fresh_nerdpy("load", "-i", path, check=False)
    _one_line_error(result)
    assert "diff ID" in result.stderr
    assert fresh_nerdpy("images", "-q").stdout == ""


@requires("root", "podman", "runc")
def test_podman_interop(nerdpy, busybox_image, busybox_built, fresh_nerdpy, tmp_path):
    store = Path(tempfile.mkdtemp(prefix="pdm-", dir="/tmp"))  # podman wants a runroot under 50 characters
    podman = ["podman", "--root", str(store / "root"), "--runroot", str(store / "run"), "--storage-driver", "vfs",
              "--cgroup-manager", "cgroupfs", "--runtime", "runc", "--events-backend", "none"]

    def run(*args: str) -> str:
        done = subprocess.run(podman + list(args), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"podman {' '.join(args)}: {done.stderr}"
        return done.stdout

    try:
        nerdpy("tag", busybox_image, "localhost/interop:1")
        nerdpy("save", "-o", tmp_path / "from-nerdpy.tar", "localhost/interop:1")
        run("load", "-i", str(tmp_path / "from-nerdpy.tar"))
        ids = run("images", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}")
        assert f"{busybox_built.id} localhost/interop:1" in ids.replace("sha256:sha256:", "sha256:")
        ran = run("run", "--rm", "--net", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                  "localhost/interop:1", "echo", "hi")
        assert ran == "hi\n"
        for fmt in ("docker-archive", "oci-archive"):
            out = tmp_path / f"from-podman-{fmt}.tar"
            run("save", "--format", fmt, "-o", str(out), "localhost/interop:1")
            loaded = fresh_nerdpy("load", "-i", out).stdout
            assert "localhost/interop:1" in loaded, loaded
            diff_ids = json.loads(fresh_nerdpy("image", "inspect", "-f", "{{json .RootFS.Layers}}",
                                               "localhost/interop:1").stdout)
            assert diff_ids == [layer.diff_id for layer in busybox_built.layers]
    finally:
        nerdpy("rmi", "localhost/interop:1", check=False)
        subprocess.run(podman + ["system", "reset", "-f"], capture_output=True)
        shutil.rmtree(store, ignore_errors=True)


def test_concurrent_loads_of_one_image(fresh_nerdpy, tmp_path):
    img = fx.build_image([fx.busybox_rootfs(), fx.LayerSpec().file("/c", "c" * 100000)])
    path = fx.write_docker_archive(tmp_path / "c.tar", img, ["concurrent:1"])
    procs = [fresh_nerdpy.popen("load", "-i", path) for _ in range(3)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert out == "Loaded image: concurrent:1\n"
    assert fresh_nerdpy("images", "-q", "--no-trunc").stdout.split() == [img.id]
    assert len(_blobs(fresh_nerdpy)) == 4  # two layers, config, manifest: one copy each


def test_save_oci_dir(nerdpy, busybox_image, busybox_built, tmp_path):
    nerdpy("save", "--format", "oci-dir", "-o", tmp_path / "layout", busybox_image)
    index = json.loads((tmp_path / "layout" / "index.json").read_text())
    assert index["manifests"][0]["annotations"]["io.containerd.image.name"] == "docker.io/library/busybox:latest"
    assert (tmp_path / "layout" / "blobs" / "sha256" / busybox_built.id[7:]).exists()


@requires("root")
def test_disk_full_during_load_leaves_no_partial_blob(tmp_path, busybox_tar):
    from tests.conftest import _new_nerdpy

    np = _new_nerdpy("f")
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(np.data_root)], check=True)
        try:
            result = np("load", "-i", busybox_tar, check=False)
            _one_line_error(result)
            assert "no space left" in result.stderr.lower()
            assert _blobs(np) == set() or all(
                (np.data_root / "content/blobs/sha256" / b).stat().st_size > 0 for b in _blobs(np))
            ingest = np.data_root / "content" / "ingest"
            assert not ingest.exists() or not [p for p in ingest.iterdir() if p.is_dir()]
        finally:
            subprocess.run(["umount", str(np.data_root)], check=True)
    finally:
        np.cleanup()


@requires("runc")
def test_rmi_refuses_an_image_a_container_uses(fresh_nerdpy, busybox_tar, busybox_built):
    np = fresh_nerdpy
    np("load", "-i", busybox_tar)
    cid = np("create", "--name", "user-of-busybox", "busybox", "true").stdout.strip()
    result = np("rmi", "busybox", "nosuch", check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    refused, missing = result.stderr.strip().splitlines()  # each name reported, then exit 1 (Docker's)
    assert "container user-of-busybox is using its referenced image" in refused
    assert missing == "Error: No such image: nosuch"
    assert np("image", "prune", "-a", "-f").stdout == "Total reclaimed space: 0B\n"
    assert np("rmi", "-f", "busybox").stdout == "Untagged: busybox:latest\n"  # forced: untag, keep the layers
    assert np("images", "-q", "--no-trunc").stdout.split() == [busybox_built.id]
    np("rm", cid)
    out = np("image", "prune", "-f").stdout
    assert f"deleted: {busybox_built.id}" in out
    assert _blobs(np) == set()
    snapshots = np.data_root / "snapshots"
    leftovers = np.unshare("find", snapshots, "-mindepth", "3", "-maxdepth", "3").stdout.split() \
        if snapshots.exists() else []
    assert leftovers == [], leftovers


def test_gc_during_a_load_keeps_the_new_blobs(fresh_nerdpy, tmp_path):
    np = fresh_nerdpy
    # Several big layers: each stored blob waits, unreferenced, while the next ones stream in.
    big = fx.build_image([fx.LayerSpec().file(f"/big{i}", os.urandom(16 << 20)) for i in range(4)], compression=None)
    path = fx.write_docker_archive(tmp_path / "big.tar", big, ["gcrace:1"])
    loading = np.popen("load", "-i", path)
    sweeps = 0
    while loading.poll() is None:
        np("image", "prune", "-f")  # sweeps every blob no image holds, under the exclusive gc.lock
        sweeps += 1
    out, err = loading.communicate(timeout=120)
    assert loading.returncode == 0, err
    assert sweeps >= 1
    save = subprocess.run(np.argv("save", "gcrace:1"), env=np.env, capture_output=True, cwd="/tmp", timeout=120)
    assert save.returncode == 0, save.stderr  # every blob the image needs is still there
    assert len(_blobs(np)) == 6


def test_load_killed_midway_then_again(fresh_nerdpy, tmp_path):
    import signal
    import time

    np = fresh_nerdpy
    big = fx.build_image([fx.LayerSpec().file(f"/k{i}", os.urandom(16 << 20)) for i in range(3)], compression=None)
    path = fx.write_docker_archive(tmp_path / "k.tar", big, ["killed:1"])
    loading = np.popen("load", "-i", path)
    ingest = np.data_root / "content" / "ingest"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and loading.poll() is None and not (
            ingest.exists() and any(p.is_dir() for p in ingest.iterdir())):
        time.sleep(0.01)
    loading.send_signal(signal.SIGKILL)
    loading.communicate(timeout=30)
    assert np("images", "-q").stdout == ""  # nothing half-made is visible
    assert np("load", "-i", path).stdout == "Loaded image: killed:1\n"
    assert np("images", "-q", "--no-trunc").stdout.split() == [big.id]
    np("image", "prune", "-f")  # sweeps blobs and the partial ingest the killed load left behind
    assert len(_blobs(np)) == 5
    assert [p for p in ingest.iterdir() if p.is_dir()] == []
