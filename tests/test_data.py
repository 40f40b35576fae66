"""Training batches: task conditioning mix, DDP seed split, SSR pairs."""

import numpy as np
import pytest
import torch

from engine.train.data import (
    NATURAL_TASK_MIX,
    TASK_MIX,
    ProceduralBatches,
    cosine_lr,
    natural_task_example,
    task_example,
    task_mix,
    to_tensor,
)
from engine.train.procedural import COLOUR_WORDS, render, sample_clip


def test_task_examples_follow_the_design():
    video = to_tensor(render(sample_clip(3), 8, 16, 16))
    seen = {}
    for seed in range(200):
        task, target, cond = task_example(video, np.random.default_rng(seed))
        seen[task] = (target, cond)
    assert set(seen) == {"t2v", "i2v", "inpaint", "cinemagraph"}
    _, c = seen["t2v"]
    assert c.mask.sum() == 0 and c.video.abs().sum() == 0
    _, c = seen["i2v"]
    assert c.mask[:, 0].all() and c.mask[:, 1:].sum() == 0
    assert torch.equal(c.video[:, 0], video[:, 0])
    _, c = seen["inpaint"]
    kept = c.mask.bool().expand_as(video)
    assert 0 < c.mask.mean() < 1 and torch.equal(c.video[kept], video[kept])
    target, c = seen["cinemagraph"]
    assert c.mask[:, 0].all()  # the whole still is given
    static = c.mask[0, 1].bool()
    assert torch.equal(target[:, 1][:, static], video[:, 0][:, static])  # still outside


def test_task_mix_sets_the_image_to_video_share():
    video = to_tensor(render(sample_clip(4), 8, 16, 16))
    rng = np.random.default_rng(0)
    tasks = [task_example(video, rng, task_mix(0.5))[0] for _ in range(2000)]
    share = tasks.count("i2v") / len(tasks)
    assert abs(share - 0.5) < 0.04
    # The other shares are kept: inpainting still 10 %, text-to-video takes what is left.
    assert abs(tasks.count("inpaint") / len(tasks) - TASK_MIX["inpaint"]) < 0.03
    assert abs(tasks.count("t2v") / len(tasks) - 0.3) < 0.04
    assert task_mix(None) == TASK_MIX
    with pytest.raises(ValueError, match="sum to at most 1"):
        task_mix(0.9)
    with pytest.raises(ValueError, match=">= 0"):
        task_mix(-0.1)


def test_motion_captions_replace_only_image_to_video_captions():
    mix = {"i2v": 0.5, "inpaint": 0.1, "cinemagraph": 0.1}
    plain = ProceduralBatches("base", 64, 4, 16, mix=mix).batch_at(0)
    loose = ProceduralBatches("base", 64, 4, 16, mix=mix, motion_captions=1.0).batch_at(0)
    assert torch.equal(plain.video, loose.video) and torch.equal(plain.cond, loose.cond)
    changed = [
        i for i, (a, b) in enumerate(zip(plain.captions, loose.captions, strict=True)) if a != b
    ]
    first_frame_only = [
        i for i in range(64) if loose.cond[i, 3, 0].all() and not loose.cond[i, 3, 1:].any()
    ]
    assert changed == first_frame_only and len(changed) > 20  # every i2v example, no other
    for i in changed:
        spec = sample_clip(ProceduralBatches("base", 1, 4, 16)._seed_for(i))
        assert spec.caption == plain.captions[i]
        assert not any(w in loose.captions[i] for w in COLOUR_WORDS[spec.main.colour])
    half = ProceduralBatches("base", 64, 4, 16, mix=mix, motion_captions=0.5).batch_at(0)
    some = sum(a != b for a, b in zip(plain.captions, half.captions, strict=True))
    assert 0 < some < len(changed)
    with pytest.raises(ValueError, match="motion caption share"):
        ProceduralBatches("base", 4, 4, 16, motion_captions=1.5)


def test_batches_shapes_and_rank_split():
    a = ProceduralBatches("base", 3, 8, 16, rank=0, world=2)
    b = ProceduralBatches("base", 3, 8, 16, rank=1, world=2)
    ba, bb = next(a), next(b)
    assert ba.video.shape == (3, 3, 8, 16, 16) and ba.cond.shape == (3, 4, 8, 16, 16)
    assert ba.captions != bb.captions
    state = a.state()
    again = ProceduralBatches("base", 3, 8, 16, rank=0, world=2)
    again.load_state(state)
    assert next(again).captions == next(a).captions


def test_ssr_batches_pair_low_and_high_res():
    batch = next(ProceduralBatches("ssr", 2, 4, 32, ssr_scale=4))
    assert batch.video.shape == batch.cond.shape == (2, 3, 4, 32, 32)
    # The condition is the blurred (down-then-up sampled) target.
    assert (batch.cond - batch.video).abs().mean() > 0.01
    assert (batch.cond - batch.video).abs().mean() < 0.3


def test_cosine_lr_warmup_and_decay():
    assert cosine_lr(0, 100, 1.0, 10) < cosine_lr(9, 100, 1.0, 10) <= 1.0
    assert cosine_lr(100, 100, 1.0, 10) == pytest.approx(0.1)  # decays to a 10% floor
    assert cosine_lr(50, 100, 1.0, 10) < cosine_lr(20, 100, 1.0, 10)


def test_natural_share_mixes_sources_and_leaves_the_shapes_clips_alone():
    plain = ProceduralBatches("base", 40, 4, 16).batch_at(0)
    mixed = ProceduralBatches("base", 40, 4, 16, natural_share=0.5).batch_at(0)
    again = ProceduralBatches("base", 40, 4, 16, natural_share=0.5).batch_at(0)
    assert torch.equal(mixed.video, again.video) and mixed.captions == again.captions
    same = [i for i in range(40) if plain.captions[i] == mixed.captions[i]]
    assert 8 < len(same) < 32  # about half the clips are natural now
    for i in same:  # the others are exactly the clips they were
        assert torch.equal(plain.video[i], mixed.video[i]) and torch.equal(
            plain.cond[i], mixed.cond[i]
        )
    assert mixed.cond.shape == (40, 4, 4, 16, 16)
    ssr = ProceduralBatches("ssr", 4, 4, 32, natural_share=1.0).batch_at(0)
    assert ssr.video.shape == ssr.cond.shape == (4, 3, 4, 32, 32)
    with pytest.raises(ValueError, match="natural share"):
        ProceduralBatches("base", 4, 4, 16, natural_share=1.5)


def test_natural_region_tasks_mask_the_moving_layer():
    video = to_tensor(np.random.default_rng(0).integers(0, 255, (6, 16, 16, 3), dtype=np.uint8))
    region = np.zeros((16, 16), bool)
    region[4:10, 2:12] = True
    seen = {}
    for seed in range(300):
        task, target, cond = natural_task_example(video, region, np.random.default_rng(seed))
        seen[task] = (target, cond)
    assert set(seen) == {"t2v", "i2v", "inpaint", "cinemagraph"}
    _, c = seen["inpaint"]
    assert torch.equal(c.mask[0, 0].bool(), torch.from_numpy(~region))
    target, c = seen["cinemagraph"]
    assert c.mask[:, 0].all() and torch.equal(c.mask[0, 1].bool(), torch.from_numpy(~region))
    assert torch.equal(
        target[:, 3][:, ~torch.from_numpy(region)], video[:, 0][:, ~torch.from_numpy(region)]
    )
    # A camera move has no region: no cinemagraphs, their share goes to image-to-video.
    rng = np.random.default_rng(1)
    tasks = [natural_task_example(video, None, rng)[0] for _ in range(1000)]
    assert "cinemagraph" not in tasks
    i2v = NATURAL_TASK_MIX["i2v"] + NATURAL_TASK_MIX["cinemagraph"]
    assert abs(tasks.count("i2v") / 1000 - i2v) < 0.05
