"""The containers API: what the CLI (and compose) call. Use cases return values
and write only to the fds they are given."""

from __future__ import annotations

from nerdpy.config import Settings, fault_point
from nerdpy.containers import Container, CreateOptions, State
from nerdpy.containers.execute import ExecOptions  # noqa: F401 - re-exported: the CLI builds it

# Container, CreateOptions, ExecOptions and State are the records the CLI builds or
# reads: it reaches nerdpy.containers only through this module.
from nerdpy.errors import InvalidArgument, NotFound, NotRunning
from nerdpy.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


@record(frozen=False)
class RunResult:
    container: Container
    exit_code: int | None = None  # None: detached (or the user detached)
    warnings: list[str] = field(default_factory=list)


def _store(settings: Settings) -> Any:
    from nerdpy.containers.store import ContainerStore

    return ContainerStore(settings)


def create(settings: Settings, opts: CreateOptions, notice: Callable[[str], None] | None = None,
           container_id: str = "", progress: Callable[[Any], None] | None = None) -> Container:
    """`notice` gets Docker's lines around an implicit pull, `progress` its per-layer events."""
    from nerdpy.containers.create import create as _create

    return _create(settings, opts, notice, container_id, progress)


def run(settings: Settings, opts: CreateOptions, detach: bool, stdin_fd: int | None, stdout_fd: int,
        stderr_fd: int, sig_proxy: bool = True, on_created: Callable[[Container], None] | None = None,
        quiet: bool = False, pull_progress: Callable[[Any], None] | None = None,
        detach_keys: str = "") -> RunResult:
    """`quiet`: no pull lines before an implicit pull (`run -q`); `pull_progress` shows its layers;
    `detach_keys`: `--detach-keys` (else config.json's detachKeys)."""
    from nerdpy.containers.start import spawn_shim
    from nerdpy.containers.start import start as _start
    from nerdpy.containers.store import new_id

    keys = None if detach else _detach_keys(settings, detach_keys)  # bad keys fail before anything is made
    # The shim's interpreter boots (~20 ms) while we find the image and build the bundle.
    cid = new_id()
    shim = spawn_shim(_store(settings), cid)
    fault_point(settings, "run:shim-spawned")
    try:
        container = create(settings, opts, notice=lambda line: _notice(stderr_fd, line, quiet),
                           container_id=cid, progress=None if quiet else pull_progress)
        if on_created is not None:
            on_created(container)
    except BaseException:
        from nerdpy.containers.foreground import discard_shim

        discard_shim(settings, shim, cid)
        raise
    try:
        started = _start(settings, container, wait_attach=not detach,
                         console_size=_terminal_size(stdin_fd) if opts.tty and not detach else None, shim=shim)
    except BaseException as exc:
        from nerdpy.containers.foreground import undo_failed_start

        undo_failed_start(settings, container, exc)
        raise
    if detach:
        return RunResult(container, None, started.warnings)
    from nerdpy.containers.foreground import foreground

    code = foreground(settings, container, started, stdin_fd if opts.interactive else None, stdout_fd, stderr_fd,
                      sig_proxy and not opts.tty, keys)
    return RunResult(container, code, started.warnings)


def _notice(fd: int, line: str, quiet: bool) -> None:
    """Pull lines unless `quiet` (run -q); warnings always, as Docker's."""
    if not quiet or line.startswith("WARNING: "):
        _write_line(fd, line)


def _write_line(fd: int, line: str) -> None:
    import os

    os.write(fd, (line + "\n").encode())


def _terminal_size(fd: int | None) -> tuple[int, int] | None:
    import os

    if fd is None or not os.isatty(fd):
        return None
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return None
    return size.lines, size.columns


def _detach_keys(settings: Settings, flag: str) -> bytes:
    from nerdpy.containers.attach import resolve_detach_keys

    return resolve_detach_keys(flag, settings.docker_config_dir)


def start(settings: Settings, ref: str, attach: bool, interactive: bool, stdin_fd: int | None, stdout_fd: int,
          stderr_fd: int, detach_keys: str = "") -> tuple[Container, int | None]:
    from nerdpy.containers.start import start as _start

    container = _store(settings).get(ref)
    if not attach:
        _start(settings, container)
        return container, None
    from nerdpy.containers.foreground import foreground

    keys = _detach_keys(settings, detach_keys)
    started = _start(settings, container, wait_attach=True)
    if started.shim is None:  # already running: just attach
        return container, attach_to(settings, container.id, stdin_fd if interactive else None, stdout_fd, stderr_fd,
                                    detach_keys=detach_keys)
    code = foreground(settings, container, started, stdin_fd if interactive else None, stdout_fd, stderr_fd,
                      not container.cfg.get("Tty"), keys)
    return container, code


def start_all_selection(settings: Settings, filters: list[str]) -> list[tuple[str, str]]:
    """(id, name) of the stopped containers `start --all --filter ...` starts."""
    from nerdpy.containers.boot import parse_filters, select

    wanted = parse_filters(filters)
    return [(c.id, c.name) for c in select(_store(settings), wanted)]


def attach_to(settings: Settings, ref: str, stdin_fd: int | None, stdout_fd: int, stderr_fd: int,
              sig_proxy: bool = True, detach_keys: str = "") -> int | None:
    from nerdpy.containers.attach import Relay, SignalProxy, TerminalMode
    from nerdpy.containers.foreground import forwarder
    from nerdpy.shim.client import connect_attach

    keys = _detach_keys(settings, detach_keys)
    store = _store(settings)
    container = store.get(ref)
    if store.state(container.id).status != "running":
        raise NotRunning("You cannot attach to a stopped container, start it first")  # docker/cli's words
    tty = bool(container.cfg.get("Tty"))
    try:
        conn = connect_attach(str(store.shim_dir(container.id)), stdin_fd is not None, True, True)
    except OSError as exc:
        raise NotFound(f"cannot attach to {container.name}: {exc.strerror}") from None
    try:
        with TerminalMode(stdin_fd if tty else None, conn.resize), \
                SignalProxy(forwarder(settings, container), sig_proxy and not tty):
            code = Relay(conn, stdin_fd, stdout_fd, stderr_fd, tty, stdin_once=False, detach_keys=keys).run()
    finally:
        conn.close()
    return code


def stop(settings: Settings, ref: str, timeout: int | None, signal: str = "") -> Container:
    from nerdpy.containers.lifecycle import stop as _stop

    container = _store(settings).get(ref)
    _stop(settings, container, timeout, signal)
    return container


def restart(settings: Settings, ref: str, timeout: int | None) -> Container:
    from nerdpy.containers.lifecycle import stop as _stop
    from nerdpy.containers.remove import cleanup_after_exit
    from nerdpy.containers.start import start as _start

    container = _store(settings).get(ref)
    _stop(settings, container, timeout)
    cleanup_after_exit(settings, container.id)
    _start(settings, container)
    return container


def kill(settings: Settings, ref: str, signal: str) -> Container:
    from nerdpy.containers.lifecycle import kill as _kill

    container = _store(settings).get(ref)
    try:
        _kill(settings, container, signal)
    except NotRunning as exc:  # moby's router wraps the daemon's words with the name given
        raise NotRunning(f"cannot kill container: {ref}: {exc}") from None
    return container


def remove(settings: Settings, ref: str, force: bool, volumes: bool) -> str:
    from nerdpy.containers.remove import remove as _remove

    return _remove(settings, ref, force, volumes)


def wait(settings: Settings, ref: str) -> int:
    from nerdpy.containers.lifecycle import wait_exit

    store = _store(settings)
    container = store.get(ref)
    state = wait_exit(store, container.id, None)
    return state.exit_code


def pause(settings: Settings, ref: str, resume: bool) -> Container:
    from nerdpy.containers.lifecycle import pause as _pause

    container = _store(settings).get(ref)
    _pause(settings, container, resume)
    return container


def rename(settings: Settings, ref: str, new_name: str) -> None:
    from nerdpy.containers.names import validate_name

    store = _store(settings)
    container = store.get(ref)  # Docker names a missing container before a bad new name
    new_name = validate_name(new_name)
    if new_name == container.name:  # Docker's refusal; it "succeeded" with a rename event
        raise InvalidArgument("Renaming a container with the same name as its current name")
    store.rename(container.id, new_name)
    from nerdpy.containers import event

    event(settings, store.get(container.id), "rename", oldName="/" + container.name)


def get(settings: Settings, ref: str) -> tuple[Container, State]:
    store = _store(settings)
    container = store.get(ref)
    return container, store.state(container.id)


def log_path(settings: Settings, ref: str) -> tuple[Container, str]:
    store = _store(settings)
    container = store.get(ref)
    log = container.host_config.get("LogConfig") or {}
    if log.get("Type") == "none":
        raise InvalidArgument('configured logging driver does not support reading: "none"')
    return container, str(store.log_path(container.id))


def is_running(settings: Settings, container_id: str) -> bool:
    return _store(settings).state(container_id).running


def inspect_many(settings: Settings, refs: list[str], size: bool = False) -> tuple[list[dict[str, Any]], list[str]]:
    found, errors = [], []
    for ref in refs:
        try:
            found.append(inspect_one(settings, ref, size))
        except NotFound as exc:
            errors.append(exc.message)
    return found, errors


def ports(settings: Settings, ref: str, private: str) -> list[str]:
    from nerdpy.containers.portlist import port_lines
    from nerdpy.network import published_ports

    store = _store(settings)
    container = store.get(ref)
    lines = port_lines(published_ports(settings, container.id), private)
    if private and not lines:
        key = private if "/" in private else private + "/tcp"
        raise NotFound(f"No public port '{key}' published for {container.name}")
    return lines


def list_rows(settings: Settings, show_all: bool, last: int, filters: tuple[str, ...], no_trunc: bool,
              size: bool = False) -> list[dict[str, Any]]:
    from nerdpy.containers.listing import list_rows as rows

    return rows(settings, _store(settings), show_all, last, filters, no_trunc, size)


def inspect_one(settings: Settings, ref: str, size: bool = False) -> dict[str, Any]:
    """Docker's inspect document; `size`: with SizeRw (the writable layer) and
    SizeRootFs (that plus the image), as `inspect --size`."""
    from nerdpy.containers.inspect import inspect_container

    store = _store(settings)
    doc = inspect_container(settings, store, ref)
    if size:
        from nerdpy.containers.listing import sizes

        own, image = sizes(settings, store.get(doc["Id"]))
        doc["SizeRw"], doc["SizeRootFs"] = own, own + image
    return doc


def top(settings: Settings, ref: str, ps_args: tuple[str, ...] = ()) -> tuple[list[str], list[list[str]]]:
    """UID PID PPID C STIME TTY TIME CMD, like `docker top` (read from /proc); with
    `ps_args`, the host's `ps` with those options, cut to the container's processes."""
    from nerdpy.containers.processes import container_pids, describe, run_ps

    store = _store(settings)
    container = store.get(ref)
    state = store.state(container.id)
    if not state.running or not state.pid:
        raise NotRunning(f"container {container.id} is not running")
    pids = container_pids(state.pid)
    return run_ps(ps_args, pids) if ps_args else describe(pids)


def exec_in(settings: Settings, ref: str, opts: Any, stdin_fd: int | None, stdout_fd: int, stderr_fd: int,
            detach_keys: str = "") -> int | None:
    """Run `opts.command` in the container; returns its exit code (0 with -d), None
    when the user detached (`-it`: `detach_keys`, else config.json's detachKeys)."""
    from nerdpy.containers import event
    from nerdpy.containers.execute import run_exec

    keys = _detach_keys(settings, detach_keys)  # bad keys fail before anything runs
    container = _store(settings).get(ref)
    # Docker's wording: the action carries the command ("exec_start: sh -c true").
    on_start = lambda: event(settings, container, "exec_start: " + " ".join(opts.command))  # noqa: E731
    return run_exec(settings, container, opts, stdin_fd, stdout_fd, stderr_fd, on_start=on_start, detach_keys=keys)


def check_copy(src: str, dest: str) -> None:
    """`cp`'s own argument check (exactly one side is CONTAINER:PATH): no store needed."""
    from nerdpy.containers.copy import container_side

    container_side(src, dest)


def copy(settings: Settings, src: str, dest: str, stdin: Any = None, stdout: Any = None, follow_link: bool = False,
         archive: bool = False) -> None:
    """`cp`: exactly one of src/dest is CONTAINER:PATH; "-" is a tar stream.
    `follow_link`: a symlink SRC_PATH is followed; `archive`: uid/gid are kept."""
    from nerdpy.containers.copy import copy as do_copy

    do_copy(settings, _store(settings), src, dest, stdin, stdout, follow_link, archive)


def prune(settings: Settings, filters: tuple[str, ...] = ()) -> list[str]:
    """Remove every stopped container matching `filters` (Docker's until=, label=,
    label!=); the removed ids."""
    from nerdpy.api.prune_filters import parse_prune_filters
    from nerdpy.containers.remove import prune_stopped

    wanted = parse_prune_filters(filters, "container prune")
    store = _store(settings)
    stopped = [c.id for c in store.list() if store.state(c.id).status in ("exited", "created", "dead")
               and wanted.selects(c.created, c.cfg.get("Labels") or {})]
    removed = prune_stopped(settings, stopped)
    from nerdpy.containers.initlayer import remove_orphans
    from nerdpy.containers.remove import reclaim_orphan_shim_dirs

    remove_orphans(settings)  # layers of containers whose cleanup was cut short
    reclaim_orphan_shim_dirs(settings, _store(settings))  # shims of a `run` killed before its record
    return removed


def healthcheck_run(settings: Settings, ref: str) -> dict[str, Any]:
    """Run the container's healthcheck once now (podman's `healthcheck run`); the
    probe's result `{Start, End, ExitCode, Output}`; the health state is updated."""
    from nerdpy.containers.health import run_once

    store = _store(settings)
    return run_once(settings, store, store.get(ref))


def health(settings: Settings, ref: str) -> dict[str, Any] | None:
    """Docker's `State.Health` ({Status, FailingStreak, Log}) or None without a started healthcheck."""
    from nerdpy.containers.health import read_health

    store = _store(settings)
    container = store.get(ref)
    return read_health(store.dir(container.id)) if container.cfg.get("Healthcheck") else None


def update(settings: Settings, ref: str, **changes: Any) -> Container:
    """`update`: restart policy and limits, `nerdpy.containers.update.UpdateOptions`'
    fields ("" / 0: unchanged)."""
    from nerdpy.containers.update import UpdateOptions
    from nerdpy.containers.update import update as _update

    container = _store(settings).get(ref)
    _update(settings, container, UpdateOptions(**changes))
    return container
