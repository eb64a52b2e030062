"""libc calls through cffi (out-of-line ABI mode, generated in `_libc_cffi.py`)."""

from __future__ import annotations

import errno
import os

from nerdpy.linux._libc_cffi import ffi

_lib = ffi.dlopen(None)

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_MOVE = 8192
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_SLAVE = 1 << 19
MS_SHARED = 1 << 20

MNT_DETACH = 2

PR_SET_PDEATHSIG = 1
PR_SET_NAME = 15
PR_SET_CHILD_SUBREAPER = 36

SYS_OPENAT2 = 437  # x86_64 and aarch64 share this number
RESOLVE_NO_XDEV = 0x01
RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_NO_SYMLINKS = 0x04
RESOLVE_BENEATH = 0x08
RESOLVE_IN_ROOT = 0x10


def _check(ret: int) -> int:
    if ret == -1:
        err = ffi.errno
        raise OSError(err, os.strerror(err))
    return ret


def unshare(flags: int) -> None:
    _check(_lib.unshare(flags))


def setns(fd: int, nstype: int = 0) -> None:
    _check(_lib.setns(fd, nstype))


def mount(source: str | None, target: str, fstype: str | None, flags: int = 0, data: str | None = None) -> None:
    src = source.encode() if source is not None else ffi.NULL
    fst = fstype.encode() if fstype is not None else ffi.NULL
    dat = data.encode() if data is not None else ffi.NULL
    _check(_lib.mount(src, target.encode(), fst, flags, dat))


def umount(target: str, flags: int = 0) -> None:
    _check(_lib.umount2(target.encode(), flags))


def prctl(option: int, arg2: int = 0) -> int:
    return _check(_lib.prctl(option, arg2, 0, 0, 0))


def set_child_subreaper() -> None:
    prctl(PR_SET_CHILD_SUBREAPER, 1)


def set_parent_death_signal(signum: int) -> None:
    prctl(PR_SET_PDEATHSIG, signum)


def setresuid(uid: int) -> None:
    _check(_lib.setresuid(uid, uid, uid))


def setresgid(gid: int) -> None:
    _check(_lib.setresgid(gid, gid, gid))


_OPENAT2_RETRIES = 128  # each retry is one syscall; the kernel's own helpers loop the same way


def openat2(dirfd: int, path: str | bytes, flags: int, mode: int = 0, resolve: int = 0) -> int:
    """openat2(2): open `path` relative to `dirfd` under `resolve` rules.

    EAGAIN is retried here, for every caller: with RESOLVE_IN_ROOT or
    RESOLVE_BENEATH the kernel refuses a `..` step when any rename or mount
    happened on the system meanwhile and asks the caller to try again (a busy
    host makes that common). Only a storm of renames exhausts the retries."""
    how = ffi.new("struct open_how *", {"flags": flags, "mode": mode, "resolve": resolve})
    name = ffi.new("char[]", os.fsencode(path))  # fsencode: tar names may not be UTF-8
    size = ffi.cast("size_t", ffi.sizeof("struct open_how"))
    for _ in range(_OPENAT2_RETRIES):
        ret = int(_lib.syscall(SYS_OPENAT2, ffi.cast("int", dirfd), name, how, size))
        if ret >= 0 or ffi.errno != errno.EAGAIN:
            break
    return _check(ret)
