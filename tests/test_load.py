"""Input loading: stills, masks (white = region, resized with a note, empty refused) and
source frames (exact range, clear errors for short, broken and truncated files)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.jobs import JobError
from engine.media.load import MediaLoadError, load_image, load_mask, load_video_frames


@pytest.fixture(scope="module")
def clip(tmp_path_factory, write_lossless_video) -> tuple[Path, np.ndarray]:
    frames = np.random.default_rng(0).integers(0, 256, (10, 12, 16, 3), dtype=np.uint8)
    path = tmp_path_factory.mktemp("load") / "clip.mkv"
    write_lossless_video(path, frames)
    return path, frames


def test_load_image_rgb_and_alpha(tmp_path: Path) -> None:
    rgba = np.zeros((6, 8, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[:, :4, 3] = 255  # left half opaque red, right half transparent
    Image.fromarray(rgba).save(tmp_path / "a.png")
    img = load_image(tmp_path / "a.png")
    assert img.shape == (6, 8, 3) and img.dtype == np.uint8
    assert (img[:, :4, 0] == 200).all() and (img[:, 4:] == 0).all()


def test_load_image_errors(tmp_path: Path) -> None:
    with pytest.raises(MediaLoadError, match="does not exist"):
        load_image(tmp_path / "nope.png")
    (tmp_path / "bad.png").write_bytes(b"not a png at all")
    with pytest.raises(MediaLoadError, match="could not be read"):
        load_image(tmp_path / "bad.png")
    assert issubclass(MediaLoadError, JobError)  # bad inputs are job errors for every client


def test_mask_white_is_region_and_resize_note(tmp_path: Path) -> None:
    m = np.zeros((4, 4), np.uint8)
    m[:2, :2] = 255
    Image.fromarray(m).save(tmp_path / "m.png")
    region, note = load_mask(tmp_path / "m.png", (4, 4))
    assert note is None and region.sum() == 4 and region[0, 0] and not region[3, 3]
    big, note = load_mask(tmp_path / "m.png", (8, 8))
    assert big.shape == (8, 8) and big[:4, :4].all() and not big[4:].any()
    assert note is not None and "resized to 8x8" in note


def test_empty_mask_is_refused(tmp_path: Path) -> None:
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "empty.png")
    with pytest.raises(MediaLoadError, match="empty"):
        load_mask(tmp_path / "empty.png")


def test_video_frames_exact_range(clip) -> None:
    path, frames = clip
    got, fps = load_video_frames(path, 3, 5)
    assert fps == pytest.approx(8)
    assert np.array_equal(got, frames[3:8])


def test_video_shorter_than_asked(clip) -> None:
    path, _ = clip
    with pytest.raises(MediaLoadError, match="shorter than asked.*10 readable frames"):
        load_video_frames(path, 4, 8)


def test_broken_and_truncated_video(clip, tmp_path: Path) -> None:
    path, _ = clip
    (tmp_path / "junk.mp4").write_bytes(b"\x00" * 1000)
    with pytest.raises(MediaLoadError, match="video junk.mp4: the file is damaged"):
        load_video_frames(tmp_path / "junk.mp4", 0, 2)
    data = path.read_bytes()
    (tmp_path / "cut.mkv").write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaLoadError):
        load_video_frames(tmp_path / "cut.mkv", 0, 10)


def test_huge_still_is_decoded_down_and_claims_beyond_the_limit_refused(tmp_path: Path) -> None:
    from testkit.fuzz_media import huge_sparse_png, png_claiming

    # 9400x9400 in 86 KB: image-to-video decodes it straight down to the working size.
    big = huge_sparse_png(tmp_path / "big.png", 9400)
    assert big.stat().st_size < 200_000
    assert load_image(big, max_side=512).shape == (512, 512, 3)
    (tmp_path / "claim.png").write_bytes(png_claiming(100000, 100000))
    with pytest.raises(MediaLoadError, match="claims more than 179 Mpx"):
        load_image(tmp_path / "claim.png")  # before: PIL's DecompressionBombError escaped


def test_tasks_that_keep_the_size_refuse_huge_inputs(tmp_path: Path) -> None:
    from testkit.fuzz_media import png_claiming

    (tmp_path / "wide.png").write_bytes(png_claiming(4000, 2000))
    with pytest.raises(MediaLoadError, match="a cinemagraph keeps the input's size"):
        load_image(tmp_path / "wide.png", keep_size_for="a cinemagraph")


def test_oversized_text_chunk_is_a_clean_error(tmp_path: Path) -> None:
    from testkit.fuzz_media import png_with_text

    (tmp_path / "t.png").write_bytes(png_with_text(20 << 20))
    with pytest.raises(MediaLoadError, match="t.png could not be read: a text chunk in it is"):
        load_image(tmp_path / "t.png")  # before: ValueError from PIL
    with pytest.raises(MediaLoadError, match="mask t.png"):
        load_mask(tmp_path / "t.png")


def test_video_with_no_decoder_and_with_broken_tags(tmp_path: Path, clip) -> None:
    data = clip[0].read_bytes()
    i = data.index(b"V_FFV1")
    (tmp_path / "nodec.mkv").write_bytes(data[:i] + b"V_FOOB" + data[i + 6 :])
    with pytest.raises(MediaLoadError, match="in a format this build cannot decode"):
        load_video_frames(tmp_path / "nodec.mkv", 0, 2)
    from testkit.fuzz_media import bad_utf8_tags

    tagged = bad_utf8_tags(tmp_path / "tags.mp4")
    frames, _ = load_video_frames(tagged, 0, 3)  # before: UnicodeDecodeError from av.open
    assert frames.shape == (3, 24, 32, 3)


def test_v2v_source_is_decoded_down(tmp_path: Path) -> None:
    from testkit.media import make_clip

    clip = make_clip(tmp_path / "c.mp4", frames=3, size=(320, 160))
    video, _ = load_video_frames(clip, 0, 2, max_side=80)
    assert video.shape == (2, 40, 80, 3)
