"""Volume use cases: create, list (with Docker's filters), inspect, remove, prune.

"In use" means: a container that still exists has the volume mounted. The
volume store records users when a container is created (`resolve_mounts`)
and forgets them on removal (`release`); records of containers that have
vanished without a release (a crash between the two) are dropped here by
asking the container store which containers exist (only for uses older than
STALE_AFTER_S: `run` records the use before the container record exists).
"""

from __future__ import annotations

from nerdpy.booleans import parse_bool
from nerdpy.config import Settings
from nerdpy.errors import Conflict, InvalidArgument, NotFound
from nerdpy.records import record
from nerdpy.volumes.spec import check_volume_name
from nerdpy.volumes.store import ANONYMOUS_LABEL, STALE_AFTER_S, Volume, VolumeStore, directory_size

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Mapping, Sequence

FILTER_KEYS = ("dangling", "name", "label", "label!", "driver")
PRUNE_FILTER_KEYS = ("label", "label!", "all")


@record
class PruneReport:
    deleted: tuple[str, ...]
    reclaimed: int


def _existing_containers(settings: Settings) -> set[str] | None:
    """IDs of the containers that exist, or None when the container store
    cannot say (then every recorded use counts)."""
    try:
        from nerdpy.containers.store import ContainerStore

        return {c.id for c in ContainerStore(settings).list()}
    except Exception:  # no or unreadable container store: it must not make volumes look unused
        return None


def _store(settings: Settings, sweep: bool = False) -> VolumeStore:
    store = VolumeStore(settings)
    if sweep:
        live = _existing_containers(settings)
        if live is not None:
            store.forget_containers(store.users(older_than=STALE_AFTER_S) - live)
    return store


def create(settings: Settings, name: str | None, driver: str = "local", labels: Mapping[str, str] | None = None,
           options: Mapping[str, str] | None = None) -> Volume:
    """`volume create`: a nameless one gets a random name and Docker's anonymous mark
    (moby's volume service labels it com.docker.volume.anonymous), so `volume prune`
    and `system prune --volumes` take it once unused."""
    if name:
        check_volume_name(name)
    else:
        import secrets

        name = secrets.token_hex(32)
        labels = {**(labels or {}), ANONYMOUS_LABEL: ""}
    volume = VolumeStore(settings).create(name, labels=labels, options=options, driver=driver)
    volume_event(settings, "create", name, driver=driver)
    return volume


def volume_event(settings: Settings, action: str, name: str, **attributes: str) -> None:
    """Record a volume event (`nerdpy events`): Actor ID is the volume's name."""
    from nerdpy.events import emit

    emit(settings.layout.runtime_root, "volume", action, name, {"driver": "local", **attributes})


def parse_filters(filters: Sequence[str], allowed: Sequence[str] = FILTER_KEYS) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in filters:
        key, eq, value = item.partition("=")
        if not eq:
            raise InvalidArgument(f"bad format of filter (expected name=value): {item}")
        if key not in allowed:
            raise InvalidArgument(f"invalid filter '{key}'", hint=f"filters here: {', '.join(allowed)}")
        if key in ("dangling", "all"):
            parse_bool(value, f"filter {key!r}")
        out.setdefault(key, []).append(value)
    return out


def _label_match(volume: Volume, wanted: str) -> bool:
    key, eq, value = wanted.partition("=")
    if key not in volume.labels:
        return False
    return not eq or volume.labels[key] == value


def matches(volume: Volume, filters: Mapping[str, list[str]]) -> bool:
    """Docker's rules: values of one key are OR-ed, keys are AND-ed; every `label` must match."""
    if "name" in filters and not any(n in volume.name for n in filters["name"]):
        return False
    if "driver" in filters and volume.driver not in filters["driver"]:
        return False
    if "label" in filters and not all(_label_match(volume, w) for w in filters["label"]):
        return False
    if "label!" in filters and any(_label_match(volume, w) for w in filters["label!"]):
        return False
    if "dangling" in filters:
        want = {parse_bool(v, "filter 'dangling'") for v in filters["dangling"]}
        if (not volume.users) not in want:
            return False
    return True


def list_volumes(settings: Settings, filters: Sequence[str] = ()) -> list[Volume]:
    parsed = parse_filters(filters)
    return [v for v in _store(settings, sweep=True).list() if matches(v, parsed)]


def inspect(settings: Settings, names: Sequence[str]) -> list[Volume]:
    store = _store(settings, sweep=True)
    return [store.get(n) for n in names]


def remove(settings: Settings, name: str) -> None:
    """Remove one volume; Conflict when a container uses it, NotFound when absent."""
    _store(settings, sweep=True).remove(name)
    volume_event(settings, "destroy", name)


def prune(settings: Settings, filters: Sequence[str] = (), all_volumes: bool = False) -> PruneReport:
    """Remove unused volumes: anonymous ones only (Docker >= 23) unless `all_volumes`."""
    parsed = parse_filters(filters, PRUNE_FILTER_KEYS)
    if any(parse_bool(v, "filter 'all'") for v in parsed.pop("all", [])):
        all_volumes = True
    store = _store(settings, sweep=True)
    deleted: list[str] = []
    reclaimed = 0
    for volume in store.list():
        if volume.users or not matches(volume, parsed):
            continue
        if not all_volumes and not (volume.anonymous or ANONYMOUS_LABEL in volume.labels):
            continue
        size = directory_size(volume.mountpoint)
        try:
            store.remove(volume.name)
        except (Conflict, NotFound):  # taken by a container (or removed) meanwhile
            continue
        deleted.append(volume.name)
        volume_event(settings, "destroy", volume.name)
        reclaimed += size
    return PruneReport(tuple(deleted), reclaimed)
