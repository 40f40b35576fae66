"""The sound of a timeline: every clip's own audio, placed where the clip sits and mixed.

A clip's audio is the stretch of its media's audio under the time it lasts (generated edits of
real footage carry their source's audio, see `engine.outputs`), so an exported cut keeps each
clip's sound in sync with its pictures. Overlapping clips are summed, as an editor's audio
tracks are, and the sum is limited to full scale.
"""

from __future__ import annotations

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


def timeline_audio(
    timeline: Timeline, base: Path, first: int = 0, last: int | None = None
) -> AudioClip | None:
    """The mixed audio of frames [first, last) of the timeline (default: all of it) at 48 kHz
    stereo, or None when no clip there has sound. Each clip's sound is read from the media time
    under its first sequence frame and placed at that frame's time, both exact fractions, and
    is never stretched: it plays at its own speed, as its pictures do."""
    last = timeline.duration if last is None else last
    total = _sample(last - first, timeline.rate)
    mix = np.zeros((2, total), np.float32)
    heard = False
    for clip in clips_in(timeline, first, last):
        path = media_path(clip, base)
        if clip.is_still or not has_sound(path):
            continue
        lo, hi = max(clip.start, first), min(clip.end, last)  # the part inside the range
        at, n = _sample(lo - first, timeline.rate), _sample(hi - first, timeline.rate)
        start_s = clip.source_seconds(lo, timeline.rate)
        sound = read_audio(
            path, float(start_s), (n - at) / MIX_RATE, rate=MIX_RATE, layout=MIX_LAYOUT
        )
        if sound is None:
            continue
        n = min(sound.samples.shape[1], total - at)
        mix[:, at : at + n] += sound.samples[:, :n]
        heard = True
    if not heard:
        return None
    np.clip(mix, -1.0, 1.0, out=mix)
    return AudioClip(mix, MIX_RATE, MIX_LAYOUT)


def _sample(frames: int, rate: Fraction) -> int:
    """The audio sample at a sequence frame's time (exact, then rounded once)."""
    return nearest(Fraction(frames) * MIX_RATE / rate)
