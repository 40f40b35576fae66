"""Inpainting from the footage: what another frame shows is taken from it and the model is
not asked; a region no frame shows calls the model, whose fill is the same on every frame
(carried along the flow) and blended into the ring; the mask grows by `mask_grow`."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from engine.jobs import Job
from engine.pipeline import Engine
from engine.tasks.footage_inpaint import FootagePrepared, key_frame, work_area
from engine.tasks.kinds.inpaint import Inpaint
from engine.tasks.sizes import Geometry
from engine.tasks.task import Sampled
from engine.vision.blend import detail_blend

GEO = Geometry(16, 16)


def _mask(path, h: int, w: int, box: tuple[slice, slice]) -> str:
    m = np.zeros((h, w), np.uint8)
    m[box] = 255
    Image.fromarray(m).save(path)
    return str(path)


def _pan(count: int, h: int = 64, w: int = 96, step: int = 4) -> np.ndarray:
    """A smooth texture the camera pans across, `step` px a frame."""
    rng = np.random.default_rng(5)
    noise = rng.integers(0, 256, (h, w + step * count, 3)).astype(np.float32)
    big = np.clip((cv2.GaussianBlur(noise, (0, 0), 3) - 128) * 4 + 128, 0, 255).astype(np.uint8)
    return np.stack([big[:, step * t : step * t + w] for t in range(count)])


def test_a_region_other_frames_show_is_taken_from_them_without_the_model(
    tmp_path, write_lossless_video
) -> None:
    truth = _pan(8)
    clip = write_lossless_video(tmp_path / "pan.mkv", truth)
    mask = _mask(tmp_path / "m.png", 64, 96, (slice(26, 36), slice(42, 52)))
    job = Job(task="inpaint", video=str(clip), mask=mask, mask_grow=0)
    prep = Inpaint().prepare(job, 8, GEO)
    assert isinstance(prep, FootagePrepared)
    assert prep.parts == [] and not prep.unseen.any()
    assert any("the model did not need to run" in n for n in prep.notes)
    done = Inpaint().finish(prep, [])
    region = prep.region
    assert np.array_equal(done.frames[~region], prep.original[~region])  # bit-exact outside
    assert np.abs(done.frames[region].astype(int) - truth[region]).mean() <= 3
    assert np.array_equal(done.generated_mask > 0, region)


def test_a_region_no_frame_shows_calls_the_model(
    tmp_path, write_lossless_video, tiny_model, monkeypatch
) -> None:
    still = np.repeat(_pan(1, 32, 32), 8, axis=0)  # a static shot: the region is never shown
    clip = write_lossless_video(tmp_path / "still.mkv", still)
    mask = _mask(tmp_path / "m.png", 32, 32, (slice(10, 20), slice(12, 22)))
    calls = []
    real = Engine._sample_part

    def spy(self, run, prep, part):
        calls.append(part.label)
        return real(self, run, prep, part)

    monkeypatch.setattr(Engine, "_sample_part", spy)
    job = Job(task="inpaint", video=str(clip), mask=mask, model=str(tiny_model), steps=2)
    r = Engine().run(job)
    assert len(calls) == 1
    grown = np.zeros((32, 32), bool)
    grown[6:24, 8:26] = True  # the 10x10 square grown by 4 px (a disc: corners stay out)
    region = r.generated_mask[0] > 0
    assert region[10:20, 12:22].all() and region[8:22, 10:24].all() and not region[~grown].any()
    assert np.array_equal(r.frames[:, ~region], still[:, ~region])
    assert not np.array_equal(r.frames[:, region], still[:, region])  # the model's fill
    assert any("the model fills what no frame shows" in n for n in r.notes)


def test_the_fill_is_carried_so_it_does_not_flicker(tmp_path, write_lossless_video) -> None:
    flat = np.full((6, 32, 32, 3), 110, np.uint8)
    flat[..., 1] = 90
    clip = write_lossless_video(tmp_path / "flat.mkv", flat)
    mask = _mask(tmp_path / "m.png", 32, 32, (slice(8, 20), slice(8, 22)))
    prep = Inpaint().prepare(Job(task="inpaint", video=str(clip), mask=mask), 6, GEO)
    assert isinstance(prep, FootagePrepared) and len(prep.parts) == 1
    part = prep.parts[0]
    draws = torch.rand(3, 6, part.fit.ph, part.fit.pw, generator=torch.Generator().manual_seed(0))
    done = Inpaint().finish(prep, [Sampled(draws * 2 - 1, (16, 16))])  # a boiling model
    inside = prep.unseen[0]
    step = np.abs(np.diff(done.frames.astype(int), axis=0))[:, inside].mean()
    raw = np.abs(np.diff(draws.numpy(), axis=1)).mean() * 127.5
    assert step < 1 and raw > 20  # every frame takes the key frame's fill
    gap = np.abs(done.frames[:, inside].mean(axis=1) - flat[0, 0, 0]).max()
    assert gap < 3  # blended into the flat ring, not the draw's own grey
    assert np.array_equal(done.frames[:, ~prep.region[0]], flat[:, ~prep.region[0]])


def test_frames_before_mask_from_frame_give_their_pixels(tmp_path, write_lossless_video) -> None:
    still = np.repeat(_pan(1, 24, 24), 6, axis=0)
    clip = write_lossless_video(tmp_path / "c.mkv", still)
    mask = _mask(tmp_path / "m.png", 24, 24, (slice(8, 14), slice(8, 14)))
    job = Job(task="inpaint", video=str(clip), mask=mask, mask_from_frame=2)
    prep = Inpaint().prepare(job, 6, GEO)
    assert not prep.region[:2].any() and prep.region[2:, 6:16, 6:16].all()  # grown by 4
    assert prep.parts == []  # frames 0 and 1 show the region: nothing for the model
    done = Inpaint().finish(prep, []).frames
    region = prep.region
    assert np.array_equal(done[~region], still[~region])
    assert np.abs(done[region].astype(int) - still[region]).mean() < 3


def test_mask_grow_and_the_work_area() -> None:
    region = np.zeros((2, 200, 300), bool)
    region[:, 90:100, 140:160] = True
    assert work_area(region) == (slice(42, 148), slice(92, 208))  # margin 48 at least
    unseen = np.zeros((5, 4, 4), bool)
    unseen[1, :2] = unseen[3, :2] = True
    assert key_frame(unseen) == 1  # most pixels; among equals the nearer the middle (2)
    unseen[3, 2] = True
    assert key_frame(unseen) == 3


@pytest.mark.parametrize("sigma", [1.5, 4.0])
def test_detail_blend_keeps_texture_and_drops_a_sticker(sigma) -> None:
    rng = np.random.default_rng(0)
    frame = np.clip(100 + rng.normal(0, 8, (60, 60, 3)), 0, 255).astype(np.uint8)
    region = np.zeros((60, 60), bool)
    region[15:45, 15:45] = True
    fill = np.clip(100 + rng.normal(0, 8, (60, 60, 3)), 0, 255)
    fill[20:40, 20:40] += 120  # a bright flat sticker the size of the region
    out = detail_blend(frame, fill.astype(np.uint8), region, sigma).astype(int)
    assert np.array_equal(out[~region], frame[~region])
    assert abs(out[20:40, 20:40].mean() - 100) < 15  # the sticker's brightness is gone
    assert out[22:38, 22:38].std() > 3  # texture came in
