"""Detach keys: parsed as Docker parses them; the sequence is held back, never sent."""

from __future__ import annotations

import pytest

from nerdpy.containers.attach import DETACH_KEYS, DetachMatcher, parse_detach_keys
from nerdpy.errors import InvalidArgument


def test_parse_like_docker():
    assert parse_detach_keys("") == DETACH_KEYS == parse_detach_keys("ctrl-p,ctrl-q")
    assert parse_detach_keys("ctrl-a,x,ctrl-@,ctrl-[,ctrl-_") == b"\x01x\x00\x1b\x1f"
    assert parse_detach_keys("CTRL-X") == b"\x18"
    for bad in ("ctrl-", "ctrl-1", "ctrl-pq", "ab", "ctrl-p,,ctrl-q"):
        with pytest.raises(InvalidArgument, match="Invalid detach keys"):
            parse_detach_keys(bad)


def test_a_lone_ctrl_p_is_held_until_the_next_key_decides():
    m = DetachMatcher(DETACH_KEYS)
    assert m.feed(b"ls\x10") == (b"ls", False)  # held back
    assert m.feed(b"\x10") == (b"\x10", False)  # Ctrl-P Ctrl-P: the first goes, the second is held
    assert m.feed(b"a") == (b"\x10a", False)
    assert m.feed(b"\x10") == (b"", False)
    assert m.feed(b"\x11") == (b"", True)  # detached: neither key reached the container


def test_sequence_split_across_reads_and_within_one_read():
    assert DetachMatcher(DETACH_KEYS).feed(b"echo hi\x10\x11more") == (b"echo hi", True)
    m = DetachMatcher(b"ab")
    assert m.feed(b"xa") == (b"x", False) and m.feed(b"a") == (b"a", False) and m.feed(b"b") == (b"", True)
