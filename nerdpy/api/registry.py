"""Registry operations for the CLI (and compose): pull, push, login, logout."""

from __future__ import annotations

from nerdpy.records import record

from nerdpy.config import Settings
from nerdpy.errors import InvalidArgument, NotFound

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


def pull(settings: Settings, ref: str, platform: str | None = None,
         progress: Callable[[Any], None] | None = None) -> Any:
    """Pull `ref`; returns nerdpy.images.pull.PullResult. Call after entering the namespace."""
    from nerdpy.images import pull as _pull
    from nerdpy.images.platform import parse_platform
    from nerdpy.images.progress import silent

    from nerdpy.events import emit

    want = parse_platform(platform) if platform else None
    result = _pull.pull(settings, ref, want, progress or silent)
    emit(settings.layout.runtime_root, "image", "pull", ref, {"name": ref})
    return result


def push(settings: Settings, ref: str, progress: Callable[[Any], None] | None = None,
         platform: str | None = None) -> Any:
    """Push a local image (one platform of it with `platform`); returns nerdpy.images.push.PushResult."""
    from nerdpy.images import push as _push
    from nerdpy.images.platform import parse_platform
    from nerdpy.images.progress import silent

    from nerdpy.events import emit

    want = parse_platform(platform) if platform else None
    result = _push.push(settings, ref, progress or silent, platform=want)
    emit(settings.layout.runtime_root, "image", "push", ref, {"name": ref})
    return result


def local_tags(settings: Settings, name: str) -> list[str]:
    """Every local `repository:tag` of `name`'s repository, sorted (for `push --all-tags`)."""
    from nerdpy.images.store import ImageStore
    from nerdpy.reference import parse

    ref = parse(name, default_tag=False)
    if ref.tag or ref.digest:
        raise InvalidArgument("tag can't be used with --all-tags/-a")
    names = {n for image in ImageStore(settings).list() for n in image.names}
    tags = sorted(n for n in names if "@" not in n and parse(n, default_tag=False).name == ref.name)
    if not tags:
        raise NotFound(f"An image does not exist locally with the tag: {ref.familiar()}")
    return tags


@record
class LoginResult:
    registry: str
    config_file: str
    helper: bool  # credentials went to a credential helper


def _store(settings: Settings) -> Any:
    from nerdpy.remotes.credentials import CredentialStore

    if settings.docker_config_dir is None:
        raise InvalidArgument("no Docker config directory", hint="set DOCKER_CONFIG or HOME")
    return CredentialStore(settings.docker_config_dir / "config.json")


def login(settings: Settings, server: str | None, username: str, password: str) -> LoginResult:
    """Verify the credentials against the registry, then store them (Docker's config.json)."""
    from nerdpy.remotes import DOCKER_HUB, Credentials
    from nerdpy.remotes.client import RegistryClient
    from nerdpy.remotes.hosts import endpoint_for, registry_from_server
    from nerdpy.remotes.mirrors import insecure_registries

    if not username:
        raise InvalidArgument("username is empty")
    if not password:
        raise InvalidArgument("password is empty")
    from nerdpy.records import replace
    from nerdpy.remotes.transport import token_cache, transport_for

    registry = registry_from_server(server) if server else DOCKER_HUB
    creds = Credentials(username, password)
    endpoint = endpoint_for(registry, insecure_registries(settings))
    # No cached token: login must prove these credentials, not reuse an earlier identity's token.
    transport = replace(transport_for(settings, endpoint), tokens=None)
    client = RegistryClient(endpoint, creds, attempts=2, transport=transport)
    try:
        client.ping()
    finally:
        client.close()
    store = _store(settings)
    helper = store.store(registry, creds)
    token_cache(settings).forget(registry)  # tokens of the previous identity
    return LoginResult(registry, str(store.path), helper)


def logout(settings: Settings, server: str | None) -> tuple[str, bool]:
    """Forget the credentials of a registry; (its config.json key, whether there were any)."""
    from nerdpy.remotes import DOCKER_HUB
    from nerdpy.remotes.credentials import auth_key
    from nerdpy.remotes.hosts import registry_from_server

    from nerdpy.remotes.transport import token_cache

    registry = registry_from_server(server) if server else DOCKER_HUB
    token_cache(settings).forget(registry)
    return auth_key(registry), _store(settings).erase(registry)


def registry_config(settings: Settings) -> dict[str, Any]:
    """Docker's SystemInfo.RegistryConfig: docker.io mirrors, insecure registries, and each
    registries.conf registry with its mirrors (IndexConfigs), for `nerdpy info`."""
    from nerdpy.remotes.mirrors import registry_config as config

    return config(settings)
