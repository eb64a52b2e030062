"""nerdpy.remotes.mirrors: registries.conf rules and the order of pull sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from nerdpy.config import load_settings
from nerdpy.errors import InvalidArgument, PermissionDenied
from nerdpy.remotes import mirrors

CONF = """
unqualified-search-registries = ["docker.io"]
[[registry]]
location = "docker.io"
[[registry.mirror]]
location = "mirror.example/hub"
[[registry.mirror]]
location = "10.0.0.5:5000"
insecure = true
pull-from-mirror = "digest-only"

[[registry]]
prefix = "quay.io/team"
location = "quay-proxy.example/team"

[[registry]]
location = "quay.io"
blocked = true
"""


def _settings(tmp_path: Path, conf: str = CONF, config: str = "") -> object:
    (tmp_path / "registries.conf").write_text(conf)
    (tmp_path / "nerdpy.toml").write_text(config)
    mirrors._loaded.clear()
    return load_settings(env={"CONTAINERS_REGISTRIES_CONF": str(tmp_path / "registries.conf"),
                              "NERDPY_CONFIG": str(tmp_path / "nerdpy.toml"), "HOME": str(tmp_path)})


def _where(sources: list) -> list[tuple[str, str, str, bool]]:
    return [(s.endpoint.scheme, s.endpoint.host, s.repo, s.mirror) for s in sources]


def test_mirrors_in_order_then_the_registry_with_namespace_rewrite(tmp_path):
    settings = _settings(tmp_path)
    by_tag = mirrors.pull_sources(settings, "docker.io", "library/busybox", by_digest=False)
    assert _where(by_tag) == [("https", "mirror.example", "hub/library/busybox", True),
                              ("https", "registry-1.docker.io", "library/busybox", False)]
    by_digest = mirrors.pull_sources(settings, "docker.io", "library/busybox", by_digest=True)
    assert [s.endpoint.host for s in by_digest] == ["mirror.example", "10.0.0.5:5000", "registry-1.docker.io"]
    assert by_digest[1].endpoint.insecure and not by_digest[0].endpoint.insecure


def test_longest_prefix_wins_and_location_redirects(tmp_path):
    settings = _settings(tmp_path)
    assert _where(mirrors.pull_sources(settings, "quay.io", "team/app", False)) == [
        ("https", "quay-proxy.example", "team/app", False)]
    with pytest.raises(PermissionDenied, match="blocked"):
        mirrors.pull_sources(settings, "quay.io", "other/app", False)
    # "quay.io/teamwork" is not under the "quay.io/team" namespace.
    with pytest.raises(PermissionDenied):
        mirrors.pull_sources(settings, "quay.io", "teamwork/app", False)


def test_docker_registry_mirrors_apply_to_docker_io_only(tmp_path):
    settings = _settings(tmp_path, conf="", config='registry_mirrors = ["http://127.0.0.1:5000", "https://m.example/"]\n')
    assert _where(mirrors.pull_sources(settings, "docker.io", "library/x", False)) == [
        ("http", "127.0.0.1:5000", "library/x", True), ("https", "m.example", "library/x", True),
        ("https", "registry-1.docker.io", "library/x", False)]
    assert _where(mirrors.pull_sources(settings, "ghcr.io", "a/b", False)) == [("https", "ghcr.io", "a/b", False)]
    assert mirrors.registry_config(settings)["Mirrors"] == ["http://127.0.0.1:5000/", "https://m.example/"]


@pytest.mark.parametrize("url", ["mirror.example", "ftp://m.example", "https://m.example/path", "https://"])
def test_bad_docker_mirror_urls(url):
    with pytest.raises(InvalidArgument, match="invalid registry mirror"):
        mirrors.docker_mirror(url, ())


def test_insecure_from_registries_conf_and_v1_lists(tmp_path):
    settings = _settings(tmp_path, conf='[registries.insecure]\nregistries = ["old.example:5000"]\n'
                                         '[registries.block]\nregistries = ["bad.example"]\n')
    assert "old.example:5000" in mirrors.insecure_registries(settings)
    assert mirrors.pull_sources(settings, "old.example:5000", "a", False)[0].endpoint.insecure
    with pytest.raises(PermissionDenied):
        mirrors.pull_sources(settings, "bad.example", "a", False)


@pytest.mark.parametrize("conf, message", [
    ("[[registry]]\nlocation = 5\n", "location must be a string"),
    ("[[registry]]\nlocation = \"a\"\n[[registry.mirror]]\ninsecure = true\n", "needs a location"),
    ("[[registry]]\nlocation = \"a\"\n[[registry.mirror]]\nlocation = \"b\"\npull-from-mirror = \"x\"\n",
     "pull-from-mirror"),
    ("[[registry]\n", "invalid registries.conf"),
])
def test_bad_registries_conf(conf, message):
    with pytest.raises(InvalidArgument, match=message):
        mirrors.parse_registries_conf(conf)


def test_user_file_replaces_the_system_file(tmp_path):
    settings = load_settings(env={"XDG_CONFIG_HOME": str(tmp_path), "NERDPY_CONFIG": str(tmp_path / "none"),
                                  "HOME": str(tmp_path)})
    assert settings.registries_conf == (tmp_path / "containers" / "registries.conf",
                                        Path("/etc/containers/registries.conf"))
