"""Replicas: deploy.replicas, --scale up and down, numbering, profiles, --wait."""

import pytest

pytestmark = pytest.mark.integration


def _names(c):
    return sorted(c("ps", "--format", "{{.Name}}").stdout.split())


def test_scale_and_wait(compose):
    c = compose("scale")
    c("up", "-d", "--wait", "--wait-timeout", "30")
    assert _names(c) == ["scale-worker-1", "scale-worker-2"], "deploy.replicas; profile-only service not started"
    c("up", "-d", "--scale", "worker=3")
    assert _names(c) == ["scale-worker-1", "scale-worker-2", "scale-worker-3"]
    c("up", "-d", "--scale", "worker=1")
    assert _names(c) == ["scale-worker-1"]
    assert c("exec", "-T", "--index", "1", "worker", "echo", "in-one").stdout == "in-one\n"
    result = c("--profile", "extra", "config", "--services")
    assert sorted(result.stdout.split()) == ["lone", "worker"]
    c("stop", "-t", "0")
    assert c("ps", "-q").stdout == "" and len(c("ps", "-aq").stdout.split()) == 1
    c("start")
    assert _names(c) == ["scale-worker-1"]


def test_replicas_stop_together(compose):
    c = compose("scale")
    c("--profile", "pair", "up", "-d", "pair")
    c("--profile", "pair", "stop", "pair", timeout=300)
    rows = c("--profile", "pair", "ps", "-a", "--format", "{{.Name}} {{.ExitCode}}", "pair").stdout.splitlines()
    assert sorted(rows) == ["scale-pair-1 0", "scale-pair-2 0"], "a replica waited for the other's stop"
