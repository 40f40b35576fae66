"""Durations as the jobs panel says them."""

from __future__ import annotations

import pytest

from lumiere_studio.model.durations import spoken


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.42, "0.4 s"),
        (9.94, "9.9 s"),
        (42.4, "42 s"),
        (59.6, "1 min 00 s"),
        (1819.0, "30 min 19 s"),
        (3599.4, "59 min 59 s"),
        (3600, "1 h 00 min"),
        (7530, "2 h 05 min"),
    ],
)
def test_a_duration_reads_in_the_largest_units(seconds, text):
    assert spoken(seconds) == text
