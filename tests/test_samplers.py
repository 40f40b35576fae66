"""DDIM and DPM-Solver++(2M) on a denoiser with a known answer; cancel and progress."""

import pytest
import torch

from engine.diffusion.samplers import Cancelled, sample, time_grid
from engine.diffusion.schedule import CosineSchedule, ScheduleConfig


def oracle(x0_true: torch.Tensor):
    """A perfect denoiser for a data set of one clip."""

    def denoise(z, logsnr):
        alpha, sigma = CosineSchedule.alpha_sigma(logsnr)
        return x0_true, (z - alpha * x0_true) / sigma

    return denoise


def gaussian_data_denoiser(mean: float, std: float):
    """Exact posterior mean for data ~ N(mean, std^2) per pixel (a denoiser that depends on z)."""

    def denoise(z, logsnr):
        alpha, sigma = CosineSchedule.alpha_sigma(logsnr)
        var = alpha**2 * std**2 + sigma**2
        x0 = mean + alpha * std**2 * (z - alpha * mean) / var
        return x0, (z - alpha * x0) / sigma

    return denoise


@pytest.mark.parametrize("sampler", ["ddim", "dpm++2m"])
def test_perfect_denoiser_gives_the_clip(sampler):
    x0 = torch.rand(1, 3, 4, 8, 8) * 2 - 1
    z = torch.randn_like(x0)
    out = sample(oracle(x0), z, CosineSchedule(ScheduleConfig(), 8), 5, sampler)
    assert torch.allclose(out, x0, atol=1e-5)


@pytest.mark.parametrize(("sampler", "steps"), [("ddim", 200), ("dpm++2m", 25)])
def test_samples_match_the_data_distribution(sampler, steps):
    """With the exact denoiser of Gaussian data the ODE maps noise onto that Gaussian; the
    first-order DDIM needs many more steps than the second-order solver to get there."""
    mean, std = 0.3, 0.2
    z = torch.randn(1, 1, 1, 256, 256, generator=torch.Generator().manual_seed(0))
    sched = CosineSchedule(ScheduleConfig(), 32)
    out = sample(gaussian_data_denoiser(mean, std), z, sched, steps, sampler)
    assert float(out.mean()) == pytest.approx(mean, abs=0.01)
    assert float(out.std()) == pytest.approx(std, rel=0.05)


def test_multistep_is_more_accurate_than_ddim_at_few_steps():
    mean, std = 0.3, 0.2
    z = torch.randn(1, 1, 1, 128, 128, generator=torch.Generator().manual_seed(1))
    sched = CosineSchedule(ScheduleConfig(), 32)
    den = gaussian_data_denoiser(mean, std)
    ref = sample(den, z, sched, 400, "ddim")
    err = {s: float((sample(den, z, sched, 6, s) - ref).abs().mean()) for s in ("ddim", "dpm++2m")}
    assert err["dpm++2m"] < err["ddim"]


def test_cancel_stops_within_one_step():
    calls = []
    flag = {"stop": False}

    def denoise(z, logsnr):
        calls.append(1)
        if len(calls) == 3:
            flag["stop"] = True
        return torch.zeros_like(z), z

    with pytest.raises(Cancelled):
        sample(
            denoise,
            torch.randn(1, 3, 1, 4, 4),
            CosineSchedule(ScheduleConfig(), 4),
            20,
            should_stop=lambda: flag["stop"],
        )
    assert len(calls) == 3


def test_progress_reports_every_step():
    seen = []
    x0 = torch.zeros(1, 3, 1, 4, 4)
    sample(
        oracle(x0),
        torch.randn_like(x0),
        CosineSchedule(ScheduleConfig(), 4),
        7,
        on_step=lambda i, n, est: seen.append((i, n)),
    )
    assert seen == [(i, 7) for i in range(1, 8)]


def test_time_grid_partial_start_and_errors():
    g = time_grid(4, 0.5)
    assert g[0] == 0.5 and g[-1] == 0 and len(g) == 5
    with pytest.raises(ValueError):
        time_grid(0)
    with pytest.raises(ValueError, match="sampler"):
        sched = CosineSchedule(ScheduleConfig(), 4)
        sample(oracle(torch.zeros(1)), torch.zeros(1), sched, 2, "euler")
