"""Namespace and link keys between services, end to end: `pid`/`ipc: service:X`,
`links`, `volumes_from`, `oom_score_adj` and `devices` take effect in the containers, the
referenced service starts first (an implied dependency), and `down` removes all."""

import json
import time

import pytest

pytestmark = pytest.mark.integration


def _exec(c, service, script, until="", timeout=20):
    """The output of `sh -c script` in the service's container; with `until`,
    rerun while the output lacks it (the donor's command may not have run yet)."""
    deadline = time.monotonic() + timeout
    while True:
        out = c("exec", "-T", service, "sh", "-c", script, check=False).stdout
        if until in out or time.monotonic() > deadline:
            return out
        time.sleep(0.2)


def test_services_share_namespaces_links_and_volumes(compose, nerdpy):
    c = compose("hostmodes")
    up = c("up", "-d").stderr
    assert up.index("Container hostmodes-base-1  Started") < up.index("Container hostmodes-app-1  Started"), up

    assert _exec(c, "app", "cat /dev/shm/token", until="shm-token").strip() == "shm-token"
    script = "readlink /proc/self/ns/pid /proc/self/ns/ipc"
    assert _exec(c, "app", script).split() == _exec(c, "base", script).split()
    assert _exec(c, "app", "tr '\\0' ' ' < /proc/1/cmdline").strip() == "sleep 600", "PID 1 is base's"

    base_ip = _exec(c, "base", "hostname -i").split()[0]
    hosts = [line.split() for line in _exec(c, "app", "cat /etc/hosts").splitlines()]
    assert [base_ip, "db"] in [entry[:2] for entry in hosts], hosts

    assert _exec(c, "app", "cat /data/f", until="from-base").strip() == "from-base"
    refused = c("exec", "-T", "app", "sh", "-c", "echo x > /data/g", check=False)
    assert refused.returncode != 0 and "Read-only file system" in refused.stderr

    assert _exec(c, "app", "cat /proc/self/oom_score_adj").strip() == "500"
    assert _exec(c, "base", "cat /proc/self/oom_score_adj").strip() != "500"
    assert _exec(c, "app", "test -c /dev/extra-null && echo hi > /dev/extra-null && echo device").strip() == "device"
    host = json.loads(nerdpy("inspect", "-f", "{{json .HostConfig}}", "hostmodes-app-1").stdout)
    assert (host["PidMode"], host["IpcMode"]) == ("container:hostmodes-base-1", "container:hostmodes-base-1")
    assert host["Links"] == ["/hostmodes-base-1:/hostmodes-app-1/db"] and host["OomScoreAdj"] == 500

    c("down", "-t", "0")
    assert c("ps", "-aq").stdout == ""
