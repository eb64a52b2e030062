"""`down`, `stop`, `restart`, `kill`, `pause`, `unpause`, `rm`, `wait`: on the
project's containers (found by label), dependents before their dependencies."""

from __future__ import annotations

from nerdpy_compose import order, resources, secrets
from nerdpy_compose.converge import wait_condition
from nerdpy_compose.lock import ProjectLock
from nerdpy_compose.members import Member, members

from nerdpy.api import containers as api
from nerdpy.api.errors import InvalidArgument, NerdpyError, NotFound

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from nerdpy_compose.normalize import Project
    from nerdpy_compose.ui import Ui

    from nerdpy.api.types import Settings


def _ordered(settings: Settings, project: Project, services: tuple[str, ...], oneoff: bool | None = False) -> list[Member]:
    """Containers of `services` (all if empty), dependents first; unknown services (orphans) last."""
    for name in services:
        if name not in project.services:
            raise InvalidArgument(f"no such service: {name}")
    found = members(settings, project.name, services, oneoff=oneoff)
    rank = {n: i for i, n in enumerate(order.dependents_first(project, list(project.services)))}
    return sorted(found, key=lambda m: (rank.get(m.service, -1), m.number))


def _parallel(project: Project, ui: Ui, found: list[Member], doing: str, done: str,
              act: Callable[[Member], object]) -> int:
    """`act` on every container, services in parallel threads, each service only
    after the services that depend on it (stop order is the reverse of start)."""
    import threading

    by_service: dict[str, list[Member]] = {}
    for m in found:
        by_service.setdefault(m.service, []).append(m)
    finished = {name: threading.Event() for name in by_service}
    codes: list[int] = []

    def work(service: str) -> None:
        try:
            for other in by_service:
                if other in project.services and service in order.deps(project, other):
                    finished[other].wait()
            codes.append(_each(ui, by_service[service], doing, done, act))
        finally:
            finished[service].set()

    threads = [threading.Thread(target=work, args=(s,)) for s in by_service]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return max(codes, default=0)


def _each(ui: Ui, found: list[Member], doing: str, done: str, act: Callable[[Member], object]) -> int:
    """`act` on the containers all at once, as docker compose does: a replica that
    takes its grace period to stop holds up no other."""
    import threading

    failures: list[Member] = []

    def one(m: Member) -> None:
        ui.event("Container", m.name, doing)
        try:
            act(m)
        except NerdpyError as exc:
            ui.err(f"Error: {m.name}: {exc.message}")
            failures.append(m)
            return
        ui.event("Container", m.name, done)

    threads = [threading.Thread(target=one, args=(m,)) for m in found]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return 1 if failures else 0


def down(settings: Settings, project: Project, volumes: bool, remove_orphans: bool, timeout: int | None,
         rmi: str, ui: Ui) -> int:
    if rmi not in ("", "local", "all"):
        raise InvalidArgument(f"invalid --rmi {rmi!r}: use local or all")
    with ProjectLock(settings, project.name):
        found = _ordered(settings, project, (), oneoff=None)
        known = set(project.services) | set(project.disabled)
        # As docker compose's down: orphans stay without --remove-orphans, unannounced (up warns of them).
        found = [m for m in found if m.service in known or remove_orphans or m.oneoff]

        def stop_rm(m: Member) -> None:
            # Gone already is done (docker compose ignores NotFound): a `run --rm -d`
            # container removes itself once stopped. The four events are docker
            # compose's (Stopping, Stopped, Removing, Removed), whatever the state.
            try:
                if m.running:
                    api.stop(settings, m.id, timeout)
                ui.event("Container", m.name, "Stopped")
                ui.event("Container", m.name, "Removing")
                api.remove(settings, m.id, True, volumes)
            except NotFound:
                pass

        code = _parallel(project, ui, found, "Stopping", "Removed", stop_rm)
        resources.remove_networks(settings, project, ui)
        secrets.forget(settings, project.name)
        if volumes:
            resources.remove_volumes(settings, project, ui)
        if rmi:
            code |= _remove_images(settings, project, rmi, ui)
    return code


def _remove_images(settings: Settings, project: Project, rmi: str, ui: Ui) -> int:
    from nerdpy.api import images as images_api

    code = 0
    for name, svc in project.services.items():
        image = svc.get("image")
        if rmi == "local" and image:
            continue  # local: only images without a custom tag (built ones)
        ref = image or f"{project.name}-{name}"
        try:
            images_api.remove(settings, ref, False)
        except NerdpyError as exc:
            if "no such image" not in exc.message.lower():
                ui.err(f"Error: image {ref}: {exc.message}")
                code = 1
            continue
        ui.event("Image", ref, "Removed")
    return code


def stop(settings: Settings, project: Project, services: tuple[str, ...], timeout: int | None, ui: Ui) -> int:
    found = [m for m in _ordered(settings, project, services) if m.running]
    return _parallel(project, ui, found, "Stopping", "Stopped", lambda m: api.stop(settings, m.id, timeout))


def restart(settings: Settings, project: Project, services: tuple[str, ...], timeout: int | None, no_deps: bool,
            ui: Ui) -> int:
    """As docker compose: the services named bring along their dependents with
    `restart: true` (not under --no-deps), and a service restarts once such a
    dependency restarted with it meets its condition (healthy, completed)."""
    if services and not no_deps:
        services = order.with_restart_dependents(project, services)
    by_service: dict[str, list[Member]] = {}
    for m in reversed(_ordered(settings, project, services)):  # dependencies first, a service at a time
        by_service.setdefault(m.service, []).append(m)
    codes = []
    for service, group in by_service.items():
        for dep, spec in (project.services[service].get("depends_on") or {}).items():
            if spec.get("restart") and dep in by_service and spec["condition"] != "service_started":
                wait_condition(settings, project, dep, spec["condition"], ui)
        codes.append(_each(ui, group, "Restarting", "Started", lambda m: api.restart(settings, m.id, timeout)))
    return max(codes, default=0)


def kill(settings: Settings, project: Project, services: tuple[str, ...], signal: str, remove_orphans: bool,
         ui: Ui) -> int:
    """As docker compose's kill: the running containers of the project's services,
    one-offs too, an orphan's only with --remove-orphans; none is no failure."""
    found = [m for m in _ordered(settings, project, services, oneoff=None) if m.running
             and (remove_orphans or m.service in project.services)]
    if not found:
        ui.err("No container to kill")
        return 0
    return _each(ui, found, "Killing", "Killed", lambda m: api.kill(settings, m.id, signal))


def pause(settings: Settings, project: Project, services: tuple[str, ...], resume: bool, ui: Ui) -> int:
    want = "paused" if resume else "running"
    found = [m for m in _ordered(settings, project, services) if m.status == want]
    doing, done = ("Unpausing", "Unpaused") if resume else ("Pausing", "Paused")
    return _each(ui, found, doing, done, lambda m: api.pause(settings, m.id, resume))


def rm(settings: Settings, project: Project, services: tuple[str, ...], stop_first: bool, volumes: bool,
       force: bool, ui: Ui, confirm: Callable[[str], bool]) -> int:
    """As docker compose's rm: the stopped containers of the project's services (not an
    orphan's), named on stdout before they go, whether asked (`confirm`) or --force."""
    if stop_first:
        stop(settings, project, services, None, ui)
    stopped = [m for m in _ordered(settings, project, services) if not m.running and m.service in project.services]
    if not stopped:
        ui.err("No stopped containers")
        return 0
    question = "Going to remove " + ", ".join(m.name for m in stopped)
    if force:
        ui.out(question)
    elif not confirm(question):
        return 0
    return _each(ui, stopped, "Removing", "Removed", lambda m: api.remove(settings, m.id, False, volumes))


def wait(settings: Settings, project: Project, services: tuple[str, ...], down_project: bool, ui: Ui) -> int:
    found = _ordered(settings, project, services)
    code = 0
    for m in found:
        code = api.wait(settings, m.id)
    if down_project:
        down(settings, project, False, False, None, "", ui)
    return code
