"""Run a function in a forked child with a private mount namespace.

Layer application and driver probes mount overlays; doing that in a child that
first unshares its mount namespace means a crash or kill can never leave a
mount behind (the namespace dies with the child) and the caller's namespace
(rootless: the shared holder's) never sees the temporary mount.
"""

from __future__ import annotations

import json
import os
import sys

from nerdpy import errors
from nerdpy.linux import libc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


def run_isolated(fn: Callable[[], Any]) -> Any:
    """fn()'s JSON-able result; a NerdpyError in the child is raised here again."""
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.close(read_fd)
        _child(fn, write_fd, parent)
    os.close(write_fd)
    chunks = []
    with os.fdopen(read_fd, "rb") as pipe:
        while chunk := pipe.read(65536):
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    data = b"".join(chunks)
    if not data:
        raise errors.Unavailable(f"helper process died ({_describe(status)})")
    reply = json.loads(data)
    if "error" in reply:
        cls = getattr(errors, reply["error"]["kind"], errors.NerdpyError)
        if not (isinstance(cls, type) and issubclass(cls, errors.NerdpyError)):
            cls = errors.NerdpyError
        raise cls(reply["error"]["message"], hint=reply["error"].get("hint"))
    return reply["result"]


def _child(fn: Callable[[], Any], write_fd: int, parent: int) -> None:  # pragma: no cover - child
    import signal

    code = 0
    try:
        # If the command is killed, stop writing into a snapshot the next command will reap.
        libc.set_parent_death_signal(signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(1)
        libc.unshare(libc.CLONE_NEWNS)
        libc.mount(None, "/", None, libc.MS_REC | libc.MS_PRIVATE)
        reply: dict[str, Any] = {"result": fn()}
    except errors.NerdpyError as exc:
        reply = {"error": {"kind": type(exc).__name__, "message": exc.message, "hint": exc.hint}}
    except OSError as exc:
        reply = {"error": {"kind": "Unavailable", "message": f"{exc.strerror or exc}"
                           + (f": {exc.filename}" if exc.filename else "")}}
    except BaseException as exc:
        reply = {"error": {"kind": "NerdpyError", "message": f"internal error: {type(exc).__name__}: {exc}"}}
        code = 1
    try:
        os.write(write_fd, json.dumps(reply).encode())
    finally:
        os._exit(code)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"
