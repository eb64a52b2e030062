"""Entering the rootless namespace before a command touches the stores."""

from __future__ import annotations

from nerdpy.config import Settings, prepare_runtime_root


def enter_namespace(settings: Settings) -> None:
    """Rootless: join (creating if needed) the user's holder namespaces.

    Call while single-threaded, before the first store access. Root: nothing to do.
    """
    if not settings.rootless:
        prepare_runtime_root(settings)  # 0700, also when an older nerdpy left /run/nerdpy 0755
        return
    if settings.in_userns:
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
    """Shim pids recorded in `<data_root>/containers/<id>/state.json`: a shim
    lives in the namespace the holder kept, so a new holder can start there.
    (Read directly: this runs before any store is opened, and only when the
    holder is gone.)"""
    import json

    pids: list[int] = []
    try:
        entries = list(settings.layout.containers_dir.iterdir())
    except OSError:
        return pids
    for entry in entries:
        try:
            raw = json.loads((entry / "state.json").read_text())
            pid = int(raw.get("shim_pid") or 0)
        except (OSError, ValueError, AttributeError):
            continue
        if pid > 0 and raw.get("status") in ("running", "restarting", "paused"):
            pids.append(pid)
    return pids


def holder_pid(settings: Settings) -> int | None:
    from nerdpy.userns.holder import read_holder

    return read_holder(settings.layout.holder_pidfile)
