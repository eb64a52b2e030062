"""`--env-file` / `--label-file` parsing, as Docker's parseKeyValueFile."""

from __future__ import annotations

import pytest

from nerdpy.cli.container_run import read_env_file
from nerdpy.errors import InvalidArgument


def _read(tmp_path, text: str) -> list[str]:
    path = tmp_path / "env"
    path.write_text(text, encoding="utf-8")
    return read_env_file(str(path))


def test_values_are_kept_as_written_and_leading_blanks_dropped(tmp_path, monkeypatch):
    monkeypatch.setenv("FROM_HOST", "host value")
    monkeypatch.delenv("NOT_SET", raising=False)
    text = '\ufeffQ="quoted"\n  INDENTED=y\nTRAILING=x  \n# comment\n\nFROM_HOST\nNOT_SET\nEMPTY=\n'
    assert _read(tmp_path, text) == ['Q="quoted"', "INDENTED=y", "TRAILING=x  ", "FROM_HOST=host value", "EMPTY="]


@pytest.mark.parametrize("line, message", [
    ("export A=1", "poorly formatted environment: variable 'export A' contains whitespaces"),
    ("A B=1", "variable 'A B' contains whitespaces"),
    ("=1", "no variable name on line '=1'"),
])
def test_a_bad_name_is_refused(tmp_path, line, message):
    with pytest.raises(InvalidArgument, match=message):
        _read(tmp_path, f"OK=1\n{line}\n")
