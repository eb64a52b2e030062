"""`compose restart`: docker compose restarts the dependents declared with
`depends_on: {X: {restart: true}}` after X, once X meets the condition again."""

import pytest

pytestmark = pytest.mark.integration


def test_restart_brings_along_restart_true_dependents(compose):
    c = compose("restart_deps")
    c("up", "-d", timeout=120)
    err = c("restart", "db", timeout=120).stderr
    events = [line.strip() for line in err.splitlines()]
    assert events == ["Container restartdeps-db-1  Restarting", "Container restartdeps-db-1  Started",
                      "Container restartdeps-db-1  Waiting", "Container restartdeps-db-1  Healthy",
                      "Container restartdeps-web-1  Restarting", "Container restartdeps-web-1  Started"], err
    err = c("restart", "--no-deps", "db", timeout=120).stderr
    assert "web-1" not in err and "Container restartdeps-db-1  Started" in err, err
