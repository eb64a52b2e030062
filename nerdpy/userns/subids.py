"""/etc/subuid and /etc/subgid lookup, by user name or numeric uid."""

from __future__ import annotations

from pathlib import Path

from nerdpy.errors import PermissionDenied
from nerdpy.userns import IdMapping, IdRange

SUBUID = Path("/etc/subuid")
SUBGID = Path("/etc/subgid")


def parse_subid_file(text: str, user: str, uid: int) -> list[tuple[int, int]]:
    """Ranges (start, count) that belong to `user` or to numeric `uid`."""
    ranges = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(":")
        if len(parts) != 3:
            continue
        owner, start, count = parts
        if owner not in (user, str(uid)):
            continue
        try:
            first, size = int(start), int(count)
        except ValueError:
            continue
        # A range listed by name and again by uid must map once: the kernel
        # rejects overlapping uid_map lines.
        if first >= 0 and size > 0 and (first, size) not in ranges:
            ranges.append((first, size))
    return ranges


def _user_name(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def lookup_ranges(path: Path, uid: int) -> list[tuple[int, int]]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    return parse_subid_file(text, _user_name(uid), uid)


def rootless_mapping(uid: int, gid: int, subuid: Path = SUBUID, subgid: Path = SUBGID) -> IdMapping:
    """0 maps to the user; 1.. to the user's subordinate ranges, in file order."""
    uranges = lookup_ranges(subuid, uid)
    granges = lookup_ranges(subgid, uid)
    name = _user_name(uid)
    for kind, ranges, path in (("subuid", uranges, subuid), ("subgid", granges, subgid)):
        if not ranges:
            raise PermissionDenied(
                f"no {kind} range for user {name} (uid {uid}) in {path}",
                hint=f"add one as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 {name}",
            )
    return IdMapping(uids=_stack(uid, uranges), gids=_stack(gid, granges))


def _stack(own: int, ranges: list[tuple[int, int]]) -> tuple[IdRange, ...]:
    out = [IdRange(0, own, 1)]
    inside = 1
    for start, count in ranges:
        out.append(IdRange(inside, start, count))
        inside += count
    return tuple(out)
