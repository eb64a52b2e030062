"""`nerdpy compose exec` (flags: nerdpy/cli/table/compose.py)."""

from __future__ import annotations

from nerdpy.cli.compose import ComposeCli, _entered


def exec_(compose: ComposeCli, *, service: str, command: list[str], detach: bool, no_tty: bool, env: list[str],
          user: str, workdir: str, index: int, privileged: bool) -> int:
    from nerdpy_compose.oneoff import exec_ as engine_exec
    from nerdpy_compose.oneoff import isatty

    settings, project, _ = _entered(compose)
    return engine_exec(settings, project, service, tuple(command), index, detach, not no_tty and isatty(),
                       tuple(env), user, workdir, privileged)
