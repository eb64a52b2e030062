""".dockerignore rules: comments, cleaning, `**`, `!` exceptions, order, parent matches."""

import pytest

from nerdpy.build.ignore import Matcher, read_patterns


def test_read_patterns_cleans_and_drops_comments():
    assert read_patterns("# c\n\n /a/b/../c \n!  keep\n./x\n") == ["a/c", "!keep", "x"]


@pytest.mark.parametrize("patterns, path, excluded", [
    (["*.log"], "a.log", True),
    (["*.log"], "dir/a.log", False),  # `*` does not cross `/`
    (["**/*.log"], "dir/sub/a.log", True),
    (["**/*.log"], "a.log", True),
    (["build"], "build/out/x", True),  # a matching parent excludes its contents
    (["*", "!keep"], "keep", False),
    (["*", "!keep", "keep"], "keep", True),  # the last match wins
    (["dir/**", "!dir/important"], "dir/important", False),
    (["a?c"], "abc", True),
    (["[a-c]x"], "bx", True),
    (["[^a-c]x"], "bx", False),
    (["docs"], "docsx", False),
])
def test_matching(patterns, path, excluded):
    assert Matcher(patterns).excluded(path) is excluded


def test_empty_matcher_excludes_nothing():
    assert not Matcher([]) and not Matcher([]).excluded("anything")
