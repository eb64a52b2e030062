"""runc's command line: create, start, state, kill, delete, exec, pause, resume, ps.

No `typing` import: the shim loads this module and every import costs it memory."""

from __future__ import annotations

import os
from nerdpy.runtime import RuntimeFailure, error_line, run


class Runc:
    def __init__(self, binary: str, root: str, systemd_cgroup: bool = False) -> None:
        self.binary = binary
        self.root = root
        self.systemd_cgroup = systemd_cgroup

    def argv(self, *args: str) -> list[str]:
        return [self.binary, "--root", self.root, *args]

    def _check(self, *args: str, stdio: tuple[int, int, int] = (-1, -1, -1)) -> bytes:
        code, out, err = run(self.argv(*args), stdin=stdio[0], stdout=stdio[1], stderr=stdio[2])
        if code != 0:
            raise RuntimeFailure(error_line(err), code)
        return out

    def create(
        self,
        container_id: str,
        bundle: str,
        pid_file: str,
        console_socket: str | None = None,
        stdio: tuple[int, int, int] = (-1, -1, -1),
        log_file: str | None = None,
        command: str = "create",
    ) -> None:
        """`runc create` (or `run --detach`). Without a console socket, `stdio` becomes the
        container's stdio; errors are read from `log_file` (the container's
        stderr may be the pipe we gave it)."""
        args = [command] + (["--detach"] if command == "run" else []) + ["--bundle", bundle, "--pid-file", pid_file]
        if console_socket:
            args += ["--console-socket", console_socket]
        argv = _with_log(self.argv(*args, container_id), log_file)
        code, _, err = run(argv, stdin=stdio[0], stdout=stdio[1], stderr=stdio[2])
        if code != 0:
            raise RuntimeFailure(logged_error(log_file) or error_line(err), code)
        os.chmod(pid_file, 0o600)  # runc writes it by rename: no way to create it private

    def run_detached(
        self,
        container_id: str,
        bundle: str,
        pid_file: str,
        console_socket: str | None = None,
        stdio: tuple[int, int, int] = (-1, -1, -1),
        log_file: str | None = None,
    ) -> None:
        """`runc run --detach`: create and start in one runtime invocation."""
        self.create(container_id, bundle, pid_file, console_socket, stdio, log_file, command="run")

    def start(self, container_id: str) -> None:
        self._check("start", container_id)

    def state(self, container_id: str) -> dict[str, object] | None:
        code, out, _ = run(self.argv("state", container_id))
        if code != 0:
            return None
        import json

        return json.loads(out)

    def kill(self, container_id: str, signal: int | str, all_processes: bool = False) -> None:
        args = ["kill"] + (["--all"] if all_processes else []) + [container_id, str(signal)]
        self._check(*args)

    def delete(self, container_id: str, force: bool = False) -> None:
        code, _, err = run(self.argv("delete", *(["--force"] if force else []), container_id))
        if code != 0 and b"does not exist" not in err and b"not found" not in err:
            raise RuntimeFailure(error_line(err), code)

    def pause(self, container_id: str) -> None:
        self._check("pause", container_id)

    def resume(self, container_id: str) -> None:
        self._check("resume", container_id)

    def ps(self, container_id: str) -> list[int]:
        import json

        return list(json.loads(self._check("ps", "--format", "json", container_id)) or [])

    def exec_argv(
        self,
        container_id: str,
        process_file: str,
        detach: bool,
        pid_file: str | None = None,
        console_socket: str | None = None,
        tty: bool = False,
        log_file: str | None = None,
    ) -> list[str]:
        """The argv for `runc exec` (the caller runs it with its own stdio).
        With `log_file`, runc's errors go there (see `exec_error`), created private."""
        args = ["exec", "--process", process_file]
        if detach:
            args.append("--detach")
        if pid_file:
            args += ["--pid-file", pid_file]
        if console_socket:
            args += ["--console-socket", console_socket]
        if tty and not console_socket:
            args.append("--tty")
        return _with_log(self.argv(*args, container_id), log_file)


def _with_log(argv: list[str], log_file: str | None) -> list[str]:
    if log_file:
        argv[1:1] = ["--log", log_file, "--log-format", "json"]
        # runc creates its files 0644 under our umask; an existing log keeps its mode.
        os.close(os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600))
    return argv




def logged_error(log_file: str | None) -> str | None:
    """The last error runc logged to `log_file` (which is then removed)."""
    if not log_file:
        return None
    try:
        with open(log_file, "rb") as handle:
            data = handle.read()[-65536:]
    except OSError:
        return None
    import json

    message = None
    for line in data.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("level") in ("error", "fatal") and entry.get("msg"):
            message = entry["msg"]
    try:
        os.unlink(log_file)
    except OSError:
        pass
    return message
