"""certs.d lookup, proxy rules and the token cache (nerdpy.remotes.transport / tokens)."""

from __future__ import annotations

import stat
import time

import pytest

from nerdpy.errors import InvalidArgument
from nerdpy.remotes.tokens import TokenCache
from nerdpy.remotes.transport import find_tls_files, proxy_for


def test_certs_d_cas_and_client_pair(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    (first / "reg:5000").mkdir(parents=True)
    (second / "reg:5000").mkdir(parents=True)
    (first / "reg:5000" / "ca.crt").write_text("A")
    (second / "reg:5000" / "ca.crt").write_text("B")  # same name: the first directory wins
    (second / "reg:5000" / "extra.crt").write_text("C")
    (second / "reg:5000" / "client.cert").write_text("cert")
    (second / "reg:5000" / "client.key").write_text("key")
    cas, client = find_tls_files([first, second], "reg:5000")
    assert cas == (str(first / "reg:5000" / "ca.crt"), str(second / "reg:5000" / "extra.crt"))
    assert client == (str(second / "reg:5000" / "client.cert"), str(second / "reg:5000" / "client.key"))
    assert find_tls_files([first, second], "other:5000") == ((), None)


def test_certs_d_cert_without_key_is_an_error(tmp_path):
    (tmp_path / "reg").mkdir()
    (tmp_path / "reg" / "client.cert").write_text("cert")
    with pytest.raises(InvalidArgument, match="missing key client.key"):
        find_tls_files([tmp_path], "reg")


@pytest.mark.parametrize("registry,env,want", [
    ("reg.example.com", {"HTTPS_PROXY": "proxy:3128"}, "http://proxy:3128"),
    ("reg.example.com", {"https_proxy": "http://p:1", "HTTPS_PROXY": "http://q:2"}, "http://p:1"),
    ("reg.example.com", {"HTTP_PROXY": "http://p:1"}, None),  # wrong scheme
    ("reg.example.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "example.com"}, None),
    ("reg.example.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".example.com"}, None),
    ("reg.example.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "other.com,*"}, None),
    ("reg.example.com:5000", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "reg.example.com:443"}, "http://p:1"),
    ("notexample.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "example.com"}, "http://p:1"),
    ("127.0.0.1:5000", {"HTTPS_PROXY": "http://p:1"}, None),  # loopback: never proxied
])
def test_proxy_rules(registry, env, want):
    assert proxy_for(env, "https", registry) == want


def test_token_cache_expiry_identity_and_forget(tmp_path):
    cache = TokenCache(tmp_path, "/home/a/.docker")
    scopes = ("repository:x:pull",)
    cache.put("reg", scopes, "tok", time.time() + 300)
    assert cache.get("reg", scopes)[0] == "tok"
    [path] = (tmp_path / "registry-tokens").rglob("*.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert TokenCache(tmp_path, "/home/b/.docker").get("reg", scopes) is None
    assert cache.get("reg", ("repository:y:pull",)) is None
    cache.put("reg", scopes, "old", time.time() + 5)  # inside the safety margin
    assert cache.get("reg", scopes) is None
    cache.put("reg", scopes, "tok", time.time() + 300)
    cache.forget("reg")
    assert cache.get("reg", scopes) is None
