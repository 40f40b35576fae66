"""export-style: a spatial fine-tune run becomes <model>/styles/<name>.safetensors holding only
the changed spatial tensors, registered in config.json; wrong runs are refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from engine.checkpoints import ModelError, read_model_info
from engine.model.stunet import STUNet
from engine.train.export_style import export_style


@pytest.fixture()
def model(tiny_model, tmp_path) -> Path:
    return Path(shutil.copytree(tiny_model, tmp_path / "model"))


def test_exports_only_spatial_tensors(model: Path, tmp_path: Path, make_run) -> None:
    run = make_run(model, tmp_path / "run")
    path = export_style(run, model)
    assert path == model / "styles" / "ink.safetensors"
    assert read_model_info(model).styles == {"ink": "styles/ink.safetensors"}
    info = read_model_info(model)
    temporal = set(STUNet(info.base.config).temporal_parameters())
    saved = load_file(str(path))
    ema = load_file(str(run / "checkpoint" / "ema.safetensors"))
    assert saved and not (set(saved) & temporal)
    assert all(torch.equal(saved[k], ema[k]) for k in saved)
    params = {n for n, _ in STUNet(info.base.config).named_parameters()}
    assert set(saved) == params - temporal  # every spatial parameter, nothing else
    # A second style keeps the first registered.
    export_style(make_run(model, tmp_path / "run2", style="wash"), model)
    assert set(read_model_info(model).styles) == {"ink", "wash"}


def test_refuses_full_fine_tunes_and_other_models(model: Path, tmp_path: Path, make_run) -> None:
    with pytest.raises(ModelError, match="--trainable spatial"):
        export_style(make_run(model, tmp_path / "all", trainable="all"), model)
    run = make_run(model, tmp_path / "other")
    state = json.loads((run / "checkpoint" / "state.json").read_text())
    state["model_config"]["channels"] = [4, 8, 16]
    (run / "checkpoint" / "state.json").write_text(json.dumps(state))
    with pytest.raises(ModelError, match="different architecture"):
        export_style(run, model)
    with pytest.raises(ModelError, match="no finished checkpoint"):
        export_style(tmp_path / "missing", model)
    assert read_model_info(model).styles == {}  # nothing half-registered


def test_cli_sub_command(model: Path, tmp_path: Path, capsys, make_run) -> None:
    from engine.commands.train import main

    run = make_run(model, tmp_path / "run")
    assert main(["export-style", "--run", str(run), "--model", str(model), "--name", "x"]) == 0
    assert "wrote style" in capsys.readouterr().out
    assert "x" in read_model_info(model).styles
