"""nerdpy.keyvalue: one KEY=VALUE parser for labels, options, sysctls, annotations."""

import pytest

from nerdpy.errors import InvalidArgument
from nerdpy.keyvalue import filter_matches, parse_key_values


def test_pairs_bare_keys_and_last_wins():
    assert parse_key_values(["a=1", "b", "c=x=y", "a=2"], "label") == {"a": "2", "b": "", "c": "x=y"}


@pytest.mark.parametrize("item", ["=1", ""])
def test_empty_key_is_refused(item):
    with pytest.raises(InvalidArgument, match="invalid label"):
        parse_key_values([item], "label")


def test_need_value_refuses_a_bare_key():
    with pytest.raises(InvalidArgument, match="invalid option 'size': expected key=value"):
        parse_key_values(["size"], "option", need_value=True)


def test_filter_values_match_as_moby_regexps():
    assert filter_matches("web", "/my-web-1") and filter_matches("^web$", "/web", "web")
    assert not filter_matches("^web$", "/web-1", "web-1")
    assert filter_matches("a[", "a[") and not filter_matches("a[", "xa[y")  # no regexp: only itself
