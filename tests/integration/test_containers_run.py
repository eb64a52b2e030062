"""`nerdpy run` end to end with real runc, real shims, a real image store."""

from __future__ import annotations

import json
import os
import time
import uuid

import pytest

pytestmark = [pytest.mark.integration, pytest.requires("runc", "newuidmap", "busybox")]


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_run_rm_echo_hello(nerdpy, busybox_image):
    result = nerdpy("run", "--rm", busybox_image, "echo", "hello")
    assert result.stdout == "hello\n"
    assert nerdpy("ps", "-aq").stdout.strip() == "" or result.stdout  # --rm left nothing named
    assert _name("x") not in nerdpy("ps", "-a").stdout


def test_run_rm_leaves_no_record(nerdpy, busybox_image):
    name = _name("gone")
    nerdpy("run", "--rm", "--name", name, busybox_image, "true")
    assert name not in nerdpy("ps", "-a", "--format", "{{.Names}}").stdout.split()
    # The name is free again at once.
    nerdpy("run", "--rm", "--name", name, busybox_image, "true")


def test_exit_codes_follow_docker(nerdpy, busybox_image):
    assert nerdpy("run", "--rm", busybox_image, "sh", "-c", "exit 3", check=False).returncode == 3
    missing = nerdpy("run", "--rm", busybox_image, "no-such-command", check=False)
    assert missing.returncode == 127
    assert "no-such-command" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1
    assert nerdpy("run", "--rm", busybox_image, "/etc", check=False).returncode == 126
    bad_flag = nerdpy("run", "--no-such-flag", busybox_image, check=False)
    assert bad_flag.returncode == 125


def test_stdout_and_stderr_are_separate(nerdpy, busybox_image):
    result = nerdpy("run", "--rm", busybox_image, "sh", "-c", "echo out; echo err >&2")
    assert result.stdout == "out\n"
    assert result.stderr == "err\n"


def test_interactive_stdin(nerdpy, busybox_image):
    result = nerdpy("run", "--rm", "-i", busybox_image, "sh", "-c", "tr a-z A-Z", input="hello stdin\n")
    assert result.stdout == "HELLO STDIN\n"


def test_default_spec_matches_docker(nerdpy, busybox_image):
    script = ("grep -E '^Cap(Eff|Bnd|Inh|Amb)' /proc/self/status; grep Seccomp: /proc/self/status; "
              "echo HOST=$HOSTNAME HOME=$HOME; echo PATH=$PATH; mount | grep ' /sys ' ; ulimit -n; "
              "grep -c ' /proc/keys ' /proc/mounts")
    out = nerdpy("run", "--rm", "--hostname", "box1", busybox_image, "sh", "-c", script).stdout
    assert "CapEff:\t00000000a80425fb" in out  # Docker's 14 default capabilities
    assert "CapInh:\t0000000000000000" in out and "CapAmb:\t0000000000000000" in out
    assert "Seccomp:\t2" in out
    assert "HOST=box1 HOME=/root" in out
    assert "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" in out
    assert "(ro," in out.split("sysfs", 1)[1].splitlines()[0]
    lines = out.strip().splitlines()
    assert int(lines[-2]) <= 1048576
    assert lines[-1].strip() == "1"  # /proc/keys is masked (a mount over it)


def test_user_workdir_env_entrypoint(nerdpy, busybox_image):
    out = nerdpy("run", "--rm", "-u", "nobody", "-w", "/work/dir", "-e", "A=1", "--env", "B=two",
                 busybox_image, "sh", "-c", "id -u; pwd; echo $A$B").stdout.split()
    assert out == ["65534", "/work/dir", "1two"]
    assert nerdpy("run", "--rm", "-u", "1234:5678", busybox_image, "id").stdout.startswith("uid=1234 gid=5678")
    out = nerdpy("run", "--rm", "--entrypoint", "echo", busybox_image, "via", "entrypoint").stdout
    assert out == "via entrypoint\n"


def test_bad_input_leaves_nothing_behind(nerdpy, busybox_image):
    before = nerdpy("ps", "-aq").stdout.split()
    bad_user = nerdpy("run", "--rm", "-u", "nosuchuser", busybox_image, "true", check=False)
    assert bad_user.returncode == 125 and "nosuchuser" in bad_user.stderr
    assert len(bad_user.stderr.strip().splitlines()) == 1
    huge = nerdpy("run", "-u", "99999999999", busybox_image, "true", check=False)
    assert huge.returncode == 125
    wd_file = nerdpy("run", "-w", "/etc/passwd", busybox_image, "true", check=False)
    assert wd_file.returncode == 125 and "not a directory" in wd_file.stderr
    unknown = nerdpy("run", "--pull", "never", "no-such-image:nope", "true", check=False)
    assert unknown.returncode == 125
    assert nerdpy("ps", "-aq").stdout.split() == before


def test_name_conflict(nerdpy, busybox_image):
    name = _name("dup")
    nerdpy("create", "--name", name, busybox_image, "true")
    second = nerdpy("create", "--name", name, busybox_image, "true", check=False)
    assert second.returncode == 125
    assert "already in use" in second.stderr
    nerdpy("rm", name)


def test_detached_lifecycle(nerdpy, busybox_image):
    name = _name("web")
    cid = nerdpy("run", "-d", "--name", name, busybox_image,
                 "sh", "-c", "echo started; echo oops >&2; while true; do sleep 1; done").stdout.strip()
    assert len(cid) == 64
    rows = nerdpy("ps", "--format", "{{.ID}} {{.Names}} {{.State}}").stdout
    assert f"{cid[:12]} {name} running" in rows
    header = nerdpy("ps").stdout.splitlines()[0]
    assert header.split() == ["CONTAINER", "ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]
    _wait_for(lambda: "started" in nerdpy("logs", name).stdout)
    logs = nerdpy("logs", name)
    assert logs.stdout == "started\n" and logs.stderr == "oops\n"
    data = json.loads(nerdpy("inspect", name).stdout)[0]
    assert data["State"]["Running"] is True and data["State"]["Pid"] > 0
    assert data["Name"] == "/" + name and data["Id"] == cid
    rm_running = nerdpy("rm", name, check=False)
    assert rm_running.returncode != 0
    started = time.monotonic()
    nerdpy("stop", "-t", "1", name)  # sh as PID 1 ignores SIGTERM: killed after 1 s
    assert time.monotonic() - started < 8
    state = json.loads(nerdpy("inspect", name).stdout)[0]["State"]
    assert state["Status"] == "exited" and state["ExitCode"] == 137
    assert "Exited (137)" in nerdpy("ps", "-a", "--filter", f"name={name}").stdout
    nerdpy("start", name)
    assert nerdpy("inspect", "-f", "{{.State.Status}}", name).stdout.strip() == "running"
    nerdpy("rm", "-f", name)
    assert name not in nerdpy("ps", "-a").stdout


def test_logs_options(nerdpy, busybox_image):
    name = _name("logs")
    nerdpy("run", "--name", name, busybox_image, "sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done")
    assert nerdpy("logs", "--tail", "2", name).stdout == "line4\nline5\n"
    stamped = nerdpy("logs", "-t", name).stdout.splitlines()
    assert stamped[0].endswith(" line1") and stamped[0][:4].isdigit() and "T" in stamped[0]
    assert {len(line.split()[0]) for line in stamped} == {30}  # RFC3339NanoFixed: nine fraction digits
    assert nerdpy("logs", "--since", "1h", name).stdout.count("line") == 5
    assert nerdpy("logs", "--until", "2000-01-01T00:00:00Z", name).stdout == ""
    assert nerdpy("logs", "--details", "--tail", "1", name).stdout == " line5\n"  # no log attributes: a space
    bad = nerdpy("logs", "--since", "soon", name, check=False)
    assert bad.returncode == 1 and 'duration: "soon"' in bad.stderr
    log_path = json.loads(nerdpy("inspect", name).stdout)[0]["LogPath"]
    nerdpy("rm", name)
    assert not os.path.exists(log_path)
    # --log-opt labels/env/tag become each line's attributes, which --details shows (Docker's json-file)
    nerdpy("run", "--name", name, "--label", "com.ex=v 1", "-e", "FOO=bar", "--log-opt", "labels=com.ex",
           "--log-opt", "env=FOO", "--log-opt", "tag={{.Name}}", busybox_image, "echo", "hi")
    assert nerdpy("logs", "--details", name).stdout == f"FOO=bar,com.ex=v+1,tag={name} hi\n"
    assert nerdpy("logs", name).stdout == "hi\n"
    nerdpy("rm", name)


def test_logs_follow_until_exit(nerdpy, busybox_image):
    name = _name("follow")
    nerdpy("run", "-d", "--name", name, busybox_image, "sh", "-c", "echo a; sleep 1; echo b")
    result = nerdpy("logs", "-f", name, timeout=20)
    assert result.stdout == "a\nb\n"
    assert nerdpy("wait", name).stdout.strip() == "0"
    nerdpy("rm", name)


def test_log_rotation(nerdpy, busybox_image):
    name = _name("rot")
    nerdpy("run", "--name", name, "--log-opt", "max-size=2k", "--log-opt", "max-file=2", busybox_image,
           "sh", "-c", "i=0; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done")
    path = json.loads(nerdpy("inspect", name).stdout)[0]["LogPath"]
    nerdpy.unshare("test", "-f", path + ".1")
    size = nerdpy.unshare("stat", "-c", "%s", path).stdout.strip()
    assert int(size) <= 2048
    assert nerdpy.unshare("test", "!", "-e", path + ".2", check=False).returncode == 0
    assert nerdpy("logs", "--tail", "1", name).stdout == "line-199\n"
    nerdpy("rm", name)


def test_exec(nerdpy, busybox_image):
    name = _name("exec")
    nerdpy("run", "-d", "--name", name, busybox_image, "sleep", "60")
    assert nerdpy("exec", name, "echo", "hi").stdout == "hi\n"
    assert nerdpy("exec", name, "sh", "-c", "exit 7", check=False).returncode == 7
    assert nerdpy("exec", name, "no-such", check=False).returncode == 127
    assert nerdpy("exec", "-u", "nobody", "-w", "/tmp", "-e", "X=y", name, "sh", "-c", "id -u; pwd; echo $X"
                  ).stdout.split() == ["65534", "/tmp", "y"]
    assert nerdpy("exec", "-i", name, "cat", input="piped\n").stdout == "piped\n"
    nerdpy("exec", "-d", name, "sh", "-c", "echo detached > /tmp/d")
    _wait_for(lambda: nerdpy("exec", name, "cat", "/tmp/d", check=False).stdout == "detached\n")
    nerdpy("rm", "-f", name)
    assert nerdpy("exec", name, "true", check=False).returncode == 1  # removed: no such container


def test_exec_detached_returns_at_once_and_is_reaped(nerdpy, busybox_image):
    # -d returns once the process started (its stdio is not ours to wait on),
    # and what it leaves is reaped by the shim, even where PID 1 reaps nothing.
    name = _name("execd")
    nerdpy("run", "-d", "--name", name, busybox_image, "sleep", "60")
    nerdpy("exec", "-d", name, "sh", "-c", "echo out; echo err >&2; exec sleep 600", timeout=20)
    assert "sleep 600" in nerdpy("exec", name, "ps", "-o", "args").stdout
    nerdpy("exec", "-d", name, "true")

    def no_zombies() -> bool:
        states = nerdpy("exec", name, "ps", "-o", "stat,args").stdout.splitlines()[1:]
        return not any(line.split()[0].startswith("Z") for line in states if "ps -o" not in line)

    _wait_for(no_zombies)
    assert nerdpy("logs", name).stdout == ""  # an exec's output never reaches the container's log
    for detach in ((), ("-d",)):
        missing = nerdpy("exec", *detach, "-w", "/nope", name, "true", check=False)
        assert missing.returncode == 126
        assert missing.stderr.strip().splitlines() == [
            'Error: OCI runtime exec failed: exec failed: unable to start container process: '
            'chdir to cwd ("/nope") set in config.json failed: no such file or directory']
    nerdpy("rm", "-f", name)


def _wait_for(predicate, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_large_stdin_does_not_stall_output(nerdpy, busybox_image):
    # The container writes a lot before it reads stdin: the shim must keep
    # pumping output while our stdin waits in its buffer.
    payload = "x" * 300_000 + "\n"
    script = "i=0; while [ $i -lt 2000 ]; do echo out-$i; i=$((i+1)); done; wc -c"
    result = nerdpy("run", "--rm", "-i", busybox_image, "sh", "-c", script, input=payload, timeout=60)
    lines = result.stdout.split()
    assert lines[-1] == str(len(payload)) and "out-1999" in lines


def test_detached_rm_is_removed_by_the_shim(nerdpy, busybox_image):
    name = _name("drm")
    cid = nerdpy("run", "-d", "--rm", "--name", name, busybox_image, "sleep", "1").stdout.strip()
    assert name in nerdpy("ps", "--format", "{{.Names}}").stdout.split()
    _wait_for(lambda: name not in nerdpy("ps", "-a", "--format", "{{.Names}}").stdout.split(), timeout=30)
    _wait_for(lambda: not (nerdpy.data_root / "containers" / cid).exists(), timeout=10)


def test_stop_of_an_rm_container_returns_once_it_is_gone(nerdpy, busybox_image):
    name = _name("stoprm")
    nerdpy("run", "-d", "--rm", "--name", name, busybox_image, "sleep", "60")
    assert nerdpy("stop", "-t", "1", name).stdout == f"{name}\n"
    assert nerdpy("ps", "-a", "-q", "--filter", f"name={name}").stdout == ""
    # The name is free at once, as with podman (Docker removes --rm containers asynchronously).
    assert nerdpy("run", "--rm", "--name", name, busybox_image, "echo", "again").stdout == "again\n"


def test_rm_reclaims_the_disk_soon_after(nerdpy, busybox_image):
    cid_file = nerdpy.data_root.parent / f"cid-{uuid.uuid4().hex[:6]}"
    nerdpy("run", "--rm", "--cidfile", cid_file, busybox_image, "true")
    cid = cid_file.read_text()
    assert cid not in nerdpy("ps", "-aq", "--no-trunc").stdout
    _wait_for(lambda: not (nerdpy.data_root / "containers" / cid).exists(), timeout=15)
    _wait_for(lambda: not (nerdpy.runtime_root / "shims" / cid).exists(), timeout=15)
    assert cid not in nerdpy.unshare("cat", "/proc/self/mountinfo").stdout  # rootless: the holder's mounts


def test_closed_stdout_ends_the_client_not_the_container(nerdpy, busybox_image):
    import subprocess

    name = _name("pipe")
    argv = " ".join(nerdpy.argv("run", "--name", name, busybox_image, "sh", "-c",
                                "'while true; do echo y; usleep 20000; done'"))
    result = subprocess.run(f"{argv} | head -n 2", shell=True, capture_output=True, text=True, timeout=30,
                            env=nerdpy.env, cwd="/tmp")
    assert result.stdout == "y\ny\n" and "Traceback" not in result.stderr and "Error" not in result.stderr
    assert nerdpy("inspect", "-f", "{{.State.Status}}", name).stdout.strip() == "running"
    nerdpy("rm", "-f", name)
