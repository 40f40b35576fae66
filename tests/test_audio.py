"""read_audio: the stretch asked for, sample-exact in PCM and close in AAC, whether it lies at the
start of a long source (no seek) or deep inside it (seek, then stop after it); silence pads
past the end; a source without sound gives None."""

from __future__ import annotations

import numpy as np
import pytest

from engine.media.audio import SEEK_MARGIN_S, AudioClip, read_audio
from engine.media.encode import VideoSettings, write_video

RATE, FPS, SECONDS = 48000, 4, 30


def ramp_source(path, seconds=SECONDS):
    """A source whose left channel is a slow ramp and right a tone: every sample's value says
    where it sits in time."""
    t = np.arange(seconds * RATE) / RATE
    left = (t / seconds * 1.6 - 0.8).astype(np.float32)
    right = (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    audio = AudioClip(np.stack([left, right]), RATE, "stereo")
    write_video(
        np.zeros((seconds * FPS, 16, 16, 3), np.uint8), path, VideoSettings(fps=FPS, audio=audio)
    )
    return np.stack([left, right])


@pytest.mark.parametrize("start", [0.0, 0.3, 2.0, 21.37])
def test_pcm_stretch_is_sample_exact(tmp_path, start):
    truth = ramp_source(tmp_path / "a.mov")
    got = read_audio(tmp_path / "a.mov", start, 1.25)
    first = int(round(start * RATE))
    assert got is not None and got.samples.shape == (2, int(1.25 * RATE))
    assert np.abs(got.samples - truth[:, first : first + int(1.25 * RATE)]).max() < 1e-6


def test_aac_stretch_after_a_seek_matches_a_full_decode(tmp_path):
    ramp_source(tmp_path / "a.mov")
    # The same sound as AAC in MP4: compare a deep read with the slice of a read from 0.
    source = read_audio(tmp_path / "a.mov", 0.0, SECONDS)
    write_video(
        np.zeros((SECONDS * FPS, 16, 16, 3), np.uint8),
        tmp_path / "a.mp4",
        VideoSettings(fps=FPS, audio=source),
    )
    whole = read_audio(tmp_path / "a.mp4", 0.0, SECONDS)
    start = 17.0 + 3 * SEEK_MARGIN_S
    deep = read_audio(tmp_path / "a.mp4", start, 2.0)
    first = int(round(start * RATE))
    expected = whole.samples[:, first : first + 2 * RATE]
    assert np.abs(deep.samples - expected).max() < 1e-3
    # And it is the source's sound there, not some other stretch (AAC is lossy: RMS < 0.05).
    truth = source.samples[:, first : first + 2 * RATE]
    assert np.sqrt(np.mean((deep.samples - truth) ** 2)) < 0.05


def test_past_the_end_is_silence(tmp_path):
    truth = ramp_source(tmp_path / "a.mov", seconds=4)
    got = read_audio(tmp_path / "a.mov", 3.5, 1.0)
    half = RATE // 2
    assert np.abs(got.samples[:, :half] - truth[:, -half:]).max() < 1e-6
    assert not got.samples[:, half:].any()


def test_silent_source_gives_none(tmp_path):
    write_video(np.zeros((4, 16, 16, 3), np.uint8), tmp_path / "s.mov", VideoSettings(fps=FPS))
    assert read_audio(tmp_path / "s.mov", 0.0, 1.0) is None
