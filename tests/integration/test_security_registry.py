"""What nerdpy promises against a hostile registry (a fake one: registry_fake.py).

- Credentials go only to the registry's own origin (scheme, host and port): not to
  an upload Location on another port, even one whose address starts with the
  registry's (`127.0.0.1:50570` for a registry on `127.0.0.1:5057`), nor through
  a redirect.
- A manifest or config descriptor declaring more than the limits (4 MiB, 8 MiB)
  is refused before anything is fetched.
"""

from __future__ import annotations

import hashlib
import json
import random

import pytest

from nerdpy.remotes import Credentials, Endpoint
from nerdpy.remotes.client import RegistryClient
from tests.integration.registry_fake import FakeRegistry, fake  # noqa: F401 - fixture

pytestmark = pytest.mark.integration
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def _start(port: int, **kwargs) -> FakeRegistry | None:
    try:
        return FakeRegistry(port_wanted=port, **kwargs).start()
    except OSError:
        return None


@pytest.fixture
def prefix_pair():
    """A registry on port P (with Basic auth) and another server on a port whose
    digits start with P's (P=5057: 50570-50579)."""
    for port in random.sample(range(2000, 6553), 100):
        registry = _start(port, auth="basic")
        if registry is None:
            continue
        other = next(filter(None, (_start(port * 10 + d) for d in range(10))), None)
        if other is not None:
            yield registry, other
            other.stop()
            registry.stop()
            return
        registry.stop()
    pytest.fail("no free pair of ports P, P*10+d")


def _client(registry: FakeRegistry) -> RegistryClient:
    endpoint = Endpoint(registry.address, registry.address, "http", True)
    return RegistryClient(endpoint, Credentials("alice", "s3cret"), backoff=0.01)


def _authorizations(server: FakeRegistry) -> list[str]:
    return [s.headers["Authorization"] for s in server.seen if "Authorization" in s.headers]


def test_credentials_stay_with_the_registry_origin(prefix_pair) -> None:
    registry, other = prefix_pair
    blob = b"layer bytes"
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    registry.upload_location = f"http://127.0.0.1:{other.port}/v2/sec/blobs/uploads/u1"
    client = _client(registry)
    try:
        location = client.start_upload("sec", digest)
        assert location is not None and f":{other.port}/" in location
        client.finish_upload("sec", client.upload_chunk("sec", location, blob, 0), digest, None)
        # Redirected blob downloads do not carry them either.
        registry.redirect_blobs_to = f"http://127.0.0.1:{other.port}"
        other.blobs[digest] = blob
        resp, _ = client.open_blob("sec", digest)
        with resp:
            assert resp.content == blob
    finally:
        client.close()
    assert [s.method for s in other.seen] == ["PATCH", "PUT", "GET"]  # the upload and the blob went there
    assert _authorizations(registry) and _authorizations(other) == []


def _hostile_manifest(fake: FakeRegistry, images, config_size: int) -> str:
    img = images.build_image([images.LayerSpec().file("/x", b"x")])
    fake.add("sec/img", "v1", img)
    manifest = json.loads(img.manifest.data)
    manifest["config"]["size"] = config_size
    body = json.dumps(manifest).encode()
    fake.manifests[("sec/img", "v1")] = (body, OCI_MANIFEST)
    return img.config.digest


def test_oversized_config_descriptor_is_refused_before_fetching(nerdpy, images, fake) -> None:
    config = _hostile_manifest(fake, images, config_size=(8 << 20) + 1)
    result = nerdpy("pull", f"{fake.address}/sec/img:v1", check=False)
    assert result.returncode == 125 and "over the 8388608-byte limit" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert fake.requests_for(config) == []


def test_oversized_manifest_descriptor_is_refused_before_fetching(nerdpy, images, fake) -> None:
    img = images.build_image([images.LayerSpec().file("/x", b"x")])
    fake.add("sec/idx", "child", img)
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        {"mediaType": OCI_MANIFEST, "digest": img.digest, "size": (4 << 20) + 1,
         "platform": {"architecture": img.platform["architecture"], "os": "linux"}}]}
    fake.manifests[("sec/idx", "v1")] = (json.dumps(index).encode(), OCI_INDEX)
    result = nerdpy("pull", f"{fake.address}/sec/idx:v1", check=False)
    assert result.returncode == 125 and "over the 4194304-byte limit" in result.stderr, result.stderr
    assert fake.requests_for(f"/manifests/{img.digest}") == []
