"""`which`: find an executable on PATH, as shutil.which does for a plain name.

shutil drags zlib, bz2 and lzma in (~3 ms); the run path looks up slirp4netns.
"""

from __future__ import annotations

import os

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def which(name: str, path: str | None = None) -> str | None:
    """The first executable regular file `name` on `path` (default: $PATH)."""
    if os.sep in name:
        return name if _executable(name) else None
    search = os.environ.get("PATH", DEFAULT_PATH) if path is None else path
    for directory in search.split(os.pathsep):
        candidate = os.path.join(directory or ".", name)
        if _executable(candidate):
            return candidate
    return None


def _executable(path: str) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (st.st_mode & 0o170000) == 0o100000 and os.access(path, os.X_OK)


def find_executable(name: str, extra_dirs: tuple[str, ...] = ()) -> str | None:
    """`name` on $PATH, else in the system directories, else in `extra_dirs`.

    A user's login PATH on Debian has no sbin directories, where nft lives, so
    a tool nerdpy runs must not depend on the caller's PATH alone.
    """
    return which(name) or which(name, ":".join((DEFAULT_PATH, *extra_dirs)))


def executable(name: str) -> str:
    """The path of a system tool to run, or `name` itself (exec then reports it missing)."""
    return find_executable(name) or name
