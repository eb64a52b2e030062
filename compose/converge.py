"""Bringing services to their wanted state: each service's containers
created, recreated (config hash changed, or --force-recreate) or started, the
services in parallel threads, each one first waiting for its dependencies'
conditions (service_started, service_healthy, service_completed_successfully)."""

from __future__ import annotations

import os
import threading
import time

from nerdpy_compose import build, health, order, secrets
from nerdpy_compose.config_cmd import service_hash
from nerdpy_compose.convert import create_options
from nerdpy_compose.errors import ConfigError, StackError
from nerdpy_compose.members import Member, members

from nerdpy.api import containers as api
from nerdpy.api import images as api_images
from nerdpy.api.errors import NerdpyError
from nerdpy.api.types import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from nerdpy_compose.normalize import Project
    from nerdpy_compose.ui import Ui

    from nerdpy.api.types import Settings

POLL = 0.1


@record
class Plan:
    """How `up` / `create` / `start` converge: docker compose's flags."""

    force_recreate: bool = False  # --force-recreate: the services named (all when none is)
    no_recreate: bool = False
    recreate_deps: bool = False  # --always-recreate-deps: their dependencies too
    selected: tuple[str, ...] = ()  # the services named on the command line (none: all)
    inherit: bool = True  # a recreated container keeps its predecessor's anonymous volumes (-V: not)
    quiet_pull: bool = False  # --quiet-pull: no lines for an implicit pull
    no_start: bool = False
    scale: dict[str, int] = field(default_factory=dict)
    timeout: int | None = None
    pull: str = ""  # "" = the service's pull_policy
    build: str = ""  # "always" (--build), "never" (--no-build), "": build a `build:` image when missing
    parallel: int = -1  # --parallel / COMPOSE_PARALLEL_LIMIT: services converging at once (-1: no limit)


class Converger:
    def __init__(self, settings: Settings, project: Project, plan: Plan, ui: Ui) -> None:
        self.settings, self.project, self.plan, self.ui = settings, project, plan, ui
        self.done: dict[str, threading.Event] = {}
        self.failed: dict[str, BaseException] = {}
        self.recreated: set[str] = set()
        self.slots = threading.BoundedSemaphore(plan.parallel) if plan.parallel > 0 else None

    def run(self, names: list[str]) -> None:
        """Converge `names` (dependencies first); raises the first failure after all threads end."""
        self.done = {n: threading.Event() for n in names}
        threads = [threading.Thread(target=self._service_thread, args=(n,), name=f"compose-{n}") for n in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for name in names:
            if name in self.failed:
                raise self.failed[name]

    def _service_thread(self, name: str) -> None:
        try:
            self._wait_dependencies(name)
            if self.slots is None:
                self._converge(name)
            else:
                with self.slots:
                    self._converge(name)
        except BaseException as exc:  # noqa: BLE001 - reported by run() after every thread ends; dependents see it
            self.failed[name] = exc
        finally:
            self.done[name].set()

    def _wait_dependencies(self, name: str) -> None:
        svc = self.project.services[name]
        for dep in order.deps(self.project, name):
            spec = (svc.get("depends_on") or {}).get(dep, {"condition": "service_started", "required": True})
            event = self.done.get(dep)
            if event is None:
                continue  # not part of this run (--no-deps): docker compose does not wait for it
            event.wait()
            if dep in self.failed:
                if not spec.get("required", True):
                    self.ui.warn(f"optional dependency {dep!r} failed: {self.failed[dep]}")
                    continue
                raise StackError(f"dependency failed to start: service {dep!r}") \
                    if not isinstance(self.failed[dep], NerdpyError) else self.failed[dep]
            if self.plan.no_start:
                continue
            try:
                wait_condition(self.settings, self.project, dep, spec["condition"], self.ui)
            except NerdpyError as exc:
                if spec.get("required", True):
                    raise
                self._skip_optional(dep, spec["condition"], exc.message)
            if spec.get("restart") and dep in self.recreated:
                self.recreated.add(name)  # dependents with restart: true follow a recreated dependency

    def _skip_optional(self, dep: str, condition: str, reason: str) -> None:
        """docker compose's words for an optional dependency (`required: false`) that
        failed its condition: Skipped on its containers, then a warning; its dependents start."""
        reason = reason.removeprefix("dependency failed to start: ")
        if condition == "service_completed_successfully":  # 'service "X" didn't complete successfully: exit N'
            shown = warned = "optional dependency " + reason.removeprefix("service ")
        else:
            shown = f'optional dependency "{dep}" failed to start'
            warned = f"{shown}: {reason}"
        for m in members(self.settings, self.project.name, (dep,)):
            self.ui.event("Container", m.name, f"Skipped: {shown}")
        self.ui.warn(warned)

    def _converge(self, name: str) -> None:
        svc = self.project.services[name]
        build.ensure_image(self.settings, self.project, name, self.ui, self.plan.build)
        want = self.plan.scale.get(name, int(svc.get("scale", 1)))
        current = members(self.settings, self.project.name, (name,))
        wanted_hash = service_hash(svc)
        wanted_image = self._image_id(name)
        for member in current:
            if member.number > want or member.number == 0:
                self._remove(member)
        by_number = {m.number: m for m in current if 0 < m.number <= want}
        for n in range(1, want + 1):
            m = by_number.get(n)
            if m is not None and self._must_recreate(name, m, wanted_hash, wanted_image):
                self.ui.event("Container", m.name, "Recreate")
                kept = self._anonymous_volumes(m) if self.plan.inherit else {}
                self._remove(m, quiet=True)
                self._create(name, n, recreated=True, inherited=kept)
            elif m is None:
                self._create(name, n)
            elif not m.running and not self.plan.no_start:
                self.ui.event("Container", m.name, "Starting")
                api.start(self.settings, m.id, False, False, None, self.ui.out_fd, self.ui.err_fd)
                self.ui.event("Container", m.name, "Started")
            elif m.running and name in self.recreated:
                self.ui.event("Container", m.name, "Restarting")
                api.restart(self.settings, m.id, self.plan.timeout)
                self.ui.event("Container", m.name, "Started")
            else:
                self.ui.event("Container", m.name, "Running")

    def _image_id(self, name: str) -> str:
        """The local image the service's reference names now ("" if none yet: it is pulled on create)."""
        try:
            return str(api_images.inspect(self.settings, build.image_name(self.project, name)).get("Id", ""))
        except NerdpyError:
            return ""

    def _must_recreate(self, name: str, m: Member, wanted_hash: str, wanted_image: str) -> bool:
        if self.plan.no_recreate:
            return False
        # As docker compose: a changed config, or a tag that now names another image (built, pulled).
        image_changed = bool(wanted_image and m.image_id and m.image_id != wanted_image)
        named = not self.plan.selected or name in self.plan.selected
        forced = self.plan.force_recreate if named else self.plan.recreate_deps
        if forced or m.config_hash != wanted_hash or image_changed:
            self.recreated.add(name)
            return True
        if any(d in self.recreated for d in order.shared_with(self.project.services[name])):
            self.recreated.add(name)  # it joined a namespace of the container just replaced
            return True
        return False

    def _anonymous_volumes(self, m: Member) -> dict[str, str]:
        """{destination: volume} of the container's anonymous volumes: as docker compose,
        its replacement mounts them again, so an image's VOLUME keeps its data."""
        from nerdpy.api import volumes as api_volumes

        mounts = {mnt["Destination"]: mnt["Name"] for mnt in api.inspect_one(self.settings, m.id).get("Mounts") or []
                  if mnt.get("Type") == "volume" and mnt.get("Name")}
        if not mounts:
            return {}
        anonymous = {v.name for v in api_volumes.inspect(self.settings, sorted(set(mounts.values()))) if v.anonymous}
        return {dest: name for dest, name in mounts.items() if name in anonymous}

    def _remove(self, m: Member, quiet: bool = False) -> None:
        if m.running:
            if not quiet:
                self.ui.event("Container", m.name, "Stopping")
            api.stop(self.settings, m.id, self.plan.timeout)
        api.remove(self.settings, m.id, True, False)
        if not quiet:
            self.ui.event("Container", m.name, "Removed")

    def container_name(self, service: str) -> str:
        found = members(self.settings, self.project.name, (service,))
        if not found:
            raise ConfigError(f"service {service!r} has no container to share or link to",
                              hint=f"start it first: compose up {service}")
        return found[0].name

    def _create(self, name: str, number: int, recreated: bool = False,
                inherited: dict[str, str] | None = None) -> None:
        svc = self.project.services[name]
        for vol in svc.get("volumes") or []:
            if vol["type"] == "bind" and vol.get("bind", {}).get("create_host_path", True) \
                    and not os.path.exists(vol["source"]):
                os.makedirs(vol["source"], exist_ok=True)  # as docker compose: a missing bind source is created
        opts = create_options(self.project, name, number, container_names=self.container_name,
                              extra_mounts=secrets.mounts(self.settings, self.project, name, self.ui.warn),
                              warn=self.ui.warn, inherited=inherited or {})
        extra = health.options(svc)
        if extra or self.plan.pull:
            from nerdpy.api.types import replace

            opts = replace(opts, **extra, **({"pull": self.plan.pull} if self.plan.pull else {}))
        if not recreated:  # docker compose reports a recreation as one step: Recreate, Recreated
            self.ui.event("Container", opts.name, "Creating")
        if self.plan.no_start:
            api.create(self.settings, opts, notice=None if self.plan.quiet_pull else self.ui.err)
            self.ui.event("Container", opts.name, "Recreated" if recreated else "Created")
            return
        result = api.run(self.settings, opts, True, None, self.ui.out_fd, self.ui.err_fd, quiet=self.plan.quiet_pull)
        for line in result.warnings:
            self.ui.warn(line)
        self.ui.event("Container", opts.name, "Recreated" if recreated else "Created")
        self.ui.event("Container", opts.name, "Starting")  # run created and started it: both steps said
        self.ui.event("Container", opts.name, "Started")


def wait_condition(settings: Settings, project: Project, service: str, condition: str, ui: Ui,
                   deadline: float | None = None) -> None:
    found = members(settings, project.name, (service,))
    if condition == "service_started":
        return
    for m in found:  # as docker compose's waitDependencies, then Healthy or Exited
        ui.event("Container", m.name, "Waiting")
    if condition == "service_healthy":
        for m in found:
            if not _wait_healthy(settings, m, deadline):
                raise StackError(f"container {m.name} has no healthcheck configured")
            ui.event("Container", m.name, "Healthy")
        return
    for m in found:  # service_completed_successfully
        code = _wait_exit(settings, m, deadline)
        if code != 0:
            raise StackError(f'service "{service}" didn\'t complete successfully: exit {code}')
        ui.event("Container", m.name, "Exited")


def _wait_healthy(settings: Settings, m: Member, deadline: float | None) -> bool:
    """Wait until the container is healthy: True; False at once if it has no healthcheck."""
    while True:
        inspected = api.inspect_one(settings, m.id)
        status = health.status(inspected)
        if not status and not health.configured(inspected):
            return False
        if status == "healthy":
            return True
        if status == "unhealthy":
            raise StackError(f"dependency failed to start: container {m.name} is unhealthy")
        if not (inspected.get("State") or {}).get("Running"):
            raise StackError(f"dependency failed to start: container {m.name} exited "
                              f"({(inspected.get('State') or {}).get('ExitCode', 0)})")
        _sleep(deadline, m.name)


def _wait_exit(settings: Settings, m: Member, deadline: float | None) -> int:
    while True:
        _, state = api.get(settings, m.id)
        if state.status in ("exited", "dead"):
            return state.exit_code
        if state.status == "created":
            raise StackError(f"container {m.name} was not started")
        _sleep(deadline, m.name)


def _sleep(deadline: float | None, name: str) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise StackError(f"timeout waiting for {name}")
    time.sleep(POLL)


def wait_ready(settings: Settings, project: Project, names: list[str], ui: Ui, timeout: float) -> None:
    """`up --wait`: every container running (healthy if it has a healthcheck), or a
    one-shot dependency exited 0; fails on exit, unhealthy or timeout."""
    deadline = time.monotonic() + timeout if timeout > 0 else None
    completed = {d for s in names for d, spec in (project.services[s].get("depends_on") or {}).items()
                 if spec["condition"] == "service_completed_successfully"}
    for name in names:
        for m in members(settings, project.name, (name,)):
            ui.event("Container", m.name, "Waiting")
            checked, done = False, "Running"
            if name in completed:
                _wait_exit(settings, m, deadline)
                done = "Exited"  # as docker compose reports a one-shot dependency
            else:
                # A healthcheck from the service or from the image's HEALTHCHECK: wait for healthy.
                checked = _wait_healthy(settings, m, deadline)
                _, state = api.get(settings, m.id)
                if not checked and state.status != "running":
                    raise StackError(f"container {m.name} exited ({state.exit_code})")
            ui.event("Container", m.name, "Healthy" if checked else done)


def orphans(settings: Settings, project: Project) -> list[Member]:
    return [m for m in members(settings, project.name) if m.service not in project.services
            and m.service not in project.disabled]
