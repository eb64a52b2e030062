"""Bodies of the container group's commands (flags: nerdpy/cli/table/containers.py):
start, stop, restart, kill, rm, wait, pause, unpause, logs, inspect, the top-level
inspect, exec, top, port, attach, rename, prune, cp, export, diff, commit. run and
create are in container_run, ps in container_list, stats in container_stats,
update in container_update."""

from __future__ import annotations

import sys

from nerdpy.cli.state import CliState, entered

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, List, Optional

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

    if not containers and not (all or filter):  # the table cannot say it: --all makes the argument optional
        from nerdpy.cli.clickbuild import arity_message, build
        from nerdpy.cli.table.containers import COMMANDS

        print(arity_message("nerdpy start", "at least 1 argument", build(COMMANDS["start"], "start")), file=sys.stderr)
        return 1  # Docker's arity errors exit 1; checked before joining the namespace
    settings = entered(cli)
    if all or filter:
        return _start_all(settings, containers, attach or interactive, all, filter)
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
         since: str | None, until: str | None, details: bool) -> int:
    from nerdpy.api.log_reader import format_time_fixed
    from nerdpy.api.logs import details_prefix, entries

    settings = entered(cli)
    out, err = sys.stdout.buffer, sys.stderr.buffer
    for entry in entries(settings, container, tail, since or "", until or "", follow):
        stream = err if entry.stream == "stderr" else out
        if timestamps:
            stream.write(format_time_fixed(entry.ns).encode() + b" ")
        if details:
            stream.write(details_prefix(entry))
        stream.write(entry.data)
        stream.flush()
    return 0


def inspect(cli: CliState, *, containers: list[str], format: str | None, size: bool) -> int:
    from nerdpy.api.containers import inspect_many
    from nerdpy.cli.each import inspect_lines
    from nerdpy.cli.output import check_usage_template

    check_usage_template(format)
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
    from nerdpy.cli.output import check_usage_template
    from nerdpy.errors import ClientRefused, NotFound

    check_usage_template(format)
    kinds = ("container", "image", "network", "volume")
    if type not in (None, *kinds):  # docker/cli's words (and its exit 1), naming the types nerdpy has
        raise ClientRefused(f'unknown type: "{type}": must be one of ' + ", ".join(f'"{k}"' for k in kinds))
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
    from nerdpy.cli.container_run import expand_env, read_env_file
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


def top(cli: CliState, *, container: str, ps_args: List[str]) -> None:
    from nerdpy.api.containers import top as api_top

    header, rows = api_top(entered(cli), container, tuple(ps_args))
    from nerdpy.cli.output import align

    for line in align([header] + rows, minwidth=20):  # docker top's tabwriter
        print(line)


def port(cli: CliState, *, container: str, private_port: Optional[str]) -> None:
    from nerdpy.api.containers import ports

    lines = ports(entered(cli), container, private_port or "")
    for line in lines:
        print(line)


def attach(cli: CliState, *, container: str, no_stdin: bool, sig_proxy: bool, detach_keys: str) -> None:
    from nerdpy.api.containers import attach_to, get
    from nerdpy.errors import ContainerExit, NotATerminal

    settings = entered(cli)
    record, _ = get(settings, container)
    if not no_stdin and record.cfg.get("Tty") and not sys.stdin.isatty():  # Docker's check, exit 1
        raise NotATerminal("the input device is not a TTY", hint="use --no-stdin when stdin is not a terminal")
    stdin = None if no_stdin or not record.cfg.get("OpenStdin") else sys.stdin.fileno()
    code = attach_to(settings, container, stdin, sys.stdout.fileno(), sys.stderr.fileno(), sig_proxy, detach_keys)
    if code is not None:
        raise ContainerExit(code)


def rename(cli: CliState, *, container: str, new_name: str) -> None:
    from nerdpy.api.containers import rename as api_rename

    api_rename(entered(cli), container, new_name)


def prune(cli: CliState, *, force: bool, filter: List[str]) -> None:
    from nerdpy.api.containers import prune as prune_containers
    from nerdpy.api.prune_filters import parse_prune_filters

    settings = entered(cli)
    parse_prune_filters(list(filter), "container prune")  # bad filters fail before the prompt
    if not force:
        print("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ",
              end="", flush=True)
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            return
    removed = prune_containers(settings, tuple(filter))
    if removed:
        print("Deleted Containers:")
        for cid in removed:
            print(cid)
        print("")
    print("Total reclaimed space: 0B")


def cp(cli: CliState, *, src: str, dest: str, archive: bool, follow_link: bool, quiet: bool) -> None:
    from nerdpy.api.containers import check_copy, copy

    del quiet  # Docker's progress line is for terminals only; nerdpy prints none, so nothing to quiet
    check_copy(src, dest)
    settings = entered(cli)
    copy(settings, src, dest, stdin=sys.stdin.buffer, stdout=sys.stdout.buffer, follow_link=follow_link,
         archive=archive)
    sys.stdout.flush()


def export(cli: CliState, *, container: str, output: Optional[str]) -> None:
    import os

    from nerdpy.api.changes import export as do_export
    from nerdpy.errors import InvalidArgument

    settings = entered(cli)
    if output is None:
        if sys.stdout.isatty():
            raise InvalidArgument("cowardly refusing to save to a terminal", hint="use -o or redirect stdout")
        do_export(settings, container, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    tmp = f"{output}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as handle:
            do_export(settings, container, handle)
        os.replace(tmp, output)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def diff(cli: CliState, *, container: str) -> None:
    from nerdpy.api.changes import diff as do_diff

    for kind, path in do_diff(entered(cli), container):
        print(f"{kind} {path}")


def commit(
    cli: CliState, *, container: str,
    repository: Optional[str],
    author: str,
    change: List[str],
    message: str,
    pause: bool,
) -> None:
    from nerdpy.api.changes import commit as do_commit

    image = do_commit(entered(cli), container, repository, list(change), message, author, pause=pause)
    print(image.id)
