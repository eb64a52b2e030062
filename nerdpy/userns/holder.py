"""Create, find and join the holder: the process that keeps the user's rootless
user+mount namespace alive between commands (podman's pause process).

The holder's pid and start time sit in `<runtime_root>/holder.pid`; the start
time guards against a recycled pid. `holder.lock` (flock) serialises creation
so two concurrent commands end up in the same namespace.
"""

from __future__ import annotations

import os
from pathlib import Path

from nerdpy.errors import PermissionDenied, Unavailable
from nerdpy.linux import libc
from nerdpy.locks import file_lock
from nerdpy.paths import write_private
from nerdpy.userns import IdMapping, IdRange

ENV_ROOTLESS_UID = "NERDPY_ROOTLESS_UID"
ENV_ROOTLESS_GID = "NERDPY_ROOTLESS_GID"
HOLDER_ENV = "NERDPY_HOLDER"


def process_start_time(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may contain spaces and parentheses: split after the last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):  # dead, not yet reaped: its namespaces are gone
        return None
    return int(fields[19])


def read_holder(pidfile: Path) -> int | None:
    """The live holder's pid, or None when there is none (or it is stale)."""
    try:
        pid_text, start_text = pidfile.read_text().split()
        pid, start = int(pid_text), int(start_text)
    except (OSError, ValueError):
        return None
    if process_start_time(pid) != start:
        return None
    return pid


def join(runtime_root: Path, pidfile: Path, lockfile: Path, mapping_factory, survivors=lambda: ()) -> int:
    """Enter the holder's namespaces, creating the holder when it is gone.

    Must be called while the process is single-threaded. `mapping_factory`
    returns the IdMapping; it is only called when a new namespace must be
    made. `survivors` yields pids of processes that may still live in the old
    namespace (container shims): if the holder died but one of them lives, a
    new holder is started *inside* that namespace, so running containers and
    later commands keep sharing one namespace (podman joins conmon likewise).
    Returns the holder's pid.
    """
    pid = read_holder(pidfile)
    if pid is not None:
        _enter(pid)
        return pid
    with file_lock(lockfile):
        pid = read_holder(pidfile)
        if pid is not None:
            _enter(pid)
            return pid
        for survivor in survivors():
            if _same_owner(survivor):
                try:
                    _enter(survivor)
                except Unavailable:
                    continue
                return _respawn_holder(pidfile)
        pid = _create_holder(mapping_factory(), pidfile)
        _enter(pid)
        return pid


def _same_owner(pid: int) -> bool:
    try:
        # lstat: the link is owned by the process's user; stat() would show the nsfs inode.
        return os.lstat(f"/proc/{pid}/ns/user").st_uid == os.getuid()
    except OSError:
        return False


def _respawn_holder(pidfile: Path) -> int:
    """Start a holder in the namespaces this process has just joined."""
    argv = _holder_argv()
    read_end, write_end = os.pipe()
    first = os.fork()
    if first == 0:  # pragma: no cover - runs in the forked child
        try:
            os.close(read_end)
            os.setsid()
            if os.fork() != 0:
                os._exit(0)
            os.write(write_end, str(os.getpid()).encode())
            os.close(write_end)
            _exec_holder(argv)
        except BaseException:
            pass
        os._exit(1)
    os.close(write_end)
    os.waitpid(first, 0)
    data = os.read(read_end, 32)
    os.close(read_end)
    if not data:
        raise Unavailable("could not restart the rootless namespace holder")
    pid = int(data)
    _write_pidfile(pidfile, pid)
    return pid


def _exec_holder(argv: list[str]) -> None:
    os.chdir("/")
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(null, target)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), HOLDER_ENV: "1"}
    os.execve(argv[0], argv, env)


def _write_pidfile(pidfile: Path, pid: int) -> None:
    start = process_start_time(pid)
    if start is None:
        raise Unavailable("the rootless namespace holder died while starting")
    tmp = pidfile.with_name(f".{pidfile.name}.{os.getpid()}")
    write_private(tmp, f"{pid} {start}\n")
    os.replace(tmp, pidfile)


def _enter(pid: int) -> None:
    cwd = _saved_cwd()
    uid, gid = os.getuid(), os.getgid()
    user_fd = os.open(f"/proc/{pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    mnt_fd = os.open(f"/proc/{pid}/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
    try:
        libc.setns(user_fd, libc.CLONE_NEWUSER)
        libc.setns(mnt_fd, libc.CLONE_NEWNS)
    except OSError as exc:
        raise Unavailable(
            f"cannot join the rootless namespace of holder {pid}: {exc.strerror}",
            hint="kill the holder process and try again; nerdpy recreates it",
        ) from None
    finally:
        os.close(user_fd)
        os.close(mnt_fd)
    os.environ[ENV_ROOTLESS_UID] = str(uid)
    os.environ[ENV_ROOTLESS_GID] = str(gid)
    os.environ.setdefault("HOME", os.path.expanduser("~"))
    # Unmapped supplementary groups would show as nobody; drop them.
    try:
        os.setgroups([])
    except OSError:
        pass
    try:
        os.chdir(cwd)
    except OSError:
        os.chdir("/")


def _saved_cwd() -> str:
    try:
        return os.getcwd()
    except OSError:
        return "/"


def _holder_argv() -> list[str]:
    from nerdpy.linux.which import executable, find_executable

    catatonit = find_executable("catatonit", ("/usr/libexec/podman", "/usr/lib/podman"))
    if catatonit is not None:
        return [catatonit, "-P"]
    return [executable("sleep"), "infinity"]


def _create_holder(mapping: IdMapping, pidfile: Path) -> int:
    newuidmap, newgidmap = _map_tools()
    argv = _holder_argv()
    to_parent_r, to_parent_w = os.pipe()
    to_child_r, to_child_w = os.pipe()
    first = os.fork()
    if first == 0:  # pragma: no cover - runs in the forked child
        _holder_child(to_parent_w, to_child_r, (to_parent_r, to_child_w), argv)
    os.close(to_parent_w)
    os.close(to_child_r)
    os.waitpid(first, 0)
    try:
        data = os.read(to_parent_r, 32)
        if not data:
            _refused_userns()
        pid = int(data)
        _write_map(newuidmap, pid, mapping.uids)
        _write_map(newgidmap, pid, mapping.gids)
        os.write(to_child_w, b"1")
    finally:
        os.close(to_parent_r)
        os.close(to_child_w)
    _write_pidfile(pidfile, pid)
    return pid


def _holder_child(to_parent_w: int, to_child_r: int, unused: tuple[int, int], argv: list[str]) -> None:
    """Forked child: detach, unshare, wait to be mapped, become the holder."""
    code = 1
    try:
        for fd in unused:
            os.close(fd)
        os.setsid()
        if os.fork() != 0:
            os._exit(0)
        try:
            libc.unshare(libc.CLONE_NEWUSER | libc.CLONE_NEWNS)
        except OSError:
            os._exit(1)
        os.write(to_parent_w, str(os.getpid()).encode())
        os.close(to_parent_w)
        if os.read(to_child_r, 1) != b"1":
            os._exit(1)
        os.close(to_child_r)
        _exec_holder(argv)
    except BaseException:
        pass
    os._exit(code)


def _refused_userns() -> None:
    """The holder could not unshare: say which setting of the host or of the
    container we run in refuses it, and the fix for that engine."""
    from nerdpy.linux import confinement

    errno = confinement.probe_userns()
    message, fix = confinement.userns_blocker(confinement.detect(), errno or 1)
    raise Unavailable(f"cannot create a user namespace: {message}", hint=fix)


def _map_tools() -> tuple[str, str]:
    from nerdpy.linux.which import executable

    tools = []
    for name in ("newuidmap", "newgidmap"):
        path = executable(name)
        if not os.access(path, os.X_OK):
            raise PermissionDenied(
                f"{name} not found",
                hint="install it as root: apt-get install uidmap (Fedora: shadow-utils)",
            )
        tools.append(path)
    return tools[0], tools[1]


def _write_map(tool: str, pid: int, ranges: tuple[IdRange, ...]) -> None:
    args = [tool, str(pid)]
    for r in ranges:
        args += [str(r.inside), str(r.outside), str(r.count)]
    import subprocess

    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        raise PermissionDenied(
            f"{os.path.basename(tool)} failed: {detail}",
            hint=f"check that {tool} is setuid root (chmod u+s {tool}) and that /etc/subuid and /etc/subgid list your ranges",
        )
