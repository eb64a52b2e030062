"""Docker's sizes (go-units), as `stats`, `images` and `history` print them."""

from __future__ import annotations

import pytest

from nerdpy.formatting.human import bytes_size, go_time_string, human_size


@pytest.mark.parametrize("size, text", [
    (0, "0B"),
    (1023, "1023B"),
    (1024, "1KiB"),
    (1536, "1.5KiB"),
    (int(1.2 * 1024**2), "1.2MiB"),
    (int(7.6 * 1024**3), "7.6GiB"),
    (8_201_245_696, "7.638GiB"),  # four significant digits
    (1024**2 - 1, "1024KiB"),  # rounds up within the unit, as Go's %.4g
    (5 * 1024**4, "5TiB"),
])
def test_bytes_size_is_go_units_bytessize(size, text):
    assert bytes_size(size) == text


@pytest.mark.parametrize("size, text", [
    (0, "0B"),
    (656, "656B"),
    (1100, "1.1kB"),
    (999, "999B"),
    (1000, "1kB"),
    (147_000, "147kB"),
    (3_568_000, "3.57MB"),  # three significant digits
    (12_400_000, "12.4MB"),
    (999_999, "1e+03kB"),  # Go's %.3g switches to an exponent there too
])
def test_human_size_is_go_units_humansizewithprecision_3(size, text):
    assert human_size(size) == text


@pytest.mark.parametrize("rfc3339, text", [
    ("2026-12-06T02:58:38.352949Z", "2026-12-06 02:58:38.352949 +0000 UTC"),
    ("2026-12-06T02:58:38.350000000Z", "2026-12-06 02:58:38.35 +0000 UTC"),
    ("1970-01-01T00:00:00Z", "1970-01-01 00:00:00 +0000 UTC"),
    ("2026-12-06T04:58:38+02:00", "2026-12-06 04:58:38 +0200 +0200"),
])
def test_go_time_string_is_what_network_ls_prints_as_created_at(rfc3339, text) -> None:
    # docker/cli's networkContext.CreatedAt is Created.String(), not the RFC 3339 text.
    assert go_time_string(rfc3339) == text
