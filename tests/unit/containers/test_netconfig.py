"""network connect/disconnect as edits of the container's config (Docker keeps them there)."""

import pytest

from nerdpy.containers import CreateOptions
from nerdpy.containers.netconfig import (expand_network_flags, is_connected, network_aliases, network_ips, with_network,
                                         without_network)
from nerdpy.errors import InvalidArgument


def _is(name: str):
    return lambda n: n == name


def test_connect_appends_the_network_and_its_own_aliases_without_touching_the_original():
    config = {"HostConfig": {"NetworkMode": "a", "Networks": ["a"]}}
    joined = with_network(config, "b", ("db",))
    assert joined["HostConfig"]["Networks"] == ["a", "b"] and config["HostConfig"]["Networks"] == ["a"]
    assert network_aliases(joined["HostConfig"]) == (("b", ("db",)),)
    assert is_connected(joined, _is("b")) and not is_connected(config, _is("b"))


def test_disconnect_forgets_the_network_and_its_aliases_and_the_last_one_leaves_none():
    config = with_network({"HostConfig": {"NetworkMode": "a", "Networks": ["a"]}}, "b", ("db",))
    left = without_network(config, _is("b"))["HostConfig"]
    assert left["Networks"] == ["a"] and left["NetworkAliases"] == {} and left["NetworkMode"] == "a"
    first_gone = without_network(config, _is("a"))["HostConfig"]
    assert first_gone["Networks"] == ["b"] and first_gone["NetworkMode"] == "b"
    alone = without_network({"HostConfig": {"NetworkMode": "a", "Networks": ["a"]}}, _is("a"))["HostConfig"]
    assert alone["Networks"] == ["none"] and alone["NetworkMode"] == "none"


def test_connect_ip_is_kept_for_that_network_and_dropped_with_it():
    config = with_network({"HostConfig": {"NetworkMode": "a", "Networks": ["a"]}}, "b", (), "10.1.0.9")
    assert network_ips(config["HostConfig"]) == (("b", "10.1.0.9"),)
    assert network_ips(without_network(config, _is("b"))["HostConfig"]) == ()


def test_docker_network_flag_syntax_becomes_names_and_per_network_options():
    opts = expand_network_flags(CreateOptions(networks=(
        "name=front,alias=www,alias=web,mac-address=02:42:0a:00:00:01", "plain", " Name = back , IP = 10.2.0.7 ")))
    assert opts.networks == ("front", "plain", "back")
    assert opts.endpoint_aliases == (("front", ("www", "web")),) and opts.endpoint_ips == (("back", "10.2.0.7"),)
    assert opts.mac_address == "02:42:0a:00:00:01"
    untouched = CreateOptions(networks=("a", "b"))
    assert expand_network_flags(untouched) is untouched


@pytest.mark.parametrize("values, message", [
    (("name=a,bogus=1",), "invalid field key bogus"),
    (("alias=x",), "network name not specified"),
    (("name=a,alias",), "invalid field 'alias'"),
    (("name=a,driver-opt=x=y",), "not supported"),
    (("a", "name=b,mac-address=02:42:0a:00:00:01"), "first network only"),
])
def test_bad_network_flag_fields_are_refused(values, message):
    with pytest.raises(InvalidArgument, match=message):
        expand_network_flags(CreateOptions(networks=values))
