"""Where a pull may fetch from: a registry's mirrors, in order, then the registry itself.

Two sources of mirrors, as the tools nerdpy stands beside:

- nerdpy's config `registry_mirrors` (Docker's daemon.json `registry-mirrors`): URLs of
  mirrors for docker.io only, with the repository path unchanged.
- podman's registries.conf (containers-registries.conf(5), the v2 TOML format): per
  registry (or namespace) `[[registry]]` tables with `prefix`, `location`, `insecure`,
  `blocked`, `mirror-by-digest-only` and `[[registry.mirror]]` entries (`location`,
  `insecure`, `pull-from-mirror`). A mirror location may carry a namespace: the part of
  the reference that matched the prefix is replaced by it.

Only pulls use mirrors (pushes go to the registry itself, as Docker and podman do). A
mirror that fails (unreachable, 5xx, unknown manifest, refused credentials) hands over
to the next source; nerdpy.images.pull runs that loop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nerdpy.config import Settings
from nerdpy.errors import InvalidArgument, PermissionDenied
from nerdpy.records import record
from nerdpy.remotes import DOCKER_HUB, Endpoint
from nerdpy.remotes.hosts import endpoint_for, is_insecure, split_host

_PULL_FROM = ("all", "digest-only", "tag-only")


@record
class Mirror:
    location: str  # host[:port][/namespace]
    insecure: bool = False
    pull_from: str = "all"  # all | digest-only | tag-only


@record
class RegistryRule:
    """One `[[registry]]` table of registries.conf."""

    prefix: str  # what a reference must start with (host[:port][/namespace]) or *.domain
    location: str  # where the registry itself is reached (default: the prefix)
    insecure: bool = False
    blocked: bool = False
    mirrors: tuple[Mirror, ...] = ()


@record
class Source:
    """One place to pull a repository from."""

    endpoint: Endpoint
    repo: str  # the repository path at that endpoint
    mirror: bool  # a mirror (its failure hands over to the next source)


def parse_registries_conf(text: str, path: str = "registries.conf") -> tuple[RegistryRule, ...]:
    """The `[[registry]]` tables of a v2 registries.conf (other keys are podman's business)."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidArgument(f"invalid registries.conf {path}: {exc}") from None
    tables = data.get("registry", [])
    if not isinstance(tables, list):
        raise InvalidArgument(f"invalid registries.conf {path}: [[registry]] must be an array of tables")
    return tuple(_rule(table, path) for table in tables) + _v1_rules(data.get("registries"))


def _v1_rules(v1: Any) -> tuple[RegistryRule, ...]:
    """The old format's insecure and blocked lists (it has no mirrors); podman still reads it."""
    if not isinstance(v1, dict):
        return ()
    listed = {kind: (v1.get(kind) or {}).get("registries") or [] for kind in ("insecure", "block")}
    return tuple(RegistryRule(_strip(str(name)), _strip(str(name)), insecure=kind == "insecure",
                              blocked=kind == "block") for kind, names in listed.items() for name in names)


def _rule(table: Any, path: str) -> RegistryRule:
    if not isinstance(table, dict):
        raise InvalidArgument(f"invalid registries.conf {path}: [[registry]] entries must be tables")
    location = _text(table, "location", path)
    prefix = _text(table, "prefix", path) or location
    if not prefix:
        raise InvalidArgument(f"invalid registries.conf {path}: a [[registry]] needs a location or prefix")
    by_digest_only = bool(table.get("mirror-by-digest-only", False))
    mirrors = []
    for entry in table.get("mirror", []):
        if not isinstance(entry, dict) or not _text(entry, "location", path):
            raise InvalidArgument(f"invalid registries.conf {path}: a [[registry.mirror]] needs a location")
        pull_from = str(entry.get("pull-from-mirror") or ("digest-only" if by_digest_only else "all"))
        if pull_from not in _PULL_FROM:
            raise InvalidArgument(f"invalid registries.conf {path}: pull-from-mirror {pull_from!r}",
                                  hint=f"use one of: {', '.join(_PULL_FROM)}")
        mirrors.append(Mirror(_strip(entry["location"]), bool(entry.get("insecure", False)), pull_from))
    return RegistryRule(_strip(prefix), _strip(location or prefix), bool(table.get("insecure", False)),
                        bool(table.get("blocked", False)), tuple(mirrors))


def _text(table: dict[str, Any], key: str, path: str) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise InvalidArgument(f"invalid registries.conf {path}: {key} must be a string")
    return value


def _strip(location: str) -> str:
    for scheme in ("https://", "http://"):
        location = location.removeprefix(scheme)
    return location.rstrip("/")


_loaded: dict[tuple[Path, ...], tuple[RegistryRule, ...]] = {}


def load_rules(settings: Settings) -> tuple[RegistryRule, ...]:
    """The rules of the first registries.conf that exists (none: no rules)."""
    key = settings.registries_conf
    if key not in _loaded:
        rules: tuple[RegistryRule, ...] = ()
        for path in key:
            try:
                text = path.read_text()
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError as exc:
                raise InvalidArgument(f"cannot read {path}: {exc.strerror}") from None
            rules = parse_registries_conf(text, str(path))
            break
        _loaded[key] = rules
    return _loaded[key]


def _matches(prefix: str, name: str) -> bool:
    if prefix.startswith("*."):
        host = name.split("/", 1)[0]
        return host.endswith(prefix[1:])
    return name == prefix or name.startswith(prefix + "/")


def rule_for(rules: tuple[RegistryRule, ...], name: str) -> RegistryRule | None:
    """The rule with the longest prefix matching `name` (domain/path), as podman picks it."""
    found = [rule for rule in rules if _matches(rule.prefix, name)]
    return max(found, key=lambda rule: len(rule.prefix), default=None)


def insecure_registries(settings: Settings) -> tuple[str, ...]:
    """--insecure-registry / config entries plus registries.conf locations marked insecure."""
    extra = []
    for rule in load_rules(settings):
        extra += [rule.location.split("/", 1)[0]] if rule.insecure else []
        extra += [m.location.split("/", 1)[0] for m in rule.mirrors if m.insecure]
    return tuple(settings.insecure_registries) + tuple(extra)


def _endpoint(location: str, insecure: tuple[str, ...]) -> tuple[Endpoint, str]:
    """(endpoint, namespace) of host[:port][/namespace]."""
    host, _, namespace = location.partition("/")
    return endpoint_for(host, insecure), namespace


def docker_mirror(url: str, insecure: tuple[str, ...]) -> Endpoint:
    """The endpoint of a `registry_mirrors` URL (Docker: scheme and host, no path)."""
    scheme, sep, rest = url.strip().partition("://")
    if not sep or scheme not in ("http", "https") or not rest.rstrip("/") or "/" in rest.rstrip("/"):
        raise InvalidArgument(f"invalid registry mirror {url!r}",
                              hint="registry_mirrors takes URLs like https://mirror.example:5000")
    host = rest.rstrip("/")
    split_host(host)
    plain = endpoint_for(host, insecure)
    if scheme == "http":  # the user asked for plain HTTP to this mirror
        return Endpoint(host, host, "http", True)
    return Endpoint(host, host, "https", plain.insecure or is_insecure(host, insecure))


def pull_sources(settings: Settings, domain: str, path: str, by_digest: bool) -> list[Source]:
    """Mirrors that apply to `domain/path`, in order, then the registry itself."""
    insecure = insecure_registries(settings)
    name = f"{domain}/{path}"
    rule = rule_for(load_rules(settings), name)
    if rule is not None and rule.blocked:
        raise PermissionDenied(f"registry {domain} is blocked in registries.conf",
                               hint="remove `blocked = true` from its [[registry]] table")
    sources: list[Source] = []
    if domain == DOCKER_HUB:
        sources = [Source(docker_mirror(url, insecure), path, True) for url in settings.registry_mirrors]
    if rule is not None:
        rest = name[len(rule.prefix):].lstrip("/") if not rule.prefix.startswith("*.") else path
        for mirror in rule.mirrors:
            if mirror.pull_from == ("tag-only" if by_digest else "digest-only"):
                continue
            endpoint, namespace = _endpoint(mirror.location, insecure)
            sources.append(Source(endpoint, "/".join(filter(None, (namespace, rest))), True))
        if rule.location != rule.prefix and not rule.prefix.startswith("*."):
            endpoint, namespace = _endpoint(rule.location, insecure)
            return sources + [Source(endpoint, "/".join(filter(None, (namespace, rest))), False)]
    return sources + [Source(endpoint_for(domain, insecure), path, False)]


def registry_config(settings: Settings) -> dict[str, Any]:
    """Docker's SystemInfo.RegistryConfig shape; loopback is always insecure (Docker lists
    127.0.0.0/8). IndexConfigs also holds each registries.conf registry and its mirrors."""
    insecure = insecure_registries(settings)
    cidrs = ["127.0.0.0/8", "::1/128"] + [e for e in insecure if "/" in e]
    names = [e for e in insecure if "/" not in e]
    mirrors = [url.rstrip("/") + "/" for url in settings.registry_mirrors]
    indexes: dict[str, Any] = {DOCKER_HUB: {"Name": DOCKER_HUB, "Mirrors": mirrors, "Secure": True, "Official": True}}
    for rule in load_rules(settings):
        entry = indexes.setdefault(rule.prefix, {"Name": rule.prefix, "Mirrors": [], "Secure": not rule.insecure,
                                                 "Official": rule.prefix == DOCKER_HUB})
        entry["Mirrors"] = entry["Mirrors"] + [m.location for m in rule.mirrors]
    for name in names:
        indexes.setdefault(name, {"Name": name, "Mirrors": [], "Secure": False, "Official": False})
    return {"InsecureRegistryCIDRs": cidrs, "IndexConfigs": indexes, "Mirrors": mirrors}
