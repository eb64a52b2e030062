"""YAML 1.2 semantics, tags, anchors and the alias-bomb limit."""

import pytest
from nerdpy_compose.errors import ConfigError
from nerdpy_compose.yamlio import Override, Reset, load


def test_yaml_1_2_scalars():
    data = load("a: yes\nb: on\nc: 22:22\nd: 0o17\ne: 017\nf: true\ng: ~\nh: 1.5\n3: x\n", "f")
    assert data == {"a": "yes", "b": "on", "c": "22:22", "d": 15, "e": 17, "f": True, "g": None, "h": 1.5, "3": "x"}


def test_anchors_aliases_and_merge_keys():
    data = load("x: &base {a: 1, b: [1]}\ny:\n  <<: *base\n  b: [2]\nz: *base\n", "f")
    assert data["y"] == {"a": 1, "b": [2]}
    assert data["z"] == {"a": 1, "b": [1]}
    data["z"]["b"].append(9)
    assert data["x"]["b"] == [1], "aliases are expanded into independent copies"


def test_reset_and_override_tags():
    data = load("a: !reset []\nb: !override [1, 2]\nc: !reset null\n", "f")
    assert data == {"a": Reset(), "b": Override([1, 2]), "c": Reset()}


def test_alias_bomb_is_refused():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    with pytest.raises(ConfigError, match="too many YAML nodes"):
        load("\n".join(lines) + "\n", "bomb.yaml")


def test_syntax_error_names_file_and_line():
    with pytest.raises(ConfigError, match=r"^bad.yaml: invalid YAML \(line [23]"):
        load("services:\n  web: {a: 1\n  x: ]\n", "bad.yaml")


def test_top_level_must_be_a_mapping():
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load("- a\n", "f")
