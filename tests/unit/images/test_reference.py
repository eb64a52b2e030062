"""Docker reference parsing and normalisation."""

from __future__ import annotations

import pytest

from nerdpy.errors import InvalidArgument
from nerdpy.reference import familiar, parse

D = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    "text,full,short",
    [
        ("alpine", "docker.io/library/alpine:latest", "alpine:latest"),
        ("alpine:3.19", "docker.io/library/alpine:3.19", "alpine:3.19"),
        ("user/app", "docker.io/user/app:latest", "user/app:latest"),
        ("docker.io/library/alpine", "docker.io/library/alpine:latest", "alpine:latest"),
        ("index.docker.io/user/app:v1", "docker.io/user/app:v1", "user/app:v1"),
        ("localhost:5000/x", "localhost:5000/x:latest", "localhost:5000/x:latest"),
        ("localhost/x:1", "localhost/x:1", "localhost/x:1"),
        ("127.0.0.1:5000/a/b/c:t", "127.0.0.1:5000/a/b/c:t", "127.0.0.1:5000/a/b/c:t"),
        ("quay.io/org/img", "quay.io/org/img:latest", "quay.io/org/img:latest"),
        (f"busybox@{D}", f"docker.io/library/busybox@{D}", f"busybox@{D}"),
        (f"busybox:1@{D}", f"docker.io/library/busybox:1@{D}", f"busybox:1@{D}"),
        ("docker.io/library/a/b", "docker.io/library/a/b:latest", "library/a/b:latest"),
        ("a__b/c-d.e", "docker.io/a__b/c-d.e:latest", "a__b/c-d.e:latest"),
    ],
)
def test_normalise(text, full, short):
    ref = parse(text)
    assert str(ref) == full
    assert ref.familiar() == short
    assert familiar(full) == short


@pytest.mark.parametrize(
    "text",
    ["", "UPPER", "a:b:c", "bad..name", "-lead", "x:", "x@sha256:123", "x@md5:" + "a" * 32, "a" * 64,
     "host:port/x", "x:" + "t" * 129, "a//b", "/abs", "trail/", "a_b.c/x"],
)
def test_invalid(text):
    with pytest.raises(InvalidArgument):
        parse(text)


def test_no_default_tag():
    ref = parse("alpine", default_tag=False)
    assert ref.tag is None and ref.name == "docker.io/library/alpine"
