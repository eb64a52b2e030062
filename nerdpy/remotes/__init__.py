"""Registry client: talk to OCI/Docker distribution registries (the v2 HTTP API).

Vocabulary first: media types nerdpy understands, where a registry lives
(`Endpoint`) and who we are to it (`Credentials`). Submodules:

- `hosts`: which scheme/host a registry name maps to (HTTPS unless loopback or insecure)
- `credentials`: Docker's config.json (`auths`, `credsStore`, `credHelpers`)
- `auth`: WWW-Authenticate parsing and the Bearer/Basic token flow
- `client`: `RegistryClient`, the HTTP calls (requests, imported lazily)
"""

from __future__ import annotations

import re

from nerdpy.errors import DataCorrupted
from nerdpy.records import record

MANIFEST_DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MANIFEST_OCI = "application/vnd.oci.image.manifest.v1+json"
INDEX_OCI = "application/vnd.oci.image.index.v1+json"

MANIFEST_TYPES = (MANIFEST_DOCKER_V2, MANIFEST_OCI)
INDEX_TYPES = (MANIFEST_DOCKER_LIST, INDEX_OCI)

# containerd's cap (4*1048*1048); layer/config media types live in nerdpy.images.manifest.
MAX_MANIFEST_SIZE = 4 * 1048 * 1048
MAX_TOKEN_SIZE = 1 << 20
MAX_ERROR_BODY = 64 * 1024

ACCEPT = ", ".join((*MANIFEST_TYPES, *INDEX_TYPES))
DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")


def check_digest(digest: str) -> str:
    """Validate before a digest goes into a URL or a path (CVE-2024-3727)."""
    if not DIGEST_RE.fullmatch(digest):
        raise DataCorrupted(f"invalid or unsupported digest {digest!r}")
    return digest


def pull_scope(repo: str) -> tuple[str, ...]:
    return (f"repository:{repo}:pull",)


DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/"


@record
class Endpoint:
    """Where a registry's v2 API is reached.

    `name` is the registry as written in references (docker.io, 127.0.0.1:5000);
    `host` is what we connect to. `insecure` allows plain HTTP and skips TLS
    verification; it is only ever true for loopback or --insecure-registry hosts.
    """

    name: str
    host: str
    scheme: str = "https"
    insecure: bool = False

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}"


@record
class Credentials:
    """A username and secret (or an identity token when username is "<token>")."""

    username: str
    secret: str

    @property
    def is_identity_token(self) -> bool:
        return self.username == "<token>"
