from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from testkit.media import make_clip

from engine.media.probe import ProbeError, probe


def test_probe_video_reports_size_rate_length_and_audio(tmp_path):
    clip = make_clip(tmp_path / "a.mp4", frames=30, size=(64, 48), fps=24, audio=True)
    info = probe(clip)
    assert info.kind == "video"
    assert (info.width, info.height) == (64, 48)
    assert info.fps == pytest.approx(24)
    assert info.frames == 30
    assert info.duration == pytest.approx(30 / 24, abs=0.1)
    assert info.has_audio
    assert info.rotation == 0


def test_probe_rotation_swaps_display_size(tmp_path):
    info = probe(make_clip(tmp_path / "r.mov", frames=5, size=(64, 32), rotation=90))
    assert info.rotation == 90
    assert info.display_size == (32, 64)
    assert not info.has_audio


def test_probe_image(tmp_path):
    path = tmp_path / "still.png"
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(path)
    info = probe(path)
    assert (info.kind, info.width, info.height, info.frames) == ("image", 30, 20, 1)


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("broken.mp4", b"this is not a video at all" * 10, "damaged"),
        ("broken.png", b"\x89PNG garbage", "could not be read"),
        ("notes.txt", b"hello", "unsupported"),
    ],
)
def test_probe_bad_files_raise_clear_errors_and_leave_file(tmp_path, name, data, words):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ProbeError, match=words):
        probe(path)
    assert path.read_bytes() == data


def test_probe_missing_file(tmp_path):
    with pytest.raises(ProbeError, match="does not exist"):
        probe(tmp_path / "nope.mp4")


def test_probe_truncated_video(tmp_path):
    clip = make_clip(tmp_path / "t.mp4", frames=30)
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(ProbeError, match="cut.mp4: the file is damaged"):
        probe(cut)


@pytest.mark.parametrize(
    ("maker", "words"),
    [
        (
            lambda: __import__("testkit.fuzz_media").fuzz_media.png_claiming(100000, 100000),
            "claims more than 179 Mpx",
        ),
        (
            lambda: __import__("testkit.fuzz_media").fuzz_media.png_with_text(20 << 20),
            "a text chunk in it is too large",
        ),
    ],
)
def test_hostile_stills_are_probe_errors(tmp_path, maker, words):
    # Before: DecompressionBombError / ValueError escaped and aborted the whole import.
    (tmp_path / "x.png").write_bytes(maker())
    with pytest.raises(ProbeError, match=words):
        probe(tmp_path / "x.png")


def test_exif_rotated_still_reports_its_shown_size(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 8
    Image.new("RGB", (40, 20)).save(tmp_path / "r.jpg", exif=exif.tobytes())
    info = probe(tmp_path / "r.jpg")
    assert (info.width, info.height) == (20, 40)


def test_broken_utf8_tags_do_not_stop_probing(tmp_path):
    from testkit.fuzz_media import bad_utf8_tags

    assert probe(bad_utf8_tags(tmp_path / "t.mp4")).frames == 10
