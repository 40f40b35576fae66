"""The writers: each format reads back with the right codec, profile, pixel format, frame count,
rate, tags and timecode; audio rides along; a cancelled or killed write leaves nothing at the
target, and the next write clears a killed writer's temporary file."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from fractions import Fraction

import av
import numpy as np
import pytest
from testkit import processes

from engine.errors import Cancelled
from engine.media.audio import AudioClip
from engine.media.encode import (
    EncodeError,
    VideoSettings,
    as_fraction,
    sweep_stale_temps,
    write_png_sequence,
    write_video,
)


def frames(t: int = 6, h: int = 32, w: int = 48) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (t, h, w, 3), dtype=np.uint8)


def probe(path):
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        n = sum(1 for _ in c.decode(video=0))
        return {
            "codec": v.codec_context.name,
            "profile": v.codec_context.profile,
            "pix_fmt": v.codec_context.pix_fmt,
            "frames": n,
            "rate": v.average_rate,
            "meta": dict(c.metadata),
            "vmeta": dict(v.metadata),
            "primaries": v.codec_context.color_primaries,
            "audio": len(c.streams.audio),
        }


def test_h264_mp4_reads_back(tmp_path):
    settings = VideoSettings(fps=23.976, crf=20, preset="fast", metadata={"k": "v"})
    out = write_video(frames(), tmp_path / "a.mp4", settings)
    p = probe(out)
    assert p["codec"] == "h264" and p["pix_fmt"] == "yuv420p" and p["frames"] == 6
    assert p["rate"] == Fraction(24000, 1001)
    assert p["meta"]["k"] == "v" and p["primaries"] == 1
    assert p["vmeta"].get("timecode") == "00:00:00:00"


def test_prores_422_hq_is_10_bit(tmp_path):
    p = probe(
        write_video(frames(), tmp_path / "a.mov", VideoSettings(fps=29.97, timecode="01:00:00:00"))
    )
    assert p["codec"] == "prores" and p["profile"] == "HQ" and p["pix_fmt"] == "yuv422p10le"
    assert p["rate"] == Fraction(30000, 1001) and p["frames"] == 6
    assert p["vmeta"]["timecode"] == "01:00:00:00"


def test_prores_4444_carries_the_alpha(tmp_path):
    alpha = np.zeros((6, 32, 48), np.uint8)
    alpha[:, :, 24:] = 255
    out = write_video(
        frames(), tmp_path / "a.mov", VideoSettings(fps=24, prores="prores4444", alpha=alpha)
    )
    p = probe(out)
    assert p["codec"] == "prores" and p["profile"] == "4444"
    assert p["pix_fmt"].startswith("yuva444p")
    with av.open(str(out)) as c:
        first = next(c.decode(video=0)).to_ndarray(format="rgba")
    assert first[:, :24, 3].max() < 8 and first[:, 24:, 3].min() > 247


def test_audio_is_muxed_with_the_right_length(tmp_path):
    rate = 48000
    tone = np.sin(np.linspace(0, 440 * 2 * np.pi, rate // 4)).astype(np.float32)
    clip = AudioClip(np.stack([tone, tone]) * 0.5, rate, "stereo")
    out = write_video(frames(6), tmp_path / "a.mov", VideoSettings(fps=24, audio=clip))
    with av.open(str(out)) as c:
        assert c.streams.audio[0].codec_context.name == "pcm_s24le"
        n = sum(f.samples for f in c.decode(audio=0))
    assert n == rate // 4


def test_png_sequence_is_lossless(tmp_path):
    f = frames(3)
    folder = write_png_sequence(f, tmp_path / "seq")
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["frame_00000.png", "frame_00001.png", "frame_00002.png"]
    with av.open(str(folder / names[1])) as c:
        assert np.array_equal(next(c.decode(video=0)).to_ndarray(format="rgb24"), f[1])


def test_bad_settings_are_refused(tmp_path):
    with pytest.raises(EncodeError, match="preset"):
        write_video(frames(), tmp_path / "a.mp4", VideoSettings(preset="warp"))
    with pytest.raises(EncodeError, match="crf"):
        write_video(frames(), tmp_path / "a.mp4", VideoSettings(crf=80))
    assert as_fraction(59.94) == Fraction(60000, 1001)


def test_cancel_leaves_nothing(tmp_path):
    calls = []
    target = tmp_path / "a.mp4"
    with pytest.raises(Cancelled):
        write_video(
            frames(), target, VideoSettings(cancel=lambda: len(calls) >= 2), on_frame=calls.append
        )
    assert not target.exists() and list(tmp_path.iterdir()) == []


KILL_SCRIPT = """
import sys, numpy as np
from engine.media.encode import write_video, VideoSettings
def slow_frames():
    for i in range(100000):
        if i == 3:
            print("writing", flush=True)
        yield np.full((64, 64, 3), i % 255, np.uint8)
write_video(slow_frames(), sys.argv[1], VideoSettings(fps=24))
"""


def test_killed_export_leaves_no_file_at_target(tmp_path):
    target = tmp_path / "killed.mp4"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(target)], stdout=subprocess.PIPE, text=True
    )
    with processes.reaped(proc):
        assert processes.readline(proc, "the export's first frames").strip() == "writing"
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        processes.wait(proc, "the killed export")
    assert proc.returncode == -signal.SIGKILL
    assert not target.exists()
    left = [p.name for p in tmp_path.iterdir()]
    assert left and all(name.startswith(f".killed.mp4.{proc.pid}-") for name in left)
    # The next export to the same target clears what the killed one left behind.
    write_video(np.zeros((2, 16, 16, 3), np.uint8), target, VideoSettings(fps=24))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["killed.mp4"]


def test_sweep_spares_live_writers_and_the_previous_frames(tmp_path):
    target = tmp_path / "shots"
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    processes.wait(finished, "an empty Python process")
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    with processes.reaped(live):
        dead = tmp_path / f".shots.{finished.pid}-abc.tmp"
        alive = tmp_path / f".shots.{live.pid}-def.tmp"
        previous = tmp_path / ".shots.xyz123.old"  # a PNG swap's previous frames
        other = tmp_path / f".other.{finished.pid}-abc.tmp"
        for folder in (dead, alive, previous, other):
            folder.mkdir()
            (folder / "frame_00000.png").write_bytes(b"x")
        assert sweep_stale_temps(target, ".tmp") == [dead]
        assert not dead.exists() and alive.exists() and previous.exists() and other.exists()


def test_png_sequence_streams_and_a_cancel_stops_reading(tmp_path):
    """Frames are consumed one at a time (a long render is not held in memory), and a cancel
    from on_frame stops before the rest are even made, leaving nothing behind."""
    made = []

    def frames():
        for i in range(50):
            made.append(i)
            yield np.full((8, 8, 3), i, np.uint8)

    def stop(i: int) -> None:
        if i == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_png_sequence(frames(), tmp_path / "seq", on_frame=stop)
    assert len(made) == 3 and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fps", [1000, 120000])
def test_very_fast_clips_are_written_without_a_timecode_track(tmp_path, fps):
    # Before: the timecode track's one-byte frame rate made every write above 255 fps fail
    # with "Invalid argument ... returned 22" naming the temporary file.
    frames = np.zeros((3, 24, 32, 3), np.uint8)
    for suffix in (".mp4", ".mov"):
        out = write_video(frames, tmp_path / f"fast{suffix}", VideoSettings(fps=fps))
        with av.open(str(out)) as c:
            assert c.streams.video[0].average_rate == fps
            assert len(c.streams.data) == 0  # no timecode track


def test_tags_naming_a_non_utf8_file_are_written(tmp_path):
    import os

    source = os.fsdecode(b"latin1-\xe9t\xe9.mp4")  # a source file's name, as Python holds it
    out = write_video(
        frames(), tmp_path / "o.mp4", VideoSettings(metadata={"lumiere_source": source})
    )
    with av.open(str(out)) as c:  # before: UnicodeEncodeError, after the whole generation
        assert c.metadata["lumiere_source"] == "latin1-\ufffdt\ufffd.mp4"


def test_an_encoder_that_refuses_its_settings_is_a_plain_message(tmp_path, monkeypatch):
    """Issue 29: FFmpeg's EINVAL reached users as "Invalid argument returned 22"."""
    import av.error

    from engine.media import encode

    def refuse(*args, **kwargs):
        raise av.error.ArgumentError(22, "Invalid argument")

    monkeypatch.setattr(encode, "_add_stream", refuse)
    out = tmp_path / "clip.mp4"
    with pytest.raises(encode.EncodeError) as e:
        encode.write_video(np.zeros((2, 16, 16, 3), np.uint8), out, encode.VideoSettings(fps=8))
    message = str(e.value)
    assert "returned 22" not in message and "refused these settings" in message
    assert "16x16" in message and "8 fps" in message
    assert not list(tmp_path.iterdir())  # nothing half-written is left
