"""COPY/ADD as a layer tar: Docker's destination rules, --chown/--chmod, --parents,
--exclude, heredoc files, ADD's local tar extraction and URL downloads.

The tar is the step's layer as it is: applied to the step's snapshot by the same
confined applier that unpacks pulled layers, so nothing here writes into a stage's
tree. `digest` hashes what the step would write (names, types, modes, owners,
link targets, file contents; never mtimes) for the cache key.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import stat
import tarfile
import time
from collections.abc import Callable, Iterator
from typing import BinaryIO

from nerdpy.build.ignore import Matcher
from nerdpy.build.modes import Symbolic
from nerdpy.build.trees import Item, Tree
from nerdpy.records import field, record

Data = Callable[[], bytes]


@record
class CopyPlan:
    tree: Tree | None
    sources: tuple[str, ...]  # expanded, relative to the tree root
    dest: str  # absolute path in the stage
    dest_dir: bool  # the destination is a directory (trailing /, several sources, or an existing dir)
    inline: tuple[tuple[str, str], ...] = ()  # heredoc files (name, content)
    downloads: tuple[tuple[str, bytes], ...] = ()  # ADD URLs: (file name, body)
    owner: tuple[int, int] | None = None  # --chown
    chmod: int | Symbolic | None = None
    parents: bool = False
    exclude: Matcher | None = None
    extract: bool = False  # ADD: local tars are unpacked into the destination
    mtime: int | None = None  # SOURCE_DATE_EPOCH clamp
    # whether a directory exists in the destination tree (missing ancestors become entries)
    exists: Callable[[str], bool] | None = field(default=None, compare=False)


def _target(plan: CopyPlan, src: str, is_dir: bool) -> str:
    if plan.parents:
        pivot = src.split("/./", 1)[1] if "/./" in src else src
        return posixpath.join(plan.dest, pivot)
    if is_dir:
        return plan.dest
    return posixpath.join(plan.dest, posixpath.basename(src)) if plan.dest_dir else plan.dest


def _info(name: str, kind: bytes, mode: int, owner: tuple[int, int], mtime: float, size: int = 0,
          link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name.lstrip("/"))
    info.type, info.mode, info.size, info.linkname = kind, mode, size, link
    info.uid, info.gid = owner
    info.mtime = int(mtime)
    info.uname = info.gname = ""
    return info


def entries(plan: CopyPlan) -> Iterator[tuple[tarfile.TarInfo, Data | None]]:
    """Every tar entry the step writes, in order, missing parent directories first."""
    when = plan.mtime if plan.mtime is not None else int(time.time())
    made: set[str] = set()
    for info, read in _entries(plan, when):
        parts = info.name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            parent = "/".join(parts[:i])
            if parent not in made:
                made.add(parent)
                if plan.exists is None or not plan.exists("/" + parent):
                    # the destination directory itself takes --chown (as buildah and BuildKit); parents above do not
                    owner = plan.owner if plan.owner and "/" + parent == plan.dest.rstrip("/") else (0, 0)
                    yield _info(parent, tarfile.DIRTYPE, 0o755, owner, when), None
        if info.isdir():
            made.add(info.name)
        yield info, read


def _entries(plan: CopyPlan, when: int) -> Iterator[tuple[tarfile.TarInfo, Data | None]]:
    for name, content in plan.inline:
        data = content.encode()
        target = posixpath.join(plan.dest, name) if plan.dest_dir else plan.dest
        info = _info(target, tarfile.REGTYPE, _mode(plan, 0o644, False),
                     plan.owner or (0, 0), when, len(data))
        yield info, _const(data)
    for name, body in plan.downloads:
        target = posixpath.join(plan.dest, name) if plan.dest_dir else plan.dest
        info = _info(target, tarfile.REGTYPE, _mode(plan, 0o600, False),
                     plan.owner or (0, 0), when, len(body))
        yield info, _const(body)
    for src in plan.sources:
        assert plan.tree is not None
        yield from _source(plan, src)


def _source(plan: CopyPlan, src: str) -> Iterator[tuple[tarfile.TarInfo, Data | None]]:
    assert plan.tree is not None
    for item in plan.tree.walk(src, plan.exclude):
        if item.rel == "":
            is_dir = stat.S_ISDIR(item.st.st_mode)
            base = _target(plan, src, is_dir)
            if not is_dir:
                if plan.extract:
                    data = item.read()
                    extracted = list(_extracted(plan, plan.dest, data))
                    if extracted:
                        yield from extracted
                        return
                    yield _entry(plan, item, base, _const(data))
                    return
                yield _entry(plan, item, base, item.read)
                return
            if base != "/" and (plan.parents or plan.exists is None or not plan.exists(base)):
                yield _entry(plan, item, base, None)
            continue
        entry = _entry(plan, item, posixpath.join(base, item.rel), item.read)
        if entry is not None:
            yield entry


def _entry(plan: CopyPlan, item: Item, target: str, read: Data | None) -> tuple[tarfile.TarInfo, Data | None]:
    st = item.st
    assert plan.tree is not None
    owner = plan.owner or ((0, 0) if plan.tree.reset_owner else (st.st_uid, st.st_gid))
    mtime = min(st.st_mtime, plan.mtime) if plan.mtime is not None else st.st_mtime
    mode = _mode(plan, stat.S_IMODE(st.st_mode), stat.S_ISDIR(st.st_mode))
    if stat.S_ISDIR(st.st_mode):
        return _info(target, tarfile.DIRTYPE, mode, owner, mtime), None
    if stat.S_ISLNK(st.st_mode):
        return _info(target, tarfile.SYMTYPE, stat.S_IMODE(st.st_mode), owner, mtime, link=item.link()), None
    if stat.S_ISREG(st.st_mode):
        return _info(target, tarfile.REGTYPE, mode, owner, mtime, st.st_size), read
    kind = tarfile.FIFOTYPE if stat.S_ISFIFO(st.st_mode) else None
    if kind is None:
        return _info(target, tarfile.DIRTYPE, 0o755, owner, mtime), None  # sockets/devices: not copied
    return _info(target, kind, mode, owner, mtime), None


def _mode(plan: CopyPlan, mode: int, is_dir: bool) -> int:
    if isinstance(plan.chmod, Symbolic):
        return plan.chmod.apply(mode, is_dir)
    return mode if plan.chmod is None else plan.chmod


def _extracted(plan: CopyPlan, dest: str, data: bytes) -> Iterator[tuple[tarfile.TarInfo, Data | None]]:
    """ADD of a local archive: its members under `dest` (nothing if it is not a tar)."""
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")
        members = archive.getmembers()
    except (tarfile.TarError, EOFError, OSError):
        return
    for member in members:
        info = _info(posixpath.join(dest, member.name), member.type, member.mode, (member.uid, member.gid),
                     member.mtime if plan.mtime is None else min(member.mtime, plan.mtime), member.size,
                     member.linkname)
        if member.islnk():
            info.linkname = posixpath.join(dest, member.linkname).lstrip("/")
        reader = archive.extractfile(member) if member.isreg() else None
        yield info, (_const(reader.read()) if reader is not None else None)


def _const(data: bytes) -> Data:
    return lambda: data


def digest(plan: CopyPlan) -> str:
    """What the step writes, mtimes left out (the cache's content key)."""
    h = hashlib.sha256()
    for info, read in entries(plan):
        h.update(f"{info.name}\0{info.type!r}\0{info.mode:o}\0{info.uid}:{info.gid}\0{info.linkname}\0".encode())
        if read is not None:
            h.update(hashlib.sha256(read()).digest())
    return "sha256:" + h.hexdigest()


def write_tar(plan: CopyPlan, out: BinaryIO) -> None:
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for info, read in entries(plan):
            if read is None:
                tar.addfile(info)
            else:
                data = read()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
