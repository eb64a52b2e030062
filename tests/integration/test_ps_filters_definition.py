"""`ps --filter` on a container's definition: network=, publish=, expose=, volume=, is-task= (Docker's)."""

from __future__ import annotations

import uuid


def test_ps_definition_filters(nerdpy, busybox_image):
    tag = uuid.uuid4().hex[:8]
    a, b = f"psf-a-{tag}", f"psf-b-{tag}"
    nerdpy("create", "--name", a, "--network", "none", "-p", "8080:80", "--expose", "9000/udp",
           "-v", f"vol-{tag}:/data", busybox_image, "true")
    nerdpy("create", "--name", b, busybox_image, "true")

    def names(*filters: str) -> set[str]:
        argv = ["ps", "-a", "--format", "{{.Names}}", "--filter", "name=psf-"]
        for f in filters:
            argv += ["--filter", f]
        return {n for n in nerdpy(*argv).stdout.split() if n.endswith(tag)}

    try:
        assert names("network=none") == {a}
        assert names("network=bridge") == {b}
        assert names("publish=80") == {a} and names("publish=79-81/tcp") == {a}
        assert names("publish=80/udp") == set() and names("publish=8080") == set()
        assert names("expose=9000/udp") == {a} and names("expose=80") == {a}  # -p exposes its port too
        assert names("expose=9000") == set()
        assert names(f"volume=vol-{tag}") == {a} and names("volume=/data") == {a}
        assert names("is-task=false") == {a, b} and names("is-task=true") == set()
        bad = nerdpy("ps", "--filter", "publish=abc", check=False)
        assert bad.returncode != 0 and bad.stderr.startswith("Error: ") and len(bad.stderr.splitlines()) <= 2
        bad = nerdpy("ps", "--filter", "is-task=maybe", check=False)
        assert bad.returncode != 0 and "is-task=maybe" in bad.stderr
    finally:
        nerdpy("rm", "-f", a, b, check=False)
        nerdpy("volume", "rm", f"vol-{tag}", check=False)
