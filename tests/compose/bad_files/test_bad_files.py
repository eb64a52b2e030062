"""Bad compose files: one line naming the file and key, exit 15 (docker compose's
config error; 14 for a file that is not there), no traceback, and nothing created."""

import pytest

pytestmark = pytest.mark.integration

CASES = [
    ("services:\n  web:\n    image: busybox\n    bogus: 1\n", "services.web: additional property 'bogus' is not allowed"),
    ("services:\n  web:\n    image: busybox\n    ports: [[80]]\n", "services.web.ports[0]: must be"),
    ("services:\n  web:\n    image: ${IMAGE:?set IMAGE to the image to run}\n",
     "services.web.image: required variable IMAGE is missing a value: set IMAGE to the image to run"),
    ("services:\n  a: {image: busybox, depends_on: [b]}\n  b: {image: busybox, depends_on: [a]}\n",
     "dependency cycle detected"),
    ("services:\n  a: {image: busybox, depends_on: [nothere]}\n", "services.a.depends_on: service 'a' depends on 'nothere'"),
]


@pytest.mark.parametrize("text, message", CASES)
def test_bad_file_is_one_line_and_creates_nothing(compose, nerdpy, tmp_path, text, message):
    c = compose("bad_files", project="badfiles")
    (c.dir / "compose.yaml").write_text(text)
    result = c("up", "-d", check=False)
    assert result.returncode == 15, result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("WARN")]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "compose.yaml" in lines[0] and message in lines[0]
    assert "Traceback" not in result.stderr
    assert nerdpy("ps", "-aq").stdout == ""
    assert "badfiles" not in nerdpy("network", "ls").stdout


def test_unknown_service_on_the_command_line(compose):
    c = compose("bad_files", project="badfiles")
    (c.dir / "compose.yaml").write_text("services:\n  web: {image: busybox}\n")
    result = c("up", "-d", "nope", check=False)
    assert result.returncode == 1 and result.stderr.strip() == "Error: no such service: nope"  # as docker compose


@pytest.mark.parametrize("args, text, message", [
    (("-f", "missing.yaml", "up", "-d"), "", "missing.yaml: no such file or directory"),
    (("up", "-d"), "services:\n  web: {image: busybox, env_file: absent.env}\n", "absent.env not found"),
])
def test_a_missing_file_exits_14(compose, nerdpy, args, text, message):
    c = compose("bad_files", project="badfiles")
    if text:
        (c.dir / "compose.yaml").write_text(text)
    result = c(*args, check=False)
    assert result.returncode == 14 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and nerdpy("ps", "-aq").stdout == ""


def test_failures_exit_as_docker_compose(compose):
    """docker compose's codes: a usage error 16, a failed build 17, a failed pull 18,
    any other failure 1 (never nerdpy's 125)."""
    c = compose("bad_files", project="badfiles")
    (c.dir / "compose.yaml").write_text(
        "services:\n  web: {image: busybox}\n"
        "  broken: {build: {context: ., dockerfile_inline: \"FROM busybox\\nRUN exit 3\\n\"}}\n"
        "  gone: {image: \"127.0.0.1:9/absent/x:1\"}\n")
    for args, code, message in [
        (("up", "--bogus"), 16, "unknown flag: --bogus"),
        (("bogus",), 16, "No such command 'bogus'"),
        (("build", "broken"), 17, "did not complete successfully: exit code: 3"),
        (("pull", "gone"), 18, "cannot reach registry 127.0.0.1:9"),
        (("up", "-d"), 18, "gone: cannot reach registry 127.0.0.1:9"),
        (("exec", "-T", "web", "true"), 1, 'service "web" is not running'),
    ]:
        result = c(*args, check=False)
        assert result.returncode == code and message in result.stderr, (args, result.stderr)
    assert c("ps", "-aq").stdout == "", "a failed pull makes nothing"
