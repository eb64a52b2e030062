"""The rootless namespace model: one user+mount namespace per user, kept alive
by a small holder process and joined with setns() by every command.

Why a holder: the user namespace alone could be recreated with the same maps,
but rootfs mounts (overlay) live in its mount namespace, and `exec`, `cp`,
`rm` and cleanup must see them. Joining needs a single-threaded process, so the
CLI joins at start-up, before anything could start a thread.
"""

from __future__ import annotations

from nerdpy.records import record



@record
class IdRange:
    """One line of a uid_map/gid_map: `inside` maps to `outside`, `count` ids."""

    inside: int
    outside: int
    count: int


@record
class IdMapping:
    uids: tuple[IdRange, ...]
    gids: tuple[IdRange, ...]

    @property
    def size(self) -> int:
        return sum(r.count for r in self.uids)
