"""`ps` rows and filters: Docker's columns and wording."""

from __future__ import annotations

import time

from nerdpy.config import Settings
from nerdpy.containers import Container, State
from nerdpy.containers.ps_filters import DEFINITION_KEYS, check
from nerdpy.containers.ps_filters import matches as definition_matches
from nerdpy.errors import InvalidArgument, NerdpyError
from nerdpy.formatting.gofuncs import go_quote
from nerdpy.formatting.human import human_duration
from nerdpy.keyvalue import filter_matches

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from nerdpy.network.ports import PortMapping

FILTER_KEYS = ("id", "name", "label", "status", "exited", "ancestor", "before", "since", "health", "network", "publish",
               "expose", "volume", "is-task")
HEALTH_FILTERS = ("starting", "healthy", "unhealthy", "none")
STATUSES = ("created", "restarting", "running", "removing", "paused", "exited", "dead")


def _ns(stamp: str) -> float:
    if not stamp:
        return 0.0
    from nerdpy.logs import parse_time

    try:
        return parse_time(stamp) / 1e9
    except ValueError:
        return 0.0


def status_text(state: State, now: float | None = None, health: str = "none") -> str:
    now = time.time() if now is None else now
    if state.status in ("running", "paused"):
        text = f"Up {human_duration(now - _ns(state.started_at))}"
        if state.status == "paused":
            return text + " (Paused)"
        if health == "none":
            return text
        return text + (" (health: starting)" if health == "starting" else f" ({health})")
    if state.status == "restarting":
        return f"Restarting ({state.exit_code}) {human_duration(now - _ns(state.finished_at))} ago"
    if state.status == "exited":
        return f"Exited ({state.exit_code}) {human_duration(now - _ns(state.finished_at))} ago"
    return state.status.capitalize()


def command_text(container: Container, truncate: bool) -> str:
    """`ps` COMMAND as Docker's: path, then arguments with a space quoted in `'`, Go-quoted."""
    cfg = container.cfg
    argv = list(cfg.get("Entrypoint") or []) + list(cfg.get("Cmd") or [])
    command = " ".join(argv[:1] + [f"'{a}'" if " " in a else a for a in argv[1:]])
    return go_quote(_ellipsis(command, 20) if truncate else command)


def _ellipsis(text: str, width: int) -> str:
    """docker/cli's Ellipsis: at most `width` characters, the last one `…` when cut."""
    return text if len(text) <= width else text[:width - 1] + "…"


def parse_filters(values: tuple[str, ...]) -> list[tuple[str, str]]:
    out = []
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or key not in FILTER_KEYS:
            raise InvalidArgument(f"invalid filter {item!r}", hint=f"known filters: {', '.join(FILTER_KEYS)}")
        if key == "status" and value not in STATUSES:
            raise InvalidArgument(f"invalid filter 'status={value}'", hint=f"use one of: {', '.join(STATUSES)}")
        if key == "health" and value not in HEALTH_FILTERS:
            raise InvalidArgument(f"unrecognised filter value for health: {value}",
                                  hint=f"use one of: {', '.join(HEALTH_FILTERS)}")
        if key in DEFINITION_KEYS:
            check(key, value)
        out.append((key, value))
    return out


def matches(container: Container, state: State, filters: list[tuple[str, str]], by_ref: dict[str, Container],
            health: str = "none") -> bool:
    groups: dict[str, list[bool]] = {}
    for key, value in filters:
        hit = health == value if key == "health" else _match_one(container, state, key, value, by_ref)
        groups.setdefault(key, []).append(hit)
    # Docker: values of one key are OR-ed, different keys AND-ed (labels are AND-ed).
    for key, results in groups.items():
        if key == "label" and not all(results):
            return False
        if key != "label" and not any(results):
            return False
    return True


def _match_one(c: Container, state: State, key: str, value: str, by_ref: dict[str, Container]) -> bool:
    if key in DEFINITION_KEYS:
        return definition_matches(c, key, value)
    if key == "id":
        return c.id.startswith(value)
    if key == "name":
        return filter_matches(value, "/" + c.name, c.name)  # moby matches the name with and without its "/"
    if key == "label":
        name, sep, wanted = value.partition("=")
        labels = c.cfg.get("Labels") or {}
        return name in labels and (not sep or labels[name] == wanted)
    if key == "status":
        return state.status == value
    if key == "exited":
        return state.status == "exited" and str(state.exit_code) == value
    if key == "ancestor":
        return value in (c.image, c.image_id) or (c.image_id.startswith("sha256:" + value) and len(value) >= 4) \
            or c.image.split(":")[0] == value
    other = by_ref.get(value)
    if other is None:
        raise InvalidArgument(f"no such container: {value}")
    return c.created < other.created if key == "before" else c.created > other.created


class Row(dict):
    """One `ps` row (its JSON is the dict); templates may also call `.Label "key"`, as with Docker."""

    def __init__(self, data: dict[str, Any], labels: dict[str, str]) -> None:
        super().__init__(data)
        self._labels = labels

    def Label(self, key: str) -> str:  # noqa: N802 - Docker's template name
        return str(self._labels.get(key, ""))


def health_status(store: Any, container: Container) -> str:
    """Docker's health string for filters and STATUS: none without a healthcheck or before its first start."""
    if not container.cfg.get("Healthcheck"):
        return "none"
    from nerdpy.containers.health import read_health

    return (read_health(store.dir(container.id)) or {}).get("Status") or "none"


def row(container: Container, state: State, ports: str, no_trunc: bool, now: float,
        health: str = "none", image: str | None = None) -> dict[str, Any]:
    return Row({
        "ID": container.id if no_trunc else container.id[:12],
        "Image": container.image if image is None else image,
        "Command": command_text(container, not no_trunc),
        "CreatedAt": time.strftime("%Y-%m-%d %H:%M:%S %z %Z", time.localtime(container.created)),
        "RunningFor": human_duration(now - container.created) + " ago",
        "Status": status_text(state, now, health),
        "State": state.status,
        "Ports": ports,
        "Names": container.name,
        "Labels": ",".join(sorted(f"{k}={v}" for k, v in (container.cfg.get("Labels") or {}).items())),
        "LocalVolumes": str(sum(1 for m in container.runtime.mounts if m.get("volume"))),
        "Mounts": ",".join(_ellipsis(m.get("volume") or m.get("source", ""), 15 if not no_trunc else 1 << 30)
                           for m in container.runtime.mounts),
        "Networks": ",".join(container.host_config.get("Networks") or []) or "bridge",
        "Size": "0B",  # Docker's text for a size it was not asked to compute
    }, container.cfg.get("Labels") or {})


def list_rows(settings: Settings, store: Any, show_all: bool, last: int, filters: tuple[str, ...], no_trunc: bool,
              size: bool = False) -> list[dict[str, Any]]:
    wanted = parse_filters(filters)
    containers = store.list()
    by_ref = {c.name: c for c in containers} | {c.id: c for c in containers}
    now = time.time()
    rows = []
    images = _ImageColumn(settings, no_trunc)
    for container in containers:
        state = store.state(container.id)
        if not (show_all or last > 0) and not state.running and not any(k in ("status", "exited") for k, _ in wanted):
            continue
        health = health_status(store, container)
        if wanted and not matches(container, state, wanted, by_ref, health):
            continue
        rows.append(row(container, state, _ports_text(settings, container, state), no_trunc, now, health,
                        images.shown(container)))
    if last > 0:
        rows = rows[:last]
    if size:
        by_id = {c.id: c for c in containers}
        for entry in rows:
            entry["Size"] = _size_text(settings, by_id[entry["ID"]] if no_trunc else
                                       next(c for c in containers if c.id.startswith(entry["ID"])))
    return rows


class _ImageColumn:
    """Docker's IMAGE column: the name the container was created from while that name
    still points at its image; once the tag moved on (a rebuild) or is gone, the image ID."""

    def __init__(self, settings: Settings, no_trunc: bool) -> None:
        self.settings = settings
        self.no_trunc = no_trunc
        self.resolved: dict[str, str | None] = {}
        self.store: Any = None

    def shown(self, container: Container) -> str:
        if not container.image_id or container.image == container.image_id:
            return container.image
        if container.image not in self.resolved:
            self.resolved[container.image] = self._image_id(container.image)
        if self.resolved[container.image] == container.image_id:
            return container.image
        image_id = container.image_id
        return image_id if self.no_trunc else image_id.removeprefix("sha256:")[:12]

    def _image_id(self, ref: str) -> str | None:
        if self.store is None:
            from nerdpy.images.store import ImageStore

            self.store = ImageStore(self.settings)
        try:
            found = self.store.find(ref)
        except NerdpyError:  # an ambiguous ID prefix
            return None
        return found.id if found is not None else None


def _size_text(settings: Settings, container: Container) -> str:
    """Docker's "2B (virtual 1.2MB)": the container's own layer, then with its image."""
    from nerdpy.formatting.human import human_size

    own, image = sizes(settings, container)
    return f"{human_size(own)} (virtual {human_size(own + image)})"


def sizes(settings: Settings, container: Container) -> tuple[int, int]:
    """(bytes of the container's own writable layer, bytes of its image)."""
    own = 0
    if not container.runtime.rootfs:
        from nerdpy.snapshots import get_snapshotter

        try:
            own = get_snapshotter(settings).usage(container.id).size
        except NerdpyError:
            own = 0
    image = 0
    if container.image_id:
        from nerdpy.images.store import ImageStore

        found = ImageStore(settings).find(container.image_id)
        image = found.size if found is not None else 0
    return own, image


def _ports_text(settings: Settings, container: Container, state: State) -> str:
    """Published and exposed ports of a running container with a network of its own (Docker's)."""
    mode = container.host_config.get("NetworkMode") or "bridge"
    if not state.running or mode in ("host", "none") or mode.startswith("container:"):
        return ""
    from nerdpy.containers.portlist import ps_column

    published: tuple[PortMapping, ...] = ()
    if container.host_config.get("PortBindings") or container.host_config.get("PublishAllPorts"):
        from nerdpy.network import published_ports

        published = published_ports(settings, container.id)
    return ps_column(published, container.cfg.get("ExposedPorts") or ())
