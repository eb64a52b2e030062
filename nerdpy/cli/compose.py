"""`nerdpy compose`: docker compose's CLI over the compose engine (nerdpy_compose).

Thin by design: each command (flags in nerdpy/cli/table/compose.py) turns its
values into the engine's options records and calls one engine function, which
calls nerdpy.api in-process. The one place that imports nerdpy_compose (an
import-linter contract says so).
"""

from __future__ import annotations

import os
import sys

from nerdpy.cli import state
from nerdpy.cli.state import CliState
from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from nerdpy_compose.options import ProjectOptions


@record
class ComposeCli:
    """What every compose command body gets first: the group's flags, read once."""

    cli: CliState
    project: ProjectOptions
    ansi: str
    progress: str
    parallel: int


def project_options(cli: CliState, *, file: list[str], project_name: str, project_directory: str,
                    env_file: list[str], profile: list[str], ansi: str, progress: str, parallel: int) -> ComposeCli:
    from nerdpy_compose.options import ProjectOptions

    project = ProjectOptions(
        files=tuple(file), project_name=project_name, project_directory=project_directory,
        env_files=tuple(env_file), profiles=tuple(profile), environ=dict(os.environ), cwd=os.getcwd(),
        stdin=sys.stdin.read)
    if parallel == -1 and os.environ.get("COMPOSE_PARALLEL_LIMIT", "").isdigit():
        parallel = int(os.environ["COMPOSE_PARALLEL_LIMIT"])
    return ComposeCli(cli, project, ansi, progress, parallel)


def _warn(line: str) -> None:
    print(f"WARN[0000] {line}", file=sys.stderr)


def _project(compose: ComposeCli, selected: tuple = (), interpolate: bool = True):
    from nerdpy_compose.loader import load_project

    from nerdpy.records import replace

    opts = compose.project
    if not interpolate:
        opts = replace(opts, interpolate=False)
    return load_project(opts, _warn, tuple(selected))


def _ui(compose: ComposeCli):
    from nerdpy_compose.ui import Ui

    return Ui(sys.stdout.fileno(), sys.stderr.fileno(), ansi=compose.ansi, progress=compose.progress)



def _entered(compose: ComposeCli, selected: tuple = ()):
    """Load the project first (a bad file creates nothing), then join the rootless
    namespace, single-threaded, before the engine starts its threads."""
    project = _project(compose, selected)
    return state.entered(compose.cli), project, _ui(compose)


def config(compose: ComposeCli, *, selected: list[str], format: str, quiet: bool, services: bool, volumes: bool,
           networks: bool, profiles: bool, images: bool, hash: str, no_interpolate: bool, output: str) -> None:
    from nerdpy_compose.config_cmd import ConfigRequest, render

    project = _project(compose, tuple(selected), interpolate=not no_interpolate)
    text = render(project, ConfigRequest(format=format, services=services, volumes=volumes, networks=networks,
                                         profiles=profiles, images=images, hash=hash, quiet=quiet))
    if quiet:
        return
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        return
    if text:
        print(text)


def up(compose: ComposeCli, *, services: list[str], detach: bool, wait: bool, wait_timeout: int, force_recreate: bool,
       no_recreate: bool, remove_orphans: bool, abort_on_container_exit: bool, abort_on_container_failure: bool,
       exit_code_from: str, scale: list[str], no_deps: bool, timeout: int | None, no_start: bool, attach: list[str],
       no_attach: list[str], no_log_prefix: bool, timestamps: bool, pull: str, no_build: bool, build: bool) -> int:
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
    req = UpRequest(services=tuple(services), detach=detach, wait=wait, wait_timeout=wait_timeout,
                    force_recreate=force_recreate, no_recreate=no_recreate, remove_orphans=remove_orphans,
                    abort_on_exit=abort_on_container_exit, abort_on_failure=abort_on_container_failure,
                    exit_code_from=exit_code_from, scale=counts, no_deps=no_deps, timeout=timeout,
                    no_start=no_start, attach=tuple(attach), no_attach=tuple(no_attach), no_log_prefix=no_log_prefix,
                    timestamps=timestamps, pull=pull, parallel=compose.parallel,
                    build="always" if build else "never" if no_build else "")
    return engine_up(settings, project, req, ui)


def down(compose: ComposeCli, *, volumes: bool, rmi: str, remove_orphans: bool, timeout: int | None) -> int:
    from nerdpy_compose.lifecycle import down as engine_down

    settings, project, ui = _entered(compose)
    return engine_down(settings, project, volumes, remove_orphans, timeout, rmi, ui)


_PS_COLUMNS = [("Name", "NAME"), ("Image", "IMAGE"), ("Command", "COMMAND"), ("Service", "SERVICE"),
               ("RunningFor", "CREATED"), ("Status", "STATUS"), ("Ports", "PORTS")]


def ps(compose: ComposeCli, *, selected: list[str], all: bool, quiet: bool, services: bool, status: list[str],
       filter: list[str], format: str, no_trunc: bool) -> None:
    from nerdpy_compose.listing import ps_json, ps_rows

    from nerdpy.cli.output import print_rows

    del no_trunc  # docker compose's flag, accepted for its scripts; the rows print as the engine makes them
    settings, project, _ = _entered(compose)
    rows = ps_rows(settings, project, tuple(selected), all, tuple(status), tuple(filter))
    if services:
        for name in dict.fromkeys(r["Service"] for r in rows):
            print(name)
        return
    if format == "json" and not quiet:
        text = ps_json(rows)
        if text:
            print(text)
        return
    for line in print_rows(rows, _PS_COLUMNS, None if format == "table" else format, "ID", quiet):
        print(line)


def logs(compose: ComposeCli, *, services: list[str], follow: bool, tail: str, timestamps: bool, no_log_prefix: bool,
         no_color: bool, since: str, index: int) -> None:
    from nerdpy_compose.listing import logs as engine_logs

    settings, project, ui = _entered(compose)
    if no_color:
        ui.colour = False
    engine_logs(settings, project, tuple(services), follow, tail, timestamps, no_log_prefix, since, index, ui)


def exec_(compose: ComposeCli, *, service: str, command: list[str], detach: bool, no_tty: bool, env: list[str],
          user: str, workdir: str, index: int, privileged: bool) -> int:
    from nerdpy_compose.oneoff import exec_ as engine_exec
    from nerdpy_compose.oneoff import isatty

    settings, project, _ = _entered(compose)
    return engine_exec(settings, project, service, tuple(command), index, detach, not no_tty and isatty(),
                       tuple(env), user, workdir, privileged)


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
