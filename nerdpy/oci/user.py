"""USER resolution: `name|uid[:group|gid]` against the image's own /etc/passwd
and /etc/group, read confined to the rootfs (never NSS, never the host's).

A numeric id is taken as a number only when it fits in 32 bits; anything else
numeric-looking is an error, never a name lookup (CVE-2024-40635 family).
"""

from __future__ import annotations


from nerdpy.errors import InvalidArgument
from nerdpy.records import record

MAX_ID = 0xFFFFFFFE  # (uid_t)-1 means "unchanged" to the kernel


@record
class ExecUser:
    uid: int
    gid: int
    additional_gids: tuple[int, ...]
    home: str
    name: str = ""


@record
class PasswdEntry:
    name: str
    uid: int
    gid: int
    home: str


@record
class GroupEntry:
    name: str
    gid: int
    members: tuple[str, ...]


def parse_id(text: str) -> int | None:
    """The number in `text`, None when it is a name; InvalidArgument when it is
    all digits but out of range."""
    if not text.isdigit() or not text.isascii():
        return None
    value = int(text)
    if value > MAX_ID:
        raise InvalidArgument(f"invalid user id {text!r}: out of range (max {MAX_ID})")
    return value


def parse_passwd(data: bytes) -> list[PasswdEntry]:
    entries = []
    for line in data.decode("utf-8", "replace").splitlines():
        fields = line.split(":")
        if len(fields) < 7 or line.startswith("#"):
            continue
        try:
            uid, gid = int(fields[2]), int(fields[3])
        except ValueError:
            continue
        if 0 <= uid <= MAX_ID and 0 <= gid <= MAX_ID:
            entries.append(PasswdEntry(fields[0], uid, gid, fields[5]))
    return entries


def parse_group(data: bytes) -> list[GroupEntry]:
    entries = []
    for line in data.decode("utf-8", "replace").splitlines():
        fields = line.split(":")
        if len(fields) < 4 or line.startswith("#"):
            continue
        try:
            gid = int(fields[2])
        except ValueError:
            continue
        if 0 <= gid <= MAX_ID:
            members = tuple(m.strip() for m in fields[3].split(",") if m.strip())
            entries.append(GroupEntry(fields[0], gid, members))
    return entries


def resolve_user(
    spec: str, passwd: list[PasswdEntry], groups: list[GroupEntry], group_add: tuple[str, ...] = ()
) -> ExecUser:
    """Docker's rules: default root; a numeric uid absent from passwd still works
    (gid 0, HOME /); a name must exist; supplementary groups come from /etc/group."""
    user_part, _, group_part = (spec or "0").partition(":")
    if not user_part:
        raise InvalidArgument(f"invalid user {spec!r}")
    uid_num = parse_id(user_part)
    entry = _find_user(passwd, user_part, uid_num)
    if uid_num is not None:
        uid = uid_num
    elif entry is not None:
        uid = entry.uid
    else:
        raise InvalidArgument(f"unable to find user {user_part}: no matching entries in passwd file")
    gid = entry.gid if entry is not None else 0
    if group_part:
        gid = _resolve_group(group_part, groups)
    extra: list[int] = []
    if entry is not None and not group_part:
        extra = [g.gid for g in groups if entry.name in g.members and g.gid != gid]
    for item in group_add:
        value = _resolve_group(item, groups)
        if value not in extra:
            extra.append(value)
    home = entry.home if entry is not None and entry.home else "/"
    return ExecUser(uid, gid, tuple(extra), home, entry.name if entry else "")


def _find_user(passwd: list[PasswdEntry], text: str, number: int | None) -> PasswdEntry | None:
    for entry in passwd:
        if (number is not None and entry.uid == number) or (number is None and entry.name == text):
            return entry
    return None


def _resolve_group(text: str, groups: list[GroupEntry]) -> int:
    number = parse_id(text)
    if number is not None:
        return number
    for group in groups:
        if group.name == text:
            return group.gid
    raise InvalidArgument(f"unable to find group {text}: no matching entries in group file")


def resolve_in_rootfs(rootfs: str, spec: str, group_add: tuple[str, ...] = ()) -> ExecUser:
    """Read the image's databases confined to `rootfs`, then resolve."""
    from nerdpy.oci.confined import read_file

    passwd = parse_passwd(read_file(rootfs, "/etc/passwd") or b"")
    groups = parse_group(read_file(rootfs, "/etc/group") or b"")
    return resolve_user(spec, passwd, groups, group_add)
