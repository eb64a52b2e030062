"""`nerdpy volume ...` end to end: real processes, real store, root and rootless."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def test_create_ls_inspect_rm(nerdpy) -> None:
    name = _name("cli")
    assert nerdpy("volume", "create", "--label", "team=vol", "--label", "flag", name).stdout == f"{name}\n"
    assert nerdpy("volume", "create", name).stdout == f"{name}\n", "create is idempotent, as Docker's"
    table = nerdpy("volume", "ls").stdout.splitlines()
    assert table[0].split() == ["DRIVER", "VOLUME", "NAME"]
    assert any(line.split() == ["local", name] for line in table[1:])
    (info,) = json.loads(nerdpy("volume", "inspect", name).stdout)
    assert set(info) == {"CreatedAt", "Driver", "Labels", "Mountpoint", "Name", "Options", "Scope"}
    assert info["Labels"] == {"team": "vol", "flag": ""} and info["Scope"] == "local" and info["Driver"] == "local"
    assert info["Mountpoint"].endswith(f"/volumes/{name}/_data")
    assert Path(info["Mountpoint"]).is_dir()
    assert Path(info["Mountpoint"]).stat().st_uid == os.getuid(), "owned by the container's root = the user"
    assert nerdpy("volume", "inspect", "-f", "{{.Name}} {{.Driver}}", name).stdout == f"{name} local\n"
    assert nerdpy("volume", "rm", name).stdout == f"{name}\n"
    assert not Path(info["Mountpoint"]).exists()
    assert name not in nerdpy("volume", "ls", "-q").stdout.split()


def test_ls_filters_and_format(nerdpy) -> None:
    a, b = _name("fa"), _name("fb")
    nerdpy("volume", "create", "--label", "pick=yes", a)
    nerdpy("volume", "create", "--label", "pick=no", b)
    assert nerdpy("volume", "ls", "-q", "--filter", "label=pick=yes").stdout.split() == [a]
    assert set(nerdpy("volume", "ls", "-q", "-f", "label=pick").stdout.split()) >= {a, b}
    assert nerdpy("volume", "ls", "-q", "-f", f"name={a[2:]}").stdout.split() == [a]
    assert set(nerdpy("volume", "ls", "-q", "-f", "dangling=true").stdout.split()) >= {a, b}
    assert not {a, b} & set(nerdpy("volume", "ls", "-q", "-f", "dangling=false").stdout.split())
    lines = nerdpy("volume", "ls", "-f", f"name={a}", "--format", "{{.Name}}|{{.Driver}}|{{.Labels}}").stdout
    assert lines == f"{a}|local|pick=yes\n"
    rows = [json.loads(x) for x in nerdpy("volume", "ls", "-f", f"name={a}", "--format", "json").stdout.splitlines()]
    assert rows[0]["Name"] == a and rows[0]["Driver"] == "local"
    table = nerdpy("volume", "ls", "-f", f"name={a}", "--format", "table {{.Name}}\t{{.Driver}}").stdout.splitlines()
    assert table[0].split() == ["VOLUME", "NAME", "DRIVER"] and table[1].split() == [a, "local"]
    # A bare `table` is the default table.
    assert nerdpy("volume", "ls", "-f", f"name={a}", "--format", "table").stdout == \
        nerdpy("volume", "ls", "-f", f"name={a}").stdout
    nerdpy("volume", "rm", a, b)


@pytest.mark.parametrize(
    "args, message",
    [
        (["volume", "create", "bad/name"], "includes invalid characters for a local volume name"),
        (["volume", "create", "x"], "includes invalid characters"),
        (["volume", "create", "-o", "bogus=1", "okname"], "invalid option key"),
        (["volume", "create", "-d", "nfs", "okname"], "not supported"),
        (["volume", "create", "-o", "novalue", "okname"], "expected key=value"),
        (["volume", "ls", "--filter", "colour=red"], "invalid filter 'colour'"),
        (["volume", "ls", "--filter", "dangling=maybe"], "invalid filter"),
        (["volume", "ls", "--filter", "nokey"], "bad format of filter"),
        (["volume", "prune", "-f", "--filter", "dangling=true"], "invalid filter"),
        (["volume", "inspect", "nosuchvolume"], "no such volume: nosuchvolume"),
        (["volume", "rm", "nosuchvolume"], "no such volume: nosuchvolume"),
    ],
)
def test_errors_are_one_line(nerdpy, args: list[str], message: str) -> None:
    result = nerdpy(*args, check=False)
    assert result.returncode != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_rm_force_ignores_missing_and_continues(nerdpy) -> None:
    name = _name("rmf")
    nerdpy("volume", "create", name)
    assert nerdpy("volume", "rm", "-f", "nosuchvolume", name).stdout.split() == [name]
    mixed = nerdpy("volume", "rm", "nosuchvolume2", check=False)
    assert mixed.returncode == 1


def test_prune_anonymous_only_unless_all(fresh_nerdpy) -> None:
    np = fresh_nerdpy
    named = _name("keep")
    np("volume", "create", named)
    np("volume", "create", "--label", "drop=1", _name("lab"))
    # An anonymous volume, as a container's -v /path would make.
    anon = _make_anonymous(np)
    no = np("volume", "prune", input="n\n")
    assert "WARNING! This will remove anonymous local volumes" in no.stdout
    assert anon in np("volume", "ls", "-q").stdout.split(), "answering no keeps everything"
    out = np("volume", "prune", "-f").stdout
    assert out.splitlines()[:2] == ["Deleted Volumes:", anon] and "Total reclaimed space:" in out
    left = set(np("volume", "ls", "-q").stdout.split())
    assert named in left and anon not in left
    out = np("volume", "prune", "-f", "--filter", "label=drop=1").stdout
    assert "Deleted Volumes:" not in out, "named volumes need --all"
    out = np("volume", "prune", "-f", "-a", "--filter", "label=drop").stdout
    assert named not in out and len(set(np("volume", "ls", "-q").stdout.split())) == 1
    assert np("volume", "prune", "--all", "--force").stdout.splitlines()[1] == named
    assert np("volume", "ls", "-q").stdout == ""


def _make_anonymous(np) -> str:
    """An anonymous volume through the volumes contract (what `run -v /path` does)."""
    import subprocess
    import sys

    code = ("from nerdpy.config import load_settings; from nerdpy.volumes import resolve_mounts, release;"
            "s = load_settings(); m = resolve_mounts(s, 'anonmaker', ['/anon']); release(s, 'anonmaker', False);"
            "print(m[0].volume)")
    if os.getuid() == 0:
        out = subprocess.run([sys.executable, "-c", code], env=np.env, capture_output=True, text=True, check=True)
        return out.stdout.strip()
    return np("unshare", sys.executable, "-c", code).stdout.strip()


def test_concurrent_creates_of_one_volume(nerdpy) -> None:
    name = _name("race")
    procs = [nerdpy.popen("volume", "create", name) for _ in range(6)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, outs
    assert all(out == f"{name}\n" for out, _ in outs)
    assert nerdpy("volume", "ls", "-q", "-f", f"name={name}").stdout.split() == [name]
    nerdpy("volume", "rm", name)
