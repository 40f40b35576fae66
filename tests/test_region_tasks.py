"""The region tasks without a model: the conditioning of each box matches training, only the
painted region (from the right frame on) is generated, and `finish` pastes the boxes back so
every pixel outside the region is the input's own."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from testkit.fuzz_media import png_claiming

from engine.jobs import Job, JobError
from engine.tasks.conditioning import cinemagraph
from engine.tasks.kinds.cinemagraph import Cinemagraph
from engine.tasks.kinds.inpaint import Inpaint
from engine.tasks.region import Box
from engine.tasks.region_tasks import RegionPrepared, region_feather
from engine.tasks.sizes import Geometry
from engine.tasks.task import Sampled
from engine.tensors import to_float

GEO = Geometry(32, 32, 4)  # the bundled model's native frame and SSR factor


def _mask(path, h: int, w: int, box: tuple[slice, slice]) -> str:
    m = np.zeros((h, w), np.uint8)
    m[box] = 255
    Image.fromarray(m).save(path)
    return str(path)


def test_prepare_cinemagraph_matches_training(tmp_path) -> None:
    rng = np.random.default_rng(0)
    still = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    Image.fromarray(still).save(tmp_path / "s.png")
    m = np.zeros((16, 16), np.uint8)
    m[4:12, 4:12] = 255
    Image.fromarray(m).save(tmp_path / "m.png")
    job = Job(task="cinemagraph", image=str(tmp_path / "s.png"), mask=str(tmp_path / "m.png"))
    prep = Cinemagraph().prepare(job, 8, Geometry(16, 16))
    expected = cinemagraph(to_float(still[None])[:, 0], torch.from_numpy(m[None] > 0), 8)
    (part,) = prep.parts  # an 8x8 region with its margin fits the model's 16x16: whole frame
    assert torch.equal(part.cond.model_channels(), expected.model_channels())
    # The still is frame 0 and kept; every later frame regenerates exactly the painted pixels.
    expected_region = np.repeat((m > 0)[None], 8, axis=0)
    expected_region[0] = False
    assert np.array_equal(prep.region, expected_region)


def test_cinemagraph_refuses_a_still_too_large_to_keep(tmp_path):
    (tmp_path / "big.png").write_bytes(png_claiming(4000, 3000))
    (tmp_path / "m.png").write_bytes(png_claiming(8, 8))
    job = Job(
        task="cinemagraph",
        image=str(tmp_path / "big.png"),
        mask=str(tmp_path / "m.png"),
        prompt="x",
    )
    with pytest.raises(JobError, match="keeps the input's size"):
        Cinemagraph().prepare(job, 8, GEO)


def test_inpaint_generates_from_mask_from_frame_on(tmp_path, write_lossless_video) -> None:
    clip = write_lossless_video(tmp_path / "c.mkv", np.zeros((6, 16, 16, 3), np.uint8))
    mask = _mask(tmp_path / "m.png", 16, 16, (slice(4, 8), slice(4, 8)))
    job = Job(task="inpaint", video=str(clip), mask=mask, mask_from_frame=2, pixels="model")
    prep = Inpaint().prepare(job, 6, Geometry(16, 16))
    assert not prep.region[:2].any() and prep.region[2:, 4:8, 4:8].all()
    assert prep.source == str(clip) and len(prep.parts) == len(prep.boxes) == 1


def test_mask_from_frame_past_the_clip_names_the_field(tmp_path, write_lossless_video) -> None:
    clip = write_lossless_video(tmp_path / "c.mkv", np.zeros((4, 16, 16, 3), np.uint8))
    mask = _mask(tmp_path / "m.png", 16, 16, (slice(4, 8), slice(4, 8)))
    job = Job(task="inpaint", video=str(clip), mask=mask, mask_from_frame=4)
    with pytest.raises(JobError, match="past the clip's last frame") as info:
        Inpaint().prepare(job, 4, Geometry(16, 16))
    assert info.value.field == "mask_from_frame"


def test_finish_changes_only_the_painted_region() -> None:
    original = np.full((3, 40, 40, 3), 50, np.uint8)
    region = np.zeros((3, 40, 40), bool)
    region[:, 10:20, 10:20] = True
    box = Box(5, 5, 20, 20)
    from engine.tasks.fit import PadFit
    from engine.tasks.task import Part

    fit = PadFit.plan(20, 20, 16, 16)
    part = Part(cinemagraph(torch.zeros(3, 16, 16), torch.zeros(1, 16, 16), 3), fit)
    prep = RegionPrepared(
        job=Job(task="inpaint"),
        frames=3,
        parts=[part],
        original=original,
        region=region,
        boxes=[box],
        geo=Geometry(16, 16),
    )
    white = Sampled(torch.ones(3, 3, 20, 20), (16, 16))
    done = Inpaint().finish(prep, [white])
    outside = ~region
    assert (done.frames[outside] == 50).all()  # the input's own bytes outside
    assert (done.frames[:, 14:16, 14:16] == 255).all()  # generated inside, past the feather
    assert ((done.generated_mask > 0) == region).all()
    assert done.relationship == "parentOf"
    assert (original == 50).all()  # the prepared footage is not written to


def test_feather_is_one_model_pixel_at_the_box_scale() -> None:
    assert region_feather(Box(0, 0, 32, 32), Geometry(32, 32)) == 1
    assert region_feather(Box(0, 0, 128, 64), Geometry(32, 32)) == 4


def test_inpaint_with_model_pixels_is_the_region_path(tmp_path, write_lossless_video) -> None:
    """`pixels` "model" is today's path, untouched: the same parts and the same paste as the
    region task's own prepare and finish, and no mask growth."""
    from engine.tasks.region_tasks import RegionTask

    rng = np.random.default_rng(4)
    clip = write_lossless_video(
        tmp_path / "c.mkv", rng.integers(0, 256, (6, 24, 24, 3), dtype=np.uint8)
    )
    mask = _mask(tmp_path / "m.png", 24, 24, (slice(6, 12), slice(5, 14)))
    job = Job(task="inpaint", video=str(clip), mask=mask, pixels="model", mask_grow=9)
    task = Inpaint()
    mine = task.prepare(job, 6, Geometry(16, 16))
    base = RegionTask.prepare(task, job, 6, Geometry(16, 16))
    assert type(mine) is RegionPrepared and mine.region.sum() == 6 * 6 * 9
    assert np.array_equal(mine.region, base.region) and mine.boxes == base.boxes
    for a, b in zip(mine.parts, base.parts, strict=True):
        assert torch.equal(a.cond.model_channels(), b.cond.model_channels())
    drawn = [Sampled(torch.rand(3, 6, p.fit.ph, p.fit.pw) * 2 - 1, (16, 16)) for p in mine.parts]
    out, ref = task.finish(mine, drawn), RegionTask.finish(task, base, drawn)
    assert np.array_equal(out.frames, ref.frames)
    assert np.array_equal(out.generated_mask, ref.generated_mask)
