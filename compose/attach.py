"""Foreground `up` and `logs -f`: each container's log followed in a thread and
written with its `web-1  | ` prefix; `up` waits for the containers to exit,
stops the stack on the first exit with --abort-on-container-exit (or failure),
and on Ctrl-C stops it gracefully (a second Ctrl-C kills)."""

from __future__ import annotations

import threading
import time

from nerdpy.api import containers as api
from nerdpy.api import log_reader as logs_api
from nerdpy.api.errors import NerdpyError, NotFound

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from nerdpy_compose.members import Member
    from nerdpy_compose.ui import Ui

    from nerdpy.api.types import Settings


class LogStreams:
    """One follower thread per container, writing prefixed lines to the Ui."""

    def __init__(self, settings: Settings, ui: Ui, prefix: bool = True, timestamps: bool = False) -> None:
        self.settings, self.ui, self.prefix, self.timestamps = settings, ui, prefix, timestamps
        self.threads: dict[str, threading.Thread] = {}
        self.width = 0

    def add(self, m: Member, tail: int = -1, follow: bool = True, since_ns: int = 0, until_ns: int = 0) -> None:
        self.width = max(self.width, len(m.short) + 1)  # docker compose pads one past the longest
        thread = threading.Thread(target=self._pump, args=(m, tail, follow, since_ns, until_ns), daemon=True,
                                  name=f"logs-{m.name}")
        self.threads[m.id] = thread
        thread.start()

    def _pump(self, m: Member, tail: int, follow: bool, since_ns: int, until_ns: int) -> None:
        try:
            _, path = api.log_path(self.settings, m.id)
        except NerdpyError as exc:
            self.ui.err(f"{m.short}: {exc.message}")
            return
        offset = logs_api.end_offset(path)
        for entry in logs_api.read_entries(path, since_ns, until_ns, tail):
            self._emit(m, entry)
        if not follow:
            return
        for entry in logs_api.follow(path, offset, lambda: _alive(self.settings, m.id)):
            if until_ns and entry.ns > until_ns:
                return  # --until: following ends there
            self._emit(m, entry)

    def _emit(self, m: Member, entry: logs_api.LogEntry) -> None:
        head = self.ui.prefix(m.short, self.width) if self.prefix else ""
        if self.timestamps:
            head += logs_api.format_time_fixed(entry.ns) + " "
        self.ui.log(head, entry.data, entry.stream == "stderr")

    def join(self, m: Member, timeout: float = 2.0) -> None:
        thread = self.threads.get(m.id)
        if thread is not None:
            thread.join(timeout)


def _alive(settings: Settings, container_id: str) -> bool:
    try:
        return api.is_running(settings, container_id)
    except NerdpyError:
        return False


def watch(settings: Settings, ui: Ui, watched: list[Member], streams: LogStreams, stop_all: Callable[[bool], None],
          abort_on_exit: bool, abort_on_failure: bool, exit_code_from: str, completions: frozenset[str] = frozenset()) -> int:
    """Wait for the containers to exit; the exit code docker compose gives. A
    service others wait on to complete successfully (`completions`) exiting 0 is
    expected, not a reason to abort."""
    running = {m.id: m for m in watched}
    code = 0
    restore = _interrupt_on_term()
    try:
        while running:
            for cid, m in list(running.items()):
                try:
                    _, state = api.get(settings, cid)
                except NotFound:
                    running.pop(cid)
                    continue
                if state.status not in ("exited", "dead"):
                    continue
                running.pop(cid)
                streams.join(m)
                ui.out(f"{m.short} exited with code {state.exit_code}")
                if exit_code_from and m.service == exit_code_from:
                    code = state.exit_code
                expected = m.service in completions and state.exit_code == 0
                if not expected and (abort_on_exit or (abort_on_failure and state.exit_code != 0)):
                    if not exit_code_from:
                        code = state.exit_code
                    ui.out("Aborting on container exit...")
                    stop_all(False)
                    return _service_code(settings, watched, exit_code_from) if exit_code_from else code
            time.sleep(0.1)
    except KeyboardInterrupt:
        ui.out("Gracefully stopping... (press Ctrl+C again to force)")
        try:
            stop_all(False)
        except KeyboardInterrupt:
            stop_all(True)
        return 0  # docker compose: the stack stopped on SIGINT is a success (compose_up.md)
    finally:
        restore()
    return code


def _interrupt_on_term() -> Callable[[], None]:
    """SIGTERM (and a SIGINT that was ignored, as in a shell's background job) stop
    the stack as Ctrl-C does: docker compose catches both. Returns the undo."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    before = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for sig, handler in before.items():
            signal.signal(sig, handler)

    return restore


def _service_code(settings: Settings, watched: list[Member], service: str) -> int:
    for m in watched:
        if m.service == service:
            try:
                return api.get(settings, m.id)[1].exit_code
            except NotFound:
                continue
    return 0
