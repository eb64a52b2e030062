"""The shim process: create and start the container with runc, pump its output
into the log and to attach clients, reap it, record the exit, restart it by
policy, and finally run the exit command (cleanup) unless a foreground client
took that over."""

from __future__ import annotations

import os
import _signal as signal  # not `signal`: its enums cost the shim memory
import time

from nerdpy.runtime import RuntimeFailure, clean_env
from nerdpy.runtime.runc import Runc
from nerdpy.shim import EXECUTED, PROTOCOL
from nerdpy.shim.attach import SOCKET_NAME, AttachServer, Client, listen
from nerdpy.shim.record import StateFile, load_config, now_iso
from nerdpy.shim.restart import Backoff, should_restart

TYPE_CHECKING = False
if TYPE_CHECKING:
    import _socket

    from nerdpy.logs.writer import JsonFileWriter
    from nerdpy.shim.health import Monitor


class Shim:
    def __init__(self, shim_dir: str, sync_fd: int, kept: list[int], listener: _socket.socket) -> None:
        self.dir = shim_dir
        self.cfg = load_config(os.path.join(shim_dir, "config.json"))
        self.sync_fd = sync_fd
        self.kept = kept  # network helpers' exit fds: held open until we exit
        self.id = self.cfg["id"]
        self.started_once = False
        self.runc = Runc(self.cfg["runtime"], self.cfg["runtime_root"])
        self.state = StateFile(self.cfg["state_file"])
        self.state.update(shim_pid=os.getpid(), shim_start=_start_time(os.getpid()), shim_protocol=PROTOCOL)
        self.server = AttachServer(self.cfg.get("tty", False))
        self.server.listener = listener
        self.server.on_exec = self._exec_detached
        self.execs: dict[int, Client] = {}  # runc exec --detach pid -> the client waiting for it
        self.writer: JsonFileWriter | None = None
        if self.cfg.get("log_driver", "json-file") == "json-file":
            from nerdpy.logs.writer import JsonFileWriter

            self.writer = JsonFileWriter(self.cfg["log_path"], int(self.cfg.get("log_max_size", 0)),
                                         int(self.cfg.get("log_max_file", 1)), self.cfg.get("log_attrs") or {})
        self.server.writer = self.writer
        self.health: Monitor | None = None
        probe = self.cfg.get("healthcheck")
        if probe:  # imported only then: no healthcheck, no cost
            from nerdpy.shim.health import Monitor

            self.health = Monitor(probe, shim_dir, os.path.dirname(self.cfg["state_file"]),
                                  self.cfg["runtime"], self.cfg["runtime_root"], self.id)
            self.health.on_status = lambda status: self.event("health_status: " + status)
        self.wake_r, self.wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.set_wakeup_fd(self.wake_w)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_IGN)  # the shim outlives terminals and `kill` of its group

    # -- sync pipe to the CLI that started us ---------------------------------
    def report(self, event: str, **fields: object) -> None:
        if self.sync_fd < 0:
            return
        from _json import encode_basestring as quote

        body = ",".join(f'"{k}":{v if isinstance(v, int) else quote(str(v))}' for k, v in fields.items())
        try:
            os.write(self.sync_fd, ('{"event":"' + event + '"' + ("," + body if body else "") + "}\n").encode())
        except OSError:
            pass

    def event(self, action: str, **extra: object) -> None:
        root = self.cfg.get("events_root")
        if root:
            from nerdpy.events import emit

            emit(root, "container", action, self.id, {**(self.cfg.get("event_attributes") or {}), **extra})

    def close_sync(self) -> None:
        if self.sync_fd >= 0:
            os.close(self.sync_fd)
            self.sync_fd = -1

    # -- one run of the container ---------------------------------------------
    def create_and_start(self, first: bool) -> int | None:
        """Container pid, or None after reporting the failure. A foreground
        client connects before we start (its header says what it wants), so
        no output is missed; then one `runc run --detach` creates and starts."""
        if first and self.cfg.get("wait_attach"):
            self.server.wait_first_client(float(self.cfg.get("attach_timeout", 30)))
        try:
            pid = self._create()
        except RuntimeFailure as exc:
            self.report("error", stage="create", message=exc.message)
            self.runc.delete(self.id, force=True)
            return None
        self.started_once = True
        if self.health is not None:  # before "running" is recorded: a running container with a check has a Health
            self.health.container_started()
        self.state.update(status="running", pid=pid, started_at=now_iso(), exit_code=0)
        self.report("started", pid=pid)
        self.server.broadcast_started()
        self.event("start")
        return pid

    def _create(self) -> int:
        null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
        pid_file = os.path.join(self.dir, "container.pid")
        log_file = os.path.join(self.dir, "runc.log")
        try:
            if self.cfg.get("tty"):
                console = self.server.console_listener()
                self.runc.run_detached(self.id, self.cfg["bundle"], pid_file, console_socket=console,
                                       stdio=(null, null, null), log_file=log_file)
                self.server.accept_console()
            else:
                stdio = self.server.make_pipes(bool(self.cfg.get("stdin")), null)
                try:
                    self.runc.run_detached(self.id, self.cfg["bundle"], pid_file, stdio=stdio, log_file=log_file)
                finally:
                    self.server.close_child_ends()
        except RuntimeFailure:
            self.server.discard_output()
            raise
        finally:
            os.close(null)
        with open(pid_file) as handle:
            return int(handle.read().strip())

    def _exec_detached(self, client: Client, name: str) -> None:
        """`exec -d`: runc runs from here, so the process it leaves behind is
        reparented to us (a subreaper) and reaped in `_reap`; the client hears
        runc's exit code once it has started the process."""
        if os.sep in name or not (name.startswith("exec-") and name.endswith(".json")):
            client.send(EXECUTED, b"125")
            return
        process = os.path.join(self.dir, name)
        argv = self.runc.exec_argv(self.id, process, detach=True, log_file=process + ".log")
        null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
        try:
            pid = os.posix_spawn(argv[0], argv, clean_env(),
                                 file_actions=[(os.POSIX_SPAWN_DUP2, null, fd) for fd in (0, 1, 2)])
        except OSError:
            client.send(EXECUTED, b"126")
            return
        finally:
            os.close(null)
        self.execs[pid] = client

    def wait_exit(self, pid: int) -> int:
        """Pump I/O until the container's init is reaped; its Docker exit code."""
        code = None
        health = self.health
        while code is None:
            if health is None:
                self.server.pump([self.wake_r], timeout=None)
            else:
                ready = self.server.pump([self.wake_r] + health.fds(), timeout=health.timeout())
                health.tick(ready)
            try:
                while os.read(self.wake_r, 512):
                    pass
            except BlockingIOError:
                pass
            code = self._reap(pid)
        if health is not None:
            health.stop()
        self.server.drain_output(deadline=time.monotonic() + 2.0)
        return code

    def _reap(self, pid: int) -> int | None:
        found = None
        while True:
            try:
                child, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return found
            if child == 0:
                return found
            if child == pid:
                code = os.waitstatus_to_exitcode(status)
                found = 128 - code if code < 0 else code
            elif child in self.execs:
                self.execs.pop(child).send(EXECUTED, str(os.waitstatus_to_exitcode(status)).encode())
            elif self.health is not None:
                self.health.reaped(child, status)

    # -- lifecycle --------------------------------------------------------------
    def run(self) -> None:
        restarts = int(self.state.data.get("restart_count", 0))
        backoff = Backoff()
        pid = self.create_and_start(first=True)
        self.close_sync()
        code = 0
        while pid is not None:
            started = time.monotonic()
            code = self.wait_exit(pid)
            self.event("die", exitCode=code)
            policy = self._policy()
            if not should_restart(policy, code, restarts, self._stopped()):
                break
            self.runc.delete(self.id, force=True)
            restarts += 1
            self.state.update(status="restarting", pid=0, exit_code=code, finished_at=now_iso(), restart_count=restarts)
            if not self._sleep(backoff.next(time.monotonic() - started)):
                break
            pid = self.create_and_start(first=False)
            if pid is None:
                code = 125
        if pid is None and not self.started_once:
            self.state.update(status="created")
            self.server.close()
            return  # never started: the CLI reports the error and decides
        self.state.update(status="exited", pid=0, exit_code=code, finished_at=now_iso())
        if self.writer is not None:
            self.writer.close()
        # Tell clients first: `runc delete` then overlaps with a foreground CLI's cleanup.
        claimed = self.server.notify_exit(code)
        self.runc.delete(self.id, force=True)
        self.state.update(runtime_deleted=True)
        if not self.server.wait_hangup(claimed):
            self._exit_command()

    def _policy(self) -> str:
        """The restart policy: `nerdpy update --restart` leaves a newer one in our dir."""
        try:
            with open(os.path.join(self.dir, "restart")) as handle:
                return handle.read().strip() or "no"
        except OSError:
            return str(self.cfg.get("restart", "no"))

    def _stopped(self) -> bool:
        return os.path.exists(os.path.join(self.dir, "stopped"))

    def _sleep(self, seconds: float) -> bool:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self._stopped():
                return False
            self.server.pump([], timeout=min(0.1, max(0.0, end - time.monotonic())))
        return not self._stopped()

    def _exit_command(self) -> None:
        argv = self.cfg.get("exit_command")
        if not argv:
            return
        env = dict(self.cfg.get("exit_env") or {})
        null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
        actions = [(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)]
        try:
            child = os.posix_spawn(argv[0], argv, env, file_actions=actions)
            while True:
                try:
                    if os.waitpid(child, 0)[0] == child:
                        break
                except ChildProcessError:
                    break
        except OSError:
            pass


def _start_time(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as handle:
        stat = handle.read()
    return int(stat[stat.rindex(")") + 2 :].split()[19])


def _become_subreaper() -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: we reap the container


def wait_for_go(sync_fd: int) -> list[int] | None:
    """Block until the CLI says go (the config is written), taking the fds it
    hands over (SCM_RIGHTS). None: the CLI went away, nothing to do."""
    import _socket

    sock = _socket.socket(fileno=os.dup(sync_fd))
    try:
        data, ancdata, _, _ = sock.recvmsg(16, _socket.CMSG_SPACE(4 * 64))
    finally:
        sock.close()
    fds = []
    for level, kind, payload in ancdata:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            usable = len(payload) - len(payload) % 4
            fds += [int.from_bytes(payload[i:i + 4], "little") for i in range(0, usable, 4)]
    for fd in fds:
        os.set_inheritable(fd, False)  # ours to hold, not runc's or the container's
    return fds if data == b"go" else None


def main(argv: list[str]) -> None:
    """argv: [shim_dir, sync_fd]. Runs detached: BOOT already forked, so the
    process the CLI spawned exited at once; we live on in our own session.
    The CLI spawns us early and says "go" once the bundle is ready, so our
    start-up overlaps with its work."""
    shim_dir, sync_fd = argv[0], int(argv[1])
    try:
        os.setsid()
    except OSError:
        pass
    _become_subreaper()
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(null, target)
    os.close(null)
    os.set_inheritable(sync_fd, False)
    try:
        os.chdir(shim_dir)
        listener = listen(SOCKET_NAME)  # at once: a foreground CLI connects as soon as it said go
        kept = wait_for_go(sync_fd)
        if kept is None:
            os._exit(0)
        Shim(shim_dir, sync_fd, kept, listener).run()
    except BaseException as exc:  # last resort: tell the CLI if it still listens
        try:
            os.write(sync_fd, ('{"event":"error","stage":"shim","message":"shim failed: %s"}\n'
                               % str(exc).replace('"', "'")).encode())
        except OSError:
            pass
        os._exit(1)
    os._exit(0)
