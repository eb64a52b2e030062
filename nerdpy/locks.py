"""Cross-process locks: flock(2) on a file that is never deleted.

The descriptor is O_CLOEXEC, so a lock never leaks into a child (runc, a shim,
a network helper) and dies with the process that took it, even on kill -9.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from nerdpy.paths import private_dirs

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


@contextmanager
def file_lock(path: Path, shared: bool = False, wait: bool = True) -> Iterator[bool]:
    """Hold an flock on `path` (created 0600, parents too) for the block.

    Yields True when held; False only when `wait` is false and another process
    holds it (the block then runs without the lock and should step aside).
    """
    private_dirs(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        try:
            fcntl.flock(fd, mode if wait else mode | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
