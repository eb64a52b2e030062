"""A started container in the caller's foreground (`run` without -d, `start -a`):
wait for the shim to report the start, relay streams and signals until the
container exits or the user detaches, then clean up (or remove, with --rm). Also
the undoing of a `run` whose container could not be started."""

from __future__ import annotations

from nerdpy.config import Settings
from nerdpy.containers import Container
from nerdpy.containers.store import ContainerStore
from nerdpy.errors import NerdpyError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


def undo_failed_start(settings: Settings, container: Container, exc: BaseException) -> None:
    """Docker keeps a container whose command could not run (126/127) unless
    --rm; a container that could not even be set up is not left behind."""
    from nerdpy.containers.remove import remove_everything
    from nerdpy.errors import CannotInvoke, CommandNotFound

    keep = isinstance(exc, (CannotInvoke, CommandNotFound)) and not container.host_config.get("AutoRemove")
    if not keep:
        try:
            remove_everything(settings, ContainerStore(settings), container, remove_volumes=True)
        except NerdpyError:
            pass


def discard_shim(settings: Settings, shim: Any, container_id: str) -> None:
    """The container was never made: the waiting shim exits, its directory goes."""
    from nerdpy.containers.state import remove_tree

    shim.close()
    remove_tree(ContainerStore(settings).shim_dir(container_id))


def forwarder(settings: Settings, container: Container) -> Callable[[int], None]:
    """What a signal proxy calls: the signal goes to the container's process."""
    def forward(signum: int) -> None:
        from nerdpy.containers.lifecycle import send_signal

        send_signal(settings, container, signum)

    return forward


def foreground(settings: Settings, container: Container, started: Any, stdin_fd: int | None, stdout_fd: int,
               stderr_fd: int, sig_proxy: bool, detach_keys: bytes | None = None) -> int | None:
    """The container's exit code, or None when the user detached."""
    from nerdpy.containers.attach import Relay, SignalProxy, TerminalMode, resolve_detach_keys
    from nerdpy.containers.remove import cleanup_after_exit
    from nerdpy.containers.start import map_runtime_error
    from nerdpy.shim.client import ShimError, connect_attach

    store = ContainerStore(settings)
    tty = bool(container.cfg.get("Tty"))
    conn = connect_attach(str(store.shim_dir(container.id)), stdin_fd is not None, True, True, cleanup=True)
    try:
        try:
            started.shim.wait_for("started")
        except ShimError as exc:
            error = map_runtime_error(exc.message)
            undo_failed_start(settings, container, error)
            if not isinstance(error, NerdpyError) or container.host_config.get("AutoRemove"):
                raise error from None
            cleanup_after_exit(settings, container.id)
            raise error from None
        finally:
            started.shim.close()
        forward = forwarder(settings, container)
        with TerminalMode(stdin_fd if tty else None, conn.resize), SignalProxy(forward, sig_proxy):
            code = Relay(conn, stdin_fd, stdout_fd, stderr_fd, tty,
                         detach_keys=detach_keys or resolve_detach_keys("", settings.docker_config_dir)).run()
    finally:
        conn.close()
    if code is not None:
        if container.host_config.get("AutoRemove"):
            from nerdpy.containers.remove import remove_soon

            remove_soon(settings, store, container)
        else:
            cleanup_after_exit(settings, container.id)
    return code
