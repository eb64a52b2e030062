"""Docker's sizes (go-units), as `stats`, `images` and `history` print them."""

from __future__ import annotations

import pytest

from nerdpy.formatting.human import bytes_size, human_size


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
