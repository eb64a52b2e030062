"""Daily commands on a small stack: a `run --rm -d` one-off taken down with the
project, `scale`, `ps` ordered by name."""

import pytest

pytestmark = pytest.mark.integration


def test_down_takes_a_self_removing_one_off_quietly(compose):
    c = compose("daily")
    c("up", "-d", "app")
    name = c("run", "--rm", "-d", "--no-deps", "app", "sleep", "600").stdout.strip()
    assert name.startswith("daily-app-run-")
    # The --rm one-off removes itself once stopped: down counts that as removed (exit 0),
    # where it said "No such container" and exited 1.
    result = c("down", "-t", "0", check=False)
    assert result.returncode == 0, result.stderr
    assert f"Container {name}  Removed" in result.stderr and "No such container" not in result.stderr
    assert c("ps", "-aq").stdout == ""


def test_scale_command(compose):
    c = compose("daily")
    c("up", "-d")
    result = c("scale", "app=3")
    assert "Container daily-app-3  Started" in result.stderr
    assert c("ps", "--format", "{{.Name}}", "app").stdout.split() == ["daily-app-1", "daily-app-2", "daily-app-3"]
    c("scale", "app=1", "web=0")
    assert c("ps", "-a", "--format", "{{.Name}}").stdout.split() == ["daily-app-1"]
    bad = c("scale", "app=x", check=False)
    assert bad.returncode == 1
    assert bad.stderr.strip() == "Error: invalid scale specifier: can't parse replica value as int: app=x"


def test_ps_lists_by_container_name(compose):
    # docker compose sorts ps by name: a container_name, one-offs and replica 10 fall where
    # their names put them, not in service/number order.
    c = compose("daily")
    c("up", "-d")
    run = c("run", "-d", "--no-deps", "app", "sleep", "600").stdout.strip()
    names = c("ps", "--format", "{{.Name}}").stdout.split()
    assert names == sorted(["a-web", "daily-app-1", run]) and names[0] == "a-web"
