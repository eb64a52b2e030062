"""Concurrent commands never fail on a busy database (issue 18): rounds of 20 pulls,
runs, rms and prunes at once on a fresh store, as a user's scripts or CI jobs do."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import requires
from tests.integration.registry_fake import fake  # noqa: F401 - fixture

pytestmark = [pytest.mark.integration, requires("runc", "newuidmap", "busybox")]

ROUNDS = 2  # the chaos run did 10; 2 rounds already start 40 commands at once, most of them writers


def test_twenty_concurrent_pulls_runs_rms_and_prunes(fresh_nerdpy, busybox_built, fake):
    np = fresh_nerdpy
    fake.add("stress/busybox", "v1", busybox_built)
    image = f"{fake.address}/stress/busybox:v1"
    previous: list[str] = []
    failures: list[str] = []
    with ThreadPoolExecutor(max_workers=20) as pool:
        for _ in range(ROUNDS):
            jobs = [("pull", "-q", image)] * 5
            jobs += [("run", "-d", "--network", "none", "-l", "stress=1", image, "sleep", "60")] * 5
            jobs += [("rm", "-f", cid) for cid in previous] or [("ps", "-a")] * 5
            jobs += [("system", "prune", "-f"), ("container", "prune", "-f"), ("image", "prune", "-f"),
                     ("system", "df"), ("images",)]
            results = list(pool.map(lambda argv: (argv, np(*argv, check=False, timeout=120)), jobs))
            failures += [f"{' '.join(argv)}: {r.returncode} {r.stderr.strip()}" for argv, r in results
                         if r.returncode != 0]
            previous = [r.stdout.strip() for argv, r in results if argv[0] == "run" and r.returncode == 0]
    assert not failures, "\n".join(failures)
    if previous:
        np("rm", "-f", *previous, timeout=120)
    assert np("ps", "-aq", "--filter", "label=stress=1").stdout.strip() == ""
