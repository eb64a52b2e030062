"""`exec`: run another process in a running container with `runc exec`.

The process spec starts from the container's own (capabilities, rlimits,
seccomp stay as they were), then takes -e/-w/-u/-t. The command is looked up
in the container's PATH first, confined to the running container's own root
(/proc/PID/root: its volumes, binds and tmpfs mounts included, as runc will see
them), so a missing command is Docker's 127 and a non-executable one 126,
before runc is even started.
"""

from __future__ import annotations

import json
import os
import stat

from nerdpy.config import Settings
from nerdpy.containers import Container
from nerdpy.containers.store import ContainerStore
from nerdpy.errors import CannotInvoke, CommandNotFound, InvalidArgument, NotRunning, Unavailable
from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@record
class ExecOptions:
    command: tuple[str, ...]
    interactive: bool = False
    tty: bool = False
    detach: bool = False
    env: tuple[str, ...] = ()
    workdir: str = ""
    user: str = ""
    privileged: bool = False


def _open_lookup_root(rootfs: str, pid: int) -> int:
    """The running container's root as its process sees it (mounts included); the
    rootfs when that is gone or not ours to enter (the lookup is only advisory:
    runc resolves the command again inside the container)."""
    from nerdpy.oci.confined import open_root

    if pid > 0:
        try:
            return os.open(f"/proc/{pid}/root", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            pass
    return open_root(rootfs)


def _lookup(rootfs: str, command: str, env: list[str], pid: int = 0, cwd: str = "") -> None:
    """Docker's errors for a missing or non-executable command and a missing
    working directory, from the container's own view, before runc is started."""
    from nerdpy.oci.confined import open_in_root

    if "/" in command:
        candidates = [command if command.startswith("/") else "/" + command]
    else:
        path = next((e[5:] for e in env if e.startswith("PATH=")), "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        candidates = [f"{d.rstrip('/')}/{command}" for d in path.split(":") if d.startswith("/")]
    root = _open_lookup_root(rootfs, pid)
    try:
        if cwd:
            try:
                os.close(open_in_root(root, cwd, os.O_PATH | os.O_DIRECTORY))
            except OSError as exc:
                raise CannotInvoke(f"OCI runtime exec failed: exec failed: unable to start container process: "
                                   f'chdir to cwd ("{cwd}") set in config.json failed: {os.strerror(exc.errno or 0).lower()}') from None
        denied = False
        for candidate in candidates:
            try:
                fd = open_in_root(root, candidate, os.O_PATH)
            except OSError:
                continue
            try:
                mode = os.fstat(fd).st_mode
            finally:
                os.close(fd)
            if stat.S_ISREG(mode) and mode & 0o111:
                return
            denied = True
        if denied:
            raise CannotInvoke(f'exec: "{command}": permission denied')
        raise CommandNotFound(f'exec: "{command}": executable file not found in $PATH')
    finally:
        os.close(root)


def exec_env(container_env: list[str], env: list[str], tty: bool) -> list[str]:
    """The exec'd process's environment, as Docker's CreateDaemonEnvironment makes
    it: the container's, TERM=xterm with -t unless the container sets TERM, then -e."""
    from nerdpy.oci.options import merge_env

    if tty and not any(e.startswith("TERM=") for e in container_env):
        container_env = [*container_env, "TERM=xterm"]
    return merge_env(container_env, env)


def process_spec(store: ContainerStore, container: Container, opts: ExecOptions, rootfs: str,
                 pid: int = 0) -> dict[str, Any]:
    with open(store.dir(container.id) / "config.json", encoding="utf-8") as handle:
        spec = json.load(handle)
    process = dict(spec["process"])
    if not opts.command:
        raise InvalidArgument("no command given to exec")
    process["args"] = list(opts.command)
    process["terminal"] = opts.tty
    process["env"] = exec_env(process.get("env") or [], list(opts.env), opts.tty)
    if opts.workdir:
        if not opts.workdir.startswith("/"):
            raise InvalidArgument(f"the working directory {opts.workdir!r} is invalid: it needs to be an absolute path")
        process["cwd"] = opts.workdir
    if opts.user:
        from nerdpy.oci.user import resolve_in_rootfs

        user = resolve_in_rootfs(rootfs, opts.user)
        process["user"] = {"uid": user.uid, "gid": user.gid, **({"additionalGids": list(user.additional_gids)}
                                                                if user.additional_gids else {})}
    if opts.privileged:
        from nerdpy.oci.defaults import ALL_CAPS

        caps = list(ALL_CAPS)
        process["capabilities"] = {"bounding": caps, "effective": caps, "permitted": caps}
    process.pop("consoleSize", None)
    _lookup(rootfs, opts.command[0], process["env"], pid, cwd=opts.workdir)
    return process


def write_process(settings: Settings, container: Container, opts: ExecOptions) -> str:
    """The process file `runc exec` reads, in the container's shim dir (the
    caller removes it)."""
    from nerdpy.containers.start import rootfs_path

    store = ContainerStore(settings)
    state = store.state(container.id)
    if state.status != "running":
        raise NotRunning(f"container {container.id} is not running")
    process = process_spec(store, container, opts, rootfs_path(store, container), state.pid or 0)
    shim_dir = store.shim_dir(container.id)
    path = shim_dir / f"exec-{os.getpid()}-{os.urandom(4).hex()}.json"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileNotFoundError:  # recorded as running, but its shim is not in this runtime root
        raise Unavailable(f"container {container.id[:12]} runs under another runtime root than {settings.layout.runtime_root}",
                          hint="run nerdpy from the session that started it, or set NERDPY_RUNTIME_ROOT to that root") from None
    with os.fdopen(fd, "w") as handle:
        json.dump(process, handle)
    return str(path)


RUNC_FAILED = 255  # runc's exit code when it could not start the process


def _start_detached(settings: Settings, container: Container, process_file: str, log_file: str) -> None:
    """`exec -d`: the container's shim runs runc, so the process runc leaves
    behind is the shim's to reap (a subreaper), even where PID 1 reaps nothing.
    A shim older than that request: runc from here. Either way the process's
    stdio is /dev/null, as Docker's, and we return once it started."""
    from nerdpy.containers.lifecycle import runc
    from nerdpy.runtime import run as run_process
    from nerdpy.shim import PROTOCOL

    store = ContainerStore(settings)
    code: int | None
    if store.state(container.id).shim_protocol >= PROTOCOL:
        from nerdpy.shim.client import exec_detached

        code = exec_detached(str(store.shim_dir(container.id)), os.path.basename(process_file))
    else:
        null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
        try:
            code, _, _ = run_process(runc(settings).exec_argv(container.id, process_file, True, log_file=log_file),
                                     stdout=null, stderr=null)
        finally:
            os.close(null)
    if code is None:
        raise NotRunning(f"container {container.id} is not running")
    if code != 0:
        _raise_runtime_error(log_file)
        raise InvalidArgument(f"exec failed: runc exited {code}")

def _has_controlling_terminal() -> bool:
    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC))
    except OSError:
        return False
    return True


def run_exec(settings: Settings, container: Container, opts: ExecOptions, stdin_fd: int | None, stdout_fd: int,
             stderr_fd: int, on_start: Any = None, detach_keys: bytes = b"\x10\x11") -> int | None:
    """Run `opts.command` in the container with the caller's stdio; its exit code (0 with -d),
    None when the user detached from `-it` with `detach_keys`.
    `on_start()` runs once the process is ready to start (the exec_start event)."""
    from nerdpy.containers.lifecycle import runc
    from nerdpy.runtime import run as run_process

    process_file = write_process(settings, container, opts)
    log_file = process_file + ".log"
    if on_start is not None:
        on_start()
    try:
        if opts.detach:
            _start_detached(settings, container, process_file, log_file)
            return 0
        argv = runc(settings).exec_argv(container.id, process_file, False, tty=opts.tty, log_file=log_file)
        code: int | None
        if opts.tty and (stdin_fd is not None or not _has_controlling_terminal()):
            from nerdpy.containers.exec_terminal import run_on_own_terminal
            from nerdpy.runtime import clean_env

            code = run_on_own_terminal(argv, stdin_fd, stdout_fd, clean_env(), detach_keys)
        else:
            code, _, _ = run_process(argv, stdin=stdin_fd if stdin_fd is not None else -1, stdout=stdout_fd,
                                     stderr=stderr_fd)
        if code == RUNC_FAILED:
            _raise_runtime_error(log_file)
        return code
    finally:
        for path in (process_file, log_file):
            try:
                os.unlink(path)
            except OSError:
                pass


def _raise_runtime_error(log_file: str) -> None:
    """runc's own failure to start the process (its log says so; a command that
    exits 255 leaves none): Docker's "OCI runtime exec failed", exit 126."""
    from nerdpy.runtime.runc import logged_error

    message = logged_error(log_file)
    if message:
        raise CannotInvoke(f"OCI runtime exec failed: {message}")
