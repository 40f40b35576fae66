"""Each task's conditioning at inference matches what training fed the model
(engine/train/data.py: task_example): mask 1 = kept, the masked video zeroed elsewhere."""

from __future__ import annotations

import torch

from engine.tasks.conditioning import cinemagraph, image_to_video, inpainting


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
