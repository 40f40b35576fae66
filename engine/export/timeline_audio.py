"""The sound of a timeline: every clip's own audio, placed where the clip sits and mixed.

A clip's audio is the stretch of its media's audio under the frames it uses (generated edits of
real footage carry their source's audio, see `engine.outputs`), so an exported cut keeps each
clip's sound in sync with its pictures. Overlapping clips are summed, as an editor's audio
tracks are, and the sum is limited to full scale.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.export.render import clips_in, media_path
from engine.media.audio import AudioClip, read_audio
from engine.media.open_file import open_input
from engine.timeline import Timeline

MIX_RATE = 48000
MIX_LAYOUT = "stereo"


def _media_fps(path: Path) -> float | None:
    import av

    try:
        with open_input(path) as container:
            if not container.streams.audio or not container.streams.video:
                return None
            rate = container.streams.video[0].average_rate
            return float(rate) if rate else None
    except (av.error.FFmpegError, OSError):
        return None


def timeline_audio(
    timeline: Timeline, base: Path, first: int = 0, last: int | None = None
) -> AudioClip | None:
    """The mixed audio of frames [first, last) of the timeline (default: all of it) at 48 kHz
    stereo, or None when no clip there has sound."""
    last = timeline.duration if last is None else last
    to_sample = MIX_RATE / timeline.fps
    total = int(round((last - first) * to_sample))
    mix = np.zeros((2, total), np.float32)
    heard = False
    for clip in clips_in(timeline, first, last):
        path = media_path(clip, base)
        fps = _media_fps(path)
        if fps is None:  # a still, a folder of frames, or a video without sound
            continue
        lo, hi = max(clip.start, first), min(clip.end, last)  # the part inside the range
        start_s = (clip.source_in + lo - clip.start) / fps
        sound = read_audio(path, start_s, (hi - lo) / timeline.fps, MIX_RATE, MIX_LAYOUT)
        if sound is None:
            continue
        at = int(round((lo - first) * to_sample))
        n = min(sound.samples.shape[1], total - at)
        mix[:, at : at + n] += sound.samples[:, :n]
        heard = True
    if not heard:
        return None
    np.clip(mix, -1.0, 1.0, out=mix)
    return AudioClip(mix, MIX_RATE, MIX_LAYOUT)
