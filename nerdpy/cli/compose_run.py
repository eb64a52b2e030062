"""`nerdpy compose run`: a one-off container of a service (flags: nerdpy/cli/table/compose.py)."""

from __future__ import annotations

from nerdpy.cli.compose import ComposeCli, _entered


def run(compose: ComposeCli, *, service: str, command: list[str], detach: bool, rm: bool, name: str,
        entrypoint: str | None, env: list[str], label: list[str], publish: list[str], service_ports: bool,
        volume: list[str], user: str, workdir: str, no_deps: bool, no_tty: bool, interactive: bool,
        use_aliases: bool, cap_add: list[str], cap_drop: list[str]) -> int:
    from nerdpy_compose.oneoff import RunRequest, isatty
    from nerdpy_compose.oneoff import run as engine_run

    settings, project, ui = _entered(compose, (service,))
    req = RunRequest(service=service, command=tuple(command), detach=detach, remove=rm, name=name,
                     entrypoint=entrypoint, env=tuple(env), labels=tuple(label), publish=tuple(publish),
                     service_ports=service_ports, volumes=tuple(volume), user=user, workdir=workdir,
                     no_deps=no_deps, tty=not no_tty and isatty(), interactive=interactive, use_aliases=use_aliases,
                     cap_add=tuple(cap_add), cap_drop=tuple(cap_drop))
    return engine_run(settings, project, req, ui)
