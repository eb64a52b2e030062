"""Source trees for COPY/ADD read through fds: the build context (with its ignore
rules, owners reset to 0:0) or another stage's / image's root filesystem.

Every lookup opens from the tree's root fd with openat2(RESOLVE_IN_ROOT), so a
symlink inside the tree resolves inside it; a source naming `..` above the root
is refused. Directories are walked with `os.fwalk` on those fds (no path is
re-resolved), symlinks below the top are copied as links.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import stat
from collections.abc import Iterator

from nerdpy.build.ignore import Matcher
from nerdpy.errors import InvalidArgument, NotFound
from nerdpy.records import record

_MAGIC = set("*?[")


@record
class Item:
    """One file system entry found under a source: `rel` below the source, its stat."""

    rel: str
    st: os.stat_result
    dir_fd: int
    name: str
    fd: int = -1  # the source itself: already open (its top-level symlink followed in the tree)

    def read(self) -> bytes:
        fd = self.fd if self.fd >= 0 else os.open(self.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC,
                                                  dir_fd=self.dir_fd)
        try:
            chunks: list[bytes] = []
            offset = 0
            while True:
                chunk = os.pread(fd, 1 << 20, offset)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
                offset += len(chunk)
        finally:
            if fd != self.fd:
                os.close(fd)

    def link(self) -> str:
        return os.readlink(self.name, dir_fd=self.dir_fd)


def clean_source(path: str, what: str = "build context") -> str:
    """A source path relative to the tree root; `..` above the root is refused."""
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise InvalidArgument(f"forbidden path outside the {what}: {path}")
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


class Tree:
    def __init__(self, path: str, matcher: Matcher | None = None, reset_owner: bool = False,
                 what: str = "build context") -> None:
        self.path, self.matcher, self.reset_owner, self.what = path, matcher or Matcher([]), reset_owner, what

    def _open(self, rel: str, flags: int) -> int:
        from nerdpy.oci.confined import open_in_root, open_root

        root = open_root(self.path)
        try:
            return open_in_root(root, rel or ".", flags)
        finally:
            os.close(root)

    def stat(self, rel: str) -> os.stat_result | None:
        """stat of a source path (the top-level symlink followed inside the tree), or None."""
        try:
            fd = self._open(rel, os.O_PATH)
        except OSError:
            return None
        try:
            return os.fstat(fd)
        finally:
            os.close(fd)

    def expand(self, pattern: str) -> list[str]:
        """The paths a source pattern names (Go filepath.Match per component).

        A wildcard matching nothing gives [] (BuildKit); a missing literal path is NotFound.
        """
        rel = clean_source(pattern, self.what)
        if not (_MAGIC & set(rel)):
            if self.stat(rel) is None or (rel and self.matcher.excluded(rel)):
                raise NotFound(f"{self.what}: {pattern}: not found")
            return [rel]
        found = [""]
        for part in rel.split("/"):
            if not (_MAGIC & set(part)):
                found = [posixpath.join(f, part) for f in found]
                continue
            if len(found) == 1 and self.stat(found[0]) is None:  # BuildKit: the wildcard's parent must exist
                raise NotFound(f"{self.what}: {pattern}: lstat {found[0] or '.'}: no such file or directory")
            found = [posixpath.join(f, name) for f in found for name in sorted(self._list(f))
                     if fnmatch.fnmatchcase(name, part)]
        return [f for f in found if self.stat(f) is not None and not self.matcher.excluded(f)]

    def _list(self, rel: str) -> list[str]:
        try:
            fd = self._open(rel, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return []
        try:
            return os.listdir(fd)
        finally:
            os.close(fd)

    def walk(self, rel: str, exclude: Matcher | None = None) -> Iterator[Item]:
        """The source itself ("" rel) and, for a directory, everything below it."""
        fd = self._open(rel, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        try:
            st = os.fstat(fd)
            yield Item("", st, -1, posixpath.basename(rel), fd)
            if not stat.S_ISDIR(st.st_mode):
                return
            yield from self._below(fd, rel, exclude)
        finally:
            os.close(fd)

    def _below(self, fd: int, rel: str, exclude: Matcher | None) -> Iterator[Item]:
        for dirpath, dirnames, filenames, dfd in os.fwalk(".", dir_fd=fd, follow_symlinks=False):
            dirnames.sort()
            base = "" if dirpath == "." else dirpath[2:]
            for name in sorted(dirnames + filenames):
                sub = posixpath.join(base, name)
                full = posixpath.join(rel, sub) if rel else sub
                if self.matcher.excluded(full) or (exclude and exclude.excluded(sub)):
                    if name in dirnames and not self.matcher.may_have_exceptions():
                        dirnames.remove(name)
                    continue
                yield Item(sub, os.stat(name, dir_fd=dfd, follow_symlinks=False), dfd, name)
