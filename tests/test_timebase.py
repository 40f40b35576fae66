"""Exact rates and SMPTE timecode, drop-frame included."""

from fractions import Fraction

import pytest

from engine.timebase import (
    RateError,
    exact_rate,
    frames_between,
    nearest,
    parse_timecode,
    rate_label,
    rate_text,
    timecode,
    to_source_frame,
)

NTSC = Fraction(30000, 1001)


@pytest.mark.parametrize(
    ("given", "exact"),
    [
        (29.97, NTSC),
        ("29.97", NTSC),
        ("30000/1001", NTSC),
        (23.976, Fraction(24000, 1001)),
        (59.94, Fraction(60000, 1001)),
        (25, Fraction(25)),
        ("12.5", Fraction(25, 2)),
    ],
)
def test_exact_rates(given, exact):
    assert exact_rate(given) == exact


@pytest.mark.parametrize("bad", [0, -25, "abc", "1/0", "1/100000"])  # the last snapped to 0
def test_bad_rates_are_refused(bad):
    with pytest.raises(RateError):
        exact_rate(bad)


def test_rate_text_and_label():
    assert rate_text(NTSC) == "30000/1001" and rate_text(Fraction(25)) == "25"
    assert rate_label(NTSC) == "29.97" and rate_label(Fraction(25, 2)) == "12.5"


def test_nearest_rounds_half_up_exactly():
    assert [nearest(Fraction(n, 2)) for n in (1, 3, 5)] == [1, 2, 3]


def test_source_frame_map_and_lengths():
    assert to_source_frame(25, Fraction(25), Fraction(8)) == 8
    assert frames_between(16, Fraction(8), Fraction(25)) == 50


@pytest.mark.parametrize(
    ("frame", "text"),
    [
        (0, "00:00:00;00"),
        (1799, "00:00:59;29"),
        (1800, "00:01:00;02"),
        (3597, "00:01:59;29"),
        (3598, "00:02:00;02"),
        (17982, "00:10:00;00"),
        (17981, "00:09:59;29"),
        (107892, "01:00:00;00"),
    ],
)
def test_drop_frame_timecode_2997(frame, text):
    assert timecode(frame, NTSC) == text
    assert parse_timecode(text, NTSC) == frame


def test_drop_frame_timecode_5994_drops_four():
    rate = Fraction(60000, 1001)
    assert timecode(3600, rate) == "00:01:00;04"
    assert timecode(215784, rate) == "01:00:00;00"
    assert parse_timecode("00:01:00;04", rate) == 3600


def test_non_drop_timecode():
    assert timecode(25 * 3661 + 7, Fraction(25)) == "01:01:01:07"
    assert timecode(24 * 60, Fraction(24000, 1001)) == "00:01:00:00"  # 23.976 is non-drop
    assert parse_timecode("01:01:01:07", Fraction(25)) == 25 * 3661 + 7
    with pytest.raises(ValueError):
        parse_timecode("00:00:00:25", Fraction(25))
