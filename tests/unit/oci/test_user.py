from __future__ import annotations

import pytest

from nerdpy.errors import InvalidArgument
from nerdpy.oci.user import parse_group, parse_id, parse_passwd, resolve_user

PASSWD = b"root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nbroken line\n#c:x:1:1::/:\n"
GROUP = b"root:x:0:\nwheel:x:10:root,alice\nalice:x:1000:\naudio:x:29:alice\n"


def resolve(spec, group_add=()):
    return resolve_user(spec, parse_passwd(PASSWD), parse_group(GROUP), group_add)


def test_names_and_numbers():
    assert resolve("").uid == 0 and resolve("").home == "/root"
    alice = resolve("alice")
    assert (alice.uid, alice.gid, alice.home) == (1000, 1000, "/home/alice")
    assert set(alice.additional_gids) == {10, 29}
    assert resolve("1000").name == "alice"


def test_numeric_user_absent_from_passwd():
    user = resolve("4242")
    assert (user.uid, user.gid, user.home, user.additional_gids) == (4242, 0, "/", ())


def test_user_and_group_parts():
    user = resolve("alice:audio")
    assert (user.uid, user.gid) == (1000, 29) and user.additional_gids == ()
    assert resolve("7:8").gid == 8
    assert resolve("root", group_add=("audio", "77")).additional_gids == (10, 29, 77)


def test_errors():
    for bad in ("nobody", "alice:nogroup", ":5"):
        with pytest.raises(InvalidArgument):
            resolve(bad)


def test_ids_must_fit_32_bits():
    assert parse_id("4294967294") == 4294967294
    with pytest.raises(InvalidArgument):
        parse_id("4294967295")
    with pytest.raises(InvalidArgument):
        resolve("99999999999")
    assert parse_id("١٢") is None  # non-ASCII digits are names, never numbers
