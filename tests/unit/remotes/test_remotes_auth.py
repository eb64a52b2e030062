import pytest

from nerdpy.errors import PermissionDenied, Unauthenticated
from nerdpy.remotes import Credentials
from nerdpy.remotes.auth import Authorizer, basic_header, parse_challenges


def test_parse_bearer_with_multiple_scopes_and_escapes():
    [c] = parse_challenges('Bearer realm="https://auth.example/token",service="registry.example",'
                           'scope="repository:a/b:pull,push repository:c:pull",error="in\\"valid"')
    assert c.scheme == "bearer"
    assert c.params == {"realm": "https://auth.example/token", "service": "registry.example",
                        "scope": "repository:a/b:pull,push repository:c:pull", "error": 'in"valid'}


def test_parse_several_challenges_bearer_first():
    cs = parse_challenges('Basic realm="r", Bearer realm="https://t/x", service=svc, Digest nonce="1"')
    assert [c.scheme for c in cs] == ["bearer", "basic", "digest"]
    assert cs[0].params == {"realm": "https://t/x", "service": "svc"}


def test_parse_empty_param_and_garbage():
    assert parse_challenges('Bearer realm=""')[0].params == {"realm": ""}
    assert parse_challenges("") == []


class NoNetwork:
    def get(self, *a, **k):
        raise AssertionError("must not contact the realm")

    post = get


def test_no_credentials_to_a_plain_http_realm():
    auth = Authorizer(NoNetwork(), Credentials("u", "p"), insecure=False)
    with pytest.raises(PermissionDenied):
        auth.answer('Bearer realm="http://evil.example/token"', ("repository:x:pull",))


def test_realm_must_be_a_url():
    auth = Authorizer(NoNetwork(), None, insecure=False)
    with pytest.raises(Unauthenticated):
        auth.answer('Bearer service="x"', ())
    with pytest.raises(Unauthenticated):
        auth.answer('Bearer realm="ftp://x/y"', ())


def test_basic_challenge_needs_credentials():
    with pytest.raises(Unauthenticated):
        Authorizer(NoNetwork(), None, insecure=False).answer('Basic realm="r"', ())
    auth = Authorizer(NoNetwork(), Credentials("u", "p"), insecure=False)
    assert auth.answer('Basic realm="r"', ()) == basic_header(Credentials("u", "p"))
    assert auth.header(("any",)) == basic_header(Credentials("u", "p"))


def test_unsupported_scheme():
    with pytest.raises(Unauthenticated, match="unsupported"):
        Authorizer(NoNetwork(), None, insecure=False).answer('Negotiate abc', ())


class FakeTokenSession:
    def __init__(self):
        self.calls = []

    def get(self, url, params=None, headers=None, **kw):
        self.calls.append((url, params, headers))
        return FakeResp(b'{"token": "t1", "expires_in": 3600}')


class FakeResp:
    status_code = 200

    def __init__(self, body):
        self.raw = type("R", (), {"read": lambda s, n, decode_content=True: body[:n]})()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def test_bearer_tokens_are_cached_per_scope():
    session = FakeTokenSession()
    auth = Authorizer(session, Credentials("u", "p"), insecure=False)
    scopes = ("repository:a:pull",)
    assert auth.answer('Bearer realm="https://t.example/token",service="s"', scopes) == "Bearer t1"
    assert auth.header(scopes) == "Bearer t1"
    assert len(session.calls) == 1
    url, params, headers = session.calls[0]
    assert ("service", "s") in params and ("scope", "repository:a:pull") in params
    assert headers["Authorization"].startswith("Basic ")
    auth.header(("repository:b:pull",))  # another scope: a new token
    assert len(session.calls) == 2
