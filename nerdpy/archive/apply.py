"""Apply one layer (a possibly hostile tar, compressed or not) into a directory.

nerdpy.archive.tarstream parses headers (PAX, GNU long names, sparse maps);
every write is ours and goes through `nerdpy.archive.confine`, so nothing
outside `root` is created, changed or removed. Rules follow containerd's `pkg/archive` and the OCI layer spec:
later entries replace earlier ones (directory over directory merges); whiteouts
and opaque markers only hide lower layers; `.wh..wh.*` names are metadata and
never written; ownership is applied before modes (chown clears setuid); device
nodes are skipped inside a user namespace; directory modes and times are set
after the whole stream; trailing bytes are read so the DiffID covers them.
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat
import tarfile
from typing import TYPE_CHECKING, BinaryIO

from nerdpy.archive import ApplyOptions, ApplyResult, Whiteouts, inflate_limit
from nerdpy.archive.compression import LayerStream
from nerdpy.archive.confine import Root, clean, entry_error, remove, remove_children
from nerdpy.errors import DataCorrupted, NerdpyError, PermissionDenied

if TYPE_CHECKING:
    from nerdpy.archive.layered import LayeredRoot
    from nerdpy.archive.tarstream import Entry

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_MAX_NS = (1 << 63) - 1
_DEVICES = (tarfile.CHRTYPE, tarfile.BLKTYPE)
_SOFT_XATTR_ERRORS = (errno.ENOTSUP, errno.EPERM, errno.EINVAL, errno.EACCES)


def _file_size(src: BinaryIO) -> int:
    """The compressed size when `src` is a regular file (a content-store blob), else -1."""
    try:
        st = os.fstat(src.fileno())
    except (AttributeError, OSError, ValueError):
        return -1
    return st.st_size if stat.S_ISREG(st.st_mode) else -1


def apply_layer(src: BinaryIO, root: str, options: ApplyOptions = ApplyOptions()) -> ApplyResult:
    """Apply the layer read from `src` into directory `root`; return its DiffID and stats."""
    stream = LayerStream(src, options.max_size, inflate_limit(options, _file_size(src)))
    old_umask = os.umask(0)  # modes come from the headers, exactly
    try:
        applier = _Applier(root, stream, options)
        try:
            entries = applier.run()
        finally:
            applier.root.close()
    finally:
        os.umask(old_umask)
        stream.close()
    return ApplyResult(stream.digest(), stream.size, entries, tuple(applier.warnings))


def in_user_namespace() -> bool:
    try:
        return open("/proc/self/uid_map").read().split() != ["0", "0", "4294967295"]
    except OSError:
        return False


class _Applier:
    def __init__(self, root: str, stream: LayerStream, options: ApplyOptions) -> None:
        self.layered = _layered(root, options) if options.lowers else None
        self.root: Root = self.layered or Root(root)
        self.stream = stream
        self.opts = options
        self.userns = in_user_namespace() if options.in_userns is None else options.in_userns
        self.uid, self.gid = os.geteuid(), os.getegid()
        self.touched: set[str] = set()  # paths (and their ancestors) written by this layer
        self.dirs: dict[str, Entry] = {}  # metadata applied after the stream
        self.warnings: list[str] = []
        self._skipped_devices = 0
        self._current_parent = ""  # the cached parent fd in use; survives cache flushes
        self._setgid: dict[str, bool] = {}  # parent path -> setgid dir (new entries inherit its gid)
        self._inherits_gid = False  # the current entry's parent is setgid

    def run(self) -> int:
        from nerdpy.archive.tarstream import TarReader

        count = 0
        try:
            for ti in TarReader(self.stream):
                count += 1
                if count > self.opts.max_entries:
                    raise DataCorrupted(f"layer has more than {self.opts.max_entries} entries")
                self._entry(ti)
        except OSError as exc:
            raise entry_error("?", exc) from None
        self.stream.drain()
        self._finish_dirs()
        if self._skipped_devices:
            self.warnings.append(f"skipped {self._skipped_devices} device node(s): "
                                 "they cannot be created in a user namespace")
        return count

    # -- dispatch ----------------------------------------------------------------
    def _entry(self, ti: Entry) -> None:
        name = ti.name
        # Most names are already clean ("usr/lib/x"): skip normpath for them.
        path = name if name and not name.startswith(("/", ".")) and "/." not in name and "//" not in name \
            and not name.endswith("/") and "\x00" not in name else clean(name)
        if not path:
            return  # the root itself keeps the snapshot's mode
        cut = path.rfind("/")
        parent, base = (path[:cut], path[cut + 1:]) if cut >= 0 else ("", path)
        if ".wh..wh." in parent and any(c.startswith(".wh..wh.") for c in parent.split("/")):
            return  # inside AUFS metadata dirs (.wh..wh.plnk/...): never extracted
        if base.startswith(WHITEOUT):
            self._whiteout(parent, base)
            return
        if ti.type in _DEVICES:
            if not (0 <= ti.devmajor <= 0xFFFFFFFF and 0 <= ti.devminor <= 0xFFFFFFFF):
                raise DataCorrupted(f"layer entry {ti.name!r}: device number out of range")
        try:
            self._create(ti, path, parent, base)
        except NerdpyError:
            raise
        except OSError as exc:
            raise entry_error(path, exc) from None
        if not parent or parent in self.touched:
            self.touched.add(path)
        else:
            self._touch(path)

    def _touch(self, path: str) -> None:
        while path and path not in self.touched:
            self.touched.add(path)
            path = path[:max(path.rfind("/"), 0)]

    def _create(self, ti: Entry, path: str, parent: str, base: str) -> None:
        pfd = self.root.parent(parent)
        assert pfd is not None
        self._current_parent = parent
        inherits = self._setgid.get(parent)
        if inherits is None:
            inherits = self._setgid[parent] = bool(os.fstat(pfd).st_mode & stat.S_ISGID)
        self._inherits_gid = inherits
        if ti.isreg():
            self._file(ti, pfd, base)
        elif ti.isdir():
            self._mkdir(ti, path, pfd, base)
        elif ti.islnk():
            self._hardlink(ti, pfd, base)
        elif ti.issym():
            self._replace(pfd, base)
            os.symlink(ti.linkname, base, dir_fd=pfd)
            self._owner_nofollow(ti, pfd, base)
            os.utime(base, ns=(_ns(ti.mtime),) * 2, dir_fd=pfd, follow_symlinks=False)
        elif ti.isfifo() or ti.ischr() or ti.isblk():
            self._special(ti, pfd, base)
        else:
            raise DataCorrupted(f"layer entry {ti.name!r}: unhandled tar header type {ti.type!r}")

    # -- entry kinds ---------------------------------------------------------------
    def _replace(self, pfd: int, base: str, keep_dir: bool = False) -> bool:
        """Clear the way for a new entry; True if an existing directory is kept (merge)."""
        try:
            st = os.stat(base, dir_fd=pfd, follow_symlinks=False)
        except FileNotFoundError:
            return False
        if keep_dir and stat.S_ISDIR(st.st_mode):
            return True
        remove(pfd, base)
        if stat.S_ISDIR(st.st_mode) or stat.S_ISLNK(st.st_mode):
            # Cached paths may have resolved through what just went away.
            self._forget(keep=self._current_parent)
        return False

    def _mkdir(self, ti: Entry, path: str, pfd: int, base: str) -> None:
        fresh = True
        try:
            os.mkdir(base, 0o700, dir_fd=pfd)
        except FileExistsError:
            fresh = not self._replace(pfd, base, keep_dir=True)  # directory over directory: merge
            if fresh:
                os.mkdir(base, 0o700, dir_fd=pfd)
        fd = os.open(base, _DIR_FLAGS, dir_fd=pfd)
        try:
            self._owner(ti, fd, fresh)
            self._xattrs(ti, fd)
        finally:
            os.close(fd)
        self.dirs[path] = ti

    def _file(self, ti: Entry, pfd: int, base: str) -> None:
        mode = ti.mode & 0o7777
        try:
            fd = os.open(base, _FILE_FLAGS, mode & 0o777, dir_fd=pfd)
        except FileExistsError:
            self._replace(pfd, base)
            fd = os.open(base, _FILE_FLAGS, mode & 0o777, dir_fd=pfd)
        try:
            if ti.size or ti.sparse is not None:
                self._write_data(ti, fd)
            self._owner(ti, fd)
            if mode & 0o7000:
                os.fchmod(fd, mode)  # after chown, which clears setuid/setgid
            if ti.pax_headers:
                self._xattrs(ti, fd)
            os.utime(fd, ns=(_ns(ti.mtime),) * 2)
        finally:
            os.close(fd)

    def _write_data(self, ti: Entry, fd: int) -> None:
        if ti.sparse is not None:  # each stored block at its offset; the holes stay holes
            complete = self.stream.write_sparse_to(fd, ti.sparse)
            os.ftruncate(fd, ti.size)
        else:
            complete = self.stream.write_to(fd, ti.size) == ti.size
        if not complete:
            raise DataCorrupted(f"layer entry {ti.name!r} is truncated")

    def _hardlink(self, ti: Entry, pfd: int, base: str) -> None:
        target = clean(ti.linkname)
        tparent, tbase = posixpath.split(target)
        if not tbase:
            raise DataCorrupted(f"layer entry {ti.name!r}: hardlink to the root")
        self._replace(pfd, base)
        try:
            tfd = self.root.open_dir(tparent)  # uncached: the cache must not evict pfd
        except OSError:
            raise DataCorrupted(f"layer entry {ti.name!r}: hardlink target {ti.linkname!r} does not exist") from None
        try:
            # No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself.
            os.link(tbase, base, src_dir_fd=tfd, dst_dir_fd=pfd, follow_symlinks=False)
        except FileNotFoundError:
            # A target in a lower layer: copy it up first, as overlay would.
            if not (self.layered is not None and self.layered.copy_up(tparent, tbase)):
                raise DataCorrupted(
                    f"layer entry {ti.name!r}: hardlink target {ti.linkname!r} does not exist") from None
            os.link(tbase, base, src_dir_fd=tfd, dst_dir_fd=pfd, follow_symlinks=False)
        finally:
            os.close(tfd)
        # As containerd and containers/storage: the link's header metadata applies to the
        # shared inode -- unless that is a symlink (never chmod through one: CVE-2021-32760).
        fd = os.open(base, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY, dir_fd=pfd) \
            if not stat.S_ISLNK(os.stat(base, dir_fd=pfd, follow_symlinks=False).st_mode) else None
        if fd is None:
            return
        try:
            self._owner(ti, fd, fresh=False)
            os.fchmod(fd, ti.mode & 0o7777)
            os.utime(fd, ns=(_ns(ti.mtime),) * 2)
        finally:
            os.close(fd)

    def _special(self, ti: Entry, pfd: int, base: str) -> None:
        if (ti.ischr() or ti.isblk()) and self.userns:
            self._skipped_devices += 1
            return
        self._replace(pfd, base)
        kind = stat.S_IFIFO if ti.isfifo() else stat.S_IFCHR if ti.ischr() else stat.S_IFBLK
        try:
            os.mknod(base, kind | (ti.mode & 0o777), os.makedev(ti.devmajor, ti.devminor), dir_fd=pfd)
        except PermissionError:
            if not self.userns:
                raise
            self.warnings.append(f"cannot create {ti.name!r} in the user namespace; skipped")
            return
        self._owner_nofollow(ti, pfd, base)
        if ti.mode & 0o7000:
            os.chmod(base, ti.mode & 0o7777, dir_fd=pfd)
        os.utime(base, ns=(_ns(ti.mtime),) * 2, dir_fd=pfd, follow_symlinks=False)

    # -- whiteouts ---------------------------------------------------------------
    def _whiteout(self, parent: str, base: str) -> None:
        if base == OPAQUE:
            self._opaque(parent)
            return
        if base.startswith(WHITEOUT + WHITEOUT):
            return  # other AUFS metadata (.wh..wh.plnk ...): never extracted
        name = base[len(WHITEOUT):]
        if name in ("", ".", ".."):
            raise DataCorrupted(f"invalid whiteout entry {posixpath.join(parent, base)!r}")
        target = posixpath.join(parent, name)
        if target in self.touched:
            return  # whiteouts hide lower layers only
        overlay = self.opts.whiteouts == Whiteouts.OVERLAY
        pfd = self.root.parent(parent, create=overlay)
        if pfd is None:
            return  # nothing below to hide
        try:
            if remove(pfd, name):
                self._forget(keep=parent)
            if overlay:
                os.mknod(name, stat.S_IFCHR, os.makedev(0, 0), dir_fd=pfd)
        except OSError as exc:
            raise entry_error(target, exc) from None
        self._touch(target)

    def _opaque(self, parent: str) -> None:
        try:
            fd = self.root.open_dir(parent, _DIR_FLAGS & ~os.O_NOFOLLOW)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                return
            raise entry_error(parent, exc) from None
        try:
            if self.opts.whiteouts == Whiteouts.OVERLAY:
                os.setxattr(fd, self.opts.opaque_xattr, b"y")
            else:
                prefix = parent + "/" if parent else ""
                remove_children(fd, lambda child: prefix + child not in self.touched)
                self._forget()
        except OSError as exc:
            raise entry_error(parent, exc) from None
        finally:
            os.close(fd)

    # -- metadata ----------------------------------------------------------------
    def _forget(self, keep: str | None = None) -> None:
        """Cached parent fds (and what we know of them) may name other dirs now."""
        self.root.forget(keep=keep)
        self._setgid.clear()

    def _owner(self, ti: Entry, fd: int, fresh: bool = True) -> bool:
        """chown unless pointless: a `fresh` inode we created is already ours (unless its
        parent is setgid: then it took the parent's group)."""
        if not self.opts.same_owner or (fresh and (ti.uid, ti.gid) == (self.uid, self.gid)
                                        and not self._inherits_gid):
            return False
        try:
            os.fchown(fd, ti.uid, ti.gid)
        except OSError as exc:
            raise self._owner_error(ti, exc) from None
        return True

    def _owner_nofollow(self, ti: Entry, pfd: int, base: str) -> None:
        if self.opts.same_owner and ((ti.uid, ti.gid) != (self.uid, self.gid) or self._inherits_gid):
            try:
                os.chown(base, ti.uid, ti.gid, dir_fd=pfd, follow_symlinks=False)
            except OSError as exc:
                raise self._owner_error(ti, exc) from None

    def _owner_error(self, ti: Entry, exc: OSError) -> Exception:
        if exc.errno == errno.EINVAL and self.userns:
            return PermissionDenied(
                f"cannot give {ti.name!r} uid {ti.uid} gid {ti.gid}: not mapped in the user namespace",
                hint="give your user a larger range (65536 ids) in /etc/subuid and /etc/subgid")
        return entry_error(ti.name, exc)

    def _xattrs(self, ti: Entry, fd: int) -> None:
        for key, value in ti.pax_headers.items():
            if not key.startswith("SCHILY.xattr."):
                continue
            name = key[len("SCHILY.xattr."):]
            # trusted.* is privileged; user.overlay.* / user.fuseoverlayfs.* would steer the
            # overlay driver itself (opaque, redirect) when mounted with userxattr.
            if name.startswith(("trusted.", "user.overlay.", "user.fuseoverlayfs.")):
                self.warnings.append(f"ignored xattr {name} on {ti.name!r}")
                continue
            try:
                os.setxattr(fd, name, value.encode("utf-8", "surrogateescape"))
            except OSError as exc:
                if exc.errno not in _SOFT_XATTR_ERRORS:
                    raise
                self.warnings.append(f"cannot set xattr {name} on {ti.name!r}: {exc.strerror}")

    def _finish_dirs(self) -> None:
        """Directory modes and times, after everything inside them was written."""
        self.root.forget()
        for path, ti in sorted(self.dirs.items(), reverse=True):
            try:
                fd = self.root.open_dir(path, _DIR_FLAGS)
            except OSError:
                continue  # replaced or removed later in the stream
            try:
                os.fchmod(fd, ti.mode & 0o7777)
                os.utime(fd, ns=(_ns(ti.mtime),) * 2)
            finally:
                os.close(fd)


def _layered(root: str, options: ApplyOptions) -> LayeredRoot:
    from nerdpy.archive.layered import LayeredRoot

    if options.whiteouts != Whiteouts.OVERLAY:
        raise ValueError("lower layers need overlay whiteouts")
    return LayeredRoot(root, options.lowers, options.opaque_xattr)


def _ns(mtime: float) -> int:
    """Nanoseconds, clamped to what the kernel accepts."""
    try:
        return min(max(int(mtime * 1_000_000_000), 0), _MAX_NS)
    except (OverflowError, ValueError):
        return 0
