"""How to reach one registry beyond its address: TLS material (certs.d), proxy, token cache.

certs.d, the Docker way: `<dir>/<host[:port]>/` holds `*.crt` files (CA roots added to
the public ones for that registry only) and `*.cert`/`*.key` pairs (a client certificate
for mutual TLS). Directories searched, first hit per file name wins:

    <config_dir>/certs.d             nerdpy's own ($XDG_CONFIG_HOME/nerdpy rootless, /etc/nerdpy root)
    <config_dir>/../containers/certs.d   podman's per-user dir (~/.config/containers) when rootless
    /etc/docker/certs.d, /etc/containers/certs.d

The extra CAs are combined with certifi's bundle (what requests trusts) into one PEM file
under the runtime root, so requests and the stdlib probe verify against exactly the same roots.

Proxies: HTTP_PROXY/HTTPS_PROXY/NO_PROXY (read by nerdpy.config) as Go applies them:
never for loopback, NO_PROXY entries match a host or its domain suffix, `*` disables.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Mapping

from nerdpy.config import Settings
from nerdpy.errors import InvalidArgument
from nerdpy.paths import private_dirs, write_private
from nerdpy.records import record
from nerdpy.remotes import Endpoint
from nerdpy.remotes.hosts import is_loopback, split_host
from nerdpy.remotes.tokens import TokenCache

SYSTEM_CERTS_DIRS = (Path("/etc/docker/certs.d"), Path("/etc/containers/certs.d"))


@record
class Transport:
    ca_files: tuple[str, ...] = ()  # certs.d CA roots, added to the public ones
    client_cert: tuple[str, str] | None = None  # (cert, key) for mutual TLS
    proxy: str | None = None  # proxy URL for this registry's scheme
    tokens: TokenCache | None = None
    bundle_dir: Path | None = None  # where a combined CA bundle may be written

    def verify(self) -> str:
        """The CA bundle both HTTP stacks verify with."""
        import certifi

        if not self.ca_files:
            return str(certifi.where())
        return _combined_bundle(Path(certifi.where()), self.ca_files, self.bundle_dir)


def certs_dirs(settings: Settings) -> list[Path]:
    config = settings.layout.config_dir
    dirs = [config / "certs.d"]
    if settings.rootless:
        dirs.append(config.parent / "containers" / "certs.d")
    return dirs + list(SYSTEM_CERTS_DIRS)


def find_tls_files(dirs: list[Path], registry: str) -> tuple[tuple[str, ...], tuple[str, str] | None]:
    """(CA files, client cert pair) for `registry` ("host:port" as in references)."""
    cas: dict[str, str] = {}
    client: tuple[str, str] | None = None
    for base in dirs:
        folder = base / registry
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            path = str(folder / name)
            if name.endswith(".crt"):
                cas.setdefault(name, path)
            elif name.endswith(".cert") and client is None:
                key = name[: -len(".cert")] + ".key"
                if key not in names:
                    raise InvalidArgument(f"missing key {key} for client certificate {path}",
                                          hint="certs.d needs a .key beside each .cert")
                client = (path, str(folder / key))
            elif name.endswith(".key") and name[: -len(".key")] + ".cert" not in names:
                raise InvalidArgument(f"missing client certificate {name[:-4]}.cert for key {path}")
    return tuple(cas.values()), client


def proxy_for(env: Mapping[str, str], scheme: str, registry: str) -> str | None:
    """The proxy URL for `scheme://registry`, or None (Go's httpproxy rules, simplified)."""
    if not env or is_loopback(registry):
        return None
    proxy = env.get(f"{scheme}_proxy") or env.get(f"{scheme.upper()}_PROXY")
    if not proxy:
        return None
    host, port = split_host(registry)
    for entry in (env.get("no_proxy") or env.get("NO_PROXY") or "").split(","):
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return None
        name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if entry_port and str(port or "") != entry_port:
            continue
        name = name.lstrip("*")
        if host == name.lstrip(".") or (name.startswith(".") and host.endswith(name)) \
                or host.endswith("." + name):
            return None
    return proxy if "://" in proxy else "http://" + proxy


def token_cache(settings: Settings) -> TokenCache:
    return TokenCache(settings.layout.runtime_root, str(settings.docker_config_dir or ""))


def transport_for(settings: Settings, endpoint: Endpoint) -> Transport:
    cas, client = find_tls_files(certs_dirs(settings), endpoint.name)
    proxy_env = settings.extra.get("proxy_env") or {}
    return Transport(cas, client, proxy_for(proxy_env, endpoint.scheme, endpoint.host),
                     token_cache(settings), settings.layout.runtime_root / "registry-tls")


def _combined_bundle(public: Path, ca_files: tuple[str, ...], directory: Path | None) -> str:
    parts = [public.read_bytes()]
    for path in ca_files:
        try:
            parts.append(Path(path).read_bytes())
        except OSError as exc:
            raise InvalidArgument(f"cannot read CA certificate {path}: {exc.strerror}") from None
    data = b"\n".join(parts)
    if directory is None:
        raise InvalidArgument("no directory for the combined CA bundle")
    target = directory / (hashlib.sha256(data).hexdigest()[:32] + ".pem")
    if not target.exists():
        private_dirs(directory)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        write_private(tmp, data)
        os.replace(tmp, target)
    return str(target)
