"""service_healthy and `up --wait` use the container's real health status, from
the service's healthcheck or the image's HEALTHCHECK alike."""

import pytest

pytestmark = pytest.mark.integration


def test_healthy_dependency_gates_start(compose):
    c = compose("health")
    result = c("up", "-d", "--wait", "--wait-timeout", "60", check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Container health-db-1  Healthy" in result.stderr
    # docker compose says it waits on a dependency, then that it is healthy: once each for app, once for --wait.
    events = [line.strip() for line in result.stderr.splitlines() if "health-db-1" in line]
    assert events[-4:] == ["Container health-db-1  Waiting", "Container health-db-1  Healthy"] * 2, events
    assert "Container health-cache-1  Healthy" in result.stderr
    lines = c("ps", "--format", "{{.Service}} {{.State}} {{.Status}}").stdout.splitlines()
    rows = dict(line.split(" ", 1) for line in lines)
    assert sorted(rows) == ["app", "cache", "db"], lines
    assert all(row.startswith("running Up") for row in rows.values()), lines
    assert "(healthy)" in rows["db"] and "(healthy)" in rows["cache"], lines
    health = c("ps", "--format", "{{.Service}} {{.Health}}").stdout.splitlines()
    assert sorted(health) == ["app ", "cache healthy", "db healthy"], health
