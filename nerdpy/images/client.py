"""The registry client of a pull or push, with the user's stored credentials."""

from __future__ import annotations


from nerdpy.config import Settings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def make_client(settings: Settings, registry: str, endpoint: Any = None) -> Any:
    """A RegistryClient for `registry` (or a mirror's `endpoint`) with the user's stored credentials."""
    from nerdpy.remotes.client import RegistryClient
    from nerdpy.remotes.credentials import CredentialStore
    from nerdpy.remotes.hosts import endpoint_for
    from nerdpy.remotes.mirrors import insecure_registries
    from nerdpy.remotes.transport import transport_for

    if endpoint is None:
        endpoint = endpoint_for(registry, insecure_registries(settings))
    creds = None
    if settings.docker_config_dir is not None:
        creds = CredentialStore(settings.docker_config_dir / "config.json").get(endpoint.name)
    return RegistryClient(endpoint, creds, transport=transport_for(settings, endpoint))
