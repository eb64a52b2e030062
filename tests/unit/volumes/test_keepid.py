"""keep-id id maps: the invoking user maps to itself, every id stays mapped once."""

from __future__ import annotations

from pathlib import Path

import pytest

from nerdpy.config import Settings
from nerdpy.errors import InvalidArgument
from nerdpy.paths import Layout
from nerdpy.userns import IdMapping, IdRange
from nerdpy.volumes.keepid import keep_id_mappings, keep_id_ranges, keep_id_user


def _resolve(ranges: list[dict[str, int]], container_id: int) -> int | None:
    for r in ranges:
        if r["containerID"] <= container_id < r["containerID"] + r["size"]:
            return r["hostID"] + container_id - r["containerID"]
    return None


def test_typical_user() -> None:
    ranges = keep_id_ranges(1001, 65537)
    assert ranges == [
        {"containerID": 0, "hostID": 1, "size": 1001},
        {"containerID": 1001, "hostID": 0, "size": 1},
        {"containerID": 1002, "hostID": 1002, "size": 64535},
    ]
    assert _resolve(ranges, 1001) == 0  # holder's 0 is the host user
    assert _resolve(ranges, 0) == 1


@pytest.mark.parametrize("uid, size", [(1001, 65537), (1, 10), (0, 5), (100000, 65537), (65536, 65537)])
def test_mapping_is_a_bijection_onto_the_holder_ids(uid: int, size: int) -> None:
    ranges = keep_id_ranges(uid, size)
    holder_ids = sorted(h for r in ranges for h in range(r["hostID"], r["hostID"] + r["size"]))
    assert holder_ids == list(range(size)), "each holder id used exactly once, none outside"
    assert _resolve(ranges, uid) == 0
    inside = sorted(c for r in ranges for c in range(r["containerID"], r["containerID"] + r["size"]))
    assert len(set(inside)) == len(inside)


def test_needs_rootless_and_subids(tmp_path: Path) -> None:
    layout = Layout(tmp_path, tmp_path, tmp_path)
    root = Settings(layout=layout, rootless=False, host_uid=0, host_gid=0)
    with pytest.raises(InvalidArgument, match="only supported in rootless mode"):
        keep_id_mappings(root)
    user = Settings(layout=layout, rootless=True, host_uid=1001, host_gid=1002)
    holder = IdMapping(uids=(IdRange(0, 1001, 1), IdRange(1, 100000, 65536)),
                       gids=(IdRange(0, 1002, 1), IdRange(1, 100000, 65536)))
    uids, gids = keep_id_mappings(user, holder)
    assert sum(r["size"] for r in uids) == 65537
    assert _resolve(uids, 1001) == 0 and _resolve(gids, 1002) == 0
    assert keep_id_user(user) == (1001, 1002)
    with pytest.raises(InvalidArgument):
        keep_id_ranges(1001, 1)


def _spec(namespaces: list[dict]) -> dict:
    return {"process": {"user": {"uid": 0, "gid": 0}},
            "mounts": [{"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["ro"]}],
            "linux": {"namespaces": namespaces}}


def test_apply_keep_id(tmp_path: Path) -> None:
    from nerdpy.volumes.keepid import apply_keep_id

    user = Settings(layout=Layout(tmp_path, tmp_path, tmp_path), rootless=True, host_uid=1001, host_gid=1001)
    holder = IdMapping(uids=(IdRange(0, 1001, 1), IdRange(1, 100000, 65536)),
                       gids=(IdRange(0, 1001, 1), IdRange(1, 100000, 65536)))
    joined = _spec([{"type": "pid"}, {"type": "network", "path": "/run/netns/x"}])
    apply_keep_id(joined, user, holder)
    assert [ns["type"] for ns in joined["linux"]["namespaces"]] == ["pid", "network", "user"]
    assert joined["process"]["user"] == {"uid": 1001, "gid": 1001}
    assert joined["mounts"][0]["type"] == "none" and "rbind" in joined["mounts"][0]["options"]
    assert _resolve(joined["linux"]["uidMappings"], 1001) == 0
    own = _spec([{"type": "network"}, {"type": "user"}])
    apply_keep_id(own, user, holder, set_user=False)
    assert own["mounts"][0]["type"] == "sysfs", "a new netns is owned by the new userns: sysfs works"
    assert own["process"]["user"] == {"uid": 0, "gid": 0}
    assert [ns["type"] for ns in own["linux"]["namespaces"]].count("user") == 1


def test_keep_id_owner_translates_container_ids(tmp_path: Path) -> None:
    from nerdpy.volumes.keepid import keep_id_owner

    user = Settings(layout=Layout(tmp_path, tmp_path, tmp_path), rootless=True, host_uid=1001, host_gid=1001)
    holder = IdMapping(uids=(IdRange(0, 1001, 1), IdRange(1, 100000, 65536)),
                       gids=(IdRange(0, 1001, 1), IdRange(1, 100000, 65536)))
    assert keep_id_owner(user, 1001, 1001, holder) == (0, 0), "the user itself is the holder's root"
    assert keep_id_owner(user, 0, 0, holder) == (1, 1)
    assert keep_id_owner(user, 1000, 5, holder) == (1001, 6)
    assert keep_id_owner(user, 2000, 2000, holder) == (2000, 2000)
    with pytest.raises(InvalidArgument):
        keep_id_owner(user, 70000, 0, holder)
