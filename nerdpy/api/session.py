"""Entering the rootless namespace before a command touches the stores."""

from __future__ import annotations

from nerdpy.config import Settings, prepare_runtime_root


def enter_namespace(settings: Settings) -> None:
    """Rootless: join (creating if needed) the user's holder namespaces.

    Call while single-threaded, before the first store access. Root: nothing to do.
    """
    if not settings.rootless or settings.in_userns:
        return
    from nerdpy.userns import holder
    from nerdpy.userns.subids import rootless_mapping

    prepare_runtime_root(settings)
    holder.join(
        settings.layout.runtime_root,
        settings.layout.holder_pidfile,
        settings.layout.holder_lock,
        lambda: rootless_mapping(settings.host_uid, settings.host_gid),
        lambda: _live_shims(settings),
    )


def _live_shims(settings: Settings) -> list[int]:
    """Pids from `<runtime_root>/shims/<id>/shim.pid` ("PID" or "PID STARTTIME")."""
    pids = []
    try:
        entries = list(settings.layout.shims_dir.iterdir())
    except OSError:
        return pids
    for entry in entries:
        try:
            pid = int((entry / "shim.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        if pid > 0:
            pids.append(pid)
    return pids


def holder_pid(settings: Settings) -> int | None:
    from nerdpy.userns.holder import read_holder

    return read_holder(settings.layout.holder_pidfile)
