"""A running project looked at and signalled as docker compose does: ps (json),
port (reachable on the host), top, images, ls, cp both ways, kill -s, restart;
exec and run -e KEY without a value."""

import json
import urllib.request

import pytest

pytestmark = pytest.mark.integration


def test_look_at_and_signal_a_running_project(compose, nerdpy, tmp_path):
    c = compose("inspection")
    c("up", "-d", "--wait", "--wait-timeout", "60", timeout=120)
    rows = {r["Service"]: r for r in map(json.loads, c("ps", "--format", "json").stdout.splitlines())}
    assert (rows["web"]["State"], rows["web"]["Health"], rows["worker"]["Health"]) == ("running", "healthy", "")
    # docker compose filters on the status given, whatever it is; --filter takes status= only.
    assert c("ps", "--status", "stopped", "-q").stdout == "" and c("ps", "--status", "running", "-q").stdout
    bad = c("ps", "--filter", "health=healthy", check=False)
    assert bad.returncode == 1 and "unknown filter health" in bad.stderr, bad.stderr
    published = rows["web"]["Publishers"]
    assert [(p["URL"], p["TargetPort"], p["Protocol"]) for p in published] == [("127.0.0.1", 8080, "tcp")]
    address = c("port", "web", "8080").stdout.strip()
    assert address == f"127.0.0.1:{published[0]['PublishedPort']}"
    assert urllib.request.urlopen(f"http://{address}/page", timeout=30).read() == b"served\n"
    unpublished = c("port", "web", "9999", check=False)  # docker compose's portNotFoundError
    assert unpublished.returncode == 1
    assert "no port 9999/tcp for container inspection-web-1: 8080/tcp" in unpublished.stderr, unpublished.stderr

    top = c("top", "web").stdout.splitlines()
    assert top[0] == "inspection-web-1" and top[1].split()[:3] == ["UID", "PID", "PPID"]
    assert any(line.endswith("httpd -f -p 8080 -h /tmp") for line in top[2:]), top
    text = c("images", "--format", "json").stdout
    images = json.loads(text)
    assert sorted((i["ContainerName"], i["Repository"]) for i in images) == [
        ("inspection-web-1", "busybox"), ("inspection-worker-1", "busybox")]
    # docker compose's JSON: Go's compact encoding, the whole image ID; -q lists each image once.
    assert '", "' not in text and '": ' not in text and list(images[0]) == ["ID", "ContainerName", "Repository",
                                                                           "Tag", "Size"]
    assert images[0]["ID"].startswith("sha256:") and len(images[0]["ID"]) == 71
    assert c("images", "-q").stdout.split() == [images[0]["ID"].removeprefix("sha256:")]
    text = nerdpy("compose", "ls", "--format", "json").stdout
    assert '", "' not in text and '": ' not in text
    listed = json.loads(text)
    assert {"Name": "inspection", "Status": "running(2)", "ConfigFiles": str(c.dir / "compose.yaml")} in listed

    (tmp_path / "in.txt").write_text("copied in\n")
    c("cp", str(tmp_path / "in.txt"), "web:/tmp/in.txt")
    assert c("exec", "-T", "web", "cat", "/tmp/in.txt").stdout == "copied in\n"
    c("cp", "web:/tmp/page", str(tmp_path / "out.txt"))
    assert (tmp_path / "out.txt").read_text() == "served\n"

    before = c.ids("web")
    restarted = c("restart", "web")
    assert "Container inspection-web-1  Started" in restarted.stderr and c.ids("web") == before
    assert c("ps", "--format", "{{.State}}", "web").stdout.strip() == "running"
    c("kill", "-s", "SIGUSR1", "worker")
    assert c("wait", "worker").returncode == 0
    assert c("ps", "-a", "--format", "{{.State}} {{.ExitCode}}", "worker").stdout.strip() == "exited 0"
    stopped = c("port", "worker", "80", check=False)  # only a running container has ports, as docker compose
    assert stopped.returncode == 1 and 'service "worker" is not running' in stopped.stderr, stopped.stderr
    assert "got usr1" in c("logs", "worker").stdout
    assert "got usr1" in c("logs", "--until", "0s", "worker").stdout
    assert c("logs", "--until", "2000-01-01T00:00:00Z", "worker").stdout == ""


def test_a_bare_env_flag_takes_the_shell_value(compose):
    c = compose("inspection")
    c("up", "-d", "worker")
    shell = {"FROM_SHELL": "shell-value"}
    script = "echo [$FROM_SHELL] [${NOT_SET-unset}] [$GIVEN]"
    flags = ("-e", "FROM_SHELL", "-e", "NOT_SET", "-e", "GIVEN=given")
    expected = "[shell-value] [unset] [given]\n"
    assert c("exec", "-T", *flags, "worker", "sh", "-c", script, env=shell).stdout == expected
    assert c("run", "--rm", "-T", *flags, "worker", "sh", "-c", script, env=shell).stdout == expected
