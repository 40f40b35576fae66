"""Styles: W = a * W_style + (1 - a) * W_base at load time, cached per a; a = 0 gives the base
model's output exactly; temporal layers are never changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.jobs import Job, JobError
from engine.train.export_style import export_style


@pytest.fixture(scope="module")
def styled(tiny_model, tmp_path_factory, make_run) -> Path:
    tmp = tmp_path_factory.mktemp("styled")
    model = Path(shutil.copytree(tiny_model, tmp / "model"))
    export_style(make_run(model, tmp / "run"), model)
    return model


def job(model: Path, **kw) -> Job:
    return Job(model=str(model), steps=2, guidance=1.0, seed=3, **kw)


def test_strength_zero_equals_base_exactly(engine, styled) -> None:
    base = engine.run(job(styled))
    zero = engine.run(job(styled, style="ink", style_strength=0.0))
    assert np.array_equal(base.frames, zero.frames)
    full = engine.run(job(styled, style="ink", style_strength=1.0))
    assert not np.array_equal(base.frames, full.frames)
    assert "style ink" in full.model_name


def test_blend_is_linear_and_cached(engine, styled) -> None:
    from safetensors.torch import load_file

    engine.run(job(styled, style="ink", style_strength=0.25))
    loaded = engine.load(str(styled))
    key = (str(styled.resolve()), "ink", 0.25)
    blended = engine._styled[key]
    engine.run(job(styled, style="ink", style_strength=0.25))
    assert engine._styled[key] is blended  # same a: no second blend
    style = load_file(str(styled / "styles" / "ink.safetensors"))
    base, mixed = loaded.base.state_dict(), blended.state_dict()
    name = next(iter(style))
    assert torch.allclose(mixed[name], 0.25 * style[name] + 0.75 * base[name], atol=1e-6)
    for t in loaded.base.temporal_parameters():
        assert torch.equal(mixed[t], base[t])


def test_unknown_style_is_refused(engine, styled) -> None:
    with pytest.raises(JobError, match="no style 'nope'.*ink"):
        engine.run(job(styled, style="nope"))
