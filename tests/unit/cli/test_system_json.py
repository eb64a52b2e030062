"""`version`/`info` with `--format json` or `{{json .}}` print compact JSON, as Go's json does."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize("spelling", ["json", "{{json .}}"])
def test_version_json_is_compact(capsys, spelling):
    from nerdpy.cli import main

    assert main.run(["version", "--format", spelling]) == 0
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert doc["Client"]["Os"] == "linux"
    assert out == json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n"  # it had ", " and ": "
