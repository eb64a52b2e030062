import base64
import json
import os
import stat

import pytest

from nerdpy.errors import InvalidArgument, NotFound, Unavailable
from nerdpy.remotes import Credentials
from nerdpy.remotes.credentials import CredentialStore, run_helper


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_missing_file_means_no_credentials(tmp_path):
    assert CredentialStore(tmp_path / "config.json").get("docker.io") is None


def test_reads_auths_in_every_docker_form(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"auths": {
        "https://index.docker.io/v1/": {"auth": b64("hub:pw:with:colons")},
        "http://reg.example:5000": {"username": "u", "password": "p"},
        "tok.example": {"identitytoken": "refresh"},
    }}))
    store = CredentialStore(path)
    assert store.get("docker.io") == Credentials("hub", "pw:with:colons")
    assert store.get("reg.example:5000") == Credentials("u", "p")
    token = store.get("tok.example")
    assert token is not None and token.is_identity_token and token.secret == "refresh"
    assert store.get("other.example") is None


def test_store_is_atomic_0600_and_keeps_other_keys(tmp_path):
    path = tmp_path / "sub" / "config.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"psFormat": "table", "auths": {"http://a.example": {"auth": b64("x:y")}}}))
    store = CredentialStore(path)
    assert store.store("a.example", Credentials("new", "secret")) is False
    data = json.loads(path.read_text())
    assert data["psFormat"] == "table"
    assert data["auths"] == {"a.example": {"auth": b64("new:secret")}}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["config.json"]  # no temp file left


def test_store_creates_the_directory_privately(tmp_path):
    path = tmp_path / "docker" / "config.json"
    CredentialStore(path).store("docker.io", Credentials("a", "b"))
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "https://index.docker.io/v1/" in json.loads(path.read_text())["auths"]


def test_erase(tmp_path):
    path = tmp_path / "config.json"
    store = CredentialStore(path)
    store.store("r.example", Credentials("a", "b"))
    assert store.erase("r.example") is True
    assert store.erase("r.example") is False
    assert json.loads(path.read_text())["auths"] == {}


@pytest.mark.parametrize("content", ["{not json", "[]", '{"auths": {"r.example": {"auth": "%%%"}}}',
                                     '{"auths": {"r.example": {"auth": "' + b64("nocolon") + '"}}}'])
def test_invalid_config_is_a_clean_error(tmp_path, content):
    path = tmp_path / "config.json"
    path.write_text(content)
    with pytest.raises(InvalidArgument):
        CredentialStore(path).get("r.example")


class FakeHelpers:
    def __init__(self):
        self.saved: dict[str, tuple[str, str]] = {}
        self.calls: list[tuple[str, str, str]] = []

    def __call__(self, helper, action, data):
        self.calls.append((helper, action, data))
        if action == "get":
            if data not in self.saved:
                raise NotFound("credentials not found in native keychain")
            user, secret = self.saved[data]
            return json.dumps({"ServerURL": data, "Username": user, "Secret": secret})
        if action == "store":
            req = json.loads(data)
            self.saved[req["ServerURL"]] = (req["Username"], req["Secret"])
            return ""
        if action == "erase":
            if data not in self.saved:
                raise NotFound("credentials not found in native keychain")
            del self.saved[data]
            return ""
        raise AssertionError(action)


def test_cred_helpers_take_precedence_and_creds_store_is_the_default(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"credsStore": "desktop", "credHelpers": {"special.example": "pass"}}))
    helpers = FakeHelpers()
    store = CredentialStore(path, helpers)
    assert store.store("special.example", Credentials("s", "1")) is True
    assert store.store("docker.io", Credentials("d", "2")) is True
    assert [(h, a) for h, a, _ in helpers.calls] == [("pass", "store"), ("desktop", "store")]
    assert store.get("special.example") == Credentials("s", "1")
    assert store.get("docker.io") == Credentials("d", "2")
    assert "secret" not in path.read_text() and "2" not in json.dumps(json.loads(path.read_text())["auths"])
    assert store.erase("docker.io") is True
    assert store.get("docker.io") is None


def test_real_helper_protocol(tmp_path):
    """A docker-credential-* executable speaking the protocol on stdin/stdout."""
    script = tmp_path / "docker-credential-fake"
    script.write_text("#!/bin/sh\nread server\n"
                      "if [ \"$1\" = get ] && [ \"$server\" = reg.example ]; then\n"
                      "  echo '{\"ServerURL\":\"reg.example\",\"Username\":\"u\",\"Secret\":\"s\"}'; exit 0; fi\n"
                      "echo 'credentials not found in native keychain'; exit 1\n")
    script.chmod(0o755)
    old = os.environ["PATH"]
    os.environ["PATH"] = f"{tmp_path}:{old}"
    try:
        assert json.loads(run_helper("fake", "get", "reg.example"))["Secret"] == "s"
        with pytest.raises(NotFound):
            run_helper("fake", "get", "other.example")
        with pytest.raises(Unavailable):
            run_helper("missing-helper", "get", "x")
    finally:
        os.environ["PATH"] = old


def test_unwritable_config_is_a_clean_error(tmp_path):
    from nerdpy.errors import PermissionDenied

    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(InvalidArgument):  # unreadable: reported before any write
        CredentialStore(blocker / "config.json").store("r.example", Credentials("a", "b"))
    store = CredentialStore(blocker / "config.json")
    with pytest.raises(PermissionDenied, match="DOCKER_CONFIG|cannot write"):
        store._save({"auths": {}})
