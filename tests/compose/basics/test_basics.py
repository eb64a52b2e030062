"""A two-service project end to end: config, up (idempotent, recreate on change
only), names and labels, logs, exec, volumes, secrets, .env precedence, down."""

import json
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
HERE = Path(__file__).resolve().parent


def _expected(directory):
    text = (HERE / "expected.json").read_text().replace("{dir}", str(directory))
    return json.loads(text)


def _wait_logs(c, service, needle, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        out = c("logs", "--no-log-prefix", service).stdout
        if needle in out or time.monotonic() > deadline:
            return out
        time.sleep(0.2)


def test_config_json_matches_the_spec(compose):
    c = compose("basics")
    got = json.loads(c.raw("config", "--format", "json").stdout)
    assert got == _expected(c.dir)
    assert c.raw("config", "--services").stdout.split() == ["db", "web"]
    assert c.raw("config", "--volumes").stdout.split() == ["data"]
    # The shell environment wins over .env.
    got = json.loads(c.raw("config", "--format", "json", env={"GREETING": "from-shell"}).stdout)
    assert got["services"]["web"]["environment"]["GREETING"] == "from-shell"


def test_up_is_idempotent_and_recreates_only_what_changed(compose, nerdpy):
    c = compose("basics")
    up = c("up", "-d")
    assert "Container basics-db-1  Started" in up.stderr and "Container basics-web-1  Started" in up.stderr
    names = sorted(c("ps", "--format", "{{.Name}} {{.Service}} {{.State}}").stdout.splitlines())
    assert names == ["basics-db-1 db running", "basics-web-1 web running"]
    # COMMAND is cut to 20 characters in the table as docker compose cuts it, whole with --no-trunc.
    cut = c("ps", "--format", "{{.Command}}", "db").stdout.strip()
    assert cut == '"sh -c \'echo ready >…"'
    whole = c("ps", "--no-trunc", "--format", "{{.Command}}", "db").stdout.strip()
    assert whole.startswith('"sh -c \'echo ready > /data/state;') and whole.endswith('exec sleep 600\'"')
    out = _wait_logs(c, "web", "motd=")
    assert "db resolves" in out and "greeting=from-dotenv" in out and "file=from-env-file" in out
    assert "secret=s3cret" in out and "shared=hi there" in out and "key=k3y motd=welcome" in out
    assert c("exec", "-T", "db", "cat", "/data/state").stdout == "ready\n"
    labels = json.loads(nerdpy("inspect", "basics-web-1").stdout)[0]["Config"]["Labels"]
    assert labels["com.docker.compose.project"] == "basics" and labels["com.docker.compose.service"] == "web"
    assert labels["com.docker.compose.container-number"] == "1" and labels["com.docker.compose.oneoff"] == "False"
    hashes = c("config", "--hash", "*").stdout.split()
    assert labels["com.docker.compose.config-hash"] == hashes[hashes.index("web") + 1]
    assert "basics_default" in nerdpy("network", "ls").stdout
    before = {s: c.ids(s) for s in ("db", "web")}
    again = c("up", "-d")
    assert "Running" in again.stderr and "Recreate" not in again.stderr
    assert {s: c.ids(s) for s in ("db", "web")} == before
    changed = c("up", "-d", env={"GREETING": "changed"})
    web = [line.split("  ")[-1] for line in changed.stderr.splitlines() if "Container basics-web-1 " in line]
    assert web == ["Recreate", "Recreated", "Starting", "Started"], changed.stderr  # docker compose's events
    assert c.ids("db") == before["db"] and c.ids("web") != before["web"]
    assert "greeting=changed" in _wait_logs(c, "web", "greeting=changed")
    down = c("down", "-t", "0")
    web = [line.split("  ")[-1] for line in down.stderr.splitlines() if "Container basics-web-1 " in line]
    assert web == ["Stopping", "Stopped", "Removing", "Removed"], down.stderr  # docker compose's events
    assert c("ps", "-aq").stdout == ""
    assert "basics_default" not in nerdpy("network", "ls").stdout
    assert "basics_data" in nerdpy("volume", "ls", "-q").stdout.split(), "down keeps named volumes without -v"
    c("down", "-v", "-t", "0")
    assert "basics_data" not in nerdpy("volume", "ls", "-q").stdout.split()
