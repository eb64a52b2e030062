"""`cp` between a container and the host, confined to the container's rootfs.

Paths inside the container are resolved with openat2(RESOLVE_IN_ROOT) and every
entry below is opened relative to its parent's fd with O_NOFOLLOW, so a symlink
in the container (even one swapped in while we copy) cannot make us read or
write host files. Symlinks are copied as symlinks, except the source itself
with `follow_link` (`cp -L`): it is resolved inside the root by openat2 and
copied from that fd. With `archive` (`cp -a`) copies keep their owner's uid and
gid (as the rootless namespace sees them); without it they belong to whoever
copies (outside) or to the container's root (inside), as Docker does. A running container is
reached through /proc/PID/root, so its mounts are the ones it sees; a stopped
container's rootfs is mounted for the copy, with its volumes, binds and network
files over it as Docker does, and unmounted after.
"""

from __future__ import annotations

import errno
import os
import stat
from contextlib import contextmanager

from nerdpy.config import Settings
from nerdpy.containers import Container
from nerdpy.containers.store import ContainerStore
from nerdpy.errors import ClientRefused, InvalidArgument, NotFound, Unavailable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO, Iterator

_NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC


@contextmanager
def rootfs_view(settings: Settings, container: Container) -> Iterator[str]:
    from nerdpy.containers.start import container_lock, mount_rootfs, rootfs_path, unmount_rootfs

    store = ContainerStore(settings)
    if store.state(container.id).running:
        yield rootfs_path(store, container)
        return
    with container_lock(settings, container.id):
        path = mount_rootfs(settings, store, container)
        try:
            yield path
        finally:
            unmount_rootfs(settings, store, container)


@contextmanager
def copy_view(settings: Settings, container: Container) -> Iterator[str]:
    """The tree `cp` works in. A running container's own root (/proc/PID/root),
    so its volumes, binds and /etc/hosts, hostname and resolv.conf are the ones
    the container sees, as with Docker; otherwise the rootfs."""
    state = ContainerStore(settings).state(container.id)
    if state.running and state.pid:
        live = f"/proc/{state.pid}/root"
        try:
            os.close(os.open(live, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))
        except OSError:
            pass  # exited meanwhile, or not ours to enter: fall back to the rootfs
        else:
            yield live
            return
    with rootfs_view(settings, container) as rootfs:
        if not state.running and not container.runtime.rootfs:
            _mount_container_mounts(settings, rootfs, container)  # undone with the rootfs
        yield rootfs


def _mount_container_mounts(settings: Settings, rootfs: str, container: Container) -> None:
    """Bind the container's volumes, binds and network files over the mounted
    rootfs of a stopped container, as Docker mounts them for `cp`, so a copy
    into a volume path reaches the volume (an empty volume is first filled from
    the image, as at start). Each target is opened inside the root (a symlink
    cannot redirect the mount); targets that do not exist are left out.
    Unmounting the rootfs (lazily, with its submounts) undoes them."""
    from nerdpy.containers.start import NETWORK_FILES
    from nerdpy.containers.volume_mounts import user_and_volume_owner, volume_mounts
    from nerdpy.errors import NerdpyError
    from nerdpy.linux import libc
    from nerdpy.oci.confined import open_in_root, open_root

    cdir = ContainerStore(settings).dir(container.id)
    binds = [(str(cdir / name), dest, False) for name, _, dest in NETWORK_FILES if (cdir / name).is_file()]
    try:
        mounts = volume_mounts(container, rootfs, *user_and_volume_owner(settings, container, rootfs)[1])
    except NerdpyError:  # a user the image lacks: the container cannot start either; copy without copy-up
        mounts = list(container.runtime.mounts)
    for mount in mounts:
        if mount.get("type") == "bind" and mount.get("source"):
            binds.append((mount["source"], mount["destination"], "ro" in (mount.get("options") or ())))
    root = open_root(rootfs)
    try:
        for source, dest, read_only in sorted(binds, key=lambda b: b[1].count("/")):
            try:
                fd = open_in_root(root, dest, os.O_PATH | os.O_NOFOLLOW)
            except OSError:
                continue  # no mount point: nothing mounts there
            try:
                libc.mount(source, f"/proc/self/fd/{fd}", None, libc.MS_BIND | libc.MS_REC)
                if read_only:  # on the new mount: reopened, the fd above names what lies under it
                    os.close(fd)
                    fd = open_in_root(root, dest, os.O_PATH | os.O_NOFOLLOW)
                    target = f"/proc/self/fd/{fd}"
                    libc.mount(None, target, None, libc.MS_BIND | libc.MS_REMOUNT | libc.MS_RDONLY | _locked(target))
            except OSError as exc:
                raise Unavailable(f"cannot mount {dest} of container {container.name} for the copy: "
                                  f"{exc.strerror}") from None
            finally:
                os.close(fd)
    finally:
        os.close(root)


def _locked(path: str) -> int:
    """The flags of the mount at `path` that a user namespace may not drop on remount."""
    flags = os.statvfs(path).f_flag
    out = flags & (os.ST_NOSUID | os.ST_NODEV | os.ST_NOEXEC | os.ST_NOATIME | os.ST_NODIRATIME)  # = MS_*
    return out | (1 << 21 if flags & os.ST_RELATIME else 0)  # MS_RELATIME


def _split(path: str) -> tuple[str, str]:
    clean = os.path.normpath("/" + path)
    parent, name = os.path.split(clean)
    return parent, name


def _open_parent(rootfs: str, path: str) -> tuple[int, str]:
    from nerdpy.oci.confined import open_in_root, open_root

    parent, name = _split(path)
    root = open_root(rootfs)
    try:
        fd = open_in_root(root, parent, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise NotFound(f"could not find the file {path} in container: {exc.strerror}") from None
    finally:
        os.close(root)
    return fd, name


def resolve_links(rootfs: str, path: str) -> str:
    """`cp -L`: the container path `path` names once its symlinks are followed inside
    the root (each step read confined, as `..` and absolute links stay in the root).
    What is then copied is read without following anything, so a container swapping
    links afterwards can only make us copy another of its own files."""
    for _ in range(40):  # Linux's MAXSYMLINKS
        parent_fd, name = _open_parent(rootfs, path)
        try:
            target = os.readlink(name, dir_fd=parent_fd) if name else None
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                raise NotFound(f"could not find the file {path} in container") from None
            if exc.errno != errno.EINVAL:  # EINVAL: not a symlink: resolved
                raise
            target = None
        finally:
            os.close(parent_fd)
        if target is None:
            return path
        path = os.path.normpath(os.path.join(os.path.dirname(os.path.normpath("/" + path)), target))
    raise InvalidArgument(f"cannot copy {path}: too many levels of symbolic links")


def _pump(src: int, dst: int) -> None:
    while True:
        chunk = os.read(src, 1 << 20)
        if not chunk:
            return
        view = memoryview(chunk)
        while view:
            view = view[os.write(dst, view):]


# -- host -> container ---------------------------------------------------------------


def copy_in(rootfs: str, src: str, path: str, archive: bool = False) -> None:
    if not os.path.lexists(src):
        raise NotFound(f"could not find the file {src}")
    parent_fd, name = _open_parent(rootfs, path)
    try:
        contents_only = src.endswith("/.")
        existing = _lstat(parent_fd, name) if name else os.stat(".", dir_fd=parent_fd)
        _check_destination(path, existing, os.path.isdir(src) and not os.path.islink(src))
        if not name or (existing is not None and stat.S_ISDIR(existing.st_mode) and not contents_only):
            fd = os.open(name or ".", os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW, dir_fd=parent_fd)
            try:
                _put(src, fd, os.path.basename(os.path.normpath(src)), archive)
            finally:
                os.close(fd)
        elif contents_only:
            _put_dir_contents(src, parent_fd, name, archive=archive)
        else:
            _put(src, parent_fd, name, archive)
    finally:
        os.close(parent_fd)


def _check_destination(path: str, existing: os.stat_result | None, src_is_dir: bool) -> None:
    """Docker's refusals (archive.PrepareArchiveCopy): a directory does not replace a
    file, and a path written as a directory (trailing / or /.) must be one to take a
    file; without them the existing file was replaced or a file named like the
    directory was made."""
    is_dir = existing is not None and stat.S_ISDIR(existing.st_mode)
    if existing is not None and not is_dir and src_is_dir:
        raise InvalidArgument(f"cannot copy a directory to {path}: it is not a directory")
    if not is_dir and not src_is_dir and path.endswith(("/", "/.")):
        raise NotFound(f"could not find the directory {path} in container")


def _lstat(dir_fd: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _clear(dir_fd: int, name: str, keep_dir: bool) -> None:
    st = _lstat(dir_fd, name)
    if st is None or (keep_dir and stat.S_ISDIR(st.st_mode)):
        return
    if stat.S_ISDIR(st.st_mode):
        from nerdpy.linux.rmtree import remove_at

        remove_at(dir_fd, name)
    else:
        os.unlink(name, dir_fd=dir_fd)


def _put_dir_contents(src: str, dir_fd: int, name: str, mode: int | None = None,
                      owner: tuple[int, int] | None = None, archive: bool = False) -> None:
    """The children of host directory `src` into directory `name` of `dir_fd` (made if
    missing), iteratively: each directory of the container is reopened below the
    top one without following symlinks; modes (and, `archive`, owners) are set last,
    deepest first."""
    _clear(dir_fd, name, keep_dir=True)
    if _lstat(dir_fd, name) is None:
        os.mkdir(name, 0o755, dir_fd=dir_fd)
    top = os.open(name, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW, dir_fd=dir_fd)
    modes = [("", mode, owner)] if mode is not None else []
    pending = [""]
    try:
        while pending:
            rel = pending.pop()
            fd = _beneath(top, rel)
            try:
                for entry in sorted(os.listdir(os.path.join(src, rel))):
                    child, child_rel = os.path.join(src, rel, entry), os.path.join(rel, entry)
                    st = os.lstat(child)
                    if not stat.S_ISDIR(st.st_mode):
                        _put_one(child, st, fd, entry, archive)
                        continue
                    _clear(fd, entry, keep_dir=True)
                    if _lstat(fd, entry) is None:
                        os.mkdir(entry, 0o755, dir_fd=fd)
                    pending.append(child_rel)
                    modes.append((child_rel, stat.S_IMODE(st.st_mode), (st.st_uid, st.st_gid) if archive else None))
            finally:
                os.close(fd)
        for rel, bits, ids in reversed(modes):
            fd = _beneath(top, rel)
            try:
                if ids is not None:
                    os.fchown(fd, *ids)
                os.fchmod(fd, bits)
            finally:
                os.close(fd)
    finally:
        os.close(top)


def _beneath(top: int, rel: str) -> int:
    from nerdpy.linux import libc

    resolve = libc.RESOLVE_BENEATH | libc.RESOLVE_NO_SYMLINKS | libc.RESOLVE_NO_MAGICLINKS
    return libc.openat2(top, rel or ".", os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW, 0, resolve)


def _put(src: str, dir_fd: int, name: str, archive: bool) -> None:
    st = os.lstat(src)
    if stat.S_ISDIR(st.st_mode):
        _put_dir_contents(src, dir_fd, name, stat.S_IMODE(st.st_mode), (st.st_uid, st.st_gid) if archive else None,
                          archive)
    else:
        _put_one(src, st, dir_fd, name, archive)


def _put_one(src: str, st: os.stat_result, dir_fd: int, name: str, archive: bool) -> None:
    if stat.S_ISLNK(st.st_mode):
        _clear(dir_fd, name, keep_dir=False)
        os.symlink(os.readlink(src), name, dir_fd=dir_fd)
        if archive:
            os.chown(name, st.st_uid, st.st_gid, dir_fd=dir_fd, follow_symlinks=False)
    elif stat.S_ISREG(st.st_mode):
        _clear(dir_fd, name, keep_dir=False)
        dst = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600, dir_fd=dir_fd)
        try:
            with open(src, "rb") as handle:
                _pump(handle.fileno(), dst)
            if archive:
                os.fchown(dst, st.st_uid, st.st_gid)
            os.fchmod(dst, stat.S_IMODE(st.st_mode))
        finally:
            os.close(dst)


# -- tar stream in (`cp - CONTAINER:PATH`; out: nerdpy.containers.copyout) ------------


def tar_in(rootfs: str, source: BinaryIO, path: str, archive: bool = False) -> None:
    """Extract a tar stream into directory `path` of the container with the
    layer applier (tar only parsed; every write confined under that directory).
    `archive`: the entries keep the stream's owners."""
    from nerdpy.archive import ApplyOptions
    from nerdpy.archive.apply import apply_layer
    from nerdpy.oci.confined import open_in_root, open_root

    root = open_root(rootfs)
    try:
        fd = open_in_root(root, path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise NotFound(f"could not find the directory {path} in container: {exc.strerror}") from None
    finally:
        os.close(root)
    try:
        apply_layer(source, f"/proc/self/fd/{fd}", ApplyOptions(same_owner=archive))
    finally:
        os.close(fd)


def _stream(stream: BinaryIO | None, which: str) -> BinaryIO:
    if stream is None:
        raise InvalidArgument(f'copying with "-" needs {which} stream')
    return stream


def container_side(src: str, dest: str) -> str:
    """The container that exactly one of `cp`'s SRC and DEST names (docker/cli's
    runCopy checks, made before anything is opened)."""
    src_ref, _ = _split_ref(src)
    dest_ref, _ = _split_ref(dest)
    if (src_ref is None) == (dest_ref is None):
        raise ClientRefused("must specify at least one container source" if src_ref is None else
                            "copying between containers is not supported")
    return src_ref if src_ref is not None else str(dest_ref)


def copy(settings: Settings, store: ContainerStore, src: str, dest: str, stdin: BinaryIO | None,
         stdout: BinaryIO | None, follow_link: bool = False, archive: bool = False) -> None:
    """`cp`: exactly one of src/dest is CONTAINER:PATH; "-" is a tar stream.
    `follow_link` (-L): follow a symlink SRC_PATH; `archive` (-a): keep uid/gid."""
    src_ref, src_path = _split_ref(src)
    dest_ref, dest_path = _split_ref(dest)
    container = store.get(container_side(src, dest))
    from nerdpy.containers.copyout import copy_out, tar_out

    with copy_view(settings, container) as rootfs:
        try:
            if src_ref is not None:
                name = os.path.basename(os.path.normpath(src_path))
                if follow_link:
                    src_path = resolve_links(rootfs, src_path) + ("/." if src_path.endswith("/.") else "")
                if dest == "-":
                    tar_out(rootfs, src_path, _stream(stdout, "an output"), name)
                else:
                    copy_out(rootfs, src_path, dest, archive, name)
            elif src == "-":
                tar_in(rootfs, _stream(stdin, "an input"), dest_path, archive)
            else:
                copy_in(rootfs, os.path.realpath(src) if follow_link else src, dest_path, archive)
        except BrokenPipeError:  # the reader of `cp C:P -` went away: the CLI edge ends quietly
            raise
        except OSError as exc:
            where = dest_path if dest_ref is not None else dest
            if exc.errno == errno.EROFS:  # a read-only volume or bind, or --read-only
                raise InvalidArgument(f"cannot copy to {where}: it is on a read-only mount") from None
            raise Unavailable(f"cannot copy {src} to {dest}: {exc.strerror}"
                              + (f": {exc.filename}" if exc.filename else "")) from None


def _split_ref(arg: str) -> tuple[str | None, str]:
    if arg.startswith(("/", ".")) or ":" not in arg:
        return None, arg
    ref, _, path = arg.partition(":")
    return ref, path or "/"
