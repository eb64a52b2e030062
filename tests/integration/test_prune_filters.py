"""Docker's prune filters (issue 14 #17): `until=` and `label=`/`label!=` for container and
network prune (and system prune), and `system prune --volumes` taking the volumes that
`volume create` made without a name (Docker labels them com.docker.volume.anonymous)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import requires

pytestmark = pytest.mark.integration


@requires("runc", "userns", "busybox")
def test_container_and_network_prune_filters(fresh_nerdpy, busybox_tar):
    nerdpy = fresh_nerdpy
    nerdpy("load", "-i", busybox_tar)
    kept = nerdpy("create", "--label", "keep=1", "busybox:latest", "true").stdout.strip()
    plain = nerdpy("create", "busybox:latest", "true").stdout.strip()
    # Created just now: not before an hour ago, so `until=1h` takes nothing.
    assert "Deleted Containers" not in nerdpy("container", "prune", "-f", "--filter", "until=1h").stdout
    out = nerdpy("container", "prune", "-f", "--filter", "label!=keep=1", "--filter", "until=0s").stdout
    assert plain in out and kept not in out
    assert nerdpy("ps", "-aq", "--no-trunc").stdout.split() == [kept]
    nerdpy("network", "create", "--label", "team=a", "pf-a")
    nerdpy("network", "create", "pf-b")
    assert "Deleted Networks" not in nerdpy("network", "prune", "-f", "--filter", "until=1h").stdout
    assert nerdpy("network", "prune", "-f", "--filter", "label=team=a").stdout.split() == ["Deleted", "Networks:",
                                                                                           "pf-a"]
    bad = nerdpy("container", "prune", "-f", "--filter", "name=x", check=False)
    assert bad.returncode == 125 and bad.stderr.startswith("Error: invalid filter 'name'")
    assert len(bad.stderr.strip().splitlines()) == 1
    bad = nerdpy("network", "prune", "-f", "--filter", "until=yesterday", check=False)
    assert bad.returncode == 125 and "until" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    # system prune passes until to containers and networks too.
    out = nerdpy("system", "prune", "-f", "--filter", "until=1h").stdout
    assert kept not in out and "pf-b" not in out
    out = nerdpy("system", "prune", "-f").stdout
    assert kept in out and "pf-b" in out


def test_system_prune_volumes_takes_nameless_created_volumes(fresh_nerdpy):
    nerdpy = fresh_nerdpy
    nameless = nerdpy("volume", "create").stdout.strip()
    nerdpy("volume", "create", "pf-named")
    labels = json.loads(nerdpy("volume", "inspect", nameless).stdout)[0]["Labels"]
    assert labels == {"com.docker.volume.anonymous": ""}
    out = nerdpy("system", "prune", "-f", "--volumes").stdout
    assert "Deleted Volumes:\n" + nameless in out
    assert nerdpy("volume", "ls", "-q").stdout.split() == ["pf-named"]


def test_network_remove_and_list_spellings(fresh_nerdpy):
    # Docker's `network remove` / `network list`, as `volume remove` / `volume list` already are.
    fresh_nerdpy("network", "create", "pf-spell")
    assert "pf-spell" in fresh_nerdpy("network", "list", "--format", "{{.Name}}").stdout.split()
    assert fresh_nerdpy("network", "remove", "pf-spell").stdout.strip() == "pf-spell"
    assert "pf-spell" not in fresh_nerdpy("network", "ls", "--format", "{{.Name}}").stdout.split()
