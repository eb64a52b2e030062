from __future__ import annotations

import pytest

from nerdpy.containers import CreateOptions
from nerdpy.containers.parse import parse_log_opts, parse_restart, parse_signal, parse_size
from nerdpy.containers.record import command_line
from nerdpy.containers.names import random_name, validate_name
from nerdpy.containers.start import map_runtime_error
from nerdpy.errors import CannotInvoke, CommandNotFound, InvalidArgument, Unavailable


def test_sizes():
    assert parse_size("512", "x") == 512
    assert parse_size("64k", "x") == 65536 and parse_size("10m", "x") == 10 << 20
    assert parse_size("1g", "x") == 1 << 30 and parse_size("2MB", "x") == 2 << 20
    with pytest.raises(InvalidArgument):
        parse_size("lots", "x")


def test_restart_policies():
    assert parse_restart("no", False) == {"Name": "", "MaximumRetryCount": 0}
    assert parse_restart("on-failure:3", False) == {"Name": "on-failure", "MaximumRetryCount": 3}
    for bad in ("sometimes", "always:3", "on-failure:x"):
        with pytest.raises(InvalidArgument):
            parse_restart(bad, False)
    with pytest.raises(InvalidArgument):
        parse_restart("always", True)


def test_signals():
    assert parse_signal("TERM") == 15 and parse_signal("SIGKILL") == 9 and parse_signal("2") == 2
    for bad in ("NOPE", "0", "99"):
        with pytest.raises(InvalidArgument):
            parse_signal(bad)


def test_log_opts():
    assert parse_log_opts("json-file", ("max-size=1m", "max-file=3")) == {"max-size": "1m", "max-file": "3"}
    for driver, opts in (("syslog", ()), ("json-file", ("bogus=1",)), ("json-file", ("max-file=0",)),
                         ("json-file", ("max-file=2",))):
        with pytest.raises(InvalidArgument):
            parse_log_opts(driver, opts)
    # every key Docker's json-file driver takes; the rest in Docker's words
    docker_keys = ("compress=true", "labels=a,b", "labels-regex=^com", "env=A", "env-regex=^X", "tag={{.Name}}")
    assert set(parse_log_opts("json-file", docker_keys)) == {o.split("=")[0] for o in docker_keys}
    with pytest.raises(InvalidArgument, match="unknown log opt 'bogus' for json-file log driver"):
        parse_log_opts("json-file", ("bogus=1",))
    for bad in ("labels-regex=(", "tag={{.Name"):  # refused at create, not by the shim later
        with pytest.raises(InvalidArgument):
            parse_log_opts("json-file", (bad,))


def test_command_line_rules():
    image = {"Entrypoint": ["/ep"], "Cmd": ["default"]}
    assert command_line(CreateOptions(), image) == (["/ep"], ["default"])
    assert command_line(CreateOptions(command=("x",)), image) == (["/ep"], ["x"])
    assert command_line(CreateOptions(entrypoint="sh"), image) == (["sh"], [])
    assert command_line(CreateOptions(entrypoint="", command=("ls",)), image) == ([], ["ls"])
    with pytest.raises(InvalidArgument):
        command_line(CreateOptions(), {})


def test_names():
    validate_name("web_1.a-b")
    for bad in ("-x", "a", "bad name", "x/y"):
        with pytest.raises(InvalidArgument):
            validate_name(bad)
    validate_name(random_name())


def test_runtime_errors_map_to_docker_codes():
    assert isinstance(map_runtime_error('exec: "x": executable file not found in $PATH'), CommandNotFound)
    assert isinstance(map_runtime_error('exec: "/etc": permission denied'), CannotInvoke)
    assert isinstance(map_runtime_error("something else"), Unavailable)
    assert CommandNotFound("x").exit_code == 127 and CannotInvoke("x").exit_code == 126
