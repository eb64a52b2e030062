"""Faults and concurrency: dead shims, killed CLIs, fd leaks, restart policies,
concurrent runs, terminals."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = [pytest.mark.integration, pytest.requires("runc", "newuidmap", "busybox")]


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _inspect(nerdpy, name: str) -> dict:
    return json.loads(nerdpy("inspect", name).stdout)[0]


def _wait_for(predicate, timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def _shim_pid(nerdpy, cid: str) -> int:
    state = json.loads((nerdpy.data_root / "containers" / cid / "state.json").read_text())
    return int(state["shim_pid"])


def test_twenty_concurrent_detached_runs(nerdpy, busybox_image):
    label = f"batch={uuid.uuid4().hex[:8]}"

    def one(_: int) -> subprocess.CompletedProcess:
        return nerdpy("run", "-d", "-l", label, busybox_image, "sleep", "30", check=False, timeout=120)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(one, range(20)))
    assert [r.returncode for r in results] == [0] * 20, [r.stderr for r in results if r.returncode]
    ids = {r.stdout.strip() for r in results}
    assert len(ids) == 20
    rows = nerdpy("ps", "--filter", f"label={label}", "--format", "{{.Names}} {{.State}}").stdout.splitlines()
    assert len(rows) == 20 and len({r.split()[0] for r in rows}) == 20
    assert all(r.endswith("running") for r in rows)
    nerdpy("rm", "-f", *ids, timeout=120)
    assert nerdpy("ps", "-aq", "--filter", f"label={label}").stdout.strip() == ""


def test_concurrent_same_name_has_one_winner(nerdpy, busybox_image):
    name = _name("race")
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(lambda _: nerdpy("create", "--name", name, busybox_image, "true", check=False),
                                range(5)))
    assert sorted(r.returncode for r in results) == [0, 125, 125, 125, 125]
    nerdpy("rm", name)


def test_dead_shim_reads_as_exited_137_and_is_removable(nerdpy, busybox_image):
    name = _name("deadshim")
    cid = nerdpy("run", "-d", "--name", name, busybox_image, "sleep", "60").stdout.strip()
    os.kill(_shim_pid(nerdpy, cid), signal.SIGKILL)
    _wait_for(lambda: _inspect(nerdpy, name)["State"]["Status"] == "exited")
    assert _inspect(nerdpy, name)["State"]["ExitCode"] == 137
    assert "Exited (137)" in nerdpy("ps", "-a", "--filter", f"name={name}").stdout
    nerdpy("rm", "-f", name)
    assert not (nerdpy.data_root / "containers" / cid).exists()


def test_container_survives_cli_and_killed_cli_is_cleaned(nerdpy, busybox_image):
    label = f"killed={uuid.uuid4().hex[:8]}"
    for delay in (0.05, 0.3, 0.6):
        proc = nerdpy.popen("run", "-d", "-l", label, busybox_image, "sleep", "30")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    ids = nerdpy("ps", "-aq", "--no-trunc", "--filter", f"label={label}").stdout.split()
    if ids:
        nerdpy("rm", "-f", *ids, timeout=120)
    assert nerdpy("ps", "-aq", "--filter", f"label={label}").stdout.strip() == ""
    for cid in ids:
        assert not (nerdpy.data_root / "containers" / cid).exists()


def test_no_fd_leaks_into_shim_or_container(nerdpy, busybox_image):
    name = _name("fds")
    cid = nerdpy("run", "-d", "--name", name, busybox_image, "sleep", "60").stdout.strip()
    pid = _inspect(nerdpy, name)["State"]["Pid"]
    inside = nerdpy("exec", name, "ls", "/proc/1/fd").stdout.split()
    assert sorted(inside) == ["0", "1", "2"]
    listing = nerdpy.unshare("ls", "-l", f"/proc/{_shim_pid(nerdpy, cid)}/fd").stdout
    targets = [line.split(" -> ", 1)[1] for line in listing.splitlines() if " -> " in line]
    allowed = ("/dev/null", "pipe:", "socket:", f"{cid}-json.log", "anon_inode:")
    leaked = [t for t in targets if not any(a in t for a in allowed)]
    assert leaked == []
    assert not any("meta.db" in t or ".lock" in t for t in targets)
    assert pid > 0
    nerdpy("rm", "-f", name)


def test_restart_on_failure_with_backoff(nerdpy, busybox_image):
    name = _name("restart")
    nerdpy("run", "-d", "--name", name, "--restart", "on-failure:2", busybox_image, "sh", "-c", "echo run; exit 3")
    _wait_for(lambda: _inspect(nerdpy, name)["State"]["Status"] == "exited")
    data = _inspect(nerdpy, name)
    assert data["RestartCount"] == 2 and data["State"]["ExitCode"] == 3
    assert nerdpy("logs", name).stdout == "run\n" * 3
    assert nerdpy("run", "--rm", "--restart", "always", busybox_image, "true", check=False).returncode == 125
    nerdpy("rm", name)


def test_restart_always_stays_stopped_after_stop(nerdpy, busybox_image):
    name = _name("always")
    nerdpy("run", "-d", "--name", name, "--restart", "always", busybox_image, "sleep", "60")
    nerdpy("stop", "-t", "0", name)
    time.sleep(0.5)
    assert _inspect(nerdpy, name)["State"]["Status"] == "exited"
    nerdpy("start", name)
    assert _inspect(nerdpy, name)["State"]["Status"] == "running"
    nerdpy("rm", "-f", name)


def test_kill_signal_and_wait(nerdpy, busybox_image):
    name = _name("kill")
    nerdpy("run", "-d", "--name", name, "--init", busybox_image, "sleep", "60")
    nerdpy("kill", "-s", "TERM", name)
    assert nerdpy("wait", name, timeout=20).stdout.strip() == "143"
    assert nerdpy("kill", name, check=False).returncode != 0
    nerdpy("rm", name)


def test_tty_gives_a_real_terminal(nerdpy, busybox_image):
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 77, 0, 0))  # the size must follow us in
    script = "[ -t 0 ] && echo is-a-tty; busybox stty size; exit 5"
    proc = subprocess.Popen(nerdpy.argv("run", "--rm", "-it", busybox_image, "sh", "-c", script),
                            stdin=slave, stdout=slave, stderr=slave, env=nerdpy.env, cwd="/tmp")
    os.close(slave)
    output = b""
    try:
        proc.wait(timeout=30)
    finally:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        os.close(master)
    assert b"is-a-tty" in output
    assert b"33 77" in output
    assert proc.returncode == 5


def test_attach_and_start_attach(nerdpy, busybox_image):
    name = _name("att")
    nerdpy("create", "--name", name, busybox_image, "sh", "-c", "echo from-start; exit 2")
    result = nerdpy("start", "-a", name, check=False)
    assert result.returncode == 2 and result.stdout == "from-start\n"
    nerdpy("rm", name)


def test_reboot_wipes_runtime_state_and_containers_recover(fresh_nerdpy, busybox_tar):
    nerdpy = fresh_nerdpy
    nerdpy("load", "-i", busybox_tar)
    name = _name("reboot")
    cid = nerdpy("run", "-d", "--name", name, "busybox:latest", "sleep", "300").stdout.strip()
    state = json.loads((nerdpy.data_root / "containers" / cid / "state.json").read_text())
    holder_file = nerdpy.runtime_root / "holder.pid"  # rootless only
    holder = [int(holder_file.read_text().split()[0])] if holder_file.exists() else []
    for pid in [state["shim_pid"], state["pid"], *holder]:  # what a reboot does to them
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    root = str(nerdpy.runtime_root)
    with open("/proc/self/mountinfo") as handle:  # root mode: netns bind mounts live in our namespace
        mounted = [line.split()[4] for line in handle if line.split()[4].startswith(root + "/")]
    for path in sorted(mounted, reverse=True):
        subprocess.run(["umount", "-l", path], check=False)
    subprocess.run(["rm", "-rf", root], check=False)
    nerdpy.runtime_root.mkdir(mode=0o700, exist_ok=True)
    _wait_for(lambda: "Exited (137)" in nerdpy("ps", "-a", "--filter", f"name={name}").stdout)
    nerdpy("start", name)
    assert nerdpy("exec", name, "echo", "back").stdout == "back\n"
    nerdpy("rm", "-f", name)
    assert not (nerdpy.data_root / "containers" / cid).exists()


def test_killed_foreground_cli_leaves_cleanup_to_the_shim(nerdpy, busybox_image):
    name = _name("fgkill")
    proc = nerdpy.popen("run", "--rm", "--name", name, busybox_image, "sh", "-c", "echo up; sleep 2")
    assert proc.stdout.readline() == "up\n"
    proc.kill()
    proc.wait()
    # The container lives on, then the shim's exit command removes it (--rm).
    _wait_for(lambda: name not in nerdpy("ps", "-a", "--format", "{{.Names}}").stdout.split(), timeout=30)


def test_run_pulls_a_missing_image(fresh_nerdpy, registry_busybox):
    nerdpy = fresh_nerdpy  # its own store: another test (build) may have pulled this image already
    out = nerdpy("run", "--rm", "--pull", "missing", registry_busybox, "echo", "pulled", timeout=120)
    assert out.stdout.endswith("pulled\n")
    assert f"Unable to find image '{registry_busybox}' locally" in out.stderr
    never = nerdpy("run", "--rm", "--pull", "never", registry_busybox.rsplit(":", 1)[0] + ":nope", "true",
                   check=False)
    assert never.returncode == 125 and len(never.stderr.strip().splitlines()) == 1


def test_port_in_use_fails_cleanly(nerdpy, busybox_image):
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        name = _name("busyport")
        result = nerdpy("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:80", busybox_image, "sleep", "30",
                        check=False)
    assert result.returncode == 125 and len(result.stderr.strip().splitlines()) == 1
    assert name not in nerdpy("ps", "-a", "--format", "{{.Names}}").stdout.split()


def test_exec_with_a_terminal(nerdpy, busybox_image):
    name = _name("exectty")
    nerdpy("run", "-d", "--name", name, busybox_image, "sleep", "60")
    master, slave = os.openpty()
    proc = subprocess.Popen(nerdpy.argv("exec", "-it", name, "sh", "-c", "[ -t 0 ] && echo in-tty; exit 3"),
                            stdin=slave, stdout=slave, stderr=slave, env=nerdpy.env, cwd="/tmp",
                            start_new_session=True)
    os.close(slave)
    output = b""
    try:
        proc.wait(timeout=30)
    finally:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        os.close(master)
    assert b"in-tty" in output and proc.returncode == 3
    # Docker refuses only -it with a stdin that is not a terminal; -t alone runs.
    no_tty = nerdpy("exec", "-it", name, "true", check=False)
    assert no_tty.returncode == 1 and "the input device is not a TTY" in no_tty.stderr, no_tty.stderr
    out_tty = nerdpy("exec", "-t", name, "sh", "-c", "[ -t 1 ] && echo out-tty")
    assert "out-tty" in out_tty.stdout
    refused = nerdpy("run", "-it", "--name", name + "-it", busybox_image, "true", check=False)
    assert refused.returncode == 1 and "the input device is not a TTY" in refused.stderr, refused.stderr
    assert nerdpy("ps", "-aq", "--filter", f"name={name}-it").stdout == ""  # refused before anything is made
    nerdpy("rm", "-f", name)


def test_detach_keys_leave_the_container_running(nerdpy, busybox_image):
    name = _name("detach")
    master, slave = os.openpty()
    proc = subprocess.Popen(nerdpy.argv("run", "-it", "--name", name, busybox_image, "sh"),
                            stdin=slave, stdout=slave, stderr=slave, env=nerdpy.env, cwd="/tmp",
                            start_new_session=True)
    os.close(slave)
    try:
        _wait_for(lambda: nerdpy("inspect", "-f", "{{.State.Status}}", name, check=False).stdout.strip() == "running")
        time.sleep(0.3)
        os.write(master, b"echo typed-once\r")
        time.sleep(0.5)
        # Ctrl-P alone is held back until the next key decides: had the shell got it, it
        # would have recalled (redrawn) the last command, one Enter away from running again.
        os.write(master, b"\x10")
        time.sleep(0.5)
        os.write(master, b"\x11")  # Ctrl-Q: detach
        proc.wait(timeout=20)
        output = _drain(master)
    finally:
        os.close(master)
    assert output.count(b"echo typed-once") == 1, output
    assert nerdpy("inspect", "-f", "{{.State.Status}}", name).stdout.strip() == "running"
    nerdpy("rm", "-f", name)


def _pty_run(nerdpy, argv: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.Popen, int]:
    master, slave = os.openpty()
    proc = subprocess.Popen(nerdpy.argv(*argv), stdin=slave, stdout=slave, stderr=slave,
                            env={**nerdpy.env, **(env or {})}, cwd="/tmp", start_new_session=True)
    os.close(slave)
    return proc, master


def _detach(nerdpy, argv: list[str], env: dict[str, str], ready, ignored: bytes, keys: bytes) -> int:
    """Run argv on a terminal; once ready, `ignored` must not detach, `keys` must; its exit code."""
    proc, master = _pty_run(nerdpy, argv, env)
    try:
        ready()
        time.sleep(0.3)
        os.write(master, ignored)
        time.sleep(0.5)
        assert proc.poll() is None
        os.write(master, keys)
        return proc.wait(timeout=20)
    finally:
        os.close(master)


def test_detach_keys_flag_and_config(nerdpy, busybox_image, tmp_path):
    """--detach-keys on run and attach; config.json's detachKeys when no flag; the flag wins."""
    name = _name("dkeys")
    config = tmp_path / "docker"
    config.mkdir()
    (config / "config.json").write_text(json.dumps({"detachKeys": "ctrl-b"}))
    env = {"DOCKER_CONFIG": str(config)}
    running = lambda: nerdpy("inspect", "-f", "{{.State.Status}}", name, check=False).stdout.strip() == "running"  # noqa: E731
    # The default and the config's keys are typed through to the shell; the flag's detach.
    code = _detach(nerdpy, ["run", "-it", "--detach-keys", "ctrl-a,x", "--name", name, busybox_image, "sh"], env,
                   lambda: _wait_for(running), b"\x10\x11\x02", b"\x01x")
    assert code == 0 and running()
    code = _detach(nerdpy, ["attach", name], env, lambda: time.sleep(1), b"\x10\x11", b"\x02")  # config's ctrl-b
    assert code == 0 and running()
    bad = nerdpy("attach", "--no-stdin", "--detach-keys", "ctrl-", name, check=False)
    assert bad.returncode != 0 and "Invalid detach keys (ctrl-) provided" in bad.stderr, bad.stderr
    no_tty = nerdpy("attach", name, check=False)  # a terminal's container, stdin not a terminal: Docker refuses
    assert no_tty.returncode == 1 and "the input device is not a TTY" in no_tty.stderr, no_tty.stderr
    assert running()
    (config / "config.json").write_text(json.dumps({"detachKeys": "nope"}))
    bad = nerdpy("run", "--rm", "-i", busybox_image, "true", env=env, check=False)
    assert bad.returncode == 125 and "Invalid detach keys (nope) provided" in bad.stderr, bad.stderr
    nerdpy("rm", "-f", name)


def test_start_attach_detach_keys(nerdpy, busybox_image):
    name = _name("sdkeys")
    nerdpy("create", "-it", "--name", name, busybox_image, "sh")
    running = lambda: nerdpy("inspect", "-f", "{{.State.Status}}", name, check=False).stdout.strip() == "running"  # noqa: E731
    code = _detach(nerdpy, ["start", "-ai", "--detach-keys", "ctrl-a,x", name], {}, lambda: _wait_for(running),
                   b"\x10\x11", b"\x01x")
    assert code == 0 and running()
    nerdpy("rm", "-f", name)


def _drain(fd: int) -> bytes:
    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            return out
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return out
        if not chunk:
            return out
        out += chunk
