"""One rule for every command, as Docker's CLI: a missing object exits 1 with one
`Error: No such ...` line (no daemon wording: there is no daemon); `run` and
`create` exit 125 for any failure of the tool itself, a missing image included."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

MISSING = [
    (("rm", "nosuch"), "No such container: nosuch"),
    (("stop", "nosuch"), "No such container: nosuch"),
    (("start", "nosuch"), "No such container: nosuch"),
    (("kill", "nosuch"), "No such container: nosuch"),
    (("restart", "nosuch"), "No such container: nosuch"),
    (("pause", "nosuch"), "No such container: nosuch"),
    (("wait", "nosuch"), "No such container: nosuch"),
    (("logs", "nosuch"), "No such container: nosuch"),
    (("exec", "nosuch", "true"), "No such container: nosuch"),
    (("cp", "nosuch:/etc/hostname", "-"), "No such container: nosuch"),
    (("port", "nosuch"), "No such container: nosuch"),
    (("top", "nosuch"), "No such container: nosuch"),
    (("diff", "nosuch"), "No such container: nosuch"),
    (("export", "nosuch"), "No such container: nosuch"),
    (("rename", "nosuch", "other"), "No such container: nosuch"),
    (("inspect", "nosuch"), "No such object: nosuch"),
    (("rmi", "nosuch"), "No such image: nosuch"),
    (("image", "inspect", "nosuch"), "No such image: nosuch"),
    (("volume", "rm", "nosuch"), "no such volume: nosuch"),
    (("network", "rm", "nosuch"), "network nosuch not found"),
]


@pytest.mark.parametrize("args,message", MISSING, ids=[" ".join(a) for a, _ in MISSING])
def test_a_missing_object_exits_1_in_one_line(nerdpy, args, message):
    result = nerdpy(*args, check=False)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result
    assert lines == [lines[0]] and lines[0].startswith("Error: ") and message in lines[0], result.stderr
    assert "daemon" not in result.stderr


@pytest.mark.parametrize("command", ["run", "create"])
def test_run_and_create_exit_125_for_a_missing_image_or_network(nerdpy, busybox_image, command):
    image = nerdpy(command, "--pull", "never", "nosuch-image:1", "true", check=False)
    assert image.returncode == 125 and "No such image: nosuch-image:1" in image.stderr, image
    network = nerdpy(command, "--network", "nosuch-net", busybox_image, "true", check=False)
    assert network.returncode == 125 and "nosuch-net" in network.stderr, network


def test_start_without_a_container_or_all_is_an_arity_error(nerdpy):
    result = nerdpy("start", check=False)
    assert result.returncode == 1 and '"nerdpy start" requires at least 1 argument.' in result.stderr, result


USAGE_TEMPLATE = [("inspect", "nosuch"), ("container", "inspect", "nosuch"), ("image", "inspect", "nosuch"),
                  ("volume", "inspect", "nosuch"), ("network", "inspect", "nosuch"), ("version",), ("info",),
                  ("events", "--since", "0", "--until", "1")]
NOTHING = ("--filter", "label=nerdpy-test-none=1")
LIST_TEMPLATE = [("ps", "-a", *NOTHING), ("images", *NOTHING), ("volume", "ls", *NOTHING),
                 ("network", "ls", *NOTHING), ("system", "df")]


@pytest.mark.parametrize("args", USAGE_TEMPLATE, ids=[" ".join(a) for a in USAGE_TEMPLATE])
def test_a_template_that_does_not_parse_exits_64_where_docker_checks_it_first(nerdpy, args):
    result = nerdpy(*args, "--format", "{{.Bad", check=False)
    assert result.returncode == 64 and result.stderr.startswith("Error: template parsing error: "), result
    assert result.stdout == ""


@pytest.mark.parametrize("args", LIST_TEMPLATE, ids=[" ".join(a[:2]) for a in LIST_TEMPLATE])
def test_a_bad_list_template_exits_1_even_with_nothing_to_list(nerdpy, args):
    for template in ("{{.Bad", "table {{.Nope | nosuchfunc}}"):
        result = nerdpy(*args, "--format", template, check=False)
        assert result.returncode == 1 and result.stderr.startswith("Error: template parsing error: "), result
