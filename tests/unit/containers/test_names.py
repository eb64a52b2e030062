"""Name checks match whole strings with Docker's rules (issue 12, finding 12)."""

from __future__ import annotations

import pytest

from nerdpy.api.networks import check_network_name
from nerdpy.containers.names import validate_name
from nerdpy.errors import InvalidArgument
from nerdpy.network.files import check_hostname
from nerdpy.volumes.spec import check_volume_name, parse_volume_flag


@pytest.mark.parametrize("check", [validate_name, check_volume_name, check_network_name, check_hostname])
@pytest.mark.parametrize("bad", ["web\n", "web\r", "web\n\n", "\nweb"])
def test_no_newlines(check, bad):
    with pytest.raises(InvalidArgument):
        check(bad)


def test_container_name_leading_slash_is_dropped():
    assert validate_name("/web") == "web" and validate_name("web") == "web"
    assert validate_name("/" + "a" * 300) == "a" * 300  # Docker has no length limit
    for bad in ("//web", "/", "/a", "web/"):
        with pytest.raises(InvalidArgument):
            validate_name(bad)


def test_volume_name_length():
    assert check_volume_name("v" * 255) == "v" * 255
    with pytest.raises(InvalidArgument, match="300 characters"):
        check_volume_name("v" * 300)
    with pytest.raises(InvalidArgument, match="300 characters"):
        parse_volume_flag("v" * 300 + ":/data")


def test_volume_error_is_one_line():
    with pytest.raises(InvalidArgument) as info:
        check_volume_name("bad\nname")
    assert "\n" not in str(info.value)
