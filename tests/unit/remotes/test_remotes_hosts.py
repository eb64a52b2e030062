import pytest

from nerdpy.errors import InvalidArgument
from nerdpy.remotes.hosts import endpoint_for, is_insecure, is_loopback, registry_from_server, split_host


@pytest.mark.parametrize("name", ["localhost", "localhost:5000", "127.0.0.1:5000", "127.8.9.10",
                                  "[::1]:5000", "foo.localhost:80"])
def test_loopback_names(name):
    assert is_loopback(name)


@pytest.mark.parametrize("name", ["docker.io", "10.0.0.1:5000", "myregistry:5000", "[2001:db8::1]:5000",
                                  "localhost.example.com"])
def test_non_loopback_names(name):
    assert not is_loopback(name)


def test_docker_hub_maps_to_its_api_host_over_https():
    ep = endpoint_for("docker.io", ["docker.io"])
    assert (ep.host, ep.scheme, ep.insecure) == ("registry-1.docker.io", "https", False)


def test_https_and_verified_by_default():
    ep = endpoint_for("registry.example.com:5000")
    assert ep.base_url == "https://registry.example.com:5000" and not ep.insecure


def test_loopback_and_listed_registries_are_insecure():
    assert endpoint_for("127.0.0.1:5000").insecure
    assert endpoint_for("reg.lan:5000", ["reg.lan:5000"]).insecure
    assert endpoint_for("reg.lan:5000", ["http://reg.lan"]).insecure
    assert not endpoint_for("reg.lan:5000", ["other.lan:5000"]).insecure
    assert is_insecure("10.1.2.3:5000", ["10.0.0.0/8"])
    assert not is_insecure("11.1.2.3:5000", ["10.0.0.0/8"])


def test_split_host_and_bad_port():
    assert split_host("[::1]:5000") == ("::1", 5000)
    assert split_host("Reg.Example:443") == ("reg.example", 443)
    with pytest.raises(InvalidArgument):
        split_host("reg:abc")


@pytest.mark.parametrize("server,expected", [
    ("https://index.docker.io/v1/", "docker.io"), ("docker.io", "docker.io"),
    ("http://127.0.0.1:5000/", "127.0.0.1:5000"), ("reg.example/path", "reg.example")])
def test_registry_from_server(server, expected):
    assert registry_from_server(server) == expected


def test_loopback_tries_plain_http_first_others_https():
    assert endpoint_for("127.0.0.1:5000").scheme == "http"
    assert endpoint_for("reg.lan:5000", ["reg.lan:5000"]).scheme == "https"
