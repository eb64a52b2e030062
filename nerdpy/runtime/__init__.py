"""The OCI runtime driver: runc (or crun) by absolute path, `--root <runtime_root>/runc`.

Deliberately light (no subprocess, no json at import): the shim imports it.
Processes are started with posix_spawn; every fd this process holds is
close-on-exec (PEP 446), so only the stdio we hand over reaches runc.
"""

from __future__ import annotations

import os

SEARCH_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


class RuntimeFailure(Exception):
    """The OCI runtime refused: `message` is its last error line."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def find_runtime(name: str = "runc", rootless: bool = False) -> str | None:
    """Absolute path of the runtime, never a user-writable file (CVE-2019-5736).

    Rootless (inside the user namespace) the host's root shows as the overflow
    uid and uid 0 is the invoking user: then a file owned by 0 is refused."""
    candidates = [name] if name.startswith("/") else [os.path.join(d, name) for d in SEARCH_DIRS]
    for path in candidates:
        try:
            st = os.stat(path)
        except OSError:
            continue
        if not os.access(path, os.X_OK):
            continue
        if st.st_mode & 0o022 or not (st.st_uid == 65534 if rootless else _trusted_owner(st)):
            continue  # writable by someone other than the host's root: refuse
        return path
    return None


def _trusted_owner(st: os.stat_result) -> bool:
    from nerdpy.linux.confinement import trusted_owner

    return trusted_owner(st)


def run(argv: list[str], stdin: int = -1, stdout: int = -1, stderr: int = -1, env: dict | None = None) -> tuple[int, bytes, bytes]:
    """Run argv; returns (exit code, stdout, stderr). stdout/stderr are captured
    unless an fd is given; stdin defaults to /dev/null."""
    null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
    pipes: dict[int, tuple[int, int]] = {}
    actions = []
    try:
        for target, given in ((1, stdout), (2, stderr)):
            if given < 0:
                r, w = os.pipe()
                pipes[target] = (r, w)
                given = w
            actions.append((os.POSIX_SPAWN_DUP2, given, target))
        actions.insert(0, (os.POSIX_SPAWN_DUP2, null if stdin < 0 else stdin, 0))
        pid = os.posix_spawn(argv[0], argv, env if env is not None else clean_env(), file_actions=actions)
        for r, w in pipes.values():
            os.close(w)
        out = _drain([pipes[1][0]] if 1 in pipes else [], pipes.get(2, (None,))[0])
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status), out[0], out[1]
    finally:
        os.close(null)
        for r, _ in pipes.values():
            try:
                os.close(r)
            except OSError:
                pass


def _drain(out_fds: list[int], err_fd: int | None) -> tuple[bytes, bytes]:
    import select

    buffers = {fd: bytearray() for fd in out_fds + ([err_fd] if err_fd is not None else [])}
    open_fds = set(buffers)
    while open_fds:
        ready, _, _ = select.select(list(open_fds), [], [])
        for fd in ready:
            chunk = os.read(fd, 65536)
            if chunk:
                buffers[fd] += chunk
            else:
                open_fds.discard(fd)
    out = bytes(buffers[out_fds[0]]) if out_fds else b""
    err = bytes(buffers[err_fd]) if err_fd is not None else b""
    return out, err


def clean_env() -> dict[str, str]:
    # No LISTEN_FDS/NOTIFY_SOCKET: runc would hand those fds/sockets to the container.
    keep = ("PATH", "XDG_RUNTIME_DIR", "HOME")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.setdefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
    return env


def error_line(stderr: bytes) -> str:
    """The useful part of runc's stderr (its last non-empty line, without the
    logrus prefix)."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    if not lines:
        return "the OCI runtime failed"
    line = lines[-1]
    marker = 'msg="'
    if marker in line:
        line = line.split(marker, 1)[1].rsplit('"', 1)[0].replace('\\"', '"')
    return line
