"""Recreating containers as docker compose does: a replacement keeps its
predecessor's anonymous volumes (-V renews them), dependencies are recreated only
with --always-recreate-deps, --quiet-pull silences an implicit pull, and a
foreground up shows the services named (--attach-dependencies: and theirs)."""

import pytest

pytestmark = pytest.mark.integration


def test_anonymous_volumes_survive_a_recreate(compose):
    c = compose("recreate")
    c("up", "-d", "db")
    c("exec", "-T", "db", "sh", "-c", "echo kept > /data/f")
    first = c.ids("db")
    c("up", "-d", "--force-recreate", "db")
    assert c.ids("db") != first
    assert c("exec", "-T", "db", "cat", "/data/f").stdout == "kept\n"
    c("up", "-d", "--force-recreate", "--renew-anon-volumes", "db")
    assert c("exec", "-T", "db", "ls", "/data").stdout == ""


def test_dependencies_are_recreated_only_when_asked(compose):
    c = compose("recreate")
    c("up", "-d")
    db, web = c.ids("db"), c.ids("web")
    c("up", "-d", "--force-recreate", "web")
    assert c.ids("db") == db and c.ids("web") != web
    c("up", "-d", "--always-recreate-deps", "web")
    assert c.ids("db") != db
    refused = c("up", "-d", "--always-recreate-deps", "--no-recreate", check=False)
    assert refused.returncode == 1 and "--always-recreate-deps and --no-recreate are incompatible" in refused.stderr


def test_quiet_pull(compose, nerdpy, registry_busybox):
    c = compose("recreate")
    env = {"PULLED": registry_busybox}
    for quiet in (False, True):
        nerdpy("rmi", "-f", registry_busybox, check=False)
        args = ("--profile", "pull", "up", "-d", *(("--quiet-pull",) if quiet else ()), "pulled")
        result = c(*args, env=env)
        pulling = f"Image {registry_busybox}  Pulling"
        assert (pulling in result.stdout + result.stderr) is not quiet, result


def test_foreground_up_attaches_to_the_services_named(compose):
    c = compose("recreate")
    named = c("--profile", "attach", "up", "second")
    assert "second said" in named.stdout and "first said" not in named.stdout, named.stdout
    both = c("--profile", "attach", "up", "--attach-dependencies", "second")
    assert "second said" in both.stdout and "first said" in both.stdout, both.stdout


def test_down_leaves_an_orphan_and_its_network(compose):
    c = compose("recreate")
    c("-f", "compose.yaml", "-f", "orphan.yaml", "up", "-d", "orphan")
    down = c("down", "-t", "0")
    # docker compose: the network the orphan still uses is a warning event, not an error.
    assert " Network recreate_default  Resource is still in use" in down.stderr.splitlines(), down.stderr
    assert "Error" not in down.stderr and "orphan" not in down.stderr and c("ps", "-q").stdout.strip() == c.ids()[0][:12], down.stderr
    # kill spares an orphan unless --remove-orphans; nothing to kill is said, exit 0.
    assert c("kill").stderr == "No container to kill\n" and c("ps", "-q").stdout.strip()
    killed = c("kill", "--remove-orphans").stderr
    assert killed.splitlines() == [" Container recreate-orphan-1  Killing", " Container recreate-orphan-1  Killed"]
    # COMPOSE_IGNORE_ORPHANS silences up's warning (not with --remove-orphans); COMPOSE_REMOVE_ORPHANS
    # stands for --remove-orphans, as in docker compose.
    assert "Found orphan containers (recreate-orphan-1)" in c("up", "-d", "db").stderr
    assert "Found orphan" not in c("up", "-d", "db", env={"COMPOSE_IGNORE_ORPHANS": "true"}).stderr
    both = c("up", "-d", "--remove-orphans", env={"COMPOSE_IGNORE_ORPHANS": "1"}, check=False)
    assert both.returncode == 1 and "cannot combine COMPOSE_IGNORE_ORPHANS and --remove-orphans" in both.stderr
    # rm -f names what it removes on stdout, as docker compose's; an orphan is not the project's to remove.
    c("stop", "db")
    assert c("rm", "-f").stdout == "Going to remove recreate-db-1\n" and len(c.ids()) == 1
    removed = c("down", "-t", "0", env={"COMPOSE_REMOVE_ORPHANS": "y"}).stderr
    assert " Network recreate_default  Removed" in removed.splitlines(), removed
