"""Generates `_libc_cffi.py`, the out-of-line ABI-mode cffi module for libc.

Out-of-line ABI mode needs no C compiler and no pycparser at run time, so
importing the bindings costs well under a millisecond. Regenerate with
`python -m nerdpy.linux._libc_build`; a unit test fails if the file drifts.
"""

from __future__ import annotations

from pathlib import Path

CDEF = """
int unshare(int flags);
int setns(int fd, int nstype);
int mount(const char *source, const char *target, const char *filesystemtype,
          unsigned long mountflags, const void *data);
int umount2(const char *target, int flags);
int prctl(int option, unsigned long arg2, unsigned long arg3,
          unsigned long arg4, unsigned long arg5);
long syscall(long number, ...);
int pivot_root(const char *new_root, const char *put_old);
int sethostname(const char *name, size_t len);
int setresuid(unsigned int ruid, unsigned int euid, unsigned int suid);
int setresgid(unsigned int rgid, unsigned int egid, unsigned int sgid);
int setgroups(size_t size, const unsigned int *list);
struct open_how { unsigned long long flags; unsigned long long mode; unsigned long long resolve; };
"""

MODULE = "nerdpy.linux._libc_cffi"
TARGET = Path(__file__).with_name("_libc_cffi.py")


def render() -> str:
    import tempfile

    from cffi import FFI

    ffi = FFI()
    ffi.cdef(CDEF)
    ffi.set_source(MODULE, None)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "_libc_cffi.py"
        ffi.emit_python_code(str(out))
        return out.read_text()


if __name__ == "__main__":
    TARGET.write_text(render())
