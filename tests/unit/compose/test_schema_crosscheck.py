"""nerdpy's own format rules agree with the canonical schema (compose-go's
compose-spec.json) on what is accepted and what is rejected. The schema is read
from ../shared/reference beside the clone (CI has it there: no skip in CI)."""

import json
import os
from pathlib import Path

import pytest
from nerdpy_compose import schema
from nerdpy_compose.errors import ConfigError
from nerdpy_compose.yamlio import load

REPO = Path(__file__).resolve().parents[3]
CANDIDATES = [REPO.parent / "shared" / "reference", REPO.parent.parent / "shared" / "reference"]


@pytest.fixture(scope="module")
def canonical():
    jsonschema = pytest.importorskip("jsonschema") if os.environ.get("CI") != "true" else __import__("jsonschema")
    found = next((c / "compose-spec.schema.json" for c in CANDIDATES if (c / "compose-spec.schema.json").exists()), None)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("../shared/reference/compose-spec.schema.json is missing beside the clone")
        pytest.skip("the canonical schema (../shared/reference/compose-spec.schema.json) is not beside this clone")
    return jsonschema.Draft202012Validator(json.loads(found.read_text()))


ACCEPTED = [
    "services:\n  web: {image: a}\n",
    "services:\n  web:\n    image: a\n    ports: [80, '8080:80', {target: 80, published: '8080', protocol: udp}]\n",
    "services:\n  web:\n    image: a\n    volumes: [./a:/a, {type: bind, source: ., target: /b, bind: {create_host_path: true}}]\n",
    "services:\n  web:\n    image: a\n    depends_on: {db: {condition: service_healthy, restart: true}}\n",
    "services:\n  web:\n    image: a\n    environment: {A: 1, B: true, C: null, D: x}\n    labels: [a=b]\n",
    "services:\n  web:\n    image: a\n    healthcheck: {test: [CMD, 'true'], interval: 1s, retries: 3}\n",
    "services:\n  web:\n    image: a\n    networks: {front: {aliases: [x], ipv4_address: 10.0.0.2}}\nnetworks: {front: {}}\n",
    "services:\n  web:\n    image: a\n    env_file: [{path: a.env, required: false, format: raw}]\n",
    "services:\n  web:\n    image: a\n    deploy: {replicas: 2, resources: {limits: {memory: 64M, cpus: '0.5'}}}\n",
    "services:\n  web: {image: a, x-extra: {anything: [1]}}\nx-top: 1\n",
    "services:\n  web:\n    image: a\n    secrets: [s, {source: s, target: /x, mode: 0o400}]\nsecrets: {s: {file: ./s}}\n",
    "services:\n  web:\n    image: a\n    ulimits: {nofile: {soft: 10, hard: 20}, nproc: 5}\n",
    "volumes: {v: {external: true}, w: {driver_opts: {type: tmpfs}}}\nservices: {}\n",
    "include: [a.yaml, {path: [b.yaml], env_file: x.env, project_directory: .}]\nservices: {}\n",
    "name: proj\nservices:\n  web: {build: ., command: echo hi, entrypoint: [sh]}\n",
]
REJECTED = [
    "services:\n  web: {image: a, bogus: 1}\n",
    "services:\n  web: {image: 3}\n",
    "services:\n  web: {image: a, ports: [[80]]}\n",
    "services:\n  web: {image: a, environment: [[a]]}\n",
    "services:\n  web: {image: a, healthcheck: {test: true}}\n",
    "services:\n  web: {image: a, depends_on: {db: {restart: true}}}\n",
    "services:\n  web: {image: a, volumes: [{source: x, target: /x}]}\n",
    "services:\n  web: {image: a, networks: {n: {bogus: 1}}}\n",
    "top: 1\nservices: {}\n",
    "services:\n  web: {image: a, env_file: [{required: true}]}\n",
    "networks: {n: {ipam: {config: [{bogus: 1}]}}}\nservices: {}\n",
    "services:\n  web: {image: a, command: {a: 1}}\n",
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted_by_both(canonical, text):
    data = load(text, "t.yaml")
    errors = list(canonical.iter_errors(data))
    assert not errors, f"canonical schema rejects a case meant to be valid: {errors[0].message}"
    schema.validate(data, "t.yaml")


@pytest.mark.parametrize("text", REJECTED)
def test_rejected_by_both(canonical, text):
    data = load(text, "t.yaml")
    assert list(canonical.iter_errors(data)), "canonical schema accepts a case meant to be invalid"
    with pytest.raises(ConfigError):
        schema.validate(data, "t.yaml")


def test_every_service_key_of_the_canonical_schema_is_known(canonical):
    service = canonical.schema["$defs"]["service"]["properties"]
    assert sorted(set(service) - set(schema.SERVICE.props)) == []
    top = canonical.schema["properties"]
    assert sorted(set(top) - set(schema.TOP.props)) == []


def test_test_projects_are_valid_for_both(canonical):
    for path in sorted((REPO / "tests" / "compose").glob("*/compose*.yaml")):
        text = path.read_text()
        if "${" in text or "!reset" in text or "!override" in text:
            continue
        data = load(text, str(path))
        assert not list(canonical.iter_errors(data)), path
        schema.validate(data, str(path))
