"""timeline_audio: each clip's sound lands under its frames on the timeline, for any range;
silent media adds nothing; overlapping sound is summed and limited to full scale."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from engine.export.timeline_audio import MIX_RATE, timeline_audio
from engine.media.audio import AudioClip
from engine.media.encode import VideoSettings, write_video
from engine.timeline import Timeline, TimelineClip, Track

FPS = 8
PER_FRAME = MIX_RATE // FPS  # samples under one frame


def staircase(path, frames=16, step=0.01, silent=False):
    """A clip whose sound under frame k is the constant (k + 1) * step (24-bit PCM in MOV
    keeps it exact), so where a sample lands tells which source frame it came from."""
    level = np.repeat((np.arange(frames) + 1) * step, PER_FRAME).astype(np.float32)
    audio = None if silent else AudioClip(np.stack([level, level]), MIX_RATE, "stereo")
    write_video(np.zeros((frames, 16, 16, 3), np.uint8), path, VideoSettings(fps=FPS, audio=audio))
    return path


def timeline(*clips: TimelineClip, tracks: int = 1) -> Timeline:
    return Timeline(
        rate=FPS,
        width=16,
        height=16,
        tracks=[
            Track(f"V{i + 1}", [c for c in clips if c.name == f"V{i + 1}"]) for i in range(tracks)
        ],
    )


def frame_levels(sound: AudioClip) -> np.ndarray:
    """The mean level under each frame (left channel)."""
    return sound.samples[0].reshape(-1, PER_FRAME).mean(axis=1)


def test_clip_sound_sits_under_its_frames(tmp_path):
    staircase(tmp_path / "a.mov")
    # source frames 4..11 placed at timeline frames 10..17; the timeline ends at 18
    sound = timeline_audio(timeline(TimelineClip("a.mov", 4, 8, 10, "8", name="V1")), tmp_path)
    assert sound is not None and sound.rate == MIX_RATE
    assert sound.samples.shape == (2, 18 * PER_FRAME)
    levels = frame_levels(sound)
    assert np.allclose(levels[:10], 0.0, atol=1e-6)  # nothing before the clip starts
    assert np.allclose(levels[10:], (np.arange(4, 12) + 1) * 0.01, atol=1e-4)
    assert np.array_equal(sound.samples[0], sound.samples[1])


def test_a_range_takes_its_own_stretch(tmp_path):
    staircase(tmp_path / "a.mov")
    tl = timeline(TimelineClip("a.mov", 4, 8, 10, "8", name="V1"))
    sound = timeline_audio(tl, tmp_path, first=12, last=16)
    assert sound.samples.shape[1] == 4 * PER_FRAME
    assert np.allclose(frame_levels(sound), (np.arange(6, 10) + 1) * 0.01, atol=1e-4)


def test_silent_media_gives_no_audio(tmp_path):
    staircase(tmp_path / "quiet.mov", silent=True)
    quiet = timeline(TimelineClip("quiet.mov", 0, 8, 0, "8", name="V1"))
    assert timeline_audio(quiet, tmp_path) is None


def test_overlapping_sound_is_summed_and_limited(tmp_path):
    staircase(tmp_path / "loud.mov", step=0.1)  # frame k at (k + 1) / 10
    tl = timeline(
        TimelineClip("loud.mov", 0, 8, 0, "8", name="V1"),
        TimelineClip("loud.mov", 0, 8, 0, "8", name="V2"),
        tracks=2,
    )
    levels = frame_levels(timeline_audio(tl, tmp_path))
    assert np.allclose(levels, np.minimum((np.arange(8) + 1) * 0.2, 1.0), atol=1e-4)


def test_sound_is_placed_by_time_never_stretched(tmp_path):
    """A 8 fps clip on a 25 fps sequence: its sound plays at its own speed from the media time
    under the clip's first frame, so source frame k's sound is heard exactly when it is seen."""
    staircase(tmp_path / "a.mov")  # 16 frames of 8 fps: 2 s
    seq = 25
    clip = TimelineClip("a.mov", 4, 25, 10, "8", name="V1")  # source 4..11 (1 s) from 0.4 s
    tl = Timeline(rate=seq, width=16, height=16, tracks=[Track("V1", [clip])])
    sound = timeline_audio(tl, tmp_path)
    assert sound.samples.shape[1] == 35 * MIX_RATE // seq  # the timeline's length, no more
    for k in range(4, 12):  # the middle of the time source frame k is on screen
        t = 10 / seq + (k - 4 + 0.5) / FPS
        assert abs(sound.samples[0, int(t * MIX_RATE)] - (k + 1) * 0.01) < 1e-4
    assert clip.source_frame(10 + 12, Fraction(seq)) == 4 + round(12 * 8 / 25)


def test_the_mix_made_a_window_at_a_time_meets_sample_for_sample(tmp_path):
    """Issue 29 #9: export mixes the sound a window at a time (an hour of sequence held whole
    is 1.4 GB); windows of 1,000 samples must give the same mix as one window for all."""
    from engine.export.timeline_audio import timeline_sound

    staircase(tmp_path / "a.mov")
    tl = timeline(TimelineClip("a.mov", 4, 8, 3, "8", name="V1"))
    whole = timeline_sound(tl, tmp_path)
    assert whole is not None
    one = np.concatenate(list(whole.blocks(10**9)), axis=1)
    whole.window = 1000
    pieces = list(whole.blocks(300))
    assert max(p.shape[1] for p in pieces) <= 300
    assert np.abs(np.concatenate(pieces, axis=1) - one).max() < 1e-4
    assert one.shape[1] == whole.length


def test_an_hour_of_sequence_is_mixed_in_bounded_memory(tmp_path):
    import tracemalloc

    from engine.export.timeline_audio import timeline_sound

    staircase(tmp_path / "a.mov")
    hour = FPS * 3600
    clip = TimelineClip("a.mov", 0, 8, hour - 8, "8", name="V1")
    sound = timeline_sound(timeline(clip), tmp_path)
    assert sound is not None and sound.length == 3600 * 48000
    tracemalloc.start()
    heard = sum(float(np.abs(b).sum()) for b in sound.blocks(480000))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert heard > 0  # the clip at the end is in the mix
    assert peak < 64 << 20, peak  # held whole: 3600 s x 48,000 x 2 x 4 bytes = 1.4 GB
