"""nerdpy's part of a container record: a typed view of the stored "Runtime" dict."""

from nerdpy.containers import Container, RuntimeConfig


def test_round_trip_and_defaults():
    rt = RuntimeConfig("/srv/root", ("web",), "10.0.0.5", {"a": "b"}, ({"type": "bind", "source": "/x"},))
    assert RuntimeConfig.from_dict(rt.to_dict()) == rt
    c = Container("id", "name", "img", "", 0.0, {"Config": {}, "HostConfig": {}, "Runtime": rt.to_dict()})
    assert c.runtime.rootfs == "/srv/root" and c.runtime.aliases == ("web",) and c.runtime.mounts[0]["source"] == "/x"


def test_records_written_before_a_field_existed_read_as_its_default():
    c = Container("id", "name", "img", "", 0.0, {"Config": {}, "HostConfig": {}})
    assert c.runtime == RuntimeConfig()
    assert Container("id", "n", "i", "", 0.0, {"Runtime": {"rootfs": "/r"}}).runtime.mounts == ()
