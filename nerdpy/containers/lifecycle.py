"""stop, kill, wait, restart, pause/unpause of running containers."""

from __future__ import annotations

import os
import time

from nerdpy.config import Settings
from nerdpy.containers import Container, State, event
from nerdpy.containers.store import ContainerStore
from nerdpy.errors import Conflict, NotRunning, Unavailable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

POLL = 0.01


STOPPED_BY_HAND = "stopped-by-hand"


def runc(settings: Settings) -> Any:
    from nerdpy.runtime import find_runtime
    from nerdpy.runtime.runc import Runc

    binary = find_runtime(settings.runtime, settings.rootless)
    if binary is None:
        raise Unavailable(f"OCI runtime {settings.runtime!r} not found")
    return Runc(binary, str(settings.layout.runc_root))


def mark_stopped(store: ContainerStore, container_id: str) -> None:
    """Tell the shim a user stopped it: no restart by policy. The copy in the
    container's own (persistent) dir outlives a reboot, so `start --all` at boot
    leaves an unless-stopped container stopped by hand alone, as Docker does."""
    for path in (store.shim_dir(container_id) / "stopped", store.dir(container_id) / STOPPED_BY_HAND):
        try:
            path.touch(mode=0o600)
        except FileNotFoundError:
            pass


def wait_exit(store: ContainerStore, container_id: str, timeout: float | None) -> State:
    """Poll until the container is no longer running (pidfd when we have a pid)."""
    end = None if timeout is None else time.monotonic() + timeout
    state = store.state(container_id)
    while state.status in ("running", "paused", "restarting"):
        remaining = None if end is None else end - time.monotonic()
        if remaining is not None and remaining <= 0:
            break
        _wait_pid(state.pid, min(remaining if remaining is not None else 1.0, 1.0))
        state = store.state(container_id)
    return state


def _wait_pid(pid: int, timeout: float) -> None:
    if pid <= 0:
        time.sleep(min(timeout, POLL * 5))
        return
    import select

    try:
        fd = os.pidfd_open(pid)
    except OSError:
        time.sleep(min(timeout, POLL))
        return
    try:
        select.select([fd], [], [], timeout)
    finally:
        os.close(fd)
    time.sleep(POLL)  # the shim records the exit right after reaping


def send_signal(settings: Settings, container: Container, signal: int) -> None:
    from nerdpy.runtime import RuntimeFailure

    try:
        runc(settings).kill(container.id, signal)
    except RuntimeFailure as exc:  # runc's words are all there is: "not running" races with the exit
        message = exc.message
        if "not running" in message or "does not exist" in message or "container not running" in message:
            return
        raise Unavailable(f"cannot kill container {container.id[:12]}: {message}") from None


def stop(settings: Settings, container: Container, timeout: int | None = None, signal: str = "") -> None:
    from nerdpy.containers.parse import parse_signal

    store = ContainerStore(settings)
    state = store.state(container.id)
    mark_stopped(store, container.id)
    if not state.running:
        return
    if state.status == "paused":
        _quiet_resume(settings, store, container)
    if timeout is None:
        timeout = container.cfg.get("StopTimeout")
    timeout = 10 if timeout is None else int(timeout)
    sig = parse_signal(signal or container.cfg.get("StopSignal") or "SIGTERM")
    if state.status == "running":
        event(settings, container, "kill", signal=sig)  # before: the "die" it causes comes after it
        send_signal(settings, container, sig)
        state = wait_exit(store, container.id, None if timeout < 0 else float(timeout))
    if state.running:
        kill_and_wait(settings, store, container)
    event(settings, container, "stop")
    if container.host_config.get("AutoRemove"):
        # As podman: `stop` of a --rm container returns once it is gone, so
        # `stop x; run --name x` works. Whichever of us and the shim's exit
        # command takes the container lock first removes it.
        from nerdpy.containers.remove import cleanup_after_exit

        cleanup_after_exit(settings, container.id)


def kill(settings: Settings, container: Container, signal: str = "SIGKILL") -> None:
    from nerdpy.containers.parse import parse_signal

    store = ContainerStore(settings)
    state = store.state(container.id)
    if not state.running:
        raise NotRunning(f"container {container.id} is not running")
    number = parse_signal(signal)
    if number == 9:
        mark_stopped(store, container.id)
    event(settings, container, "kill", signal=number)
    send_signal(settings, container, number)


def kill_and_wait(settings: Settings, store: ContainerStore, container: Container) -> State:
    mark_stopped(store, container.id)
    state = store.state(container.id)
    if state.status == "paused":
        _quiet_resume(settings, store, container)
    if state.status in ("running", "paused"):
        event(settings, container, "kill", signal=9)
        send_signal(settings, container, 9)
    state = wait_exit(store, container.id, 10.0)
    if state.running and state.shim_pid:
        # The shim does not answer (stuck): stop it too; the state then reads as 137.
        try:
            os.kill(state.shim_pid, 9)
        except ProcessLookupError:
            pass
        state = wait_exit(store, container.id, 2.0)
    return state


def _quiet_resume(settings: Settings, store: ContainerStore, container: Container) -> None:
    try:
        runc(settings).resume(container.id)
    except Exception:  # noqa: BLE001
        pass
    try:
        os.unlink(store.shim_dir(container.id) / "paused")
    except FileNotFoundError:
        pass


def pause(settings: Settings, container: Container, resume: bool = False) -> None:
    store = ContainerStore(settings)
    state = store.state(container.id)
    want = "paused" if resume else "running"
    if state.status != want:
        raise Conflict(f"container {container.id} is not {want}")  # moby: the full id
    from nerdpy.runtime import RuntimeFailure

    try:
        if resume:
            runc(settings).resume(container.id)
        else:
            runc(settings).pause(container.id)
    except RuntimeFailure as exc:
        message = exc.message
        raise Unavailable(
            f"cannot {'unpause' if resume else 'pause'} container {container.id[:12]}: {message}",
            hint="pausing needs the cgroup freezer (rootless: cgroup v2 with delegation)",
        ) from None
    flag = store.shim_dir(container.id) / "paused"
    if resume:
        flag.unlink(missing_ok=True)
    else:
        flag.touch()
    event(settings, container, "unpause" if resume else "pause")
