"""The sound of a timeline: every clip's own audio, placed where the clip sits and mixed.

A clip's audio is the stretch of its media's audio under the time it lasts (generated edits of
real footage carry their source's audio, see `engine.outputs`), so an exported cut keeps each
clip's sound in sync with its pictures. Overlapping clips are summed, as an editor's audio
tracks are, and the sum is limited to full scale.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from engine.export.render import clips_in, media_path
from engine.export.sources import has_sound
from engine.media.audio import AudioClip, read_audio
from engine.timebase import nearest
from engine.timeline import Timeline

MIX_RATE = 48000
MIX_LAYOUT = "stereo"


WINDOW = 10 * MIX_RATE  # samples mixed at a time: 3.7 MiB, whatever the sequence's length


@dataclass(frozen=True)
class _Placed:
    """A clip's sound: the file, the sequence samples [at, end) it covers, and the media time
    (seconds) heard at `at`."""

    path: Path
    at: int
    end: int
    start_s: Fraction


@dataclass
class TimelineSound:
    """The mix of a timeline's sound, made a window at a time as the encoder asks for it."""

    parts: list[_Placed]
    length: int
    rate: int = MIX_RATE
    layout: str = MIX_LAYOUT
    window: int = WINDOW

    def blocks(self, size: int) -> Iterator[np.ndarray]:
        for w0 in range(0, self.length, self.window):
            mix = self._mix(w0, min(self.length, w0 + self.window))
            for i in range(0, mix.shape[1], size):
                yield mix[:, i : i + size]

    def _mix(self, w0: int, w1: int) -> np.ndarray:
        mix = np.zeros((2, w1 - w0), np.float32)
        for part in self.parts:
            lo, hi = max(part.at, w0), min(part.end, w1)
            if hi <= lo:
                continue
            # Each stretch is read from an exact media time (a whole number of samples after
            # the clip's first), so windows meet sample for sample.
            start_s = part.start_s + Fraction(lo - part.at, MIX_RATE)
            sound = read_audio(
                part.path, float(start_s), (hi - lo) / MIX_RATE, rate=MIX_RATE, layout=MIX_LAYOUT
            )
            if sound is not None:
                n = min(sound.samples.shape[1], hi - lo)
                mix[:, lo - w0 : lo - w0 + n] += sound.samples[:, :n]
        np.clip(mix, -1.0, 1.0, out=mix)
        return mix


def timeline_sound(
    timeline: Timeline, base: Path, first: int = 0, last: int | None = None
) -> TimelineSound | None:
    """The mixed sound of frames [first, last) of the timeline (default: all of it) at 48 kHz
    stereo, or None when no clip there has sound. Each clip's sound is read from the media time
    under its first sequence frame and placed at that frame's time, both exact fractions, and
    is never stretched: it plays at its own speed, as its pictures do."""
    last = timeline.duration if last is None else last
    parts = []
    for clip in clips_in(timeline, first, last):
        path = media_path(clip, base)
        if clip.is_still or not has_sound(path):
            continue
        lo, hi = max(clip.start, first), min(clip.end, last)  # the part inside the range
        at, end = _sample(lo - first, timeline.rate), _sample(hi - first, timeline.rate)
        parts.append(_Placed(path, at, end, clip.source_seconds(lo, timeline.rate)))
    if not parts:
        return None
    return TimelineSound(parts, _sample(last - first, timeline.rate))


def timeline_audio(
    timeline: Timeline, base: Path, first: int = 0, last: int | None = None
) -> AudioClip | None:
    """`timeline_sound` held whole, for a short range."""
    sound = timeline_sound(timeline, base, first, last)
    if sound is None:
        return None
    blocks = list(sound.blocks(WINDOW)) or [np.zeros((2, 0), np.float32)]
    return AudioClip(np.concatenate(blocks, axis=1), MIX_RATE, MIX_LAYOUT)


def _sample(frames: int, rate: Fraction) -> int:
    """The audio sample at a sequence frame's time (exact, then rounded once)."""
    return nearest(Fraction(frames) * MIX_RATE / rate)
