"""Healthchecks, run by the shim (no daemon), with Docker's rules.

The shim imports this module only for a container that has a healthcheck, so
a container without one pays nothing. Each probe is `runc exec` of the
process file the CLI wrote at start (`health-process.json` in the shim dir:
the container's own process with the check's argv), the same path as
`nerdpy exec`. The result goes through `apply_result` into `health.json`
beside state.json (0600, tmp + rename, under an flock shared with
`nerdpy healthcheck run`), in Docker's `State.Health` shape:
`{"Status", "FailingStreak", "Log": [{"Start", "End", "ExitCode", "Output"}]}`.

Docker's rules (moby daemon/health.go): the first probe comes one interval
after the start (the start interval while in the start period); exit 0 makes
the container healthy and resets the streak; a failure during the start
period of a container not yet healthy is not counted; otherwise the streak
grows and reaching `retries` makes it unhealthy. A probe that outlives its
timeout is killed and counts as a failure (exit -1). Output is the first
4096 bytes of stdout+stderr ("..." appended when cut), the log keeps 5.
"""

from __future__ import annotations

import os
import time

from nerdpy.shim.record import dumps, loads, now_iso

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable

MAX_OUTPUT = 4096
MAX_LOG = 5
HEALTH_FILE = "health.json"
PROCESS_FILE = "health-process.json"
DEFAULTS = {"interval": 30.0, "timeout": 30.0, "start_period": 0.0, "start_interval": 5.0, "retries": 3}
STARTING, HEALTHY, UNHEALTHY = "starting", "healthy", "unhealthy"


def go_duration(seconds: float) -> str:
    """Go's time.Duration.String() for the timeout message (30s, 1.5s, 1m0s, 500ms)."""
    if seconds < 1:
        ms = seconds * 1000
        return f"{ms:g}ms"
    minutes, rest = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    secs = f"{rest:g}s"
    if hours:
        return f"{hours}h{minutes}m{secs}"
    return f"{minutes}m{secs}" if minutes else secs


def apply_result(health: dict, result: dict, retries: int, in_start_period: bool) -> dict:
    """Docker's state machine: the new `State.Health` after one probe result."""
    health = {"Status": health.get("Status") or STARTING, "FailingStreak": int(health.get("FailingStreak") or 0),
              "Log": list(health.get("Log") or [])}
    if result["ExitCode"] == 0:
        health["FailingStreak"] = 0
        health["Status"] = HEALTHY
    elif not (health["Status"] == STARTING and in_start_period):
        health["FailingStreak"] += 1
        if health["FailingStreak"] >= retries:
            health["Status"] = UNHEALTHY
    health["Log"] = (health["Log"] + [result])[-MAX_LOG:]
    return health


class HealthFile:
    """health.json under an flock: the shim and `nerdpy healthcheck run` both update it."""

    def __init__(self, directory: str) -> None:
        self.path = os.path.join(directory, HEALTH_FILE)

    def read(self) -> dict:
        try:
            with open(self.path, encoding="utf-8") as handle:
                return loads(handle.read())
        except (OSError, ValueError):
            return {}

    def update(self, change: Callable[[dict], dict]) -> dict:
        """Apply `change(old) -> new` under the lock; the new state."""
        import fcntl

        lock = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            new = change(self.read())
            tmp = f"{self.path}.{os.getpid()}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            try:
                os.write(fd, dumps(new).encode())
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
            return new
        finally:
            os.close(lock)


class Probe:
    """One running `runc exec` of the check: its pid, output pipe and deadline."""

    def __init__(self, argv: list[str], timeout: float, pid_file: str) -> None:
        self.start = now_iso()
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.pid_file = pid_file
        self.output = bytearray()
        self.truncated = False
        self.timed_out = False
        self.eof = False
        read_fd, write_fd = os.pipe2(os.O_CLOEXEC)
        null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
        actions = [(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, write_fd, 1),
                   (os.POSIX_SPAWN_DUP2, write_fd, 2)]
        try:
            env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
            self.pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
        except OSError:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)
            os.close(null)
        os.set_blocking(read_fd, False)
        self.fd = read_fd

    def read(self) -> bool:
        """Take what the pipe has; False when nothing more is there now (a
        background process of the check may hold the pipe open: never wait)."""
        if self.eof:
            return False
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return False
        if not data:
            self.eof = True
        keep = MAX_OUTPUT - len(self.output)
        if keep > 0:
            self.output += data[:keep]
        if len(data) > max(keep, 0):
            self.truncated = True
        return True

    def kill(self) -> None:
        """Timeout: kill the check inside the container, then runc exec itself."""
        self.timed_out = True
        try:
            with open(self.pid_file) as handle:
                os.kill(int(handle.read().strip()), 9)
        except (OSError, ValueError):
            pass
        try:
            os.kill(self.pid, 9)
        except OSError:
            pass

    def result(self, exit_code: int) -> dict:
        while self.read():
            pass
        os.close(self.fd)
        end = now_iso()
        if self.timed_out:
            return {"Start": self.start, "End": end, "ExitCode": -1,
                    "Output": f"Health check exceeded timeout ({go_duration(self.timeout)})"}
        text = self.output.decode("utf-8", "replace") + ("..." if self.truncated else "")
        return {"Start": self.start, "End": end, "ExitCode": exit_code, "Output": text}


def probe_argv(runc: str, runc_root: str, container_id: str, shim_dir: str, pid_file: str) -> list[str]:
    return [runc, "--root", runc_root, "exec", "--process", os.path.join(shim_dir, PROCESS_FILE),
            "--pid-file", pid_file, container_id]


class Monitor:
    """The shim's side: schedules probes around the container's I/O loop."""

    def __init__(self, cfg: dict, shim_dir: str, state_dir: str, runc: str, runc_root: str, container_id: str) -> None:
        self.cfg = {k: cfg.get(k) or v for k, v in DEFAULTS.items()}
        self.pid_file = os.path.join(shim_dir, "health-shim.pid")
        self.argv = probe_argv(runc, runc_root, container_id, shim_dir, self.pid_file)
        self.file = HealthFile(state_dir)
        self.probe: Probe | None = None
        self.started = 0.0
        self.due = 0.0
        self.probe_began = 0.0
        self.on_status: Callable[[str], None] | None = None  # health_status events

    def container_started(self) -> None:
        """(Re)start: Docker resets the status to starting and the streak to 0, keeping the log."""
        self.started = time.monotonic()
        self.file.update(lambda h: {"Status": STARTING, "FailingStreak": 0, "Log": list(h.get("Log") or [])})
        self._schedule()

    def _in_start_period(self, at: float) -> bool:
        return at - self.started < float(self.cfg["start_period"])

    def _schedule(self) -> None:
        now = time.monotonic()
        starting = self.file.read().get("Status", STARTING) == STARTING
        period = self.cfg["start_interval"] if starting and self._in_start_period(now) else self.cfg["interval"]
        self.due = now + float(period)

    def fds(self) -> list[int]:
        return [self.probe.fd] if self.probe is not None and not self.probe.eof else []

    def timeout(self) -> float:
        target = self.probe.deadline if self.probe is not None else self.due
        return max(0.0, target - time.monotonic())

    def tick(self, ready: list[int]) -> None:
        now = time.monotonic()
        if self.probe is not None:
            if self.probe.fd in ready:
                self.probe.read()
            if now >= self.probe.deadline and not self.probe.timed_out:
                self.probe.kill()
        elif now >= self.due:
            try:
                self.probe = Probe(self.argv, float(self.cfg["timeout"]), self.pid_file)
                self.probe_began = now
            except OSError:
                self._schedule()

    def reaped(self, pid: int, status: int) -> bool:
        """True when `pid` was our probe (its result is recorded)."""
        if self.probe is None or pid != self.probe.pid:
            return False
        probe, self.probe = self.probe, None
        result = probe.result(os.waitstatus_to_exitcode(status))
        in_period = self._in_start_period(self.probe_began)
        before = self.file.read().get("Status")
        new = self.file.update(lambda h: apply_result(h, result, int(self.cfg["retries"]), in_period))
        if new["Status"] != before and self.on_status is not None:
            self.on_status(new["Status"])
        self._schedule()
        return True

    def stop(self) -> None:
        """The container exited: kill a running probe (its result is dropped)."""
        if self.probe is not None:
            self.probe.kill()
            try:
                os.waitpid(self.probe.pid, 0)
            except ChildProcessError:
                pass
            os.close(self.probe.fd)
            self.probe = None


def run_probe(argv: list[str], timeout: float, pid_file: str) -> dict:
    """One probe from start to result (for `nerdpy healthcheck run`)."""
    import select

    probe = Probe(argv, timeout, pid_file)
    while True:
        wait = max(0.0, probe.deadline - time.monotonic())
        if not probe.eof:
            ready, _, _ = select.select([probe.fd], [], [], min(wait, 0.1))
            if ready:
                probe.read()
        else:
            time.sleep(min(wait, 0.02))
        pid, status = os.waitpid(probe.pid, os.WNOHANG)
        if pid == probe.pid:
            return probe.result(os.waitstatus_to_exitcode(status))
        if time.monotonic() >= probe.deadline and not probe.timed_out:
            probe.kill()
