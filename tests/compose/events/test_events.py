"""`compose events`: follows the project's container events (only its own, one-off
`run` containers skipped, compose labels dropped) while up/down act in another process."""

import json
import re
import subprocess
import time

import pytest

pytestmark = pytest.mark.integration


def _follow(c, *args):
    return c.nerdpy.popen("compose", "-p", c.project, "events", *args, cwd=c.dir,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stop(follower):
    time.sleep(0.5)  # the follower polls the journal every 0.1 s
    follower.terminate()
    out, err = follower.communicate(timeout=10)
    assert follower.returncode in (0, -15), err
    return out


def test_events_follow_up_and_down(compose, nerdpy, busybox_image):
    c = compose("events")
    followers = [_follow(c, "--json"), _follow(c, "--json", "web"), _follow(c)]
    try:
        time.sleep(1.5)  # reading by now: only new events are streamed
        c("up", "-d")
        nerdpy("run", "--rm", busybox_image, "true")  # another container: not the project's
        c("run", "--rm", "db", "true")  # one-off: compose events skips it
        c("down", "-t", "0")
    finally:
        outs = [_stop(f) for f in followers]
    every = [json.loads(line) for line in outs[0].splitlines()]
    by_service = {}
    for e in every:
        assert e["type"] == "container" and set(e) == {"action", "attributes", "id", "service", "time", "type"}
        assert not any(k.startswith("com.docker.compose.") for k in e["attributes"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)", e["time"])
        by_service.setdefault(e["service"], []).append(e["action"])
    assert set(by_service) == {"web", "db"}, "the other container and the one-off are not the project's"
    for service in ("web", "db"):
        assert len({e["id"] for e in every if e["service"] == service}) == 1, "one container each, no one-off"
        actions = by_service[service]
        assert actions[:2] == ["create", "start"] and actions[-1] == "destroy" and "die" in actions, actions
    web = [e for e in every if e["service"] == "web"]
    assert web[0]["attributes"]["name"] == "events-web-1" and web[0]["attributes"]["role"] == "front"
    assert web[0]["attributes"]["image"] == "busybox" and len(web[0]["id"]) == 64
    only_web = [json.loads(line) for line in outs[1].splitlines()]
    assert [e["service"] for e in only_web] == ["web"] * len(by_service["web"])
    assert [e["action"] for e in only_web] == by_service["web"]
    text = outs[2].splitlines()
    assert len(text) == len(every)
    first = web[0]
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} container create " + first["id"]
                            + r" \(image=busybox, name=events-web-1, role=front\)", line) for line in text), text
