"""`cp` both ways, tar streams, stopped containers, and symlinks that try to leave the rootfs."""

from __future__ import annotations

import io
import os
import tarfile
import uuid

import pytest

pytestmark = [pytest.mark.integration, pytest.requires("runc", "newuidmap", "busybox")]


@pytest.fixture
def box(nerdpy, busybox_image):
    name = f"cp-{uuid.uuid4().hex[:8]}"
    nerdpy("run", "-d", "--name", name, busybox_image, "sh", "-c",
           "ln -s / /rootlink; ln -s /etc/hostname /hn; mkdir -p /data/in; echo inside > /data/in/f; sleep 120")
    yield name
    nerdpy("rm", "-f", name, check=False)


def test_copy_in_and_out(nerdpy, box, tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a").write_text("hello")
    (src / "sub" / "b").write_text("deep")
    (src / "a").chmod(0o640)
    nerdpy("cp", src, f"{box}:/data/")
    assert nerdpy("exec", box, "cat", "/data/src/a", "/data/src/sub/b").stdout == "hellodeep"
    assert nerdpy("exec", box, "stat", "-c", "%a", "/data/src/a").stdout.strip() == "640"
    out = tmp_path / "out"
    nerdpy("cp", f"{box}:/data/in", out)
    assert (out / "f").read_text() == "inside\n"
    nerdpy("cp", f"{box}:/data/in/f", tmp_path / "single")
    assert (tmp_path / "single").read_text() == "inside\n"
    missing = nerdpy("cp", f"{box}:/no/such", tmp_path / "x", check=False)
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1  # Docker: 1


def test_symlinks_in_the_container_cannot_reach_the_host(nerdpy, box, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("host file")
    (tmp_path / "payload").write_text("payload")
    # /rootlink -> / inside the container: must resolve to the container's root.
    nerdpy("exec", box, "mkdir", "-p", str(tmp_path))
    nerdpy("cp", tmp_path / "payload", f"{box}:/rootlink{tmp_path}/victim")
    assert victim.read_text() == "host file"
    assert nerdpy("exec", box, "cat", f"{tmp_path}/victim").stdout == "payload"
    # Copying a symlink out copies the link, not the host file it names.
    nerdpy("cp", f"{box}:/hn", tmp_path / "hn")
    assert os.path.islink(tmp_path / "hn") and os.readlink(tmp_path / "hn") == "/etc/hostname"


def test_tar_streams(nerdpy, box):
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        info = tarfile.TarInfo("fromtar.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    nerdpy("cp", "-", f"{box}:/data", input=data.getvalue().decode("latin-1"))
    assert nerdpy("exec", box, "cat", "/data/fromtar.txt").stdout == "abc"
    result = nerdpy("cp", f"{box}:/data/in/f", "-")
    with tarfile.open(fileobj=io.BytesIO(result.stdout.encode("latin-1"))) as tar:
        assert tar.getnames() == ["f"]


def test_a_reader_going_away_ends_export_and_cp_quietly(nerdpy, box):
    # `export C | head -c 10`: the reader closes the pipe early; no error, no traceback.
    for args in (("export", box), ("cp", f"{box}:/bin", "-")):
        proc = nerdpy.popen(*args, text=False)
        assert len(proc.stdout.read(10)) == 10
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(timeout=60) == 0 and err == b"", (args, err)


def test_copy_from_a_stopped_container(nerdpy, busybox_image, tmp_path):
    name = f"cps-{uuid.uuid4().hex[:8]}"
    nerdpy("run", "--name", name, busybox_image, "sh", "-c", "echo kept > /result")
    nerdpy("cp", f"{name}:/result", tmp_path / "result")
    assert (tmp_path / "result").read_text() == "kept\n"
    nerdpy("rm", name)


def test_diff_and_export(nerdpy, busybox_image, tmp_path):
    name = f"dx-{uuid.uuid4().hex[:8]}"
    nerdpy("run", "--name", name, busybox_image, "sh", "-c", "echo n > /newfile; rm /etc/group; mkdir /made")
    lines = nerdpy("diff", name).stdout.splitlines()
    assert "A /newfile" in lines and "D /etc/group" in lines and "A /made" in lines
    assert "A /etc/hosts" not in lines and "C /dev" not in lines
    out = tmp_path / "fs.tar"
    nerdpy("export", "-o", out, name)
    with tarfile.open(out) as tar:
        names = set(tar.getnames())
    assert "newfile" in names and "bin/busybox" in names and "etc/group" not in names
    nerdpy("rm", name)


def test_commit_makes_a_runnable_image(nerdpy, busybox_image):
    name = f"cm-{uuid.uuid4().hex[:8]}"
    tag = f"committed-{uuid.uuid4().hex[:6]}:v1"
    nerdpy("run", "--name", name, busybox_image, "sh", "-c", "echo committed > /newfile; rm /etc/group")
    image_id = nerdpy("commit", "-c", 'CMD ["cat", "/newfile"]', "-m", "test", name, tag).stdout.strip()
    assert image_id.startswith("sha256:")
    assert nerdpy("run", "--rm", tag).stdout == "committed\n"
    assert nerdpy("image", "inspect", "-f", "{{.Comment}}", tag).stdout == "test\n"  # -m, as Docker's
    assert nerdpy("run", "--rm", tag, "ls", "/etc/group", check=False).returncode == 1
    nerdpy("rm", name)
    nerdpy("rmi", tag)


def test_running_container_copies_see_its_mounts(nerdpy, busybox_image, tmp_path):
    """A running container is copied to and from as it sees itself: its volume and
    its generated /etc/hostname, not the layer underneath them (Docker's cp)."""
    name = f"cpm-{uuid.uuid4().hex[:8]}"
    volume = f"cpvol-{uuid.uuid4().hex[:8]}"
    nerdpy("run", "-d", "--name", name, "--hostname", "copyhost", "-v", f"{volume}:/data", busybox_image,
           "sh", "-c", "ln -s / /data/up; sleep 120")
    try:
        nerdpy("cp", f"{name}:/etc/hostname", tmp_path / "hostname")
        assert (tmp_path / "hostname").read_text() == "copyhost\n"
        (tmp_path / "f").write_text("into the volume")
        nerdpy("cp", tmp_path / "f", f"{name}:/data/")
        assert nerdpy("exec", name, "cat", "/data/f").stdout == "into the volume"
        # The volume's symlink to / still resolves inside the container.
        nerdpy("cp", tmp_path / "f", f"{name}:/data/up/tmp/")
        assert nerdpy("exec", name, "cat", "/tmp/f").stdout == "into the volume"
        nerdpy("rm", "-f", name)
        # The copy went into the volume itself: another container sees it.
        assert nerdpy("run", "--rm", "-v", f"{volume}:/v", busybox_image, "cat", "/v/f").stdout == "into the volume"
    finally:
        nerdpy("rm", "-f", name, check=False)
        nerdpy("volume", "rm", volume, check=False)


def test_stopped_container_copies_see_its_mounts(nerdpy, busybox_image, tmp_path):
    """Like Docker, cp mounts a stopped container's volumes, binds and network
    files: `create`, `cp` a config into a volume, `start` finds it there."""
    name = f"cpc-{uuid.uuid4().hex[:8]}"
    volume = f"cpvol-{uuid.uuid4().hex[:8]}"
    bound = tmp_path / "bound"
    bound.mkdir()
    bound.chmod(0o777)
    nerdpy("create", "--name", name, "--hostname", "stoppedhost", "-v", f"{volume}:/conf",
           "-v", f"{bound}:/ro:ro", busybox_image, "cat", "/conf/app.conf")
    try:
        (tmp_path / "app.conf").write_text("seeded")
        nerdpy("cp", tmp_path / "app.conf", f"{name}:/conf/")
        refused = nerdpy("cp", tmp_path / "app.conf", f"{name}:/ro/", check=False)
        assert refused.returncode == 125 and "read-only" in refused.stderr
        assert not (bound / "app.conf").exists()
        assert nerdpy("start", "-a", name).stdout == "seeded"
        nerdpy("cp", f"{name}:/etc/hostname", tmp_path / "hostname")
        assert (tmp_path / "hostname").read_text() == "stoppedhost\n"
        # Mounted only for the copy: the container's layer never got the file.
        assert "A /conf/app.conf" not in nerdpy("diff", name).stdout.splitlines()
    finally:
        nerdpy("rm", "-f", name, check=False)
        nerdpy("volume", "rm", volume, check=False)


def test_follow_link_resolves_inside_the_container(nerdpy, box, tmp_path):
    """-L follows a symlink SRC_PATH, and an absolute link target is the container's
    path (/hn -> /etc/hostname: the container's hostname, never the host's)."""
    nerdpy("cp", "-L", f"{box}:/hn", tmp_path / "hn")
    assert not os.path.islink(tmp_path / "hn")
    assert (tmp_path / "hn").read_text() == nerdpy("exec", box, "cat", "/etc/hostname").stdout
    nerdpy("exec", box, "ln", "-s", "../../data/in", "/data/dirlink")  # relative, climbing past the root
    nerdpy("cp", "--follow-link", f"{box}:/data/dirlink", tmp_path / "tree")  # a link to a directory: its tree
    assert (tmp_path / "tree" / "f").read_text() == "inside\n"


def test_archive_keeps_uid_and_gid(nerdpy, box, tmp_path):
    nerdpy("exec", box, "sh", "-c", "echo x > /data/owned && chown 1234:5678 /data/owned")

    def owner(path):  # as the container's namespace sees it (rootless: subuids)
        return nerdpy("unshare", "stat", "-c", "%u:%g", str(path)).stdout.strip()

    nerdpy("cp", "-a", f"{box}:/data/owned", tmp_path / "kept")
    nerdpy("cp", f"{box}:/data/owned", tmp_path / "mine")
    assert owner(tmp_path / "kept") == "1234:5678"
    assert owner(tmp_path / "mine") == "0:0"
    nerdpy("cp", "--archive", tmp_path / "kept", f"{box}:/data/back-kept")
    nerdpy("cp", tmp_path / "kept", f"{box}:/data/back-root")
    stat = nerdpy("exec", box, "stat", "-c", "%u:%g", "/data/back-kept", "/data/back-root").stdout.split()
    assert stat == ["1234:5678", "0:0"]
