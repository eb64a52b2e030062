"""Go's strconv.ParseBool, as Docker parses boolean option values (issue 12, finding 8)."""

from __future__ import annotations

import pytest

from nerdpy.booleans import parse_bool
from nerdpy.errors import InvalidArgument
from nerdpy.oci import options as o


@pytest.mark.parametrize("text", ["1", "t", "T", "TRUE", "true", "True"])
def test_true(text):
    assert parse_bool(text, "x") is True


@pytest.mark.parametrize("text", ["0", "f", "F", "FALSE", "false", "False"])
def test_false(text):
    assert parse_bool(text, "x") is False


@pytest.mark.parametrize("text", ["", "yes", "no", "on", "tRuE", " true", "true\n", "2", "garbage"])
def test_anything_else_is_refused(text):
    with pytest.raises(InvalidArgument, match="invalid x: .* is not a boolean"):
        parse_bool(text, "x")


@pytest.mark.parametrize("opt, nnp", [("no-new-privileges", True), ("no-new-privileges:True", True),
                                      ("no-new-privileges=TRUE", True), ("no-new-privileges:t", True),
                                      ("no-new-privileges:false", False), ("no-new-privileges:0", False)])
def test_no_new_privileges(opt, nnp):
    spec = {"process": {"noNewPrivileges": not nnp}, "linux": {}}
    o.with_security_opts([opt])(spec)
    assert spec["process"]["noNewPrivileges"] is nnp


@pytest.mark.parametrize("opt", ["no-new-privileges:yes", "no-new-privileges:", "no-new-privileges:junk"])
def test_no_new_privileges_fails_closed(opt):
    with pytest.raises(InvalidArgument):
        o.with_security_opts([opt])({"process": {}, "linux": {}})
