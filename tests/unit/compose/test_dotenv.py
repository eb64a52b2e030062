"""The .env / env_file grammar, re-expressed from compose-go dotenv tests."""

import pytest
from nerdpy_compose.dotenv import DotenvError, parse


def test_plain_quoted_comments_export():
    text = (
        "\ufeff# comment\n"
        "PLAIN=value\n"
        "export EXPORTED=yes\n"
        "SPACED = spaced value \n"
        "INLINE=value # comment\n"
        "HASH=value#not-a-comment\n"
        "SINGLE='$PLAIN \\n literal'\n"
        'DOUBLE="a\\nb\\t\\"q\\" $PLAIN"\n'
        "EMPTY=\n"
        "QUOTED_COMMENT='x' # after\n"
    )
    got = parse(text, {})
    assert got == {
        "PLAIN": "value", "EXPORTED": "yes", "SPACED": "spaced value", "INLINE": "value",
        "HASH": "value#not-a-comment", "SINGLE": "$PLAIN \\n literal", "DOUBLE": 'a\nb\t"q" value',
        "EMPTY": "", "QUOTED_COMMENT": "x",
    }


def test_multiline_double_quoted():
    assert parse('KEY="line one\nline two"\nNEXT=1\n', {}) == {"KEY": "line one\nline two", "NEXT": "1"}


def test_interpolation_defaults_and_os_precedence():
    text = "FOO=foo\nBAR=${FOO}\nBAZ=${MISSING:-dflt}\nQUX=${FOO:+set}\n"
    assert parse(text, {}) == {"FOO": "foo", "BAR": "foo", "BAZ": "dflt", "QUX": "set"}
    # The OS environment wins inside interpolation (compose-go TestEnvVariablePrecedence).
    assert parse(text, {"FOO": "zot"})["BAR"] == "zot"


def test_bare_key_inherits_or_stays_unset():
    assert parse("HOME\nNOT_THERE\n", {"HOME": "/root"}) == {"HOME": "/root"}


def test_raw_format_takes_values_verbatim():
    assert parse("A='x' $B \\n\n", {}, raw=True) == {"A": "'x' $B \\n"}


@pytest.mark.parametrize("text", ["=novar\n", "BAD KEY=1\n", 'OPEN="never closed\n', "1ABC=x\n"])
def test_invalid_lines(text):
    with pytest.raises(DotenvError):
        parse(text, {})
