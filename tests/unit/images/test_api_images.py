"""nerdpy.api.images use cases over a real store: filters, rmi semantics, prune."""

from __future__ import annotations

import pytest

from nerdpy.api import images as api
from nerdpy.errors import Conflict, InvalidArgument
from tests.fixtures import images as fx


@pytest.fixture
def loaded(store, add_image, monkeypatch):
    monkeypatch.setattr(api, "image_users", lambda settings: {})
    old = add_image(store, fx.busybox_image(), "busybox:latest")  # created 2023-11-14
    add_image(store, fx.build_image([fx.LayerSpec().file("/l", "l")], config={"Labels": {"tier": "web"}}),
              "localhost:5000/web:1")
    return old


def _names(settings, *filters):
    return [f"{r.repository}:{r.tag}" for r in api.list_images(settings, filters)]


def test_filters(settings, loaded):
    assert _names(settings, "reference=busybox") == ["busybox:latest"]
    assert _names(settings, "reference=localhost:5000/*") == ["localhost:5000/web:1"]
    assert _names(settings, "reference=*") == ["busybox:latest"]  # * stops at "/", as Go's path.Match
    assert _names(settings, "label=tier=web") == ["localhost:5000/web:1"]
    assert _names(settings, "label=tier") == ["localhost:5000/web:1"]
    assert _names(settings, "dangling=true") == []
    assert sorted(_names(settings, "until=2023-12-01")) == ["busybox:latest", "localhost:5000/web:1"]
    assert _names(settings, "until=2023-01-01") == []
    for bad in ("bogus=1", "dangling=maybe", "until=yesterday", "nokey"):
        with pytest.raises(InvalidArgument):
            api.list_images(settings, [bad])


def test_rmi_untag_then_delete(settings, store, loaded):
    store.tag("busybox", "second:1")
    assert api.remove(settings, "second:1", force=False) == ["Untagged: second:1"]
    store.tag("busybox", "second:1")
    with pytest.raises(Conflict, match="multiple repositories"):
        api.remove(settings, loaded.id[7:19], force=False)
    events = api.remove(settings, loaded.id[7:19], force=True)
    assert events[-1] == f"Deleted: {loaded.id}" and len(events) == 3
    assert store.find(loaded.id) is None


def test_rmi_and_prune_respect_containers(settings, store, loaded, monkeypatch):
    monkeypatch.setattr(api, "image_users", lambda s: {loaded.id: ["web1"]})
    with pytest.raises(Conflict, match="container web1 is using"):
        api.remove(settings, "busybox", force=False)
    assert api.remove(settings, "busybox", force=True) == ["Untagged: busybox:latest"]
    events, _ = api.prune(settings, all_images=True)
    assert events == ["untagged: localhost:5000/web:1", events[1]] and events[1].startswith("deleted: ")
    assert store.get(loaded.id).dangling  # kept: a container uses it
