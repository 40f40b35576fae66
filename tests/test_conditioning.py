"""Each task's conditioning at inference matches what training fed the model
(engine/train/data.py: task_example): mask 1 = kept, the masked video zeroed elsewhere."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from engine.jobs import Job
from engine.tasks.conditioning import cinemagraph, image_to_video, inpainting
from engine.tasks.fit import PadFit
from engine.tasks.inputs import fit_source, prepare
from engine.tasks.sizes import Geometry
from engine.tensors import to_float


def test_channels_zero_the_unknown_pixels() -> None:
    video = torch.rand(3, 4, 6, 6) * 2 - 1
    region = torch.zeros(1, 6, 6)
    region[:, 2:4, 2:4] = 1
    ch = inpainting(video, region).model_channels()
    assert ch.shape == (4, 4, 6, 6)
    assert (ch[:3, :, 2:4, 2:4] == 0).all()  # the region to replace is hidden
    assert torch.equal(ch[:3, :, :2], video[:, :, :2])  # kept pixels are shown
    assert (ch[3, :, 2:4, 2:4] == 0).all() and (ch[3, :, :2] == 1).all()  # 1 = kept


def test_i2v_and_cinemagraph_masks() -> None:
    still = torch.rand(3, 6, 6) * 2 - 1
    c = image_to_video(still, 4)
    assert (c.mask[:, 0] == 1).all() and (c.mask[:, 1:] == 0).all()
    region = torch.zeros(1, 6, 6)
    region[:, :3] = 1
    g = cinemagraph(still, region, 4)
    assert (g.mask[:, 0] == 1).all()  # frame 0 is the whole still
    assert (g.mask[:, 1:, :3] == 0).all() and (g.mask[:, 1:, 3:] == 1).all()


def test_prepare_cinemagraph_matches_training(tmp_path) -> None:
    rng = np.random.default_rng(0)
    still = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    Image.fromarray(still).save(tmp_path / "s.png")
    m = np.zeros((16, 16), np.uint8)
    m[4:12, 4:12] = 255
    Image.fromarray(m).save(tmp_path / "m.png")
    job = Job(task="cinemagraph", image=str(tmp_path / "s.png"), mask=str(tmp_path / "m.png"))
    prep = prepare(job, 8, Geometry(16, 16))
    expected = cinemagraph(to_float(still[None])[:, 0], torch.from_numpy(m[None] > 0), 8)
    (part,) = prep.parts  # an 8x8 region with its margin fits the model's 16x16: whole frame
    assert torch.equal(part.cond.model_channels(), expected.model_channels())
    assert prep.region is not None and not prep.region[0].any() and prep.region[1:].any()


def test_pad_fit_covers_the_region_and_maps_back() -> None:
    fit = PadFit.plan(20, 30, 16, 16)
    assert (fit.ph, fit.pw, fit.top, fit.left) == (30, 30, 5, 0)
    region = torch.zeros(1, 1, 20, 30)
    region[..., 7, 11] = 1  # a single painted pixel still reaches the model
    assert fit.region_to_model(region).sum() >= 1
    video = torch.rand(3, 1, 30, 30)
    assert fit.from_padded(video).shape == (3, 1, 20, 30)


def test_fit_source_crops_only_for_another_aspect() -> None:
    frames = np.zeros((1, 20, 40, 3), np.uint8)
    frames[:, :, 10:30] = 255  # the centre square
    out, note = fit_source(frames, 8, 8)  # another aspect asked: centre crop, then resize
    assert out.shape == (1, 8, 8, 3) and (out == 255).all()
    assert note is not None and "centre-cropped to 20x20" in note
    half, note = fit_source(frames, 10, 20)  # same aspect: the whole frame, resized
    assert half.shape == (1, 10, 20, 3) and (half[:, :, :3] == 0).all() and "cropped" not in note
    same, none = fit_source(frames, 20, 40)
    assert same is frames and none is None
