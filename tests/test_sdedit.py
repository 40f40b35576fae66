"""Video-to-video (SDEdit): strength 0 returns the input; the edit moves further from the
source as the strength grows; the noisy start is the source at t = strength."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from engine.diffusion.schedule import CosineSchedule, ScheduleConfig
from engine.jobs import Job
from engine.media.load import load_video_frames
from engine.tasks.sdedit import finer_detail, sdedit_start, sdedit_steps


@pytest.fixture(scope="module")
def clip(tmp_path_factory, write_lossless_video) -> Path:
    t = np.arange(8)[:, None, None, None]
    x = np.arange(16)[None, None, :, None]
    frames = np.broadcast_to((t * 20 + x * 10) % 256, (8, 16, 16, 3)).astype(np.uint8)
    path = tmp_path_factory.mktemp("v2v") / "clip.mkv"
    write_lossless_video(path, np.ascontiguousarray(frames))
    return path


def test_strength_zero_returns_the_input(engine, tiny_model, clip) -> None:
    r = engine.run(Job(task="v2v", video=str(clip), strength=0.0, model=str(tiny_model)))
    source, _ = load_video_frames(clip, 0, 8)
    assert np.array_equal(r.frames, source)
    assert (r.generated_mask == 0).all() and r.source == str(clip)


def test_higher_strength_moves_further(engine, tiny_model, clip) -> None:
    source, _ = load_video_frames(clip, 0, 8)
    dist = []
    for s in (0.05, 0.5, 1.0):
        r = engine.run(
            Job(
                task="v2v",
                video=str(clip),
                strength=s,
                steps=4,
                guidance=1.0,
                model=str(tiny_model),
            )
        )
        assert (r.generated_mask == 255).all()
        dist.append(np.abs(r.frames.astype(float) - source).mean())
    assert dist[0] < dist[1] < dist[2]
    assert dist[0] < 8  # barely noised: close to the source


def test_start_and_steps() -> None:
    sched = CosineSchedule(ScheduleConfig(), 16)
    src = torch.rand(1, 3, 4, 8, 8) * 2 - 1
    low = sdedit_start(src, 0.02, sched, seed=0)
    high = sdedit_start(src, 1.0, sched, seed=0)
    assert (low - src).abs().mean() < 0.05
    assert abs(float(torch.corrcoef(torch.stack([high.flatten(), src.flatten()]))[0, 1])) < 0.1
    assert torch.equal(sdedit_start(src, 0.5, sched, 3), sdedit_start(src, 0.5, sched, 3))
    assert sdedit_steps(20, 0.3) == 6 and sdedit_steps(20, 0.01) == 1
    with pytest.raises(ValueError, match="strength"):
        sdedit_start(src, 0.0, sched, 0)


def test_finer_detail_is_what_the_low_size_cannot_hold() -> None:
    smooth = torch.linspace(-1, 1, 64).repeat(3, 2, 32, 1)  # a ramp: survives 8x16
    assert finer_detail(smooth, 8, 16)[..., 4:-4].abs().max() < 0.01  # (the ends clamp)
    checker = (torch.arange(64)[None, :] + torch.arange(32)[:, None]) % 2 * 2.0 - 1
    fine = checker.expand(3, 2, 32, 64)  # one-pixel checks: nothing of them survives
    assert torch.allclose(finer_detail(fine, 8, 16), fine, atol=0.05)


def test_v2v_of_a_larger_clip_keeps_its_finer_detail(
    engine, tiny_model, tmp_path, write_lossless_video
) -> None:
    rng = np.random.default_rng(3)
    write_lossless_video(tmp_path / "big.mkv", rng.integers(0, 256, (8, 64, 96, 3), np.uint8))
    job = Job(
        model=str(tiny_model),
        task="v2v",
        video=str(tmp_path / "big.mkv"),
        steps=2,
        ssr_steps=4,
        guidance=1.0,
        strength=0.25,
    )
    totals = {}
    r = engine.run(job, on_progress=lambda p: totals.__setitem__(p.stage, p.total))
    assert r.frames.shape == (8, 64, 96, 3)
    assert totals["ssr"] == 1  # the SSR edits the source too: ceil(4 steps x 0.25), not 4
    assert any("finer than 48x32 is kept at 0.75" in n for n in r.notes)
    source, _ = load_video_frames(tmp_path / "big.mkv", 0, 8)
    hi = lambda v: v.astype(float) - v.astype(float).mean(axis=(1, 2), keepdims=True)  # noqa: E731
    corr = np.corrcoef(hi(r.frames).ravel(), hi(source).ravel())[0, 1]
    assert corr > 0.5  # the random source's pixel-level texture is in the output
