"""A project's containers, found by their com.docker.compose.* labels (no
state of compose's own: the labels are the truth, as in docker compose)."""

from __future__ import annotations

from nerdpy_compose import labels as L

from nerdpy.api import containers as api
from nerdpy.api.errors import NotFound
from nerdpy.api.types import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from nerdpy.api.types import Settings


@record
class Member:
    id: str
    name: str
    service: str
    number: int
    oneoff: bool
    config_hash: str
    status: str  # created | running | paused | restarting | exited | dead
    exit_code: int
    image: str
    labels: dict[str, str]
    row: dict[str, Any]
    image_id: str = ""  # the image it was created from (sha256:…)

    @property
    def running(self) -> bool:
        return self.status in ("running", "paused", "restarting")

    @property
    def short(self) -> str:
        """The name docker compose prints for it (log prefix, `Attaching to`): without the
        project when it is the default `<project>-<service>-<n>` (`web-1`), else whole
        (a container_name, a one-off)."""
        project = self.labels.get(L.PROJECT, "")
        default = f"{project}-{self.service}-{self.labels.get(L.NUMBER, '')}"
        return self.name[len(project) + 1:] if self.name == default else self.name


def members(settings: Settings, project: str, services: tuple[str, ...] = (), oneoff: bool | None = False,
            include_stopped: bool = True) -> list[Member]:
    """The project's containers (of `services` if given), ordered by service and number."""
    rows = api.list_rows(settings, include_stopped, -1, (f"label={L.PROJECT}={project}",), True)
    out = []
    for row in rows:
        try:
            container, state = api.get(settings, row["ID"])
        except NotFound:
            continue  # removed meanwhile
        labels = container.cfg.get("Labels") or {}
        is_oneoff = labels.get(L.ONEOFF) == "True"
        if oneoff is not None and is_oneoff != oneoff:
            continue
        service = labels.get(L.SERVICE, "")
        if services and service not in services:
            continue
        out.append(Member(container.id, container.name, service, int(labels.get(L.NUMBER) or 0), is_oneoff,
                          labels.get(L.CONFIG_HASH, ""), state.status, state.exit_code, container.image, labels, row,
                          container.image_id))
    return sorted(out, key=lambda m: (m.service, m.number, m.name))


def projects(settings: Settings, include_stopped: bool) -> dict[str, list[Member]]:
    """Every compose project with containers, by name (for `ls`)."""
    rows = api.list_rows(settings, True, -1, (f"label={L.PROJECT}",), True)
    out: dict[str, list[Member]] = {}
    for row in rows:
        try:
            container, state = api.get(settings, row["ID"])
        except NotFound:
            continue
        labels = container.cfg.get("Labels") or {}
        member = Member(container.id, container.name, labels.get(L.SERVICE, ""), int(labels.get(L.NUMBER) or 0),
                        labels.get(L.ONEOFF) == "True", labels.get(L.CONFIG_HASH, ""), state.status, state.exit_code,
                        container.image, labels, row, container.image_id)
        out.setdefault(labels.get(L.PROJECT, ""), []).append(member)
    if not include_stopped:
        out = {k: v for k, v in out.items() if any(m.running for m in v)}
    return out
