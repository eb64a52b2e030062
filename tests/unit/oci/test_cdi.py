from __future__ import annotations

import json

import pytest

from nerdpy.errors import InvalidArgument, Unavailable
from nerdpy.oci import build, cdi


def _write(directory, name, data):
    (directory / name).write_text(json.dumps(data) if name.endswith(".json") else data)


SPEC = {
    "cdiVersion": "0.6.0", "kind": "nvidia.com/gpu",
    "containerEdits": {"env": ["NVIDIA_VISIBLE_DEVICES=void"],
                       "hooks": [{"hookName": "createContainer", "path": "/usr/bin/nvidia-ctk", "args": ["x"]}]},
    "devices": [
        {"name": "0", "containerEdits": {"deviceNodes": [{"path": "/dev/gpu0", "hostPath": "/dev/null"}],
                                         "mounts": [{"hostPath": "/etc/hostname", "containerPath": "/etc/gpu",
                                                     "options": ["ro", "rbind"]}]}},
        {"name": "1", "containerEdits": {"deviceNodes": [{"path": "/dev/zero", "permissions": "r"}]}},
    ],
}


def test_gpu_values():
    assert cdi.parse_gpus("all") == (-1, [])
    assert cdi.parse_gpus("2") == (2, [])
    assert cdi.parse_gpus('"device=0,1"') == (0, ["0", "1"])
    assert cdi.parse_gpus("count=all,capabilities=utility") == (-1, [])
    for bad in ("lots", "count=x", "colour=red"):
        with pytest.raises(InvalidArgument):
            cdi.parse_gpus(bad)


def test_select_and_apply(tmp_path):
    dirs = (str(tmp_path),)
    with pytest.raises(Unavailable, match="no CDI devices"):
        cdi.select_gpus("all", dirs)
    _write(tmp_path, "gpu.json", SPEC)
    _write(tmp_path, "other.yaml", "cdiVersion: 0.6.0\nkind: example.com/other\ndevices:\n- name: a\n")
    assert cdi.select_gpus("all", dirs) == ["0", "1"]
    assert cdi.select_gpus("1", dirs) == ["0"]
    assert cdi.select_gpus("device=1", dirs) == ["1"]
    for bad in ("device=7", "3"):
        with pytest.raises(Unavailable):
            cdi.select_gpus(bad, dirs)
    spec = build(False, [cdi.with_cdi_devices(cdi.GPU_KIND, ["0", "1"], False, dirs)])
    assert "NVIDIA_VISIBLE_DEVICES=void" in spec["process"]["env"]
    assert [d["path"] for d in spec["linux"]["devices"]] == ["/dev/gpu0", "/dev/zero"]
    assert spec["linux"]["resources"]["devices"][-1]["access"] == "r"
    assert {"destination": "/etc/gpu", "type": "bind", "source": "/etc/hostname",
            "options": ["ro", "rbind"]} in spec["mounts"]
    assert spec["hooks"] == {"createContainer": [{"path": "/usr/bin/nvidia-ctk", "args": ["x"]}]}
    rootless = build(True, [cdi.with_cdi_devices(cdi.GPU_KIND, ["0"], True, dirs)])
    assert any(m["destination"] == "/dev/gpu0" and m["source"] == "/dev/null" for m in rootless["mounts"])


def test_unreadable_spec_is_one_line(tmp_path):
    _write(tmp_path, "bad.yaml", "kind: [unclosed\n")
    with pytest.raises(InvalidArgument, match="cannot be read") as info:
        cdi.select_gpus("all", (str(tmp_path),))
    assert "\n" not in info.value.message
