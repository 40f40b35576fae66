"""From training runs to a model folder the engine loads."""

import json

import pytest
import torch

from engine.checkpoints import load_safetensors, load_stage, read_model_info
from engine.diffusion.schedule import CosineSchedule
from engine.train.export import export_model, write_untrained_model
from engine.train.loop import TrainConfig, Trainer

TINY = {"channels": [8, 16, 32], "heads": 2, "temporal_attention_blocks": 1}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    common = dict(steps=1, batch_size=1, frames=8, threads=1, warmup=1)
    base = Trainer(TrainConfig(out=str(root / "base"), size=16, model=TINY, **common))
    base.train()
    ssr = Trainer(
        TrainConfig(
            out=str(root / "ssr"),
            stage="ssr",
            size=32,
            crop=16,
            ssr_scale=2,
            model={"channels": [8, 16], "temporal_down": [False], "heads": 2},
            **common,
        )
    )
    ssr.train()
    return root


def test_export_writes_a_loadable_model_with_ema_weights(runs, tmp_path):
    out = export_model(
        runs / "base",
        tmp_path / "m",
        "m",
        ssr_run=runs / "ssr",
        fps=12,
        reproduce="python -m engine.train ...",
    )
    info = read_model_info(out)
    assert (info.native_frames, info.native_width, info.native_fps) == (8, 16, 12)
    assert info.ssr_scale == 2 and info.raw["reproduce"].startswith("python")
    model = load_stage(info, info.base)
    ema = load_safetensors(runs / "base" / "checkpoint" / "ema.safetensors")
    assert all(torch.equal(model.state_dict()[k], ema[k]) for k in ema)
    assert info.raw["base"]["held_out"] == []


def test_ssr_trained_on_crops_sees_its_training_noise_levels(runs, tmp_path):
    info = read_model_info(export_model(runs / "base", tmp_path / "m", "m", ssr_run=runs / "ssr"))
    t = torch.linspace(0, 1, 5)
    at_inference = CosineSchedule(info.ssr.schedule, 32).logsnr(t)  # full 32x32 frames
    state = json.loads((runs / "ssr" / "checkpoint" / "state.json").read_text())
    from engine.diffusion.schedule import ScheduleConfig

    in_training = CosineSchedule(ScheduleConfig(**state["schedule"]), 16).logsnr(t)  # crops
    assert torch.allclose(at_inference, in_training)


def test_re_export_keeps_registered_styles(runs, tmp_path):
    out = export_model(runs / "base", tmp_path / "m", "m")
    cfg = json.loads((out / "config.json").read_text())
    cfg["styles"] = {"ink": "styles/ink.safetensors"}
    (out / "config.json").write_text(json.dumps(cfg))
    export_model(runs / "base", out, "m")
    assert json.loads((out / "config.json").read_text())["styles"] == cfg["styles"]


def test_unfinished_run_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="no finished checkpoint"):
        export_model(tmp_path, tmp_path / "m", "m")


def test_untrained_model_folder_loads(tmp_path):
    out = write_untrained_model(
        tmp_path / "u",
        "u",
        {"channels": [8, 16], "temporal_down": [True], "heads": 2},
        frames=4,
        size=8,
    )
    info = read_model_info(out)
    assert info.ssr is None and load_stage(info, info.base).config.channels == (8, 16)
