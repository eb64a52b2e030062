"""`config --format json` of every test project equals the expected.json
written by hand from the Compose Specification beside it ({dir}: the project's
directory; the project name is the directory's)."""

import json
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PROJECTS = sorted(p.parent.name for p in HERE.glob("*/expected.json") if p.parent.name not in ("basics", "merging"))


@pytest.mark.integration
@pytest.mark.parametrize("feature", PROJECTS)
def test_config_matches_expected(compose, feature):
    c = compose(feature)
    got = json.loads(c.raw("config", "--format", "json").stdout)
    expected = json.loads((c.dir / "expected.json").read_text().replace("{dir}", str(c.dir)))
    assert got == expected


def test_every_project_has_an_expected_config():
    dirs = [p for p in HERE.iterdir() if p.is_dir() and (p / "compose.yaml").exists() and p.name != "bad_files"]
    assert dirs and all((d / "expected.json").exists() for d in dirs)
