"""Typed Docker clients decode nerdpy's inspect documents: each one checked against
the Engine API's shapes (tests/fixtures/engine_api.py), for running, created and
stopped containers on the default and a user network, and for images, networks
and volumes."""

from __future__ import annotations

import json

import pytest

from tests.conftest import requires
from tests.fixtures import engine_api

pytestmark = pytest.mark.integration


def _inspect(nerdpy, *args: str) -> dict:
    return json.loads(nerdpy("inspect", *args).stdout)[0]


@requires("runc", "userns", "busybox")
def test_inspect_documents_follow_the_engine_api(nerdpy, busybox_image):
    net = nerdpy("network", "create", "schema-net").stdout.strip()
    nerdpy("volume", "create", "schema-vol")
    running = nerdpy("run", "-d", "--network", net, "-p", "127.0.0.1::80", "-p", "8000-8001:70-71/udp",
                     "--tmpfs", "/run:size=1m", "-v", "schema-vol:/data", busybox_image, "sleep", "60").stdout.strip()
    created = nerdpy("create", "--network", "schema-net", "--expose", "53/udp", "--restart", "on-failure:2",
                     busybox_image, "true").stdout.strip()
    exited = nerdpy("run", "-d", busybox_image, "true").stdout.strip()
    nerdpy("wait", exited)
    try:
        docs = {"running": _inspect(nerdpy, running), "created": _inspect(nerdpy, created),
                "exited": _inspect(nerdpy, exited)}
        for name, doc in docs.items():
            assert engine_api.check(doc, engine_api.CONTAINER) == [], name
        run = docs["running"]
        assert run["HostConfig"]["PortBindings"] == {
            "80/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}],
            "70/udp": [{"HostIp": "", "HostPort": "8000"}], "71/udp": [{"HostIp": "", "HostPort": "8001"}]}
        assert run["HostConfig"]["Tmpfs"] == {"/run": "size=1m"}
        assert run["HostConfig"]["RestartPolicy"] == {"Name": "no", "MaximumRetryCount": 0}
        assert set(run["Config"]["ExposedPorts"]) == {"80/tcp", "70/udp", "71/udp"}
        # Keyed by the network's name even when --network named its ID, with the address filled.
        endpoint = run["NetworkSettings"]["Networks"]["schema-net"]
        assert endpoint["NetworkID"] == net and endpoint["IPAddress"] and endpoint["Gateway"]
        assert endpoint["IPPrefixLen"] > 0 and endpoint["MacAddress"]
        assert list(docs["created"]["NetworkSettings"]["Networks"]) == ["schema-net"]
        assert docs["created"]["Config"]["ExposedPorts"] == {"53/udp": {}}
        assert docs["created"]["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 2}
        assert docs["created"]["HostConfig"]["PortBindings"] is None
        assert engine_api.check(_inspect(nerdpy, "--type", "image", busybox_image), engine_api.IMAGE) == []
        network = json.loads(nerdpy("network", "inspect", "schema-net").stdout)[0]
        assert engine_api.check(network, engine_api.NETWORK) == []
        volume = json.loads(nerdpy("volume", "inspect", "schema-vol").stdout)[0]
        assert engine_api.check(volume, engine_api.VOLUME) == []
    finally:
        nerdpy("rm", "-f", running, created, exited, check=False)
        nerdpy("network", "rm", "schema-net", check=False)
        nerdpy("volume", "rm", "schema-vol", check=False)
