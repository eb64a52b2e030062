from __future__ import annotations

import json
import os

import pytest

from nerdpy.containers import Container, State
from nerdpy.containers.listing import command_text, human_duration, matches, parse_filters, status_text
from nerdpy.containers.state import process_start_time, read_state
from nerdpy.errors import InvalidArgument


def test_human_duration():
    assert human_duration(0.2) == "Less than a second"
    assert human_duration(1) == "1 second" and human_duration(59) == "59 seconds"
    assert human_duration(60) == "About a minute" and human_duration(600) == "10 minutes"
    assert human_duration(3600) == "About an hour" and human_duration(3 * 86400) == "3 days"


def test_status_text():
    assert status_text(State(status="created")) == "Created"
    assert status_text(State(status="exited", exit_code=3, finished_at="1970-01-01T00:00:00Z"), 30).startswith(
        "Exited (3) 30 seconds ago")
    assert status_text(State(status="paused", started_at="1970-01-01T00:00:00Z"), 5) == "Up 5 seconds (Paused)"


def test_command_text_truncates_like_docker():
    c = Container("a" * 64, "n", "img", "", 0, {"Config": {"Cmd": ["sh", "-c", "while true; do sleep 1; done"]}})
    assert command_text(c, True) == '"sh -c \'while true; …"'
    assert command_text(c, False) == '"sh -c \'while true; do sleep 1; done\'"'


def test_command_text_quotes_arguments_with_spaces_and_go_escapes():
    """Docker's daemon wraps an argument holding a space in `'`; the CLI applies strconv.Quote."""
    c = Container("a" * 64, "n", "img", "", 0, {"Config": {"Entrypoint": ["sh", "-c"], "Cmd": ['echo "a b"\tc']}})
    assert command_text(c, False) == '"sh -c \'echo \\"a b\\"\\tc\'"'
    assert command_text(Container("b" * 64, "m", "img", "", 0, {"Config": {"Cmd": ["sleep", "1"]}}), True) == '"sleep 1"'


def test_filters():
    c = Container("abc" + "0" * 61, "web", "busybox:latest", "sha256:ff", 10.0,
                  {"Config": {"Labels": {"app": "x"}}})
    running = State(status="running")
    f = parse_filters
    assert matches(c, running, f(("name=we",)), {})
    # moby matches a name filter as a regular expression, on "/web" and "web": scripts anchor it
    assert matches(c, running, f(("name=^web$",)), {}) and matches(c, running, f(("name=^/web$",)), {})
    assert not matches(c, running, f(("name=^we$",)), {}) and not matches(c, running, f(("name=[",)), {})
    assert matches(c, running, f(("label=app=x", "status=running")), {})
    assert not matches(c, running, f(("label=app=y",)), {})
    assert matches(c, running, f(("id=abc", "id=zzz")), {})  # same key: OR
    assert matches(c, running, f(("ancestor=busybox",)), {})
    with pytest.raises(InvalidArgument):
        parse_filters(("bogus=1",))
    with pytest.raises(InvalidArgument):
        parse_filters(("status=sleeping",))


def test_dead_shim_reads_as_137(tmp_path):
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"status": "running", "pid": 1, "shim_pid": 2**22 + 7, "shim_start": 1,
                                "started_at": "1970-01-01T00:00:01Z"}))
    state = read_state(path, tmp_path)
    assert (state.status, state.exit_code, state.pid) == ("exited", 137, 0)
    me = os.getpid()
    path.write_text(json.dumps({"status": "running", "pid": 9, "shim_pid": me, "shim_start": process_start_time(me)}))
    assert read_state(path, tmp_path).status == "running"
    (tmp_path / "paused").touch()
    assert read_state(path, tmp_path).status == "paused"
    assert read_state(tmp_path / "missing.json", tmp_path).status == "created"


def test_ps_row_label_method_and_json():
    """`{{.Label "key"}}` as in Docker's ps formatter; the JSON output stays the plain row."""
    from nerdpy.cli.output import print_rows
    from nerdpy.containers.listing import row

    c = Container("b" * 64, "web", "img", "", 0, {"Config": {"Cmd": ["true"], "Labels": {"tier": "front end"}}})
    r = row(c, State(status="created"), "", False, 0.0)
    assert print_rows([r], [], '{{.Names}} {{.Label "tier"}}|{{.Label "none"}}|') == ["web front end||"]
    assert json.loads(print_rows([r], [], "json")[0])["Labels"] == "tier=front end"
