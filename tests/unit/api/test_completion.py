"""nerdpy.api.completion reads names from the tables the stores create, read-only."""

from __future__ import annotations

import os

import pytest

from nerdpy.api.completion import KINDS, names
from nerdpy.config import Flags, load_settings
from nerdpy.errors import InvalidArgument


@pytest.fixture
def settings(tmp_path):
    env = {"HOME": str(tmp_path), "PATH": os.environ["PATH"], "NERDPY_RUNTIME_ROOT": str(tmp_path / "run"),
           "NERDPY_CONFIG": str(tmp_path / "no-config.toml")}
    return load_settings(Flags(data_root=str(tmp_path / "data")), env=env)


def _fill(settings) -> None:
    """Rows written through each store's own schema (its MIGRATIONS), so a renamed
    table or column breaks this test, not a user's TAB."""
    from nerdpy.containers import store as containers
    from nerdpy.images import store as images
    from nerdpy.metadata import open_database
    from nerdpy.network import state as networks
    from nerdpy.volumes import store as volumes

    db = open_database(settings.layout.meta_db)
    db.ensure_schema(containers.DOMAIN, containers.MIGRATIONS)
    db.ensure_schema(images.DOMAIN, images.MIGRATIONS)
    db.ensure_schema("networks", networks.MIGRATIONS)
    db.ensure_schema(volumes.DOMAIN, volumes.MIGRATIONS)
    with db.transaction() as conn:
        conn.execute("INSERT INTO containers VALUES ('c1', 'web', 'busybox', '', 0, '{}')")
        conn.execute("INSERT INTO images VALUES ('sha256:m', 't', 'sha256:t', 1, 't', 1, 'sha256:c', 'linux/amd64',"
                     " 1, '{}', 0, 0)")
        for name in ("docker.io/library/busybox:latest", "localhost:5000/team/app:v1",
                     "docker.io/library/busybox@sha256:" + "a" * 64):
            conn.execute("INSERT INTO image_names VALUES (?, 'sha256:m', 0)", (name,))
        conn.execute("INSERT INTO networks(id, name, driver, created) VALUES ('n1', 'backend', 'bridge', 'now')")
        conn.execute("INSERT INTO volumes(name, driver, labels, options, created) VALUES ('data', 'local', '{}',"
                     " '{}', 'now')")


def test_names_of_each_kind_as_the_list_commands_show_them(settings):
    _fill(settings)
    assert names(settings, "containers") == ["web"]
    assert names(settings, "images") == ["busybox:latest", "localhost:5000/team/app:v1"]
    assert names(settings, "networks") == ["backend", "bridge", "host", "none"]
    assert names(settings, "volumes") == ["data"]
    assert names(settings, "objects") == ["web", "busybox:latest", "localhost:5000/team/app:v1"]


def test_containers_in_the_states_a_command_acts_on(settings):
    """State as the shim records it (state.json); a running one whose shim is gone is exited."""
    import json

    from nerdpy.containers.state import process_start_time

    _fill(settings)
    from nerdpy.metadata import open_database

    db = open_database(settings.layout.meta_db)
    alive = {"shim_pid": os.getpid(), "shim_start": process_start_time(os.getpid())}
    states = {"web": {"status": "created"}, "up": {"status": "running", **alive},
              "lost": {"status": "running", "shim_pid": os.getpid(), "shim_start": -1},
              "held": {"status": "running", **alive}, "done": {"status": "exited"}}
    for name, state in states.items():
        cid = "c1" if name == "web" else f"id-{name}"  # web: _fill's
        if name != "web":
            with db.transaction() as conn:
                conn.execute("INSERT INTO containers VALUES (?, ?, 'busybox', '', 0, '{}')", (cid, name))
        (settings.layout.containers_dir / cid).mkdir(parents=True, exist_ok=True)
        (settings.layout.containers_dir / cid / "state.json").write_text(json.dumps(state))
        if name == "held":
            (settings.layout.shims_dir / cid).mkdir(parents=True)
            (settings.layout.shims_dir / cid / "paused").touch()
    assert names(settings, "containers") == ["done", "held", "lost", "up", "web"]
    assert names(settings, "running-containers") == ["held", "up"]
    assert names(settings, "stopped-containers") == ["done", "lost", "web"]
    assert names(settings, "paused-containers") == ["held"]


def test_a_store_that_does_not_exist_is_empty_and_stays_absent(settings):
    assert {kind: names(settings, kind) for kind in KINDS if names(settings, kind)} == {
        "networks": ["bridge", "host", "none"]}
    assert not settings.layout.data_root.exists(), "completing must not create the store"


def test_a_store_without_a_table_yet_is_empty(settings):
    from nerdpy.metadata import open_database

    open_database(settings.layout.meta_db)
    assert names(settings, "containers") == [] and names(settings, "volumes") == []


def test_unknown_kind_is_refused(settings):
    with pytest.raises(InvalidArgument):
        names(settings, "pods")
