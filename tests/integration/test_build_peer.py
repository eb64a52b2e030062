"""`nerdpy build` against `podman build` (root; podman's own peer setup as in
test_snapshots_peer): the same Dockerfile and context must give the same
filesystem tree (paths, types, modes, owners, sizes, contents, link targets) and
the same image config fields. Heredocs are left out: podman 4.3 has none."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tempfile
import tarfile
from pathlib import Path

import pytest

from tests.conftest import requires
from tests.integration.build_harness import make_context

pytestmark = [pytest.mark.integration, requires("root", "podman", "runc", "busybox")]

DOCKERFILE = """\
ARG BASE=busybox
FROM $BASE AS first
ARG WHO=peer
RUN mkdir -p /made && echo "made by $WHO" > /made/file && chmod 600 /made/file

FROM busybox AS unused
RUN exit 1

FROM busybox
COPY --from=first /made /from-first/
ENV A=1 B="two words"
ARG V=3
RUN mkdir -p /opt/x && echo "$A $V $B" > /opt/x/f && ln -s /opt/x/f /link && chmod 750 /opt/x
WORKDIR /work
COPY sub/ ./sub/
COPY --chmod=0755 sub/a.txt /bin/tool
COPY --chown=1:2 sub/a.txt sub/deep/b.txt /owned/
COPY sub/*.txt /globbed/
ADD arch.tar.gz /unpacked/
USER 1000:1000
EXPOSE 8080 53/udp
VOLUME /data
LABEL x=y "with space"="v w"
STOPSIGNAL SIGUSR1
HEALTHCHECK --interval=10s --retries=2 CMD ["true"]
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["echo hi"]
"""
# made by the runtime or by `create` (the VOLUME's mount point), not by the build
_RUNTIME = {"etc/hosts", "etc/hostname", "etc/resolv.conf", "run/.containerenv", "proc", "sys", "dev", "run",
            "etc/mtab", "data"}
_MEMBERS = (("x/y.txt", b"from tar\n", 0o640, 7), ("top", b"t\n", 0o640, 7))
FIELDS = ("Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Labels", "Volumes", "StopSignal")


def _tree(data: bytes) -> dict[str, list]:
    out = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for m in tar:
            name = m.name.lstrip("./").rstrip("/")
            if not name or name.split("/")[0] in _RUNTIME or name in _RUNTIME:
                continue
            body = tar.extractfile(m).read() if m.isreg() else b""
            out[name] = [m.type.decode(), m.mode & 0o7777, m.uid, m.gid, len(body), hashlib.sha256(body).hexdigest()[:16],
                         m.linkname]
    return out


def _config(inspect: dict) -> dict:
    cfg = inspect["Config"]
    out = {k: cfg.get(k) or None for k in FIELDS}
    out["Labels"] = {k: v for k, v in (cfg.get("Labels") or {}).items() if k != "io.buildah.version"}
    hc = cfg.get("Healthcheck") or inspect.get("Healthcheck") or {}  # podman reports it beside Config
    out["Healthcheck"] = {"Test": hc.get("Test"), "Interval": hc.get("Interval"), "Retries": hc.get("Retries")}
    return out


def _podman(tmp: Path, busybox_tar: Path, ctx: Path) -> tuple[dict, dict]:
    run = tempfile.mkdtemp(prefix="pb-", dir="/tmp")  # podman refuses a runroot longer than 50 characters
    base = ["podman", "--root", str(tmp / "root"), "--runroot", run, "--runtime", "runc",
            "--cgroup-manager", "cgroupfs", "--events-backend", "file"]

    def podman(*args: str, text: bool = True):
        proc = subprocess.run([*base, *args], capture_output=True, text=text, timeout=300)
        assert proc.returncode == 0, f"podman {' '.join(args)}: {proc.stderr}"
        return proc.stdout

    try:
        podman("load", "-q", "-i", str(busybox_tar))
        podman("build", "--pull=never", "--format", "docker", "--network", "none", "--skip-unused-stages",
               "-t", "peer:built", str(ctx))
        inspect = json.loads(podman("image", "inspect", "peer:built"))[0]
        podman("create", "--name", "peerc", "peer:built")
        tree = _tree(podman("export", "peerc", text=False))
        return tree, _config(inspect)
    finally:
        subprocess.run([*base, "system", "reset", "-f"], capture_output=True, timeout=180)
        shutil.rmtree(run, ignore_errors=True)


def test_tree_and_config_equal_podman(nerdpy, busybox_image, busybox_tar, tmp_path):
    ctx = make_context(tmp_path / "ctx", DOCKERFILE, _MEMBERS, ignored="noise.log")
    nerdpy("build", "-q", "-t", "peer:built", ctx, timeout=180)
    ours_cfg = _config(json.loads(nerdpy("image", "inspect", "peer:built").stdout)[0])
    cid = nerdpy("create", "peer:built").stdout.strip()
    try:
        exported = subprocess.run(nerdpy.argv("export", cid), capture_output=True, env=nerdpy.env, timeout=120,
                                  check=True).stdout
    finally:
        nerdpy("rm", "-f", cid)
    ours = _tree(exported)
    theirs, theirs_cfg = _podman(tmp_path / "podman", busybox_tar, ctx)
    assert ours["opt/x/f"][1] == 0o644 and ours["owned/b.txt"][2:4] == [1, 2] and ours["link"][6] == "/opt/x/f"
    assert ours["unpacked/top"][1:3] == [0o640, 7] and ours["bin/tool"][1] == 0o755
    assert ours["from-first/file"][1] == 0o600 and "work/sub/noise.log" not in ours
    missing, extra = sorted(set(theirs) - set(ours)), sorted(set(ours) - set(theirs))
    differ = {k: (ours[k], theirs[k]) for k in set(ours) & set(theirs) if ours[k] != theirs[k]}
    assert not missing and not extra and not differ, json.dumps(
        {"missing": missing, "extra": extra, "differ": differ})
    assert ours_cfg == theirs_cfg
