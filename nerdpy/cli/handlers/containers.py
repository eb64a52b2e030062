"""Bodies of the container commands scripts call most (typer-free, so they take
the fast path): start, stop, restart, kill, rm, wait, pause, unpause, logs,
inspect, the top-level inspect, and exec. The typer commands in container_ops,
container_list and container_exec declare the flags and call these."""

from __future__ import annotations

import sys

from nerdpy.cli.state import CliState, entered

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    from nerdpy.config import Settings


def each(refs: list[str], action: Callable[[str], str], missing_ok: bool = False) -> int:
    """Docker's multi-container commands: print what `action` returns for each
    container, report each failure and go on; exit 1."""
    from nerdpy.cli.each import for_each

    failed = for_each(refs, lambda ref: print(action(ref)), missing_ok)
    return 1 if failed else 0


def start(cli: CliState, *, containers: list[str], attach: bool, interactive: bool, all: bool,
          filter: list[str], detach_keys: str) -> int:
    from nerdpy.api.containers import start as api_start
    from nerdpy.errors import ContainerExit, InvalidArgument

    settings = entered(cli)
    if all or filter:
        return _start_all(settings, containers, attach or interactive, all, filter)
    if not containers:  # the table cannot say it: --all makes the argument optional
        from nerdpy.cli.clickbuild import arity_message, build
        from nerdpy.cli.table.containers import COMMANDS

        print(arity_message("nerdpy start", "at least 1 argument", build(COMMANDS["start"], "start")), file=sys.stderr)
        return 1  # Docker's arity errors exit 1
    if (attach or interactive) and len(containers) > 1:
        raise InvalidArgument("you cannot start and attach multiple containers at once")
    if attach or interactive:
        _, code = api_start(settings, containers[0], True, interactive, sys.stdin.fileno(), sys.stdout.fileno(),
                            sys.stderr.fileno(), detach_keys)
        if code is not None:
            raise ContainerExit(code)
        return 0
    return each(containers, lambda ref: (api_start(settings, ref, False, False, None, 1, 2), ref)[1])


def _start_all(settings: Settings, containers: list[str], attach: bool, all: bool, filter: list[str]) -> int:
    from nerdpy.api.containers import start as api_start
    from nerdpy.api.containers import start_all_selection
    from nerdpy.errors import InvalidArgument

    if not all:
        raise InvalidArgument("--filter is only allowed with --all")
    if containers or attach:
        raise InvalidArgument("--all cannot be combined with container names, --attach or --interactive")
    names = dict(start_all_selection(settings, filter))
    return each(list(names), lambda cid: (api_start(settings, cid, False, False, None, 1, 2), names[cid])[1])


def stop(cli: CliState, *, containers: list[str], time: int | None, signal: str | None) -> int:
    from nerdpy.api.containers import stop as api_stop

    settings = entered(cli)
    return each(containers, lambda ref: (api_stop(settings, ref, time, signal or ""), ref)[1])


def restart(cli: CliState, *, containers: list[str], time: int | None) -> int:
    from nerdpy.api.containers import restart as api_restart

    settings = entered(cli)
    return each(containers, lambda ref: (api_restart(settings, ref, time), ref)[1])


def kill(cli: CliState, *, containers: list[str], signal: str) -> int:
    from nerdpy.api.containers import kill as api_kill

    settings = entered(cli)
    return each(containers, lambda ref: (api_kill(settings, ref, signal), ref)[1])


def rm(cli: CliState, *, containers: list[str], force: bool, volumes: bool) -> int:
    from nerdpy.api.containers import remove

    settings = entered(cli)
    # Docker: rm -f of a missing container is not an error.
    return each(containers, lambda ref: (remove(settings, ref, force, volumes), ref)[1], missing_ok=force)


def wait(cli: CliState, *, containers: list[str]) -> int:
    from nerdpy.api.containers import wait as api_wait

    settings = entered(cli)
    return each(containers, lambda ref: str(api_wait(settings, ref)))


def pause(cli: CliState, *, containers: list[str]) -> int:
    from nerdpy.api.containers import pause as api_pause

    settings = entered(cli)
    return each(containers, lambda ref: (api_pause(settings, ref, False), ref)[1])


def unpause(cli: CliState, *, containers: list[str]) -> int:
    from nerdpy.api.containers import pause as api_pause

    settings = entered(cli)
    return each(containers, lambda ref: (api_pause(settings, ref, True), ref)[1])


def logs(cli: CliState, *, container: str, follow: bool, tail: str, timestamps: bool,
         since: str | None, until: str | None) -> int:
    from nerdpy.api.logs import entries

    settings = entered(cli)
    out, err = sys.stdout.buffer, sys.stderr.buffer
    for entry in entries(settings, container, tail, since or "", until or "", follow):
        stream = err if entry.stream == "stderr" else out
        if timestamps:
            stream.write(entry.time.encode() + b" ")
        stream.write(entry.data)
        stream.flush()
    return 0


def inspect(cli: CliState, *, containers: list[str], format: str | None, size: bool) -> int:
    from nerdpy.api.containers import inspect_many
    from nerdpy.cli.each import inspect_lines

    settings = entered(cli)
    found, errors = inspect_many(settings, containers, size)
    _print_lines(inspect_lines(found, format))
    for message in errors:
        print(f"Error: {message}", file=sys.stderr)
    return 1 if errors else 0


def _inspect_lookups(settings: Any, size: bool) -> dict[str, Any]:
    """Each kind's inspect document by name; NotFound when there is none."""
    from nerdpy.api import images, networks, volumes
    from nerdpy.api.containers import inspect_one

    return {"container": lambda name: inspect_one(settings, name, size),
            "image": lambda name: images.inspect(settings, name),
            "network": lambda name: networks.inspect(settings, name),
            "volume": lambda name: volumes.inspect(settings, [name])[0].inspect()}


def inspect_any(cli: CliState, *, names: list[str], format: str | None, type: str | None,
                size: bool) -> int:
    """Docker's top-level `inspect`: a container by that name first, then an image,
    a network, a volume (or only the `--type` given)."""
    from nerdpy.cli.each import inspect_lines
    from nerdpy.errors import InvalidArgument, NotFound

    kinds = ("container", "image", "network", "volume")
    if type not in (None, *kinds):
        raise InvalidArgument(f'"{type}" is not a valid value for --type',
                              hint="use container, image, network or volume")
    settings = entered(cli)
    lookups = _inspect_lookups(settings, size)
    found, failed = [], False
    for name in names:
        doc = None
        for kind in kinds if type is None else (type,):
            try:
                doc = lookups[kind](name)
                break
            except NotFound:
                continue
        if doc is None:
            print(f"Error: No such {type or 'object'}: {name}", file=sys.stderr)
            failed = True
            continue
        found.append(doc)
    _print_lines(inspect_lines(found, format))
    return 1 if failed else 0


def exec_(cli: CliState, *, container: str, command: list[str], interactive: bool, tty: bool,
          detach: bool, env: list[str] | None, env_file: list[str] | None, workdir: str,
          user: str, privileged: bool, detach_keys: str) -> int:
    from nerdpy.api.containers import ExecOptions, exec_in
    from nerdpy.cli.container_handlers import expand_env, read_env_file
    from nerdpy.errors import ContainerExit, NotATerminal

    if tty and interactive and not sys.stdin.isatty():  # Docker refuses only -it: -t alone reads no input
        raise NotATerminal("the input device is not a TTY", hint="drop -t when stdin is not a terminal")
    settings = entered(cli)
    values: list[str] = []
    for path in env_file or ():
        values += read_env_file(path)
    values += expand_env(list(env or ()))
    opts = ExecOptions(tuple(command), interactive, tty, detach, tuple(values), workdir, user, privileged)
    sys.stdout.flush()
    code = exec_in(settings, container, opts, sys.stdin.fileno() if interactive else None, sys.stdout.fileno(),
                   sys.stderr.fileno(), detach_keys)
    if code:
        raise ContainerExit(code)
    return 0


def _print_lines(lines: list[str]) -> None:
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
