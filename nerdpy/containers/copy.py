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
import tarfile
from contextlib import contextmanager
from typing import BinaryIO, Iterator

from nerdpy.config import Settings
from nerdpy.containers import Container
from nerdpy.containers.store import ContainerStore
from nerdpy.errors import InvalidArgument, NotFound, Unavailable

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
    from nerdpy.containers.start import NETWORK_FILES, user_and_volume_owner, volume_mounts
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


# -- container -> host ---------------------------------------------------------------


def copy_out(rootfs: str, path: str, dest: str, follow_link: bool = False, archive: bool = False) -> None:
    if follow_link:
        fd, st = _open_followed(rootfs, path)
        try:
            _get(None, f"/proc/self/fd/{fd}", st, _out_target(path, dest, st), archive, nofollow=False)
        finally:
            os.close(fd)
        return
    parent_fd, name = _open_parent(rootfs, path)
    try:
        if not name:  # the root itself
            name, parent_fd = ".", parent_fd
        try:
            st = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
        except FileNotFoundError:
            raise NotFound(f"could not find the file {path} in container") from None
        _get(parent_fd, name, st, _out_target(path, dest, st), archive)
    finally:
        os.close(parent_fd)


def _out_target(path: str, dest: str, st: os.stat_result) -> str:
    if os.path.isdir(dest) and not path.endswith("/."):
        return os.path.join(dest, os.path.basename(os.path.normpath(path)) or "root")
    if stat.S_ISDIR(st.st_mode) and os.path.exists(dest) and not os.path.isdir(dest):
        raise InvalidArgument(f"cannot copy a directory to {dest}: it is not a directory")
    return dest


def _open_followed(rootfs: str, path: str) -> tuple[int, os.stat_result]:
    """An O_PATH fd of what `path` names after following its symlinks inside the
    root (RESOLVE_IN_ROOT: `/` in a link is the container's root); reopening it
    through /proc/self/fd reaches that same inode, whatever the container renames."""
    from nerdpy.oci.confined import open_in_root, open_root

    root = open_root(rootfs)
    try:
        fd = open_in_root(root, path, os.O_PATH)
    except OSError as exc:
        raise NotFound(f"could not find the file {path} in container: {exc.strerror}") from None
    finally:
        os.close(root)
    return fd, os.fstat(fd)


def _get(dir_fd: int | None, name: str, st: os.stat_result, target: str, archive: bool,
         nofollow: bool = True) -> None:
    """Copy `name` (below `dir_fd`; O_NOFOLLOW unless it is an already-resolved
    /proc/self/fd link) to host path `target`."""
    mode = st.st_mode
    flags = _NOFOLLOW if nofollow else os.O_CLOEXEC
    if stat.S_ISDIR(mode):
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | flags, dir_fd=dir_fd)
        try:
            os.makedirs(target, exist_ok=True)
            for entry in sorted(os.listdir(fd)):
                _get(fd, entry, os.stat(entry, dir_fd=fd, follow_symlinks=False), os.path.join(target, entry),
                     archive)
        finally:
            os.close(fd)
        os.chmod(target, stat.S_IMODE(mode))
        if archive:
            os.chown(target, st.st_uid, st.st_gid)
    elif stat.S_ISLNK(mode):
        link = os.readlink(name, dir_fd=dir_fd)
        if os.path.lexists(target):
            os.unlink(target)
        os.symlink(link, target)
        if archive:
            os.chown(target, st.st_uid, st.st_gid, follow_symlinks=False)
    elif stat.S_ISREG(mode):
        src = os.open(name, os.O_RDONLY | flags | os.O_NONBLOCK, dir_fd=dir_fd)
        try:
            if os.path.islink(target):
                os.unlink(target)
            dst = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW, 0o600)
            try:
                _pump(src, dst)
                if archive:
                    os.fchown(dst, st.st_uid, st.st_gid)
                os.fchmod(dst, stat.S_IMODE(mode))
            finally:
                os.close(dst)
        finally:
            os.close(src)
    # devices, fifos and sockets are skipped, as on a copy to an unprivileged host


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
        if not name or (existing is not None and stat.S_ISDIR(existing.st_mode) and not contents_only):
            fd = os.open(name or ".", os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW, dir_fd=parent_fd)
            try:
                _put(src, fd, os.path.basename(os.path.normpath(src)), archive)
            finally:
                os.close(fd)
        elif contents_only:
            _put_dir_contents(src, parent_fd, name, archive)
        else:
            _put(src, parent_fd, name, archive)
    finally:
        os.close(parent_fd)


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
        from nerdpy.oci.confined import _remove_tree

        _remove_tree(dir_fd, name)
    else:
        os.unlink(name, dir_fd=dir_fd)


def _put_dir_contents(src: str, dir_fd: int, name: str, archive: bool) -> None:
    _clear(dir_fd, name, keep_dir=True)
    if _lstat(dir_fd, name) is None:
        os.mkdir(name, 0o755, dir_fd=dir_fd)
    fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW, dir_fd=dir_fd)
    try:
        for entry in sorted(os.listdir(src)):
            _put(os.path.join(src, entry), fd, entry, archive)
    finally:
        os.close(fd)


def _put(src: str, dir_fd: int, name: str, archive: bool) -> None:
    st = os.lstat(src)
    if stat.S_ISDIR(st.st_mode):
        _put_dir_contents(src, dir_fd, name, archive)
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW, dir_fd=dir_fd)
        try:
            if archive:
                os.fchown(fd, st.st_uid, st.st_gid)
            os.fchmod(fd, stat.S_IMODE(st.st_mode))
        finally:
            os.close(fd)
    elif stat.S_ISLNK(st.st_mode):
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


# -- tar streams (`cp CONTAINER:PATH -` and `cp - CONTAINER:PATH`) ---------------------


def tar_out(rootfs: str, path: str, out: BinaryIO, follow_link: bool = False) -> None:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="nerdpy-cp-") as tmp:
        # Owners as in the container: the tar stream carries them (Docker's too).
        copy_out(rootfs, path, os.path.join(tmp, "x"), follow_link, archive=True)
        with tarfile.open(fileobj=out, mode="w|") as tar:
            tar.add(os.path.join(tmp, "x"), arcname=os.path.basename(os.path.normpath(path)) or ".")


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


def copy(settings: Settings, store: ContainerStore, src: str, dest: str, stdin: BinaryIO | None,
         stdout: BinaryIO | None, follow_link: bool = False, archive: bool = False) -> None:
    """`cp`: exactly one of src/dest is CONTAINER:PATH; "-" is a tar stream.
    `follow_link` (-L): follow a symlink SRC_PATH; `archive` (-a): keep uid/gid."""
    src_ref, src_path = _split_ref(src)
    dest_ref, dest_path = _split_ref(dest)
    if (src_ref is None) == (dest_ref is None):
        raise InvalidArgument("copying between containers or between host paths is not supported",
                              hint="use CONTAINER:SRC_PATH DEST_PATH or SRC_PATH CONTAINER:DEST_PATH")
    container = store.get(src_ref or dest_ref)  # type: ignore[arg-type]
    with copy_view(settings, container) as rootfs:
        try:
            if src_ref is not None:
                if dest == "-":
                    tar_out(rootfs, src_path, stdout, follow_link)
                else:
                    copy_out(rootfs, src_path, dest, follow_link, archive)
            elif src == "-":
                tar_in(rootfs, stdin, dest_path, archive)
            else:
                copy_in(rootfs, os.path.realpath(src) if follow_link else src, dest_path, archive)
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
