"""What a build step reads, resolved safely: host paths of tree entries (kept inside
their tree), the context as RUN sees it (ignored files left out), --chown names from
the destination's /etc/passwd and /etc/group, --chmod values, ADD's URL downloads."""

from __future__ import annotations

import posixpath
import stat
from pathlib import Path

from nerdpy.build.dockerfile.expand import Expander
from nerdpy.build.dockerfile.instructions import Instruction
from nerdpy.build.dockerfile.parser import DockerfileSyntaxError
from nerdpy.build.modes import Symbolic, parse_symbolic
from nerdpy.build.trees import Tree
from nerdpy.errors import InvalidArgument


def is_dir(tree: Tree, rel: str) -> bool:
    st = tree.stat(rel)
    return st is not None and stat.S_ISDIR(st.st_mode)


def filtered_copy(tree: Tree, rel: str, source: str, scratch: Path) -> str:
    import os
    import shutil

    if not os.path.isdir(source):
        return source
    target = scratch / f"ctx-{len(list(scratch.iterdir()))}"

    def ignored(directory: str, names: list[str]) -> list[str]:
        below = os.path.relpath(directory, source)
        prefix = posixpath.normpath(posixpath.join(rel, below)) if below != "." else rel
        return [n for n in names if tree.matcher.excluded(posixpath.join(prefix, n) if prefix else n)]

    shutil.copytree(source, target, symlinks=True, ignore=ignored)
    return str(target)


def host_path(tree: Tree, rel: str) -> str:
    """A host path for a source that stays inside its tree (symlinks resolved inside it)."""
    import os

    from nerdpy.oci.confined import open_in_root, open_root

    root = open_root(tree.path)
    try:
        fd = open_in_root(root, rel or ".", os.O_PATH)
    finally:
        os.close(root)
    try:
        real = os.readlink(f"/proc/self/fd/{fd}")
    finally:
        os.close(fd)
    base = os.path.realpath(tree.path)
    if real != base and not real.startswith(base + "/"):
        raise InvalidArgument(f"forbidden path outside the {tree.what}: {rel}")
    return real


def owner(chown: str, rootfs: str, path: str, ins: Instruction) -> tuple[int, int] | None:
    if not chown:
        return None
    from nerdpy.oci.confined import read_file
    from nerdpy.oci.user import parse_group, parse_id, parse_passwd

    user, _, group = chown.partition(":")
    passwd = parse_passwd(read_file(rootfs, "/etc/passwd") or b"")
    uid = parse_id(user)
    gid = uid
    if uid is None:
        entry = next((e for e in passwd if e.name == user), None)
        if entry is None:
            raise DockerfileSyntaxError(path, ins.line, f"unable to find user {user}: no matching entries in "
                                        "passwd file", ins.kind)
        uid, gid = entry.uid, entry.gid
    if group:
        number = parse_id(group)
        if number is None:
            groups = parse_group(read_file(rootfs, "/etc/group") or b"")
            found = next((g for g in groups if g.name == group), None)
            if found is None:
                raise DockerfileSyntaxError(path, ins.line, f"unable to find group {group}: no matching entries "
                                            "in group file", ins.kind)
            number = found.gid
        gid = number
    return uid, gid if gid is not None else 0


def chmod(text: str, ins: Instruction, x: Expander) -> int | Symbolic | None:
    """An octal mode, or a symbolic one applied to each file's own mode."""
    if not text:
        return None
    try:
        value = int(text, 8)
    except ValueError:
        symbolic = parse_symbolic(text) if not text[0].isdigit() else None
        if symbolic is not None:
            return symbolic
        value = -1
    if not 0 <= value <= 0o7777:
        raise DockerfileSyntaxError(x.path, ins.line, f"invalid chmod parameter {text!r}. it should be octal string "
                                    "and between 0 and 07777 (or symbolic: u=rwX,go=rX)", ins.kind)
    return value


def download(url: str, checksum: str, path: str, ins: Instruction) -> tuple[str, bytes]:
    import hashlib

    import requests

    try:
        response = requests.get(url, timeout=60)
        response.raise_for_status()
    except requests.RequestException as e:
        raise DockerfileSyntaxError(path, ins.line, f"failed to fetch {url}: {e}", "add") from None
    body = response.content
    if checksum:
        algo, _, want = checksum.partition(":")
        if algo != "sha256":
            raise DockerfileSyntaxError(path, ins.line, f"unsupported checksum algorithm {algo!r}", "add")
        got = hashlib.sha256(body).hexdigest()
        if got != want:
            raise DockerfileSyntaxError(path, ins.line, f"digest mismatch sha256:{got}: {checksum}", "add")
    name = posixpath.basename(url.split("?", 1)[0].split("#", 1)[0].rstrip("/")) or "__unnamed__"
    if "://" in name or not name:
        name = "__unnamed__"
    return name, body
