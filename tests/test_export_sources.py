"""engine.export.sources: the frames of a video, a still or a folder of frames (exact pixels, in
name order, up to a limit), their rate and sound, the labels a clip carries, and a SourceError
naming the file for anything that cannot be read."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from testkit.media import make_clip, write_lossless_video
from testkit.sidecars import write_sidecar

from engine.errors import LumiereError
from engine.export.sources import (
    SourceError,
    frame_files,
    frame_rate,
    has_sound,
    iter_frames,
    labels_of,
    read_frames,
)
from engine.media import provenance as pv
from engine.media.encode import VideoSettings, write_png_sequence, write_video


def _frames(n: int = 5, h: int = 24, w: int = 32) -> np.ndarray:
    rng = np.random.default_rng(n)
    return rng.integers(0, 256, (n, h, w, 3), dtype=np.uint8)


@pytest.fixture
def lossless(tmp_path):
    frames = _frames()
    return write_lossless_video(tmp_path / "clip.mkv", frames, fps=12), frames


@pytest.fixture
def png_folder(tmp_path):
    frames = _frames(3)
    return write_png_sequence(frames, tmp_path / "frames"), frames


def test_a_video_yields_its_exact_frames_as_uint8_rgb(lossless):
    path, frames = lossless
    got = read_frames(path)
    assert got.dtype == np.uint8 and got.shape == frames.shape
    assert np.array_equal(got, frames)
    assert np.array_equal(read_frames(str(path)), frames)  # a str path works too


def test_limit_stops_after_that_many_frames(lossless):
    path, frames = lossless
    got = list(iter_frames(path, limit=2))
    assert len(got) == 2 and np.array_equal(np.stack(got), frames[:2])


def test_a_folder_yields_its_images_in_name_order(png_folder):
    folder, frames = png_folder
    # A file that is not an image is skipped; names sort, so frame_00002 comes last.
    (folder / "notes.txt").write_text("not a frame")
    (folder / "frame_00001.png").rename(folder / "frame_00001.PNG")  # suffix case is ignored
    files = frame_files(folder)
    assert [f.name for f in files] == ["frame_00000.png", "frame_00001.PNG", "frame_00002.png"]
    assert np.array_equal(read_frames(folder), frames)


def test_a_still_is_one_frame(png_folder):
    folder, frames = png_folder
    still = folder / "frame_00001.png"
    assert frame_files(still) == [still]
    got = read_frames(still)
    assert got.shape == (1, *frames.shape[1:]) and np.array_equal(got[0], frames[1])


def test_missing_and_empty_inputs_are_named(tmp_path):
    with pytest.raises(SourceError, match=r"nothing\.mp4 does not exist"):
        next(iter_frames(tmp_path / "nothing.mp4"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="empty holds no image frames"):
        next(iter_frames(tmp_path / "empty"))
    assert issubclass(SourceError, LumiereError) and issubclass(SourceError, ValueError)


def test_a_file_that_is_not_media_is_a_source_error(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00not a video at all" * 50)
    with pytest.raises(SourceError, match="broken.mp4"):
        list(iter_frames(bad))
    with pytest.raises(SourceError, match="broken.mp4"):
        frame_rate(bad)
    assert has_sound(bad) is False  # a question about sound never raises


def test_a_file_without_video_says_so(tmp_path):
    import av

    from engine.media.open_file import open_output

    path = tmp_path / "tone.m4a"
    with open_output(path) as c:
        stream = c.add_stream("aac", rate=48000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), "fltp", "mono")
        frame.sample_rate = 48000
        c.mux(stream.encode(frame))
        c.mux(stream.encode(None))
    with pytest.raises(SourceError, match="tone.m4a has no video or image stream"):
        list(iter_frames(path))


def test_a_picture_over_the_size_limit_is_refused(monkeypatch, lossless):
    import engine.media.picture_size as picture_size

    monkeypatch.setattr(picture_size, "MAX_PIXELS", 100)
    with pytest.raises(SourceError, match="clip.mkv: the picture is too large"):
        list(iter_frames(lossless[0]))


def test_frame_rate_of_video_and_of_pictures(lossless, png_folder, tmp_path):
    assert frame_rate(lossless[0]) == 12
    clip = make_clip(tmp_path / "ntsc.mp4", frames=3, fps=Fraction(30000, 1001))
    assert frame_rate(clip) == Fraction(30000, 1001)
    folder, _ = png_folder
    assert frame_rate(folder) == 24.0  # pictures have no rate: the default
    assert frame_rate(folder / "frame_00000.png", default=10) == 10


def test_has_sound(tmp_path, png_folder, lossless):
    assert has_sound(make_clip(tmp_path / "a.mp4", frames=4, audio=True)) is True
    assert has_sound(make_clip(tmp_path / "b.mp4", frames=4)) is False
    assert has_sound(png_folder[0]) is False
    assert has_sound(tmp_path / "missing.mp4") is False


def _labels(prompt: str) -> pv.Provenance:
    return pv.Provenance(pv.GENERATED, "tiny", "ab" * 32, prompt=prompt, seed=9)


def test_labels_come_from_the_manifest_first(tmp_path):
    path = tmp_path / "gen.mp4"
    meta = _labels("from the container").container_metadata()
    write_video(_frames(2, 32, 32), path, VideoSettings(fps=8, metadata=meta))
    found = labels_of(path)
    assert found is not None and found.prompt == "from the container" and found.seed == 9
    write_sidecar(path, _labels("from the manifest"))
    found = labels_of(path)
    assert found is not None and found.prompt == "from the manifest"


def test_labels_of_unlabelled_media_are_none(lossless, png_folder, tmp_path):
    assert labels_of(lossless[0]) is None  # an .mkv: no container labels are looked for
    assert labels_of(png_folder[0]) is None
    assert labels_of(make_clip(tmp_path / "plain.mp4", frames=2)) is None
    write_sidecar(png_folder[0], _labels("frames"))
    found = labels_of(png_folder[0])
    assert found is not None and found.prompt == "frames"


def test_a_broken_manifest_is_a_provenance_error(lossless):
    path = lossless[0]
    pv.manifest_path(path).write_text(json.dumps({"provenance": "oops"}))
    with pytest.raises(pv.ProvenanceError, match="not a valid manifest"):
        labels_of(path)
