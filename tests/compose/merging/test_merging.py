"""`config --format json` of a project using several -f files, !reset, extends
(same file and another file), include (own directory and .env) and profiles,
compared with the output written by hand from the Compose Specification."""

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
HERE = Path(__file__).resolve().parent


def test_merged_config(compose):
    c = compose("merging")
    got = json.loads(c.raw("-f", "compose.yaml", "-f", "override.yaml", "config", "--format", "json").stdout)
    expected = json.loads((HERE / "expected.json").read_text().replace("{dir}", str(c.dir)))
    assert got == expected


def test_profiles_and_selected_services(compose):
    c = compose("merging")
    assert c.raw("config", "--services").stdout.split() == ["base", "cache", "web"]
    assert c.raw("config", "--profiles").stdout.split() == ["tools"]
    tool = json.loads(c.raw("--profile", "tools", "config", "--format", "json").stdout)["services"]["tool"]
    assert tool["working_dir"] == "/work" and tool["volumes"][0]["source"] == str(c.dir / "lib" / "tooldir")
    assert "tool" in c.raw("config", "--services", "tool").stdout.split(), "naming a service enables its profile"
    env = {"COMPOSE_PROFILES": "tools"}
    assert "tool" in c.raw("config", "--services", env=env).stdout.split()


def test_compose_file_variable_and_yaml(compose):
    c = compose("merging")
    env = {"COMPOSE_FILE": "compose.yaml:override.yaml"}
    text = c.raw("config", env=env).stdout
    assert "command:\n    - echo\n    - override\n" in text and "base:" not in text.split("x-common")[0]
