"""The CI contract: exit codes propagate (`--exit-code-from`,
`--abort-on-container-exit`), and a dependency that must complete
successfully gates its dependents."""

import pytest

pytestmark = pytest.mark.integration


def test_exit_code_from_stops_the_stack_and_returns_the_code(compose):
    c = compose("exit_codes")
    result = c("up", "--exit-code-from", "checker", check=False, timeout=120)
    assert result.returncode == 3, result.stderr
    out = result.stdout
    assert out.startswith("Attaching to checker-1, migrate-1, server-1\n"), out  # docker compose's short names
    assert "migrate-1  | migrated" in out and "server-1   | serving" in out and "checker-1  | checking" in out
    assert "checker-1 exited with code 3" in out and "Aborting on container exit..." in out
    states = c("ps", "-a", "--format", "{{.Service}} {{.State}}").stdout.split("\n")
    assert sorted(filter(None, states)) == ["checker exited", "migrate exited", "server exited"]


def test_abort_on_container_exit_returns_the_first_exit(compose):
    c = compose("exit_codes")
    result = c("up", "--abort-on-container-exit", "migrate", check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "migrate-1 exited with code 0" in result.stdout


def test_failed_dependency_blocks_dependents(compose):
    c = compose("exit_codes")
    result = c("up", "-d", env={"MIGRATE_EXIT": "4"}, check=False, timeout=120)
    assert result.returncode != 0
    assert 'service "migrate" didn\'t complete successfully: exit 4' in result.stderr  # docker's %q
    assert "Traceback" not in result.stderr
    assert c("ps", "-a", "--format", "{{.Service}}", "server").stdout == ""


def test_an_optional_dependency_that_fails_is_skipped(compose):
    c = compose("exit_codes")
    result = c("up", "-d", "tolerant", env={"MIGRATE_EXIT": "4"}, timeout=120)
    reason = 'optional dependency "migrate" didn\'t complete successfully: exit 4'  # docker compose's words
    assert f" Container exitcodes-migrate-1  Skipped: {reason}" in result.stderr.splitlines(), result.stderr
    assert f"WARN[0000] {reason}" in result.stderr.splitlines(), result.stderr
    assert "Container exitcodes-tolerant-1  Started" in result.stderr


def test_run_rm_returns_the_command_exit_code(compose):
    c = compose("exit_codes")
    result = c("run", "--rm", "--no-deps", "-T", "migrate", "sh", "-c", "echo one-off; exit 7", check=False)
    assert result.returncode == 7 and "one-off" in result.stdout
    assert c("ps", "-a", "-q").stdout == "", "--rm leaves nothing behind"
    kept = c("run", "--no-deps", "-T", "migrate", check=False)
    assert kept.returncode == 0 and "migrated" in kept.stdout
    name = c("ps", "-a", "--format", "{{.Name}}").stdout.strip()
    assert name.startswith("exitcodes-migrate-run-") and len(name) == len("exitcodes-migrate-run-") + 12


def test_run_command_follows_a_list_entrypoint(compose):
    c = compose("exit_codes")
    result = c("run", "--rm", "-T", "shell", "echo replaced; exit 5", check=False)
    assert (result.returncode, result.stdout) == (5, "replaced\n"), result.stderr
    # --entrypoint is split as a shell would; the service's command is dropped with it.
    result = c("run", "--rm", "-T", "--entrypoint", "sh -c 'exit 6'", "shell", check=False)
    assert result.returncode == 6, result.stderr


def test_up_wait_accepts_a_completed_dependency(compose):
    c = compose("exit_codes")
    result = c("up", "-d", "--wait", "--wait-timeout", "60", "server", timeout=120)
    assert "Container exitcodes-migrate-1  Exited" in result.stderr, result.stderr
    assert "Container exitcodes-server-1  Running" in result.stderr, result.stderr
