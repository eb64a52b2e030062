"""An up-to-date pull asks the registry with one stdlib manifest HEAD (nerdpy.remotes.probe) and
never imports requests; anything else (a changed tag, a 401 without a cached token, Basic auth)
falls back to the full client. Imports are observed with PYTHONPROFILEIMPORTTIME."""

from __future__ import annotations

import os
import stat
import uuid

import pytest

from tests.integration.registry_fake import fake  # noqa: F401 - fixture

pytestmark = pytest.mark.integration


def pull(nerdpy, ref: str, docker_config) -> tuple[str, bool]:
    """(stdout, whether requests was imported)."""
    env = {"PYTHONPROFILEIMPORTTIME": "1", "DOCKER_CONFIG": str(docker_config)}
    result = nerdpy("pull", ref, env=env)
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "nerdpy.images.pull" in imported, "import profiling did not work: the test would prove nothing"
    return result.stdout, "requests" in imported


def image(images):
    return images.build_image([images.LayerSpec().file("/payload", os.urandom(4096))])


def test_up_to_date_pull_uses_the_probe_and_a_changed_tag_the_full_client(nerdpy, registry, images, tmp_path):
    repo = f"probe-{uuid.uuid4().hex[:8]}"
    ref = f"{registry}/{repo}:v1"
    images.push(registry, repo, "v1", image(images))
    out, full = pull(nerdpy, ref, tmp_path)
    assert "Downloaded newer image" in out and full
    out, full = pull(nerdpy, ref, tmp_path)
    assert "Image is up to date" in out and not full
    newer = image(images)
    images.push(registry, repo, "v1", newer)
    out, full = pull(nerdpy, ref, tmp_path)
    assert "Downloaded newer image" in out and full
    assert nerdpy("image", "inspect", "--format", "{{.Id}}", ref).stdout.strip() == newer.id
    # Blobs gone from the store: the probe must not call the image present.
    nerdpy("rmi", ref)
    out, full = pull(nerdpy, ref, tmp_path)
    assert "Downloaded newer image" in out and full
    nerdpy("rmi", ref)


def test_cached_bearer_token_is_reused_and_a_401_falls_back(nerdpy, images, fake, tmp_path):
    fake.auth, fake.anonymous_tokens = "bearer", True
    fake.add("pub/app", "v1", image(images))
    ref = f"{fake.address}/pub/app:v1"
    cache = nerdpy.runtime_root / "registry-tokens"
    others = set(cache.rglob("*.json"))  # the runtime root is shared with earlier tests
    assert pull(nerdpy, ref, tmp_path)[1]
    tokens = [p for p in cache.rglob("*.json") if p not in others]
    assert tokens and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in tokens)
    assert b"tok-anonymous" in tokens[0].read_bytes()
    fake.seen.clear()
    out, full = pull(nerdpy, ref, tmp_path)
    assert "up to date" in out and not full
    [head] = fake.requests_for("/manifests/v1", "HEAD")
    assert head.headers.get("Authorization") == "Bearer tok-anonymous"
    assert not fake.requests_for("/token") and not fake.requests_for("/manifests/", "GET")

    for path in tokens:  # no token: the probe's anonymous HEAD gets a 401, requests takes over
        path.unlink()
    fake.seen.clear()
    out, full = pull(nerdpy, ref, tmp_path)
    assert "up to date" in out and full
    assert [s.headers.get("Authorization") for s in fake.requests_for("/manifests/v1", "HEAD")][0] is None
    assert fake.requests_for("/token")
    nerdpy("rmi", ref)


def test_basic_credentials_never_go_through_the_probe(nerdpy, images, fake, tmp_path):
    fake.auth = "basic"
    fake.add("priv/app", "v1", image(images))
    ref = f"{fake.address}/priv/app:v1"
    env = {"DOCKER_CONFIG": str(tmp_path)}
    nerdpy("login", "-u", "alice", "--password-stdin", fake.address, input="s3cret\n", env=env)
    pull(nerdpy, ref, tmp_path)
    fake.seen.clear()
    out, full = pull(nerdpy, ref, tmp_path)
    assert "up to date" in out and full
    probe, *rest = [s for s in fake.seen if s.method == "HEAD"]
    assert "Authorization" not in probe.headers  # the stdlib probe sent nothing
    assert any(s.headers.get("Authorization", "").startswith("Basic ") for s in fake.seen[1:])
    nerdpy("rmi", ref)
