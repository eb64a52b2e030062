"""`nerdpy build` where a Docker user's Dockerfile or command line met a difference
from BuildKit (found trying realistic builds as an unprivileged user): each test
is the Docker behaviour that was missing."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import requires
from tests.integration.build_harness import context_tar

pytestmark = [pytest.mark.integration, requires("runc", "busybox", "userns")]


def _context(path, dockerfile: str):
    path.mkdir(exist_ok=True)
    (path / "Dockerfile").write_text(dockerfile)
    path.chmod(0o755)
    return path


def _stat(nerdpy, image: str, *paths: str) -> list[str]:
    out = nerdpy("run", "--rm", "--network", "none", "-u", "0", image, "stat", "-c", "%a %u:%g %n", *paths).stdout
    return out.splitlines()


def test_workdir_creates_only_the_missing_directories_as_the_user(nerdpy, busybox_image, tmp_path):
    # mkdir -p: /tmp keeps its sticky bit and /home/user its owner; what WORKDIR makes belongs to USER
    ctx = _context(tmp_path, "FROM busybox\nWORKDIR /tmp/made\nUSER user\nWORKDIR /home/user/src/deep\n")
    image = nerdpy("build", "-q", ctx, timeout=120).stdout.strip()
    assert _stat(nerdpy, image, "/tmp", "/tmp/made", "/home/user", "/home/user/src", "/home/user/src/deep") == [
        "1777 0:0 /tmp", "755 0:0 /tmp/made", "755 1000:1000 /home/user", "755 1000:1000 /home/user/src",
        "755 1000:1000 /home/user/src/deep"]
    nerdpy("rmi", image)


def _stdin_build(nerdpy, data: bytes, *args: str):
    proc = nerdpy.popen("build", "-q", *args, "-", text=False, stdin=subprocess.PIPE)
    out, err = proc.communicate(data, timeout=120)
    return proc.returncode, out.decode().strip(), err.decode()


def test_stdin_holds_a_dockerfile_or_a_compressed_context(nerdpy, busybox_image, tmp_path):
    # `docker build - < Dockerfile`: stdin is the Dockerfile, the context is empty
    code, image, err = _stdin_build(nerdpy, b"FROM busybox\nRUN echo from-stdin > /f\n")
    assert code == 0, err
    assert nerdpy("run", "--rm", "--network", "none", image, "cat", "/f").stdout == "from-stdin\n"
    code, _, err = _stdin_build(nerdpy, b"FROM busybox\nCOPY f /f\n")
    assert code == 1 and "f: not found" in err
    # a bzip2'd context; -f names the Dockerfile inside it, not a file of the working directory
    bzipped = context_tar({"Build.Dockerfile": b"FROM busybox\nCOPY f /out/f\n", "f": b"bzipped\n"}, "w:bz2")
    code, image2, err = _stdin_build(nerdpy, bzipped, "-f", "Build.Dockerfile")
    assert code == 0, err
    assert nerdpy("run", "--rm", "--network", "none", image2, "cat", "/out/f").stdout == "bzipped\n"
    code, _, err = _stdin_build(nerdpy, b"FROM busybox\n", "-f", "Dockerfile")
    assert code != 0 and "ambiguous Dockerfile source" in err
    nerdpy("rmi", image, image2)


def test_a_failed_build_exits_1_as_buildx(nerdpy, busybox_image, tmp_path):
    ctx = _context(tmp_path, "FROM busybox\n")
    for args in (("--progress", "bogus", ctx), ("-f", "-", "-"), ("--network", "bridge0", ctx)):
        result = nerdpy("build", "-q", *args, input="", check=False)
        assert result.returncode == 1 and result.stderr.startswith("Error: "), (args, result.stderr)


def test_a_missing_context_is_named_before_the_dockerfile(nerdpy, tmp_path):
    result = nerdpy("build", "-q", "nodir", cwd=tmp_path, check=False)
    assert (result.returncode, result.stderr) == (1, 'Error: unable to prepare context: path "nodir" not found\n')


def test_cache_and_secret_mounts_take_uid_gid_and_mode(nerdpy, busybox_image, tmp_path):
    ctx = _context(tmp_path / "ctx", (
        "FROM busybox\nUSER user\n"
        "RUN --mount=type=cache,id=owned-by-user,target=/c,uid=1000,gid=1000 touch /c/x && ls -lnd /c > /tmp/owned\n"
        "RUN --mount=type=cache,id=owned-by-root,target=/r ls -lnd /r > /tmp/root\n"
        "RUN --mount=type=secret,id=tok,uid=1000 cat /run/secrets/tok > /tmp/seen\n"))
    (tmp_path / "tok").write_text("s3cret\n")
    image = nerdpy("build", "-q", "--secret", f"id=tok,src={tmp_path / 'tok'}", ctx, timeout=120).stdout.strip()
    out = nerdpy("run", "--rm", "--network", "none", image, "cat", "/tmp/owned", "/tmp/root", "/tmp/seen").stdout
    owned, root, seen = out.splitlines()
    mode_owner = [(line.split()[0], line.split()[2:4]) for line in (owned, root)]
    assert mode_owner == [("drwxr-xr-x", ["1000", "1000"]), ("drwxr-xr-x", ["0", "0"])]
    assert seen == "s3cret"
    nerdpy("rmi", image)


def test_copy_chmod_takes_symbolic_modes(nerdpy, busybox_image, tmp_path):
    ctx = _context(tmp_path / "ctx", "FROM busybox\nCOPY --chmod=u=rwX,go=rX tree /tree\nCOPY --chmod=+x run.sh /\n")
    (ctx / "tree" / "sub").mkdir(parents=True)
    (ctx / "tree" / "sub" / "data").write_text("d\n")
    (ctx / "run.sh").write_text("echo\n")
    for path, mode in ((ctx / "tree", 0o700), (ctx / "tree" / "sub", 0o700), (ctx / "tree" / "sub" / "data", 0o600),
                       (ctx / "run.sh", 0o640)):
        path.chmod(mode)
    image = nerdpy("build", "-q", ctx, timeout=120).stdout.strip()
    assert _stat(nerdpy, image, "/tree", "/tree/sub", "/tree/sub/data", "/run.sh") == [
        "755 0:0 /tree", "755 0:0 /tree/sub", "644 0:0 /tree/sub/data", "751 0:0 /run.sh"]
    nerdpy("rmi", image)


def test_plain_progress_ends_with_the_exporter_step(nerdpy, busybox_image, tmp_path):
    ctx = _context(tmp_path / "ctx", "FROM busybox\nLABEL x=y\n")
    err = nerdpy("build", "--progress", "plain", "-t", "exported:1", ctx, timeout=120).stderr
    block = err.strip().split("\n\n")[-1].splitlines()
    vertex = block[0].split()[0]
    assert [line.split(" ", 1)[0] for line in block] == [vertex] * 5, err
    assert block[0] == f"{vertex} exporting to image" and block[1] == f"{vertex} exporting layers done"
    assert block[2].startswith(f"{vertex} writing image sha256:") and block[2].endswith(" done")
    assert block[3] == f"{vertex} naming to docker.io/library/exported:1 done" and " DONE " in block[4]
    nerdpy("rmi", "exported:1")
