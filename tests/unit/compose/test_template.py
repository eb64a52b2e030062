"""Interpolation grammar, re-expressed from compose-go template/template_test.go."""

import pytest
from nerdpy_compose.template import TemplateError, substitute

ENV = {"FOO": "first", "BAR": "", "NUM": "7"}


@pytest.mark.parametrize("text, expected", [
    ("$FOO", "first"), ("${FOO}", "first"), ("x${FOO}y", "xfirsty"), ("$FOO-bar", "first-bar"),
    ("$$FOO", "$FOO"), ("$$", "$"), ("a $ b", "a $ b"), ("$1", "$1"), ("${NUM}", "7"),
    ("${BAR:-def}", "def"), ("${BAR-def}", ""), ("${UNSET-def}", "def"), ("${UNSET:-def}", "def"),
    ("${FOO:-def}", "first"), ("${FOO:+alt}", "alt"), ("${BAR:+alt}", ""), ("${BAR+alt}", "alt"),
    ("${UNSET+alt}", ""), ("${UNSET:-${FOO}}", "first"), ("${UNSET:-${ALSO:-x}}", "x"),
    ("${UNSET:-a}${FOO}", "afirst"), ("${UNSET:-{a}}", "{a}"), ("${FOO?err}", "first"), ("${BAR?err}", ""),
    ("${foo:-lower}", "lower"),
])
def test_substitute(text, expected):
    assert substitute(text, ENV) == expected


@pytest.mark.parametrize("text, message", [
    ("${UNSET:?you must set it}", "required variable UNSET is missing a value: you must set it"),
    ("${BAR:?empty}", "required variable BAR is missing a value: empty"),
    ("${UNSET?gone}", "required variable UNSET is missing a value: gone"),
    ("${UNSET:?$FOO}", "required variable UNSET is missing a value: first"),
])
def test_required(text, message):
    with pytest.raises(TemplateError) as err:
        substitute(text, ENV)
    assert str(err.value) == message


@pytest.mark.parametrize("text", ["${", "${}", "${FOO", "${FOO/a/b}", "${ FOO}", "${FOO!x}"])
def test_invalid(text):
    with pytest.raises(TemplateError, match="Invalid template"):
        substitute(text, ENV)


def test_missing_is_reported_and_blank():
    seen = []
    assert substitute("a${NOPE}b$NOPE", ENV, seen.append) == "ab"
    assert seen == ["NOPE", "NOPE"]
