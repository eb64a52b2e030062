"""The typer-free argv parser must agree with typer or step aside."""

import pytest

from nerdpy.cli import fastpath

SPEC = {
    "interspersed": False,
    "params": [
        {"name": "detach", "kind": "option", "opts": ["--detach", "-d"], "flag": True, "multiple": False,
         "nargs": 1, "type": "bool", "choices": [], "default": False, "required": False},
        {"name": "interactive", "kind": "option", "opts": ["--interactive", "-i"], "flag": True,
         "multiple": False, "nargs": 1, "type": "bool", "choices": [], "default": False, "required": False},
        {"name": "tty", "kind": "option", "opts": ["--tty", "-t"], "flag": True, "multiple": False,
         "nargs": 1, "type": "bool", "choices": [], "default": False, "required": False},
        {"name": "publish", "kind": "option", "opts": ["--publish", "-p"], "flag": False, "multiple": True,
         "nargs": 1, "type": "str", "choices": [], "default": [], "required": False},
        {"name": "name", "kind": "option", "opts": ["--name"], "flag": False, "multiple": False,
         "nargs": 1, "type": "str", "choices": [], "default": None, "required": False},
        {"name": "stop_timeout", "kind": "option", "opts": ["--stop-timeout"], "flag": False,
         "multiple": False, "nargs": 1, "type": "int", "choices": [], "default": None, "required": False},
        {"name": "image", "kind": "argument", "opts": ["image"], "flag": False, "multiple": False,
         "nargs": 1, "type": "str", "choices": [], "default": None, "required": True},
        {"name": "command", "kind": "argument", "opts": ["command"], "flag": False, "multiple": False,
         "nargs": -1, "type": "str", "choices": [], "default": None, "required": False},
    ],
}


def bound(*args):
    values, positional = fastpath.parse(SPEC, list(args))
    return fastpath.bind(SPEC, values, positional)


def test_flags_options_and_trailing_command():
    kw = bound("-it", "--name=web", "-p", "8080:80", "-p9090:90", "img", "sh", "-c", "echo -d")
    assert kw["interactive"] and kw["tty"] and not kw["detach"]
    assert kw["name"] == "web"
    assert kw["publish"] == ["8080:80", "9090:90"]
    assert kw["image"] == "img"
    assert kw["command"] == ["sh", "-c", "echo -d"]


def test_defaults_are_filled_and_fresh():
    kw = bound("img")
    assert kw["publish"] == [] and kw["name"] is None and kw["command"] is None
    kw["publish"].append("x")
    assert SPEC["params"][3]["default"] == []


def test_int_conversion_and_double_dash():
    kw = bound("--stop-timeout", "5", "--", "img", "--name")
    assert kw["stop_timeout"] == 5 and kw["image"] == "img" and kw["command"] == ["--name"]


@pytest.mark.parametrize("args", [
    ["--help"], ["-h", "img"], ["--bogus", "img"], ["-x", "img"], [], ["--name"],
    ["--stop-timeout", "soon", "img"], ["--detach=true", "img"], ["-p"],
])
def test_declines_what_typer_must_answer(args):
    with pytest.raises(fastpath._Fallback):
        bound(*args)


def test_interspersed_commands_take_options_after_arguments():
    spec = dict(SPEC, interspersed=True, params=SPEC["params"][:1] + [
        {"name": "names", "kind": "argument", "opts": ["names"], "flag": False, "multiple": False,
         "nargs": -1, "type": "str", "choices": [], "default": None, "required": False}])
    values, positional = fastpath.parse(spec, ["a", "-d", "b"])
    assert fastpath.bind(spec, values, positional) == {"detach": True, "names": ["a", "b"]}


def test_generated_spec_is_current():
    assert fastpath.SPEC_PATH.read_text() == fastpath.render(), (
        "nerdpy/cli/_argspec.json is stale: run `python -m nerdpy.cli.fastpath`"
    )


def test_fast_and_typer_paths_print_the_same(capsys):
    from nerdpy.cli.main import build_app, run

    assert run(["version", "--format", "{{.Client.Os}}"]) == 0
    fast = capsys.readouterr().out
    build_app()(args=["version", "--format", "{{.Client.Os}}"], prog_name="nerdpy", standalone_mode=False)
    assert capsys.readouterr().out == fast == "linux\n"


def test_every_fast_body_takes_its_commands_parameters():
    """The fast path calls a body with every parameter typer declares: a flag the
    body lacks (or one typer adds, like --install-completion) is a TypeError at run time."""
    import inspect
    import json

    spec = json.loads(fastpath.SPEC_PATH.read_text())
    for name, command in spec["commands"].items():
        body = inspect.signature(fastpath._resolve(command["impl"]))
        accepts_any = any(p.kind is p.VAR_KEYWORD for p in body.parameters.values())
        missing = [p["name"] for p in command["params"] if p["name"] not in body.parameters and not accepts_any]
        assert not missing, f"{name}: {command['impl']} lacks {missing}"
