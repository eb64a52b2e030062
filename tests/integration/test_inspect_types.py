"""Top-level `inspect`: containers, images, networks and volumes; `--type` narrows (Docker's)."""

from __future__ import annotations

import json
import uuid


def test_inspect_finds_networks_and_volumes(nerdpy, busybox_image):
    tag = uuid.uuid4().hex[:8]
    net, vol = f"insp-n-{tag}", f"insp-v-{tag}"
    nerdpy("network", "create", net)
    nerdpy("volume", "create", vol)
    try:
        docs = json.loads(nerdpy("inspect", net, vol, busybox_image).stdout)
        assert [d.get("Name") for d in docs[:2]] == [net, vol]
        assert docs[2]["RepoTags"] == [busybox_image]
        assert nerdpy("inspect", "--type", "network", "-f", "{{.Name}}", net).stdout.strip() == net
        assert nerdpy("inspect", "--type", "volume", "-f", "{{.Mountpoint}}", vol).stdout.strip()
        wrong = nerdpy("inspect", "--type", "volume", net, check=False)
        assert wrong.returncode == 1 and f"Error: No such volume: {net}" in wrong.stderr
        bad = nerdpy("inspect", "--type", "bogus", net, check=False)
        assert bad.returncode == 1 and 'unknown type: "bogus": must be one of "container", "image"' in bad.stderr
    finally:
        nerdpy("network", "rm", net, check=False)
        nerdpy("volume", "rm", vol, check=False)
