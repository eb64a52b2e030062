"""Registry mirrors (issue 14 #18): podman's registries.conf mirrors per registry and
Docker's `registry-mirrors` for docker.io, with fallback to the registry itself.

The mirror is the real test registry; the upstream is a recording fake registry, so
"the upstream never saw the request" is checked, not assumed.
"""

from __future__ import annotations

import os

import pytest

from tests.fixtures.images import free_port
from tests.integration.registry_fake import fake  # noqa: F401 - fixture

pytestmark = pytest.mark.integration

_TAG = f"u{os.getuid()}"  # root and the test user share the session registry


def _conf(tmp_path, text: str) -> dict[str, str]:
    path = tmp_path / "registries.conf"
    path.write_text(text)
    return {"CONTAINERS_REGISTRIES_CONF": str(path)}


def test_registries_conf_mirror_serves_the_pull_and_upstream_is_not_contacted(
        nerdpy, registry, busybox_built, images, fake, tmp_path):
    images.push(registry, "hub/team/mirrored", _TAG, busybox_built)
    env = _conf(tmp_path, f'[[registry]]\nlocation = "{fake.address}"\n'
                          f'[[registry.mirror]]\nlocation = "{registry}/hub"\n')
    ref = f"{fake.address}/team/mirrored:{_TAG}"
    result = nerdpy("pull", ref, env=env, timeout=120)
    assert f"Downloaded newer image for {ref}" in result.stdout
    assert fake.seen == []  # everything came from the mirror
    listed = nerdpy("images", "--format", "{{.Repository}}:{{.Tag}}", env=env).stdout.split()
    assert ref in listed
    # A second pull checks the tag at the mirror too (the up-to-date probe).
    assert "Image is up to date" in nerdpy("pull", ref, env=env).stdout
    assert fake.seen == []
    info = nerdpy("info", env=env, check=False).stdout
    assert f"Registry Mirrors:\n  {registry}/hub (for {fake.address})" in info
    nerdpy("rmi", ref)


def test_failing_mirrors_fall_back_to_the_registry(nerdpy, registry, busybox_built, images, fake, tmp_path):
    images.push(registry, "fallback/bb", _TAG, busybox_built)
    dead = f"127.0.0.1:{free_port()}"
    env = _conf(tmp_path, f'[[registry]]\nlocation = "{registry}"\n'
                          f'[[registry.mirror]]\nlocation = "{dead}"\n'
                          f'[[registry.mirror]]\nlocation = "{fake.address}/cache"\n')
    ref = f"{registry}/fallback/bb:{_TAG}"
    result = nerdpy("pull", ref, env=env, timeout=120)
    assert f"Downloaded newer image for {ref}" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if "mirror" in line]
    assert len(warnings) == 2, result.stderr
    assert dead in warnings[0] and f"pulling from {fake.address}" in warnings[0]
    assert fake.address in warnings[1] and f"pulling from {registry}" in warnings[1]
    # The unknown manifest at the second mirror was asked for under its namespace.
    assert fake.requests_for(f"/v2/cache/fallback/bb/manifests/{_TAG}")
    nerdpy("rmi", ref)


def test_digest_only_mirror_is_skipped_for_a_tag(nerdpy, registry, busybox_built, images, fake, tmp_path):
    images.push(registry, "digestonly/bb", _TAG, busybox_built)
    env = _conf(tmp_path, f'[[registry]]\nlocation = "{registry}"\nmirror-by-digest-only = true\n'
                          f'[[registry.mirror]]\nlocation = "{fake.address}"\n')
    ref = f"{registry}/digestonly/bb:{_TAG}"
    result = nerdpy("pull", ref, env=env, timeout=120)
    assert "mirror" not in result.stderr and fake.seen == []
    nerdpy("rmi", ref)


def test_docker_registry_mirrors_serve_docker_io(nerdpy, registry, busybox_built, images, tmp_path):
    # Docker's daemon.json `registry-mirrors`: docker.io's library/NAME comes from the mirror
    # (this machine has no route to Docker Hub, so success proves the mirror served it).
    name = f"nerdpy-mirror-test-{_TAG}"
    images.push(registry, f"library/{name}", "v1", busybox_built)
    config = tmp_path / "nerdpy.toml"
    config.write_text(f'registry_mirrors = ["http://{registry}"]\n')
    env = {"NERDPY_CONFIG": str(config)}
    result = nerdpy("pull", f"{name}:v1", env=env, timeout=120)
    assert f"Downloaded newer image for {name}:v1" in result.stdout
    assert f"docker.io/library/{name}:v1" in result.stdout
    info = nerdpy("info", env=env, check=False).stdout
    assert f"Registry Mirrors:\n  http://{registry}/" in info
    nerdpy("rmi", f"{name}:v1")


def test_blocked_registry_and_bad_mirror_url_are_one_line_errors(nerdpy, registry, tmp_path):
    env = _conf(tmp_path, f'[[registry]]\nlocation = "{registry}"\nblocked = true\n')
    result = nerdpy("pull", f"{registry}/any/thing:v1", env=env, check=False)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: registry {registry} is blocked in registries.conf")
    config = tmp_path / "nerdpy.toml"
    config.write_text('registry_mirrors = ["mirror.example/path"]\n')
    result = nerdpy("pull", "busybox:v1", env={"NERDPY_CONFIG": str(config)}, check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "invalid registry mirror 'mirror.example/path'" in result.stderr
