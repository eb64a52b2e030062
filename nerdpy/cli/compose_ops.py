"""`nerdpy compose` lifecycle and inspection commands (create, start, stop,
restart, kill, pause, unpause, rm, wait, top, port, images, ls, cp, pull, push,
version, build, events): the same thin shape as nerdpy.cli.compose."""

from __future__ import annotations

import sys

from nerdpy.cli import state
from nerdpy.cli.compose import ComposeCli, _entered


def create(compose: ComposeCli, *, services: list[str], force_recreate: bool, no_recreate: bool, pull: str) -> None:
    from nerdpy_compose.converge import Plan
    from nerdpy_compose.up import create as engine_create

    settings, project, ui = _entered(compose, tuple(services))
    plan = Plan(force_recreate, no_recreate, pull=pull, parallel=compose.parallel)
    engine_create(settings, project, tuple(services), plan, ui)


def start(compose: ComposeCli, *, services: list[str]) -> None:
    from nerdpy_compose.up import start as engine_start

    settings, project, ui = _entered(compose)
    engine_start(settings, project, tuple(services), ui)


def stop(compose: ComposeCli, *, services: list[str], timeout: int | None) -> int:
    from nerdpy_compose.lifecycle import stop as engine_stop

    settings, project, ui = _entered(compose)
    return engine_stop(settings, project, tuple(services), timeout, ui)


def restart(compose: ComposeCli, *, services: list[str], timeout: int | None) -> int:
    from nerdpy_compose.lifecycle import restart as engine_restart

    settings, project, ui = _entered(compose)
    return engine_restart(settings, project, tuple(services), timeout, ui)


def kill(compose: ComposeCli, *, services: list[str], signal: str, remove_orphans: bool) -> int:
    from nerdpy_compose.lifecycle import kill as engine_kill

    settings, project, ui = _entered(compose)
    return engine_kill(settings, project, tuple(services), signal, remove_orphans, ui)


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

    def confirm(found: list) -> bool:
        print("Going to remove " + ", ".join(m.name for m in found))
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
        for line in align([header] + rows):
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
    if format == "json":
        import json

        print(json.dumps(rows))
        return
    from nerdpy.formatting.human import human_size

    rows = [{**r, "Size": human_size(r["Size"])} for r in rows]
    columns = [("ContainerName", "CONTAINER"), ("Repository", "REPOSITORY"), ("Tag", "TAG"), ("ID", "IMAGE ID"),
               ("Size", "SIZE")]
    for line in print_rows(rows, columns, None if format == "table" else format, "ID", quiet):
        print(line)


def ls(compose: ComposeCli, *, all: bool, quiet: bool, filter: list[str], format: str) -> None:
    from nerdpy_compose.listing import ls as engine_ls

    from nerdpy.cli.output import print_rows

    rows = engine_ls(state.entered(compose.cli), all, tuple(filter))
    if format == "json":
        import json

        print(json.dumps(rows))
        return
    columns = [("Name", "NAME"), ("Status", "STATUS"), ("ConfigFiles", "CONFIG FILES")]
    for line in print_rows(rows, columns, None if format == "table" else format, "Name", quiet):
        print(line)


def cp(compose: ComposeCli, *, src: str, dest: str, index: int) -> None:
    from nerdpy_compose.oneoff import cp as engine_cp

    settings, project, _ = _entered(compose)
    engine_cp(settings, project, src, dest, index)


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
