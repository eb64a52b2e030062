"""Replicas: deploy.replicas, --scale up and down, numbering, profiles, --wait."""

import pytest

pytestmark = pytest.mark.integration


def _names(c):
    return sorted(c("ps", "--format", "{{.Name}}").stdout.split())


def test_scale_and_wait(compose):
    c = compose("scale")
    c("up", "-d", "--wait", "--wait-timeout", "30")
    assert _names(c) == ["scale-worker-1", "scale-worker-2"], "deploy.replicas; profile-only service not started"
    # cp into a service reaches every replica (a stopped one too), each reported; out of one, its first.
    c.nerdpy("stop", "-t", "0", "scale-worker-2")
    (c.dir / "note").write_text("shared\n")
    err = c("cp", "note", "worker:/tmp/note").stderr
    assert err.splitlines() == [f" scale-worker-{n}  {s} note to scale-worker-{n}:/tmp/note"
                                for n in (1, 2) for s in ("Copying", "Copied")], err
    c("start")
    assert [c("exec", "-T", "--index", str(n), "worker", "cat", "/tmp/note").stdout for n in (1, 2)] == ["shared\n"] * 2
    c("cp", "worker:/tmp/note", "back")
    assert (c.dir / "back").read_text() == "shared\n"
    missing = c("cp", "note", "lone:/tmp/", check=False)
    assert missing.returncode == 1 and 'no container found for service "lone"' in missing.stderr, missing.stderr
    c("up", "-d", "--scale", "worker=3")
    assert _names(c) == ["scale-worker-1", "scale-worker-2", "scale-worker-3"]
    c("up", "-d", "--scale", "worker=1")
    assert _names(c) == ["scale-worker-1"]
    assert c("exec", "-T", "--index", "1", "worker", "echo", "in-one").stdout == "in-one\n"
    gone = c("exec", "-T", "--index", "2", "worker", "true", check=False)
    assert gone.returncode == 1 and 'service "worker" is not running container #2' in gone.stderr, gone.stderr
    result = c("--profile", "extra", "config", "--services")
    assert sorted(result.stdout.split()) == ["lone", "worker"]
    c("stop", "-t", "0")
    assert c("ps", "-q").stdout == "" and len(c("ps", "-aq").stdout.split()) == 1
    c("start")
    assert _names(c) == ["scale-worker-1"]
    # As docker compose: exec reaches a one-off container, of a service outside the active profiles too.
    c("run", "-d", "lone", "sleep", "600")
    assert c("exec", "-T", "lone", "echo", "in-run").stdout == "in-run\n"
    # cp reaches a one-off only with --all, as docker compose's.
    assert 'no container found for service "lone"' in c("cp", "note", "lone:/tmp/", check=False).stderr
    c("cp", "--all", "note", "lone:/tmp/")
    assert c("exec", "-T", "lone", "cat", "/tmp/note").stdout == "shared\n"


def test_replicas_stop_together(compose):
    c = compose("scale")
    c("--profile", "pair", "up", "-d", "pair")
    c("--profile", "pair", "stop", "pair", timeout=300)
    rows = c("--profile", "pair", "ps", "-a", "--format", "{{.Name}} {{.ExitCode}}", "pair").stdout.splitlines()
    assert sorted(rows) == ["scale-pair-1 0", "scale-pair-2 0"], "a replica waited for the other's stop"
