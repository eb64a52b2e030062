"""network connect/disconnect as edits of the container's config (Docker keeps them there)."""

from nerdpy.containers.netconfig import is_connected, network_aliases, with_network, without_network


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
