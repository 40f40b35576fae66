"""Real photos and clips for training: read once, shrunk, served as jittered random crops."""

import numpy as np
import pytest
from PIL import Image

from engine.train.photos import PhotoLibrary, clip_window, photo_scene


def _write_clip(path, frames=12, w=64, h=48):
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=8)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for i in range(frames):
            image = np.zeros((h, w, 3), np.uint8)
            image[:, : 4 * (i + 1)] = (200, 60, 30)  # a bar that grows rightwards
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)).save(tmp_path / "b.png")
    Image.fromarray(np.full((90, 120, 3), 80, np.uint8)).save(tmp_path / "a.jpg")
    (tmp_path / "broken.jpg").write_bytes(b"not a picture")
    (tmp_path / "notes.txt").write_text("ignored")
    _write_clip(tmp_path / "c.mp4")
    return tmp_path


def test_a_folder_is_read_in_name_order_shrunk_and_bad_files_named(folder, caplog):
    library = PhotoLibrary.load(folder, 60)
    assert [p.shape for p in library.photos] == [(60, 80, 3), (60, 80, 3)]  # a.jpg, b.png
    assert library.photos[0].mean() == pytest.approx(80, abs=2)
    # The clip (64x48) is smaller than asked: kept as it is, never enlarged.
    assert len(library.clips) == 1 and library.clips[0].shape == (12, 48, 64, 3)
    warned = [r for r in caplog.records if r.levelname == "WARNING"]
    assert any(r.getMessage().startswith("skipping broken.jpg") for r in warned)


def test_an_empty_or_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no readable photos"):
        PhotoLibrary.load(tmp_path, 64)
    with pytest.raises(ValueError, match="does not exist"):
        PhotoLibrary.load(tmp_path / "nope", 64)


def test_photo_scenes_are_deterministic_jittered_crops(folder):
    library = PhotoLibrary.load(folder, 120)
    a = photo_scene(library, np.random.default_rng(3), 32, 48)
    b = photo_scene(library, np.random.default_rng(3), 32, 48)
    assert np.array_equal(a.layers[0].rgb, b.layers[0].rgb)
    assert a.layers[0].rgb.shape == (32, 48, 3) and a.layers[0].alpha.min() == 1
    grey = PhotoLibrary([library.photos[0]], [])  # the flat grey photo
    means = [
        photo_scene(grey, np.random.default_rng(s), 16, 16).layers[0].rgb.mean() for s in range(20)
    ]
    assert np.ptp(means) > 0.05  # brightness jitter


def test_a_clip_window_keeps_the_clip_order_and_one_jitter(folder):
    library = PhotoLibrary.load(folder, 48)
    clip = clip_window(library, np.random.default_rng(1), 6, 16, 16)
    again = clip_window(library, np.random.default_rng(1), 6, 16, 16)
    assert clip.video.shape == (6, 16, 16, 3) and np.array_equal(clip.video, again.video)
    assert clip.region is None and clip.motion == "clip"
    # The bar grows (to the right, or to the left when flipped): covered area never shrinks.
    red = (clip.video[..., 0].astype(int) - clip.video[..., 2]) > 60
    assert np.all(np.diff(red.sum(axis=(1, 2))) >= 0)
