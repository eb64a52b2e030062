"""`nerdpy compose`: docker compose's CLI over the compose engine (nerdpy_compose).

Thin by design: each command (flags in nerdpy/cli/table/compose.py) turns its
values into the engine's options records and calls one engine function, which
calls nerdpy.api in-process. This module holds the group's body (its project
flags), the helpers its commands share and the small commands; up, run and exec
have modules of their own (compose_up, compose_run, compose_exec). These are the
only modules that import nerdpy_compose (an import-linter contract says so).
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


def remove_orphans_flag(given: bool) -> bool:
    """--remove-orphans, defaulting to COMPOSE_REMOVE_ORPHANS as docker compose's up, down and kill."""
    from nerdpy_compose.up import env_true

    return given or env_true(os.environ.get("COMPOSE_REMOVE_ORPHANS", ""))


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


def down(compose: ComposeCli, *, volumes: bool, rmi: str, remove_orphans: bool, timeout: int | None) -> int:
    from nerdpy_compose.lifecycle import down as engine_down

    settings, project, ui = _entered(compose)
    return engine_down(settings, project, volumes, remove_orphans_flag(remove_orphans), timeout, rmi, ui)


_PS_COLUMNS = [("Name", "NAME"), ("Image", "IMAGE"), ("Command", "COMMAND"), ("Service", "SERVICE"),
               ("RunningFor", "CREATED"), ("Status", "STATUS"), ("Ports", "PORTS")]


def ps(compose: ComposeCli, *, selected: list[str], all: bool, quiet: bool, services: bool, status: list[str],
       filter: list[str], format: str, no_trunc: bool) -> None:
    from nerdpy_compose.listing import ps_json, ps_rows

    from nerdpy.cli.output import print_rows

    settings, project, _ = _entered(compose)
    rows = ps_rows(settings, project, tuple(selected), all, tuple(status), tuple(filter),
                   no_trunc or format == "json")
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
         no_color: bool, since: str, until: str, index: int) -> None:
    from nerdpy_compose.listing import logs as engine_logs

    settings, project, ui = _entered(compose)
    if no_color:
        ui.colour = False
    engine_logs(settings, project, tuple(services), follow, tail, timestamps, no_log_prefix, since, index, ui,
                until=until)


def create(compose: ComposeCli, *, services: list[str], force_recreate: bool, no_recreate: bool, pull: str,
           quiet_pull: bool) -> None:
    from nerdpy_compose.converge import Plan
    from nerdpy_compose.up import create as engine_create

    settings, project, ui = _entered(compose, tuple(services))
    plan = Plan(force_recreate=force_recreate, no_recreate=no_recreate, selected=tuple(services), quiet_pull=quiet_pull,
                pull=pull, parallel=compose.parallel)
    engine_create(settings, project, tuple(services), plan, ui)


def start(compose: ComposeCli, *, services: list[str]) -> None:
    from nerdpy_compose.up import start as engine_start

    settings, project, ui = _entered(compose)
    engine_start(settings, project, tuple(services), ui)


def stop(compose: ComposeCli, *, services: list[str], timeout: int | None) -> int:
    from nerdpy_compose.lifecycle import stop as engine_stop

    settings, project, ui = _entered(compose)
    return engine_stop(settings, project, tuple(services), timeout, ui)


def restart(compose: ComposeCli, *, services: list[str], timeout: int | None, no_deps: bool) -> int:
    from nerdpy_compose.lifecycle import restart as engine_restart

    settings, project, ui = _entered(compose)
    return engine_restart(settings, project, tuple(services), timeout, no_deps, ui)


def kill(compose: ComposeCli, *, services: list[str], signal: str, remove_orphans: bool) -> int:
    from nerdpy_compose.lifecycle import kill as engine_kill

    settings, project, ui = _entered(compose)
    return engine_kill(settings, project, tuple(services), signal, remove_orphans_flag(remove_orphans), ui)


def pause(compose: ComposeCli, *, services: list[str]) -> int:
    from nerdpy_compose.lifecycle import pause as engine_pause

    settings, project, ui = _entered(compose)
    return engine_pause(settings, project, tuple(services), False, ui)


def unpause(compose: ComposeCli, *, services: list[str]) -> int:
    from nerdpy_compose.lifecycle import pause as engine_pause

    settings, project, ui = _entered(compose)
    return engine_pause(settings, project, tuple(services), True, ui)


def _confirm(question: str) -> bool:
    """click's confirm prompt (`Are you sure? [y/N]: `), asked again until answered;
    end of input aborts as Ctrl-C does (exit 130)."""
    while True:
        print(f"{question} [y/N]: ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            print("Aborted.", file=sys.stderr)
            raise KeyboardInterrupt
        answer = line.strip().lower()
        if answer in ("y", "yes"):
            return True
        if answer in ("", "n", "no"):
            return False
        print("Error: invalid input", file=sys.stderr)


def rm(compose: ComposeCli, *, services: list[str], force: bool, stop: bool, volumes: bool) -> int:
    from nerdpy_compose.lifecycle import rm as engine_rm

    settings, project, ui = _entered(compose)

    def confirm(question: str) -> bool:
        print(question)
        return _confirm("Are you sure?")

    return engine_rm(settings, project, tuple(services), stop, volumes, force, ui, confirm)


def wait(compose: ComposeCli, *, services: list[str], down_project: bool) -> int:
    from nerdpy_compose.lifecycle import wait as engine_wait

    settings, project, ui = _entered(compose)
    return engine_wait(settings, project, tuple(services), down_project, ui)


def top(compose: ComposeCli, *, services: list[str]) -> None:
    from nerdpy_compose.listing import top as engine_top

    from nerdpy.cli.output import align

    settings, project, _ = _entered(compose)
    for name, header, rows in engine_top(settings, project, tuple(services)):
        print(name)
        for line in align([header] + rows, minwidth=0):
            print(line)
        print("")


def port(compose: ComposeCli, *, service: str, private_port: str, protocol: str, index: int) -> None:
    from nerdpy_compose.listing import port as engine_port

    settings, project, _ = _entered(compose)
    print(engine_port(settings, project, service, private_port, protocol, index))


def images(compose: ComposeCli, *, services: list[str], quiet: bool, format: str) -> None:
    from nerdpy_compose.listing import images as engine_images

    from nerdpy.cli.output import print_rows

    settings, project, _ = _entered(compose)
    rows = engine_images(settings, project, tuple(services))
    if quiet:  # each image once, its whole ID (docker compose cmd/compose/images.go)
        for image_id in dict.fromkeys(r["ID"].removeprefix("sha256:") for r in rows):
            print(image_id)
        return
    if format == "json":
        print(_go_json(rows))
        return
    from nerdpy.formatting.human import human_size

    rows = [{**r, "ID": r["ID"].removeprefix("sha256:")[:12], "Size": human_size(r["Size"])} for r in rows]
    columns = [("ContainerName", "CONTAINER"), ("Repository", "REPOSITORY"), ("Tag", "TAG"), ("ID", "IMAGE ID"),
               ("Size", "SIZE")]
    for line in print_rows(rows, columns, None if format == "table" else format, "ID", quiet):
        print(line)


def _go_json(rows: list) -> str:
    """A list as docker compose's formatter prints it: Go's encoder, compact, no HTML escapes."""
    import json

    return json.dumps(rows, separators=(",", ":"), ensure_ascii=False)


def ls(compose: ComposeCli, *, all: bool, quiet: bool, filter: list[str], format: str) -> None:
    from nerdpy_compose.listing import ls as engine_ls

    from nerdpy.cli.output import print_rows

    rows = engine_ls(state.entered(compose.cli), all, tuple(filter))
    if format == "json":
        print(_go_json(rows))
        return
    columns = [("Name", "NAME"), ("Status", "STATUS"), ("ConfigFiles", "CONFIG FILES")]
    for line in print_rows(rows, columns, None if format == "table" else format, "Name", quiet):
        print(line)


def cp(compose: ComposeCli, *, src: str, dest: str, index: int, all: bool, archive: bool, follow_link: bool) -> None:
    from nerdpy_compose.oneoff import CopyRequest
    from nerdpy_compose.oneoff import cp as engine_cp

    settings, project, ui = _entered(compose)
    engine_cp(settings, project, CopyRequest(src, dest, index, all, archive, follow_link), ui)


def pull(compose: ComposeCli, *, services: list[str], ignore_pull_failures: bool, quiet: bool) -> int:
    from nerdpy_compose.oneoff import pull as engine_pull

    settings, project, ui = _entered(compose, tuple(services))
    return engine_pull(settings, project, tuple(services), ignore_pull_failures, quiet, ui)


def push(compose: ComposeCli, *, services: list[str], ignore_push_failures: bool, quiet: bool) -> int:
    from nerdpy_compose.oneoff import push as engine_push

    settings, project, ui = _entered(compose, tuple(services))
    return engine_push(settings, project, tuple(services), ignore_push_failures, quiet, ui)


def version(compose: ComposeCli, *, format: str, short: bool) -> None:
    from nerdpy import __version__

    del compose  # the version needs no project
    if short:
        print(__version__)
    elif format == "json":
        print(f'{{"version":"{__version__}"}}')
    else:
        print(f"nerdpy compose version {__version__}")


def build(compose: ComposeCli, *, services: list[str], no_cache: bool, pull: bool, quiet: bool,
          build_arg: list[str]) -> int:
    from nerdpy_compose.build import build_services

    args: dict[str, str | None] = {}
    for item in build_arg:
        key, eq, value = item.partition("=")
        args[key] = value if eq else None
    settings, project, ui = _entered(compose, tuple(services))
    return build_services(settings, project, tuple(services), ui, no_cache, pull, quiet, args)


def events(compose: ComposeCli, *, services: list[str], json: bool) -> None:
    from nerdpy_compose.events import json_line, stream, text_line

    settings, project, _ = _entered(compose)
    try:
        for event in stream(settings, project.name, tuple(services)):
            sys.stdout.write((json_line(event) if json else text_line(event)) + "\n")
            sys.stdout.flush()
    except (KeyboardInterrupt, BrokenPipeError):
        return
