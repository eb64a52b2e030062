"""service_healthy and `up --wait` use the container's real health status. A
nerdpy without healthchecks says so and fails; it never pretends."""

import pytest
from nerdpy_compose import health

pytestmark = pytest.mark.integration


def test_healthy_dependency_gates_start(compose):
    c = compose("health")
    result = c("up", "-d", "--wait", "--wait-timeout", "60", check=False, timeout=120)
    if not health.supported():
        assert result.returncode != 0 and "needs healthchecks" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
        assert c("ps", "-q", "app").stdout == "", "app must not start before db is healthy"
        return
    assert result.returncode == 0, result.stderr
    assert "Container health-db-1  Healthy" in result.stderr
    rows = c("ps", "--format", "{{.Service}} {{.State}}").stdout.split("\n")
    assert sorted(filter(None, rows)) == ["app running", "db running"]
