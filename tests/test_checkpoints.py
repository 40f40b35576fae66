"""Model folders: discovery, validation, pickle refusal, atomic saves, weight hashes."""

import json

import pytest
import torch

from engine.checkpoints import (
    ModelError,
    PickleRefused,
    atomic_save_safetensors,
    find_model,
    list_models,
    load_safetensors,
    load_stage,
    read_model_info,
    weights_hash,
)


def test_reads_and_loads_the_tiny_model(tiny_model):
    info = read_model_info(tiny_model)
    assert (info.native_frames, info.native_height, info.ssr_scale) == (8, 16, 2)
    model = load_stage(info, info.base)
    assert not any(p.requires_grad for p in model.parameters())
    assert len(weights_hash(info)) == 64


@pytest.mark.parametrize("suffix", [".pt", ".ckpt", ".bin", ".pth"])
def test_pickle_checkpoints_are_refused(tmp_path, suffix):
    evil = tmp_path / f"model{suffix}"
    evil.write_bytes(b"not even read")
    with pytest.raises(PickleRefused, match="pickle"):
        find_model(str(evil))
    with pytest.raises(PickleRefused):
        load_safetensors(evil)


def test_folder_of_pickles_says_so(tmp_path):
    (tmp_path / "weights.pt").write_bytes(b"x")
    with pytest.raises(ModelError, match="pickle"):
        read_model_info(tmp_path)


def test_truncated_weights_give_a_clear_error(tiny_model, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in tiny_model.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    data = (broken / "base.safetensors").read_bytes()
    (broken / "base.safetensors").write_bytes(data[: len(data) // 2])
    info = read_model_info(broken)
    with pytest.raises(ModelError, match="truncated or corrupt"):
        load_stage(info, info.base)


def test_bad_config_messages(tmp_path):
    (tmp_path / "config.json").write_text("{nope")
    with pytest.raises(ModelError, match="not valid JSON"):
        read_model_info(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(ModelError, match="format"):
        read_model_info(tmp_path)


def test_models_found_by_name_in_search_paths(tiny_model, monkeypatch):
    monkeypatch.setenv("LUMIERE_STUDIO_MODELS", str(tiny_model.parent))
    assert find_model("tiny") == tiny_model
    assert "tiny" in [m.name for m in list_models()]
    with pytest.raises(ModelError, match="not found"):
        find_model("no-such-model")


def test_atomic_save_leaves_no_temp_files(tmp_path):
    target = tmp_path / "w.safetensors"
    atomic_save_safetensors({"a": torch.ones(3)}, target)
    assert torch.equal(load_safetensors(target)["a"], torch.ones(3))
    assert [p.name for p in tmp_path.iterdir()] == ["w.safetensors"]
