"""A job's --mask as one mask per frame (engine/media/mask_frames.py): a PNG, a folder of
per-frame PNGs, a mask video, a mask-track file; and the region task reading a folder."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from engine.jobs import Job
from engine.mask_track import MaskTrack, save
from engine.media.load import MediaLoadError
from engine.media.mask_frames import load_region
from engine.tasks.kinds.inpaint import Inpaint
from engine.tasks.sizes import Geometry
from engine.vision.mask_edges import Edges


def _square(t: int, h: int = 16, w: int = 24) -> np.ndarray:
    m = np.zeros((h, w), np.uint8)
    m[4:10, t : t + 6] = 255
    return m


def _folder(tmp_path, frames: range) -> str:
    folder = tmp_path / "masks"
    folder.mkdir()
    for t in frames:
        Image.fromarray(_square(t)).save(folder / f"{t:06d}.png")
    return str(folder)


def test_a_folder_gives_each_frame_its_own_mask_by_frame_number(tmp_path) -> None:
    folder = _folder(tmp_path, range(8))
    region, note = load_region(folder, 4, (24, 16), start=2)
    assert note is None and region.shape == (4, 16, 24)
    for t in range(4):
        assert np.array_equal(region[t], _square(2 + t) > 0)


def test_frames_missing_from_a_folder_change_nothing_and_are_counted(tmp_path) -> None:
    folder = _folder(tmp_path, range(0, 6, 2))
    region, note = load_region(folder, 6, (24, 16))
    assert not region[1].any() and region[2].any()
    assert note is not None and "3 of 6 frames" in note


def test_a_folder_with_no_frame_in_range_names_its_numbers(tmp_path) -> None:
    folder = _folder(tmp_path, range(3))
    with pytest.raises(MediaLoadError, match=r"numbered 0\.\.2"):
        load_region(folder, 4, (24, 16), start=10)


def test_a_folder_without_numbered_pngs_is_refused(tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(MediaLoadError, match="no PNGs named by frame number"):
        load_region(tmp_path / "empty", 4, (24, 16))


def test_a_mask_video_is_read_frame_by_frame(tmp_path, write_lossless_video) -> None:
    masks = np.stack([np.repeat(_square(t)[..., None], 3, axis=2) for t in range(5)])
    video = write_lossless_video(tmp_path / "m.mkv", masks)
    region, _ = load_region(video, 3, (24, 16), start=1)
    assert [np.array_equal(region[t], _square(1 + t) > 0) for t in range(3)] == [True] * 3


def test_a_mask_track_gives_its_final_masks(tmp_path) -> None:
    track = MaskTrack(width=24, height=16, length=5, edges=Edges(grow=1))
    track.set_keyframe(0, _square(0) > 0)
    track.put_tracked((t, _square(t) > 0) for t in range(1, 5))
    save(tmp_path / "t.masktrack", track)
    region, _ = load_region(tmp_path / "t.masktrack", 5, (24, 16))
    assert all(np.array_equal(region[t], track.final(t) >= 128) for t in range(5))
    assert region[3].sum() > (_square(3) > 0).sum()  # grown by its edge settings
    with pytest.raises(MediaLoadError, match="covers 5 frames"):
        load_region(tmp_path / "t.masktrack", 6, (24, 16))
    with pytest.raises(MediaLoadError, match="track the mask on this clip"):
        load_region(tmp_path / "t.masktrack", 5, (32, 16))


def test_one_png_is_the_same_mask_on_every_frame(tmp_path) -> None:
    Image.fromarray(_square(3)).save(tmp_path / "m.png")
    region, _ = load_region(tmp_path / "m.png", 3, (24, 16))
    assert region.shape == (3, 16, 24) and all(np.array_equal(r, _square(3) > 0) for r in region)


def test_masks_empty_on_every_frame_are_refused(tmp_path) -> None:
    folder = tmp_path / "blank"
    folder.mkdir()
    for t in range(3):
        Image.fromarray(np.zeros((16, 24), np.uint8)).save(folder / f"{t:06d}.png")
    with pytest.raises(MediaLoadError, match="empty on every frame"):
        load_region(folder, 3, (24, 16))


def test_inpaint_with_a_mask_folder_changes_each_frames_own_region(
    tmp_path, write_lossless_video
) -> None:
    clip = write_lossless_video(tmp_path / "c.mkv", np.zeros((6, 16, 24, 3), np.uint8))
    folder = _folder(tmp_path, range(6))
    job = Job(task="inpaint", video=str(clip), mask=folder, video_start_frame=1, mask_grow=0)
    prep = Inpaint().prepare(job, 4, Geometry(16, 16))
    for t in range(4):
        assert np.array_equal(prep.region[t], _square(1 + t) > 0)
