"""Temporal MultiDiffusion: windows cover the clip, fusion weights sum to one per frame, one
window is plain sampling, and frame-local denoisers are unchanged by the fusion."""

from __future__ import annotations

import pytest
import torch

from engine.diffusion.samplers import sample
from engine.diffusion.schedule import CosineSchedule, ScheduleConfig
from engine.tasks.multidiffusion import (
    circular_fusion_weights,
    fusion_weights,
    multidiffusion,
    window_starts,
)


def test_window_starts_cover_and_end_flush() -> None:
    assert window_starts(8, 8, 4) == [0]
    assert window_starts(14, 8, 4) == [0, 4, 6]
    assert window_starts(128, 16, 8)[-1] == 112


@pytest.mark.parametrize(("frames", "window", "stride"), [(8, 8, 4), (14, 8, 4), (129, 16, 8)])
def test_fusion_weights_sum_to_one(frames: int, window: int, stride: int) -> None:
    total = torch.zeros(frames)
    for sl, w in fusion_weights(frames, window, stride):
        assert len(w) == sl.stop - sl.start == min(frames, window)
        total[sl] += w
    assert torch.allclose(total, torch.ones(frames), atol=1e-6)


@pytest.mark.parametrize(("frames", "window", "stride"), [(8, 8, 4), (16, 8, 4), (10, 4, 3)])
def test_circular_weights_sum_to_one_and_wrap(frames: int, window: int, stride: int) -> None:
    plan = circular_fusion_weights(frames, window, stride)
    total = torch.zeros(frames)
    for index, w in plan:
        total.index_add_(0, index, w)
    assert torch.allclose(total, torch.ones(frames), atol=1e-6)
    assert any(index[0] > index[-1] for index, _ in plan)  # some window spans end -> start


def _toy_denoiser(calls: list):
    """A deterministic, non-trivial denoiser whose output depends on the whole window."""

    def denoise(z, logsnr, index):
        calls.append(index)
        x0 = torch.tanh(z + z.mean(dim=2, keepdim=True)) * 0.9
        alpha, sigma = CosineSchedule.alpha_sigma(logsnr)
        return x0, (z - alpha * x0) / sigma

    return denoise


def test_one_window_equals_plain_sampling() -> None:
    sched = CosineSchedule(ScheduleConfig(), 16)
    z = torch.randn(1, 3, 8, 4, 4, generator=torch.Generator().manual_seed(0))
    calls: list = []
    toy = _toy_denoiser(calls)
    fused = sample(multidiffusion(toy, 8, 8, 4), z, sched, 5)
    plain = sample(lambda zz, ls: toy(zz, ls, slice(0, 8)), z, sched, 5)
    assert torch.equal(fused, plain)


def test_frame_local_denoiser_is_unchanged_by_fusion() -> None:
    # If a window's estimate of a frame does not depend on the other frames, fusing the
    # overlapping windows must give exactly what denoising the clip at once gives.
    def local(z, logsnr, index=None):
        x0 = torch.tanh(z) * 0.9
        alpha, sigma = CosineSchedule.alpha_sigma(logsnr)
        return x0, (z - alpha * x0) / sigma

    sched = CosineSchedule(ScheduleConfig(), 16)
    z = torch.randn(1, 3, 14, 4, 4, generator=torch.Generator().manual_seed(1))
    for circular in (False, True):
        fused = sample(multidiffusion(local, 14, 8, 4, circular=circular), z, sched, 4)
        assert torch.allclose(fused, sample(local, z, sched, 4), atol=1e-5)


def test_windows_are_native_length() -> None:
    calls: list = []
    denoise = multidiffusion(_toy_denoiser(calls), 20, 8, 4)
    denoise(torch.randn(1, 3, 20, 2, 2), torch.tensor(0.0))
    assert [(c.start, c.stop) for c in calls] == [(0, 8), (4, 12), (8, 16), (12, 20)]


def test_fused_eps_is_the_weighted_average_of_the_windows_eps() -> None:
    # The fusion keeps only x0 and derives eps; for windows whose eps is consistent with their
    # x0 (the pipeline's are) that must equal averaging the windows' eps with the same weights.
    calls: list = []
    toy = _toy_denoiser(calls)
    z = torch.randn(1, 3, 14, 3, 3, generator=torch.Generator().manual_seed(2))
    logsnr = torch.tensor(-1.0)
    _, eps = multidiffusion(toy, 14, 8, 4)(z, logsnr)
    expected = torch.zeros_like(z)
    for sl, w in fusion_weights(14, 8, 4):
        expected[:, :, sl] += w[None, None, :, None, None] * toy(z[:, :, sl], logsnr, sl)[1]
    torch.testing.assert_close(eps, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("circular", [False, True])
def test_cancel_during_a_step_stops_before_the_next_window(circular: bool) -> None:
    from engine.diffusion.samplers import Cancelled

    calls: list[object] = []
    cancel = {"set": False}

    def window(z, logsnr, frames):
        calls.append(frames)
        cancel["set"] = True  # the user presses Cancel while the first window runs
        return torch.zeros_like(z), torch.zeros_like(z)

    denoise = multidiffusion(
        window, 64, 16, 8, circular=circular, should_stop=lambda: cancel["set"]
    )
    z = torch.zeros(1, 3, 64, 4, 4)
    # Before: all 7 (or 8) windows of the step ran and the sampler noticed at the next step.
    with pytest.raises(Cancelled):
        denoise(z, torch.tensor(0.0))
    assert len(calls) == 1
    cancel["set"] = False
    calls.clear()
    multidiffusion(window, 64, 16, 8, circular=circular)(z, torch.tensor(0.0))
    assert len(calls) == (8 if circular else 7)  # without a cancel flag every window runs
