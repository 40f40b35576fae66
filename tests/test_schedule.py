"""Cosine log-SNR schedule, resolution shift, and v / eps / x0 conversions."""

import math

import pytest
import torch

from engine.diffusion.schedule import (
    CosineSchedule,
    ScheduleConfig,
    add_noise,
    eps_from_x0,
    target,
    to_x0_eps,
)


def test_logsnr_is_decreasing_and_bounded():
    s = CosineSchedule(ScheduleConfig(), 32)
    ls = s.logsnr(torch.linspace(0, 1, 50))
    assert (ls[1:] < ls[:-1]).all()
    assert ls[0] == pytest.approx(15.0, abs=1e-3) and ls[-1] == pytest.approx(-15.0, abs=1e-3)


def test_resolution_shift_makes_bigger_frames_noisier():
    t = torch.tensor([0.5])
    small = CosineSchedule(ScheduleConfig(reference_size=32), 32).logsnr(t)
    big = CosineSchedule(ScheduleConfig(reference_size=32), 128).logsnr(t)
    assert float(small - big) == pytest.approx(2 * math.log(4), abs=1e-5)


def test_alpha_sigma_variance_preserving():
    a, s = CosineSchedule.alpha_sigma(torch.linspace(-10, 10, 21))
    assert torch.allclose(a**2 + s**2, torch.ones(21), atol=1e-6)


@pytest.mark.parametrize("prediction", ["v", "eps", "x0"])
def test_perfect_prediction_recovers_x0_and_eps(prediction):
    g = torch.Generator().manual_seed(0)
    x0 = torch.rand(2, 3, 4, 8, 8, generator=g) * 2 - 1
    eps = torch.randn(2, 3, 4, 8, 8, generator=g)
    logsnr = torch.tensor([-3.0, 4.0])
    z = add_noise(x0, eps, logsnr)
    x0_hat, eps_hat = to_x0_eps(prediction, target(prediction, x0, eps, logsnr), z, logsnr)
    assert torch.allclose(x0_hat, x0, atol=1e-4)
    assert torch.allclose(eps_hat, eps, atol=1e-4)


def test_unknown_prediction_is_refused():
    with pytest.raises(ValueError, match="prediction"):
        ScheduleConfig(prediction="score")


def test_eps_from_x0_recovers_the_noise_that_was_added():
    g = torch.Generator().manual_seed(3)
    x0 = torch.rand(1, 3, 4, 5, 5, generator=g) * 2 - 1
    eps = torch.randn(1, 3, 4, 5, 5, generator=g)
    for logsnr in (-6.0, 0.0, 5.0):
        ls = torch.tensor(logsnr)
        z = add_noise(x0, eps, ls)
        torch.testing.assert_close(eps_from_x0(z, x0, ls), eps, atol=1e-4, rtol=1e-4)


def test_noise_levels_follow_the_clip_to_its_device():
    # Samplers hold noise levels on the CPU; the clip may be on an accelerator ("meta" here
    # checks devices as CUDA does: a CPU tensor is accepted only as a 0-dim scalar).
    z = torch.zeros(1, 3, 2, 4, 4, device="meta")
    x0, eps = to_x0_eps("v", z, z, torch.tensor(0.5))
    assert x0.device.type == eps.device.type == "meta"
    assert add_noise(z, z, torch.tensor([0.5])).device.type == "meta"
    assert eps_from_x0(z, z, torch.tensor(0.5)).device.type == "meta"
