"""A service's per-network `aliases` and `ipv4_address` hold on their own network
only, whichever network is listed first."""

import json

import pytest

pytestmark = pytest.mark.integration


def test_aliases_and_address_per_network(compose, nerdpy):
    c = compose("endpoints")
    c("up", "-d")
    nets = json.loads(nerdpy("inspect", "endpoints-api-1").stdout)[0]["NetworkSettings"]["Networks"]
    assert nets["endpoints_back"]["IPAddress"] == "10.83.0.7"
    assert not nets["endpoints_front"]["IPAddress"].startswith("10.83.")
    assert {"api", "www"} <= set(nets["endpoints_front"]["Aliases"]) and "store" not in nets["endpoints_front"]["Aliases"]
    assert {"api", "store"} <= set(nets["endpoints_back"]["Aliases"]) and "www" not in nets["endpoints_back"]["Aliases"]
    assert "Address" in c("exec", "-T", "probe", "nslookup", "www").stdout
    assert c("exec", "-T", "probe", "nslookup", "store", check=False).returncode != 0
