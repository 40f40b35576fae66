"""Exact time: frame rates as fractions, the map between sequence frames and a clip's source
frames, and SMPTE timecode (drop-frame for 29.97 / 59.94).

Rates are `fractions.Fraction` (29.97 is 30000/1001, not 29.97), so a frame number converts to
seconds and to another rate without rounding error accumulating: an hour of 29.97 on a 25
sequence lands on the same source frame as a second does, up to the one rounding each lookup
makes. No Qt here: export, the CLI and the app share it.
"""

from __future__ import annotations

from fractions import Fraction

from engine.errors import LumiereError

# The rates the sequence settings offer, as editors name them.
STANDARD_RATES: list[tuple[str, Fraction]] = [
    ("23.976", Fraction(24000, 1001)),
    ("24", Fraction(24)),
    ("25", Fraction(25)),
    ("29.97", Fraction(30000, 1001)),
    ("30", Fraction(30)),
    ("50", Fraction(50)),
    ("59.94", Fraction(60000, 1001)),
    ("60", Fraction(60)),
]
NTSC_TOLERANCE = 0.01  # 29.97 written with 2-3 decimals is still 30000/1001


class RateError(LumiereError, ValueError):
    """A frame rate that is not a positive number."""


def exact_rate(value: Fraction | float | int | str) -> Fraction:
    """The exact rate meant by a number or text ("29.97", "30000/1001", 25, 23.976...): the
    NTSC family snaps to n*1000/1001; anything else is kept to a 1/1001 grid."""
    try:
        rate = Fraction(value) if isinstance(value, str) else Fraction(value)
    except (ValueError, ZeroDivisionError, TypeError) as e:
        raise RateError(f"not a frame rate: {value!r}") from e
    if rate <= 0:
        raise RateError(f"a frame rate must be positive, got {value!r}")
    for base in (24, 30, 48, 60, 120):
        ntsc = Fraction(base * 1000, 1001)
        if abs(float(rate) - float(ntsc)) < NTSC_TOLERANCE:
            return ntsc
    snapped = rate.limit_denominator(1001)
    if snapped <= 0:  # 1/100000 fps would snap to 0 and divide by zero later
        raise RateError(f"a frame rate must be at least 1/1001 fps, got {value!r}")
    return snapped


def rate_text(rate: Fraction) -> str:
    """How a rate is stored: "25" or "30000/1001"."""
    rate = Fraction(rate)
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def rate_label(rate: Fraction) -> str:
    """How a rate is shown: "25", "29.97", "23.976"."""
    for label, standard in STANDARD_RATES:
        if standard == rate:
            return label
    return f"{float(rate):.3f}".rstrip("0").rstrip(".")


def nearest(x: Fraction) -> int:
    """Round half up, exactly (Python's round() goes to even, which would make the map between
    rates depend on the parity of the frame)."""
    return int((x + Fraction(1, 2)) // 1)


def to_source_frame(offset: int, sequence_rate: Fraction, source_rate: Fraction) -> int:
    """The source frame nearest in time to `offset` sequence frames into a clip (counted from
    the clip's first source frame)."""
    return nearest(Fraction(offset) * source_rate / sequence_rate)


def frames_between(frames: int | Fraction, from_rate: Fraction, to_rate: Fraction) -> int:
    """A length in frames of one rate as the nearest whole number of frames of another."""
    return nearest(Fraction(frames) * to_rate / from_rate)


def seconds(frames: int | Fraction, rate: Fraction) -> Fraction:
    return Fraction(frames) / rate


def is_drop_frame(rate: Fraction) -> bool:
    """29.97 and 59.94 count in drop-frame timecode, as broadcast editors expect."""
    return rate in (Fraction(30000, 1001), Fraction(60000, 1001))


def timecode(frame: int, rate: Fraction, drop: bool | None = None) -> str:
    """SMPTE timecode of a frame number: HH:MM:SS:FF, or HH:MM:SS;FF in drop-frame, where
    frame numbers 0 and 1 (0-3 at 59.94) are skipped at every minute but each tenth, so the
    label keeps up with the clock."""
    rate = Fraction(rate)
    if rate <= 0:
        return "--:--:--:--"
    frame = max(0, int(frame))
    drop = is_drop_frame(rate) if drop is None else drop
    nominal = max(1, nearest(rate))
    if drop:
        dropped = nominal // 15  # 2 labels a minute at 29.97, 4 at 59.94
        per_ten = nominal * 600 - dropped * 9
        per_minute = nominal * 60 - dropped
        tens, rest = divmod(frame, per_ten)
        frame += dropped * 9 * tens
        if rest > dropped:
            frame += dropped * ((rest - dropped) // per_minute)
    ff = frame % nominal
    total_s = frame // nominal
    sep = ";" if drop else ":"
    return f"{total_s // 3600 % 24:02d}:{total_s // 60 % 60:02d}:{total_s % 60:02d}{sep}{ff:02d}"


def parse_timecode(text: str, rate: Fraction) -> int:
    """The frame number of a timecode written by `timecode` (":" or ";" before the frames)."""
    parts = text.replace(";", ":").split(":")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        raise ValueError(f"timecode must be HH:MM:SS:FF, got {text!r}")
    hh, mm, ss, ff = (int(p) for p in parts)
    nominal = max(1, nearest(Fraction(rate)))
    if ff >= nominal or ss >= 60 or mm >= 60:
        raise ValueError(f"timecode {text!r} is out of range at {rate_label(rate)} fps")
    minutes = hh * 60 + mm
    frame = (minutes * 60 + ss) * nominal + ff
    if ";" in text or is_drop_frame(Fraction(rate)):
        dropped = nominal // 15
        frame -= dropped * (minutes - minutes // 10)
    return frame
