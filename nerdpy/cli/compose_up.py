"""`nerdpy compose up` and `scale`, which is `up -d` on the named services at new
replica counts (flags: nerdpy/cli/table/compose.py)."""

from __future__ import annotations

from nerdpy.cli.compose import ComposeCli, _entered, remove_orphans_flag


def up(compose: ComposeCli, *, services: list[str], detach: bool, wait: bool, wait_timeout: int, force_recreate: bool,
       no_recreate: bool, always_recreate_deps: bool, renew_anon_volumes: bool, remove_orphans: bool, abort_on_container_exit: bool, abort_on_container_failure: bool,
       exit_code_from: str, scale: list[str], no_deps: bool, timeout: int | None, no_start: bool, attach: list[str],
       attach_dependencies: bool, no_attach: list[str], no_log_prefix: bool, no_color: bool, timestamps: bool,
       pull: str, quiet_pull: bool, no_build: bool, build: bool) -> int:
    from nerdpy_compose.up import UpRequest
    from nerdpy_compose.up import up as engine_up

    from nerdpy.errors import InvalidArgument

    if build and no_build:
        raise InvalidArgument("--build and --no-build are incompatible")
    counts = {}
    for item in scale:
        name, eq, num = item.partition("=")
        if not eq or not num.isdigit():
            raise InvalidArgument(f"invalid --scale {item!r}: use SERVICE=NUM")
        counts[name] = int(num)
    settings, project, ui = _entered(compose, tuple(services))
    if no_color:
        ui.colour = False
    req = UpRequest(services=tuple(services), detach=detach, wait=wait, wait_timeout=wait_timeout,
                    force_recreate=force_recreate, no_recreate=no_recreate, recreate_deps=always_recreate_deps,
                    renew_anon_volumes=renew_anon_volumes, quiet_pull=quiet_pull,
                    attach_dependencies=attach_dependencies, remove_orphans=remove_orphans_flag(remove_orphans),
                    abort_on_exit=abort_on_container_exit, abort_on_failure=abort_on_container_failure,
                    exit_code_from=exit_code_from, scale=counts, no_deps=no_deps, timeout=timeout,
                    no_start=no_start, attach=tuple(attach), no_attach=tuple(no_attach), no_log_prefix=no_log_prefix,
                    timestamps=timestamps, pull=pull, parallel=compose.parallel,
                    build="always" if build else "never" if no_build else "")
    return engine_up(settings, project, req, ui)


def scale(compose: ComposeCli, *, replicas: list[str], no_deps: bool) -> int:
    """docker compose scale (pkg/compose/scale.go): create and start the services,
    and their dependencies unless --no-deps, at the given counts; no logs, no wait."""
    from nerdpy_compose.up import UpRequest
    from nerdpy_compose.up import up as engine_up

    from nerdpy.errors import InvalidArgument

    counts = {}
    for item in replicas:
        name, _, num = item.partition("=")
        if not name or not num:
            raise InvalidArgument(f"invalid scale specifier: {item}")
        if not num.isdigit():
            raise InvalidArgument(f"invalid scale specifier: can't parse replica value as int: {item}")
        counts[name] = int(num)
    services = tuple(sorted(counts))
    settings, project, ui = _entered(compose, services)
    req = UpRequest(services=services, detach=True, scale=counts, no_deps=no_deps, parallel=compose.parallel)
    return engine_up(settings, project, req, ui)
