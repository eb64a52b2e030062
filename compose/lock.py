"""One lock per project (not one global lock): two `up`s of the same project
serialise, different projects run side by side. An flock on a 0600 file in a
0700 directory under the runtime root, released when the process dies."""

from __future__ import annotations

import fcntl
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from nerdpy.api.types import Settings


class ProjectLock:
    def __init__(self, settings: Settings, project: str) -> None:
        self.path = os.path.join(str(settings.layout.runtime_root), "compose", f"{project}.lock")
        self.fd = -1

    def __enter__(self) -> ProjectLock:
        directory = os.path.dirname(self.path)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing releases the flock
            self.fd = -1
