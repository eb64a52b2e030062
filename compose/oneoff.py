"""`run`, `exec`, `cp`, `pull`, `push`: commands on one service's container or
image, calling nerdpy's API in-process."""

from __future__ import annotations

import os
import shlex
import secrets as _random

from nerdpy_compose import order, resources
from nerdpy_compose import secrets as secret_mounts
from nerdpy_compose.converge import Converger, Plan, wait_condition
from nerdpy_compose.errors import EXIT_PULL_FAILED
from nerdpy_compose.convert import command_line, create_options
from nerdpy_compose.lock import ProjectLock
from nerdpy_compose.members import members

from nerdpy.api import containers as api
from nerdpy.api.errors import InvalidArgument, NerdpyError, NotFound
from nerdpy.api.types import ExecOptions, field, record, replace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from nerdpy_compose.normalize import Project
    from nerdpy_compose.ui import Ui

    from nerdpy.api.types import Settings


@record
class RunRequest:
    service: str
    command: tuple[str, ...] = ()
    detach: bool = False
    remove: bool = False
    name: str = ""
    entrypoint: str | None = None
    env: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    publish: tuple[str, ...] = ()
    service_ports: bool = False
    volumes: tuple[str, ...] = ()
    user: str = ""
    workdir: str = ""
    no_deps: bool = False
    tty: bool = True
    interactive: bool = True
    use_aliases: bool = False
    cap_add: tuple[str, ...] = field(default_factory=tuple)
    cap_drop: tuple[str, ...] = field(default_factory=tuple)


def run(settings: Settings, project: Project, req: RunRequest, ui: Ui) -> int:
    if req.service not in project.services:
        raise InvalidArgument(f"no such service: {req.service}")
    names = order.select(project, (req.service,), True)
    deps = [n for n in names if n != req.service] if not req.no_deps else []
    with ProjectLock(settings, project.name):
        resources.ensure(settings, project, names, ui)
        if deps:
            Converger(settings, project, Plan(), ui).run(deps)
    for dep in deps if not req.no_deps else ():
        if dep in order.deps(project, req.service):
            spec = (project.services[req.service].get("depends_on") or {}).get(dep, {"condition": "service_started"})
            wait_condition(settings, project, dep, spec["condition"], ui)
    slug = _random.token_hex(32)
    conv = Converger(settings, project, Plan(), ui)
    opts = create_options(project, req.service, 0, oneoff=True,
                          container_name=req.name or f"{project.name}-{req.service}-run-{slug[:12]}",
                          container_names=conv.container_name,
                          extra_mounts=secret_mounts.mounts(settings, project, req.service, ui.warn), warn=ui.warn)
    svc = project.services[req.service]
    changes: dict[str, object] = {
        "labels": (*opts.labels, f"com.docker.compose.slug={slug}", *req.labels),
        "publish": (*(opts_publish(svc) if req.service_ports else ()), *req.publish),
        "env": (*opts.env, *given_env(project, req.env)), "volumes": tuple(req.volumes), "auto_remove": req.remove,
        "tty": req.tty and not req.detach, "interactive": req.interactive and not req.detach,
        "network_aliases": opts.network_aliases if req.use_aliases else (),
        "endpoint_aliases": opts.endpoint_aliases if req.use_aliases else (),
        "cap_add": (*opts.cap_add, *req.cap_add), "cap_drop": (*opts.cap_drop, *req.cap_drop),
    }
    if req.entrypoint is not None:
        # docker compose splits --entrypoint as a shell would, and drops the service's command.
        changes["entrypoint"], changes["command"] = command_line(_words(req.entrypoint), req.command)
    elif req.command:
        changes["entrypoint"], changes["command"] = command_line(svc.get("entrypoint"), req.command)
    if req.user:
        changes["user"] = req.user
    if req.workdir:
        changes["workdir"] = req.workdir
    opts = replace(opts, **changes)
    stdin = 0 if opts.interactive else None
    result = api.run(settings, opts, req.detach, stdin, ui.out_fd, ui.err_fd)
    if req.detach:
        ui.out(result.container.name)
        return 0
    return result.exit_code or 0


def given_env(project: Project, env: tuple[str, ...]) -> tuple[str, ...]:
    """-e KEY=VALUE as given; a bare -e KEY takes the project environment's value
    (the shell's, then .env's), and is dropped without one, as docker compose does."""
    out = []
    for item in env:
        if "=" in item:
            out.append(item)
        elif item in project.environment:
            out.append(f"{item}={project.environment[item]}")
    return tuple(out)


def _words(entrypoint: str) -> list[str]:
    try:
        return shlex.split(entrypoint)
    except ValueError as e:
        raise InvalidArgument(f"invalid --entrypoint {entrypoint!r}: {e}") from None


def opts_publish(svc: dict[str, object]) -> tuple[str, ...]:
    from nerdpy_compose.convert import _publish

    return _publish(svc)


def _container(settings: Settings, project: Project, service: str, index: int) -> str:
    """As docker compose's getSpecifiedContainer: a running container of the service
    (one outside the active profiles too), #index or the first by number, one-offs last."""
    if service not in project.services and service not in project.disabled:
        raise InvalidArgument(f"no such service: {service}")
    found = [m for m in members(settings, project.name, (service,), oneoff=None, include_stopped=False)
             if index <= 0 or m.number == index]
    if not found:
        raise NotFound(f'service "{service}" is not running' + (f" container #{index}" if index > 0 else ""))
    return min(found, key=lambda m: (m.oneoff, m.number)).id


def exec_(settings: Settings, project: Project, service: str, command: tuple[str, ...], index: int, detach: bool,
          tty: bool, env: tuple[str, ...], user: str, workdir: str, privileged: bool) -> int:
    if not command:
        raise InvalidArgument("exec needs a command")
    cid = _container(settings, project, service, index)
    opts = ExecOptions(command=command, interactive=not detach, tty=tty and not detach, detach=detach,
                       env=given_env(project, env),
                       workdir=workdir, user=user, privileged=privileged)
    return api.exec_in(settings, cid, opts, None if detach else 0, 1, 2) or 0  # None: the user detached


def _cp_arg(arg: str) -> tuple[str, str]:
    """(service, path) of `SERVICE:PATH`; ("", arg) for a local path."""
    service, colon, path = arg.partition(":")
    if not colon or arg.startswith(("/", ".")) or "/" in service:
        return "", arg
    return service, path


@record
class CopyRequest:
    """`compose cp`'s arguments and flags."""

    src: str
    dest: str
    index: int = 0
    all: bool = False  # --all: one-off (run) containers too
    archive: bool = False  # -a: uid/gid kept
    follow_link: bool = False  # -L


def cp(settings: Settings, project: Project, req: CopyRequest, ui: Ui) -> None:
    """As docker compose's copy: into every container of the service (its replicas,
    stopped ones too, --all: its one-offs) or #index only; out of its first one.
    Each says Copying, Copied."""
    src, dest, index = req.src, req.dest, req.index
    (src_service, src_path), (dest_service, dest_path) = _cp_arg(src), _cp_arg(dest)
    if src_service and dest_service:
        raise InvalidArgument("copying between services is not supported")
    if not (src_service or dest_service):
        raise InvalidArgument("unknown copy direction", hint="name a container path as SERVICE:PATH")
    service = src_service or dest_service
    found = [m for m in members(settings, project.name, (service,), oneoff=None if req.all and index <= 0 else False)
             if index <= 0 or m.number == index]
    if not found:
        raise NotFound(f'service "{service}" is not running container #{index}' if index > 0
                       else f'no container found for service "{service}"')
    for m in found[:1] if src_service else found:
        detail = f"{m.name}:{src_path} to {dest}" if src_service else f"{src} to {m.name}:{dest_path}"
        ui.event("", m.name, "Copying", detail)
        api.copy(settings, f"{m.id}:{src_path}" if src_service else src, dest if src_service else f"{m.id}:{dest_path}",
                 follow_link=req.follow_link, archive=req.archive)
        ui.event("", m.name, "Copied", detail)


def pull(settings: Settings, project: Project, services: tuple[str, ...], ignore_failures: bool, quiet: bool,
         ui: Ui) -> int:
    from nerdpy.api import registry

    # As pkg/compose/pull.go: a service that can be built fails softly (a warning, then
    # the hint to build it); one without an image is skipped.
    selected = order.select(project, services, False)
    buildable = [n for n in selected if project.services[n].get("build") and project.services[n].get("image")]
    if not quiet:
        for name in selected:
            if not project.services[name].get("image"):
                ui.event("", name, "Skipped - No image to be pulled")
    must_build: list[str] = []

    def pull_one(image: str) -> bool:
        try:
            registry.pull(settings, image)
        except NerdpyError as exc:
            names = [n for n in buildable if project.services[n]["image"] == image]
            if not names:
                raise
            if not quiet:
                ui.event("", names[0], f"Warning {exc.message}")
            must_build.extend(names)
            return False
        return True

    code = _each_image(project, services, ignore_failures, quiet, ui, ("Pulling", "Pulled"), pull_one,
                       skip_policies=("never", "build"), failed=EXIT_PULL_FAILED)
    if must_build and not quiet:
        ui.err("WARNING: Some service image(s) must be built from source by running:\n"
               f"    nerdpy compose build {' '.join(must_build)}")
    return code


def push(settings: Settings, project: Project, services: tuple[str, ...], ignore_failures: bool, quiet: bool,
         ui: Ui) -> int:
    from nerdpy.api import registry

    # Only images compose builds and names are pushed (pkg/compose/push.go): a service
    # without build or image is skipped, not pushed to its image's registry.
    unbuilt = [n for n in order.select(project, services, False)
               if not (project.services[n].get("build") and project.services[n].get("image"))]
    if not quiet:
        for name in unbuilt:
            ui.event("", name, "Skipped")
    pushed = tuple(n for n in order.select(project, services, False) if n not in unbuilt)
    if not pushed:
        return 0
    return _each_image(project, pushed, ignore_failures, quiet, ui, ("Pushing", "Pushed"),
                       lambda image: registry.push(settings, image))


def _each_image(project: Project, services: tuple[str, ...], ignore_failures: bool, quiet: bool, ui: Ui,
                words: tuple[str, str], act: Callable[[str], object], skip_policies: tuple[str, ...] = (),
                failed: int = 1) -> int:
    for name in order.select(project, services, False):
        image = project.services[name].get("image")
        if not image or project.services[name].get("pull_policy") in skip_policies:
            continue
        if not quiet:
            ui.event("Image", image, words[0])
        try:
            done = act(image)
        except NerdpyError as exc:
            ui.err(f"Error: {name}: {exc.message}")
            if not ignore_failures:
                return failed
            continue
        if not quiet and done is not False:  # False: act reported it otherwise
            ui.event("Image", image, words[1])
    return 0


def isatty() -> bool:
    return os.isatty(0) and os.isatty(1)
