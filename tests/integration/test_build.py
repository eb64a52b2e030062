"""`nerdpy build` with real RUN containers, as root and as the unprivileged user:
instructions and flags, multi-stage, cache, reproducibility, failures and cleanup."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import tarfile

import pytest

from tests.conftest import requires
from tests.integration.build_harness import context_tar, make_context

pytestmark = [pytest.mark.integration, requires("runc", "busybox", "userns")]

FEATURES = """\
# syntax=docker/dockerfile:1
ARG BASE=busybox
FROM $BASE AS builder
ARG WHO=world
RUN echo "hi $WHO" > /greeting
RUN --mount=type=cache,target=/cache echo run >> /cache/runs && wc -l < /cache/runs > /runs
RUN --mount=type=secret,id=tok cp /run/secrets/tok /tokcopy
RUN --mount=type=bind,source=sub,target=/mnt ls /mnt > /bound
RUN --network=none echo 'app:x:1234:1234::/home/app:/bin/sh' >> /etc/passwd && echo 'app:x:1234:' >> /etc/group
RUN <<EOF
echo from-heredoc > /heredoc
EOF
COPY <<-EOF /inline/
\tinline $WHO
\tEOF

FROM builder AS unused
RUN exit 1

FROM builder AS second
COPY --chown=app:app sub /data/
COPY --chmod=0700 sub/a.txt /data/exec
ADD arch.tar.gz /unpacked/
COPY sub/*.txt /globbed/
WORKDIR rel/dir

FROM scratch AS final
COPY --from=second /data /data
COPY --from=0 /tokcopy /
COPY --from=busybox /bin/busybox /bin/busybox
LABEL a=b c="d e"
EXPOSE 80 443/udp
ENTRYPOINT ["/bin/busybox"]
CMD ["ls", "/data"]
"""


def _build_snapshots(nerdpy) -> list[str]:
    with sqlite3.connect(nerdpy.data_root / "meta.db") as db:
        return [r[0] for r in db.execute("SELECT key FROM snapshots WHERE key LIKE 'build-%'")]


def _run(nerdpy, image, *cmd):
    return nerdpy("run", "--rm", "--network", "none", "--entrypoint", "/bin/busybox", image, *cmd).stdout


def test_every_feature_and_the_cache(nerdpy, busybox_image, tmp_path):
    ctx = make_context(tmp_path / "ctx", FEATURES)
    secret = tmp_path / "tok"
    secret.write_text("s3cret\n")
    iid = tmp_path / "iid"
    args = ["build", "-t", "feat:1", "-t", "feat:2", "--secret", f"id=tok,src={secret}", "--build-arg", "NOPE=1",
            "--label", "cli=yes", "--iidfile", iid, "--progress", "plain", ctx]
    first = nerdpy(*args, timeout=180)
    assert "[builder 2/8] RUN echo \"hi $WHO\" > /greeting" in first.stderr
    assert "unused" not in first.stderr  # stages the target does not need are not built
    assert "NOPE" in first.stderr  # unused build arg warned
    image_id = iid.read_text()
    assert image_id.startswith("sha256:")
    listing = _run(nerdpy, "feat:2", "ls", "-lnR", "/data")
    assert "1234     1234" in listing and "b.txt" in listing and "skip.log" not in listing
    assert "-rwx------" in _run(nerdpy, "feat:1", "ls", "-l", "/data/exec")
    assert _run(nerdpy, "feat:1", "cat", "/tokcopy") == "s3cret\n"
    config = json.loads(nerdpy("image", "inspect", "feat:1").stdout)[0]["Config"]
    assert config["Entrypoint"] == ["/bin/busybox"] and config["Cmd"] == ["ls", "/data"]
    assert config["Labels"] == {"a": "b", "c": "d e", "cli": "yes"}
    assert set(config["ExposedPorts"]) == {"80/tcp", "443/udp"}
    history = json.loads(nerdpy("image", "inspect", "--format", "{{json .RootFS}}", "feat:1").stdout)
    assert len(history["Layers"]) == 3

    # --target: the intermediate stage, with every RUN's result in it
    nerdpy("build", "-q", "--target", "second", "-t", "feat:second", "--secret", f"id=tok,src={secret}", ctx)
    out = nerdpy("run", "--rm", "--network", "none", "feat:second", "sh", "-c",
                 "cat /greeting /runs /bound /heredoc /inline/EOF /unpacked/x/y.txt; ls /globbed; pwd").stdout
    assert out.split("\n") == ["hi world", "1", "a.txt", "deep", "from-heredoc", "inline world",
                               "from tar", "a.txt", "/rel/dir", ""]

    # a second build runs no step; touching one COPY input rebuilds from that step on
    again = nerdpy(*args, timeout=120)
    assert iid.read_text() == image_id
    assert " 0." not in again.stderr.replace("DONE 0.", "")  # no RUN printed output
    with tarfile.open(ctx / "arch.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("x/y.txt")
        info.size = 8
        tar.addfile(info, io.BytesIO(b"changed\n"))
    third = nerdpy("build", "--target", "second", "--secret", f"id=tok,src={secret}", ctx, timeout=120)
    blocks = third.stderr.split("\n\n")
    assert all("CACHED" in b for b in blocks if "] RUN" in b)
    assert any("COPY --chown" in b and "CACHED" in b for b in blocks)
    assert any("ADD arch.tar.gz" in b and "DONE" in b for b in blocks)
    assert any("COPY sub/*.txt" in b and "DONE" in b for b in blocks)
    # the cache mount kept its file across builds: its RUN ran once, the count is from the first run
    nerdpy("build", "-q", "--no-cache", "--target", "builder", "-t", "feat:nc", "--secret", f"id=tok,src={secret}",
           ctx, timeout=120)
    assert _run(nerdpy, "feat:nc", "cat", "/runs") == "2\n"
    assert "Build Cache" in nerdpy("system", "df").stdout
    assert _build_snapshots(nerdpy) == []


def test_reproducible_outputs_and_stdin(nerdpy, busybox_image, tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "f").write_text("x\n")
    dockerfile = "FROM busybox\nRUN echo fixed > /r && mkdir -p /a/b\nCOPY f /f\nWORKDIR /w\n"
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    ids = [nerdpy("build", "-q", "--no-cache", "-f", "-", ctx, input=dockerfile, env=env).stdout.strip()
           for _ in range(2)]
    assert ids[0] == ids[1] and ids[0].startswith("sha256:")
    created = nerdpy("image", "inspect", "--format", "{{.Created}}", ids[0]).stdout
    assert created.startswith("2023-11-14")

    # a tar context on stdin and the Dockerfile from inside it; output types
    tarred = context_tar({"Dockerfile": b"FROM busybox\nCOPY f /out/f\n", "f": b"tarred\n"})
    local, archive = tmp_path / "local", tmp_path / "img.tar"
    result = nerdpy.popen("build", "-q", "-o", f"type=local,dest={local}", "-o", f"type=docker,dest={archive}",
                          "-", text=False, stdin=subprocess.PIPE)
    out, err = result.communicate(tarred, timeout=120)
    assert result.returncode == 0, err
    assert (local / "out" / "f").read_text() == "tarred\n"
    with tarfile.open(archive) as tar:
        assert "manifest.json" in tar.getnames() and "index.json" in tar.getnames()
    # A tar context without a Dockerfile: named as in the context, as BuildKit's error.
    empty = io.BytesIO()
    tarfile.open(fileobj=empty, mode="w").close()
    result = nerdpy.popen("build", "-q", "-", text=False, stdin=subprocess.PIPE)
    _, err = result.communicate(empty.getvalue(), timeout=120)
    assert result.returncode == 1
    assert err == b"Error: failed to read dockerfile: open Dockerfile: no such file or directory\n"


@pytest.mark.parametrize("dockerfile, line, message", [
    ("FROM busybox\nFOO bar\n", 2, "unknown instruction: FOO"),
    ("# only a comment\n", 0, "file with no instructions"),
    ("ARG X\n", 0, "no stages to build"),
    ("FROM busybox\nCOPY ../outside /x\n", 2, "forbidden path outside the build context"),
    ("FROM busybox\nCOPY missingdir/* /y/\n", 2, "lstat missingdir: no such file or directory"),
    ("FROM busybox\nCOPY --from=nosuchstage:1 /x /x\n", 2, "nosuchstage"),
    ("FROM busybox\nRUN echo step-output-here; exit 3\n", 2, "exit code: 3"),
])
def test_bad_dockerfiles(nerdpy, busybox_image, tmp_path, dockerfile, line, message):
    (tmp_path / "Dockerfile").write_text(dockerfile)
    tmp_path.chmod(0o755)
    result = nerdpy("build", "--progress", "plain", tmp_path, check=False, timeout=120)
    assert result.returncode == 1, result.stderr
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("Error: ")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert errors[0].startswith(f"Error: Dockerfile:{line}:" if line else "Error: Dockerfile:")
    if "exit code" in message:
        assert "step-output-here" in result.stderr
    assert _build_snapshots(nerdpy) == []


def test_independent_stages_build_side_by_side(nerdpy, busybox_image, tmp_path):
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox AS a\nRUN sleep 1 && echo a > /a\nFROM busybox AS b\nRUN sleep 1 && echo b > /b\n"
        "FROM busybox\nCOPY --from=a /a /\nCOPY --from=b /b /\nRUN cat /a /b\n")
    tmp_path.chmod(0o755)
    out = nerdpy("build", "--no-cache", "--progress", "plain", "-t", "par:1", tmp_path, timeout=120).stderr
    lines = [ln for ln in out.splitlines() if ln.startswith("#")]
    starts = [i for i, ln in enumerate(lines) if "] RUN sleep 1" in ln]
    vertices = [lines[i].split()[0] for i in starts]
    first_done = min(i for i, ln in enumerate(lines) if any(ln.startswith(f"{v} DONE") for v in vertices))
    assert len(starts) == 2 and max(starts) < first_done, out  # both RUNs started before either finished
    assert nerdpy("run", "--rm", "--network", "none", "par:1", "cat", "/a", "/b").stdout == "a\nb\n"


def test_a_killed_build_is_cleaned_up_by_the_next(nerdpy, busybox_image, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo started && sleep 60\n")
    tmp_path.chmod(0o755)
    proc = nerdpy.popen("build", "--no-cache", "--progress", "plain", tmp_path)
    for line in proc.stderr:
        if line.endswith("started\n"):
            break
    proc.kill()
    proc.wait(timeout=30)
    assert _build_snapshots(nerdpy)  # the dead build's step is still there...
    nerdpy("build", "-q", "-f", "-", tmp_path, input="FROM busybox\n")
    assert _build_snapshots(nerdpy) == []  # ...until the next build reaps it, container and all
    assert not list((nerdpy.runtime_root / "build").iterdir())


@requires("docker-registry")
def test_dockerfile_outside_the_context_its_ignore_file_and_pull(nerdpy, registry_busybox, tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "keep").write_text("k")
    (ctx / "drop").write_text("d")
    (ctx / ".dockerignore").write_text("keep\n")  # not used: the Dockerfile has its own ignore file
    dockerfile = tmp_path / "elsewhere" / "App.Dockerfile"
    dockerfile.parent.mkdir()
    dockerfile.write_text(f"FROM {registry_busybox}\nCOPY . /c/\n")
    (dockerfile.parent / "App.Dockerfile.dockerignore").write_text("drop\n")
    for path in (tmp_path, ctx, dockerfile.parent):
        path.chmod(0o755)
    nerdpy("build", "--pull", "-q", "-f", dockerfile, "-t", "outside:1", ctx, timeout=120)
    listing = nerdpy("run", "--rm", "--network", "none", "outside:1", "ls", "-A", "/c").stdout.split()
    assert listing == [".dockerignore", "keep"]


def test_push_sends_each_tag_once_built(nerdpy, busybox_image, registry, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo pushed > /p\n")
    tmp_path.chmod(0o755)
    untagged = nerdpy("build", "-q", "--push", tmp_path, check=False)
    assert untagged.returncode == 1 and "tag is needed when pushing to registry" in untagged.stderr
    ref = f"{registry}/build/pushed"
    built = nerdpy("build", "--progress", "plain", "--push", "-t", f"{ref}:1", "-t", f"{ref}:2", tmp_path,
                   timeout=120)
    assert f"pushing manifest for {ref}:2@sha256:" in built.stderr
    nerdpy("rmi", f"{ref}:1", f"{ref}:2")
    nerdpy("pull", "-q", f"{ref}:1")
    assert nerdpy("run", "--rm", "--network", "none", f"{ref}:1", "cat", "/p").stdout == "pushed\n"
    nerdpy("rmi", f"{ref}:1")


def test_add_host_reaches_the_run_steps(nerdpy, busybox_image, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN grep -w db /etc/hosts > /seen\n"
                                         "RUN --network=none grep -w db /etc/hosts >> /seen\n")
    tmp_path.chmod(0o755)
    bad = nerdpy("build", "-q", "--add-host", "db", tmp_path, check=False)
    assert bad.returncode == 1 and bad.stderr.startswith("Error: invalid --add-host 'db'")
    image = nerdpy("build", "-q", "--add-host", "db:10.9.8.7", tmp_path, timeout=120).stdout.strip()
    assert nerdpy("run", "--rm", "--network", "none", image, "cat", "/seen").stdout == "10.9.8.7\tdb\n" * 2
    # The mapping is part of the step: another address is another step, not a cache hit.
    other = nerdpy("build", "-q", "--add-host", "db=10.9.8.6", tmp_path, timeout=120).stdout.strip()
    assert nerdpy("run", "--rm", "--network", "none", other, "cat", "/seen").stdout == "10.9.8.6\tdb\n" * 2
    nerdpy("rmi", image, other)


def test_builder_prune_and_buildx(nerdpy, busybox_image, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN --mount=type=cache,target=/c touch /c/x\n")
    tmp_path.chmod(0o755)
    nerdpy("buildx", "build", "-q", "--load", "--cache-to", "type=local,dest=/x", tmp_path)
    assert "Total:" in nerdpy("builder", "prune", "-af").stdout
    assert nerdpy("system", "df", "--format", "{{.Type}} {{.TotalCount}}").stdout.splitlines()[-1] == "Build Cache 0"
    assert "nerdpy" in nerdpy("buildx", "version").stdout
    bad = nerdpy("build", "--platform", "linux/s390x", tmp_path, check=False)
    assert bad.returncode != 0 and "cannot build for platform linux/s390x" in bad.stderr
