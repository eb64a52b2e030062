"""Run busybox containers with runc directly on nerdpy's network layer.

Runs INSIDE the rootless namespace (`nerdpy unshare python network_harness.py ...`;
plain as root), so the network tests do not depend on `nerdpy run`:

    up CID [--net NET]... [-p SPEC]... [--name N] [--alias A]... [--ip IP] -- CMD...
    exec CID CMD...            down CID             rootfs

`up` calls nerdpy.network.setup, writes hosts/resolv.conf/hostname into
<data_root>/containers/CID/, starts `runc run` (foreground, detached session, so
it holds Attachment.keep_fds as a shim would) and prints the Attachment as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import io
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nerdpy.config import load_settings  # noqa: E402
from nerdpy.network import NetworkRequest, parse_publish, setup, teardown  # noqa: E402


def _settings():
    return load_settings()


def _rootfs(settings) -> Path:
    root = settings.layout.data_root / "harness-rootfs"
    if (root / "bin" / "busybox").exists():
        return root
    from tests.fixtures.images import dynamic_busybox_rootfs

    tmp = root.with_name(f"harness-rootfs.{os.getpid()}")
    tmp.mkdir(parents=True)
    data = dynamic_busybox_rootfs().tar_bytes()
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(tmp, filter="fully_trusted")
    for name in ("hosts", "resolv.conf", "hostname"):
        (tmp / "etc" / name).write_text("")
    (tmp / "www").mkdir()
    (tmp / "www" / "index.html").write_text("hello from nerdpy\n")
    try:
        os.rename(tmp, root)
    except OSError:
        subprocess.run(["rm", "-rf", str(tmp)])
    return root


def _spec(rootfs: Path, cdir: Path, netns: str | None, args: list[str], hostname: str) -> dict:
    namespaces = [{"type": t} for t in ("pid", "ipc", "uts", "mount")]
    if netns:
        namespaces.append({"type": "network", "path": netns})
    mounts = [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]},
        {"destination": "/sys", "type": "bind", "source": "/sys", "options": ["rbind", "ro", "nosuid"]},
    ]
    for name in ("hosts", "resolv.conf", "hostname"):
        mounts.append({"destination": f"/etc/{name}", "type": "bind", "source": str(cdir / name),
                       "options": ["bind", "rw"]})
    caps = ["CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SETUID", "CAP_SETGID", "CAP_KILL"]
    return {
        "ociVersion": "1.0.2",
        "process": {"args": args, "cwd": "/", "env": ["PATH=/bin:/usr/bin"], "user": {"uid": 0, "gid": 0},
                    "capabilities": {k: caps for k in ("bounding", "effective", "permitted")}},
        "root": {"path": str(rootfs), "readonly": True},
        "hostname": hostname,
        "mounts": mounts,
        "linux": {"namespaces": namespaces, "maskedPaths": [], "readonlyPaths": []},
    }


def _runc(settings) -> list[str]:
    return ["runc", "--root", str(settings.layout.runtime_root / "harness-runc")]


def up(argv: list[str]) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("cid")
    p.add_argument("--net", action="append", default=[])
    p.add_argument("-p", action="append", default=[])
    p.add_argument("-P", action="store_true")
    p.add_argument("--expose", action="append", default=[])
    p.add_argument("--name", default="")
    p.add_argument("--alias", action="append", default=[])
    p.add_argument("--ip", default="")
    p.add_argument("--add-host", action="append", default=[])
    cmd: list[str] = []
    if "--" in argv:
        cmd = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    a = p.parse_args(argv)
    a.cmd = cmd
    settings = _settings()
    ports = tuple(m for spec in a.p for m in parse_publish(spec))
    request = NetworkRequest(networks=tuple(a.net), ports=ports, publish_all=a.P, exposed_ports=tuple(a.expose),
                             name=a.name, aliases=tuple(a.alias), ip=a.ip, add_hosts=tuple(a.add_host))
    rootfs = _rootfs(settings)
    cdir = settings.layout.containers_dir / a.cid
    cdir.mkdir(parents=True, exist_ok=True)
    att = setup(settings, a.cid, request)
    try:
        (cdir / "hosts").write_text(att.hosts)
        (cdir / "resolv.conf").write_text(att.resolv_conf)
        (cdir / "hostname").write_text(att.hostname)
        bundle = cdir / "bundle"
        bundle.mkdir(exist_ok=True)
        spec = _spec(rootfs, cdir, att.netns_path, a.cmd or ["sleep", "1000"], att.hostname.strip())
        (bundle / "config.json").write_text(json.dumps(spec))
        log = open(cdir / "runc.log", "wb")
        subprocess.Popen(_runc(settings) + ["run", "--bundle", str(bundle), a.cid], stdin=subprocess.DEVNULL,
                         stdout=log, stderr=log, pass_fds=att.keep_fds, start_new_session=True)
        att.release()
        _wait_running(settings, a.cid, cdir)
    except BaseException:
        teardown(settings, a.cid)
        raise
    from nerdpy.network import state

    veths = [e.host_veth for e in state.endpoints_of(settings, a.cid)]
    print(json.dumps({"veths": veths, "ip": att.ip, "netns": att.netns_path, "ports": [m.describe() for m in att.ports],
                      "hosts": att.hosts, "resolv": att.resolv_conf, "mode": att.mode}))


def _wait_running(settings, cid: str, cdir: Path) -> None:
    for _ in range(200):
        out = subprocess.run(_runc(settings) + ["state", cid], capture_output=True, text=True)
        if out.returncode == 0 and json.loads(out.stdout)["status"] == "running":
            return
        time.sleep(0.025)
    raise SystemExit(f"container did not start: {(cdir / 'runc.log').read_text()[-500:]}")


def down(cid: str) -> None:
    settings = _settings()
    subprocess.run(_runc(settings) + ["delete", "-f", cid], capture_output=True)
    teardown(settings, cid)


def main() -> None:
    cmd, rest = sys.argv[1], sys.argv[2:]
    if cmd == "up":
        up(rest)
    elif cmd == "down":
        down(rest[0])
    elif cmd == "exec":
        settings = _settings()
        proc = subprocess.run(_runc(settings) + ["exec", rest[0], *rest[1:]])
        raise SystemExit(proc.returncode)
    elif cmd == "rootfs":
        print(_rootfs(_settings()))
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
