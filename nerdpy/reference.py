"""Docker image references: parse, validate, normalise, and shorten for display.

Grammar (Docker's distribution/reference)::

    reference  := name [ ":" tag ] [ "@" digest ]
    name       := [ domain "/" ] path-component ( "/" path-component )*
    domain     := host [ ":" port ]       first component with "." or ":", "localhost",
                                          or an upper-case letter
    path-comp  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"* ) [a-z0-9]+ )*
    tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
    digest     := "sha256:" 64 lower-case hex

Normalisation: no domain -> docker.io; a docker.io name with one component gets
"library/"; `index.docker.io` -> docker.io; no tag and no digest -> `:latest`.
"""

from __future__ import annotations

import re

from nerdpy.errors import InvalidArgument
from nerdpy.records import record

DEFAULT_DOMAIN = "docker.io"
LEGACY_DOMAIN = "index.docker.io"
OFFICIAL_PREFIX = "library/"
DEFAULT_TAG = "latest"
NAME_MAX = 255

_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*\Z")
_HOST = re.compile(
    r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
    r"|\[[0-9a-fA-F:]+\])(?::[0-9]+)?\Z"
)
_TAG = re.compile(r"[\w][\w.-]{0,127}\Z")
_DIGEST = re.compile(r"sha256:[a-f0-9]{64}\Z")
_HEX64 = re.compile(r"[a-f0-9]{64}\Z")


@record
class Reference:
    """A normalised reference; `tag` is None only when a digest is given."""

    domain: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """Full repository name: `docker.io/library/busybox`."""
        return f"{self.domain}/{self.path}"

    def __str__(self) -> str:
        text = self.name
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text

    @property
    def familiar_name(self) -> str:
        """The short repository name Docker shows: `busybox`, `user/app`, `localhost:5000/x`."""
        return familiar(self.name)

    def familiar(self) -> str:
        """The short reference Docker shows: `busybox:latest`."""
        return familiar(str(self))

    def with_tag(self, tag: str) -> "Reference":
        _check_tag(tag)
        return Reference(self.domain, self.path, tag, None)


def is_digest(text: str) -> bool:
    return bool(_DIGEST.match(text))


def check_digest(text: str) -> str:
    if not _DIGEST.match(text):
        raise InvalidArgument(f"invalid digest {text!r}", hint="expected sha256: and 64 lower-case hex digits")
    return text


def looks_like_id(text: str) -> bool:
    """A full image ID (64 hex), which Docker refuses as a repository name."""
    return bool(_HEX64.match(text))


def parse(text: str, default_tag: bool = True) -> Reference:
    """Parse and normalise `text`; raise InvalidArgument with a one-line reason."""
    if not text:
        raise InvalidArgument("invalid reference format: empty reference")
    rest, digest = text, None
    if "@" in rest:
        rest, _, digest = rest.partition("@")
        if not _DIGEST.match(digest):
            raise InvalidArgument(f"invalid reference format: bad digest in {text!r}")
    tag = None
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        rest, tag = rest[:colon], rest[colon + 1 :]
        _check_tag(tag, text)
    if looks_like_id(text):
        raise InvalidArgument(f"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings")
    domain, path = _split_domain(rest, text)
    for component in path.split("/"):
        if not _COMPONENT.match(component):
            if component.lower() != component and _COMPONENT.match(component.lower()):
                raise InvalidArgument(f"invalid reference format: repository name must be lowercase: {text!r}")
            raise InvalidArgument(f"invalid reference format: {text!r}")
    if len(domain) + 1 + len(path) > NAME_MAX:
        raise InvalidArgument(f"invalid reference format: repository name longer than {NAME_MAX} characters")
    if tag is None and digest is None and default_tag:
        tag = DEFAULT_TAG
    return Reference(domain, path, tag, digest)


def parse_name(text: str) -> Reference:
    """A repository name without tag or digest (`docker tag` / `import` targets use `parse`)."""
    ref = parse(text, default_tag=False)
    if ref.tag or ref.digest:
        raise InvalidArgument(f"invalid repository name {text!r}: tag or digest not allowed here")
    return ref


def familiar(full: str) -> str:
    """Shorten a normalised reference string the way Docker displays it."""
    prefix = DEFAULT_DOMAIN + "/"
    if full.startswith(prefix):
        full = full[len(prefix) :]
        if full.startswith(OFFICIAL_PREFIX) and "/" not in full[len(OFFICIAL_PREFIX) :].split(":")[0].split("@")[0]:
            full = full[len(OFFICIAL_PREFIX) :]
    return full


def _check_tag(tag: str, text: str | None = None) -> None:
    if not _TAG.match(tag):
        raise InvalidArgument(f"invalid reference format: invalid tag {tag!r}" + (f" in {text!r}" if text else ""))


def _split_domain(name: str, text: str) -> tuple[str, str]:
    first, sep, remainder = name.partition("/")
    if sep and (("." in first or ":" in first) or first == "localhost" or first.lower() != first):
        if not _HOST.match(first):
            raise InvalidArgument(f"invalid reference format: bad registry host {first!r} in {text!r}")
        domain, path = first, remainder
    else:
        domain, path = DEFAULT_DOMAIN, name
    if not path:
        raise InvalidArgument(f"invalid reference format: {text!r}")
    if domain == LEGACY_DOMAIN:
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in path:
        path = OFFICIAL_PREFIX + path
    return domain, path
