from __future__ import annotations

import json

import pytest

from nerdpy.containers import CreateOptions
from nerdpy.containers import hostmodes as hm
from nerdpy.errors import InvalidArgument, Unavailable


def test_device_syntax():
    assert hm.parse_device("/dev/null", False) == {"PathOnHost": "/dev/null", "PathInContainer": "/dev/null",
                                                   "CgroupPermissions": "rwm"}
    assert hm.parse_device("/dev/null:r", False)["CgroupPermissions"] == "r"
    assert hm.parse_device("/dev/null:/dev/x", False)["PathInContainer"] == "/dev/x"
    assert hm.parse_device("/dev/null:/dev/x:rw", True)["CgroupPermissions"] == "rw"
    for bad in ("", "/dev/null:/dev/x:q", "dev/null", "/dev/null:/a:/b:rw", "/etc/hostname", "/dev/nope-none"):
        with pytest.raises(InvalidArgument):
            hm.parse_device(bad, False)
    with pytest.raises(InvalidArgument, match="need root"):
        hm.parse_device("/dev/null:r", True)


def test_modes_and_refusals():
    modes = hm.host_modes(CreateOptions(pid="container:db", ipc="shareable", uts="host", cgroupns="host"), False, "c")
    assert (modes["PidMode"], modes["IpcMode"], modes["UTSMode"], modes["CgroupnsMode"]) == (
        "container:db", "shareable", "host", "host")
    defaults = hm.host_modes(CreateOptions(), False, "c")
    assert (defaults["IpcMode"], defaults["CgroupnsMode"], defaults["Links"], defaults["Devices"]) == (
        "private", "private", None, [])
    for bad in (dict(pid="container:"), dict(ipc="bogus"), dict(uts="private"), dict(cgroupns="x"),
                dict(uts="host", hostname="h"), dict(oom_score_adj=1001), dict(links=("a",))):
        with pytest.raises(InvalidArgument):
            hm.host_modes(CreateOptions(**bad), False, "c")


def test_links_mac_and_attach():
    assert hm.parse_links(("db", "/web:site"), ("net1",), "app") == ["/db:/app/db", "/web:/app/site"]
    with pytest.raises(InvalidArgument):
        hm.parse_links(("db",), ("bridge",), "app")
    assert hm.check_mac("92:D0:C6:0A:29:33", ("net1",)) == "92:d0:c6:0a:29:33"
    for mac, nets in (("92:d0:c6:0a:29", ("n",)), ("93:d0:c6:0a:29:33", ("n",)), ("92:d0:c6:0a:29:33", ())):
        with pytest.raises(InvalidArgument):
            hm.check_mac(mac, nets)
    hm.check_ip("10.77.0.5", ("net1",))
    hm.check_ip("", ())
    for nets in ((), ("bridge",), ("host",), ("none",), ("container:web",)):
        with pytest.raises(InvalidArgument, match="user defined networks only"):
            hm.check_ip("10.4.1.50", nets)
    assert hm.attached_streams(CreateOptions(attach=("STDOUT",))) == {
        "AttachStdin": False, "AttachStdout": True, "AttachStderr": False}
    assert hm.attached_streams(CreateOptions(interactive=True))["AttachStdin"] is True
    with pytest.raises(InvalidArgument, match="valid streams"):
        hm.attached_streams(CreateOptions(attach=("x",)))


def test_gpus_become_a_device_request_only_when_cdi_describes_them(monkeypatch, tmp_path):
    import nerdpy.oci.cdi as cdi

    monkeypatch.setattr(cdi, "CDI_DIRS", (str(tmp_path),))
    with pytest.raises(Unavailable, match="no CDI devices"):
        hm.device_requests("all")
    (tmp_path / "gpu.json").write_text(json.dumps({"cdiVersion": "0.5.0", "kind": "nvidia.com/gpu",
                                                   "devices": [{"name": "0", "containerEdits": {}}]}))
    assert hm.device_requests("all") == [{"Driver": "", "Count": -1, "DeviceIDs": None, "Capabilities": [["gpu"]],
                                          "Options": {}}]
    assert hm.device_requests("device=0")[0]["DeviceIDs"] == ["0"]
    assert hm.device_requests("") is None
