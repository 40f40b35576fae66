"""Hostile model folders: bounded configs, file names kept inside the folder, safetensors
headers checked against the config before anything is allocated, broken folders listed."""

from __future__ import annotations

import json
import shutil
import struct

import pytest
import torch

from engine import checkpoints
from engine.checkpoints import ModelError, load_stage, read_model_info, scan_models
from engine.model_checks import UnsafeModel, safetensors_header


def _copy(tiny_model, tmp_path, name="copy"):
    folder = tmp_path / name
    shutil.copytree(tiny_model, folder)
    return folder


def _edit(folder, change):
    raw = json.loads((folder / "config.json").read_text())
    change(raw)
    (folder / "config.json").write_text(json.dumps(raw))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            lambda c: c["base"]["config"].update(channels=[4096] * 6, temporal_down=[True] * 5),
            "parameters",
        ),
        (lambda c: c["base"]["config"].update(channels=[8, 10**9, 32]), "channels"),
        (lambda c: c["base"]["config"].update(heads=0), "heads"),
        (lambda c: c["base"]["config"].update(res_blocks="2"), "res_blocks"),
        (lambda c: c["native"].update(frames=-8), "native.frames"),
        (lambda c: c["native"].update(height=10**9), "native.height"),
        (lambda c: c.update(native=[]), "native"),
        (lambda c: c["ssr"].update(scale=10**6), "scale"),
        (lambda c: c["base"]["schedule"].update(logsnr_max=float("nan")), "logsnr"),
        (lambda c: c.update(base=[1, 2]), "base"),
        (lambda c: c.update(format_version="x"), "format"),
        (lambda c: c.update(styles=["a"]), "styles"),
    ],
)
def test_absurd_configs_are_refused_before_building(
    tiny_model, tmp_path, monkeypatch, change, words
):
    folder = _copy(tiny_model, tmp_path)
    _edit(folder, change)
    devices = _record_builds(monkeypatch)
    with pytest.raises(ModelError, match=words):
        info = read_model_info(folder)
        load_stage(info, info.base)
    assert set(devices) <= {"meta"}  # nothing is allocated for a refused model


def _record_builds(monkeypatch) -> list[str]:
    """The device each STUNet is built on ('meta' allocates no memory)."""
    from engine.model import stunet

    devices: list[str] = []
    real = stunet.STUNet
    monkeypatch.setattr(  # checkpoints builds it from there when it needs one
        stunet,
        "STUNet",
        lambda cfg: devices.append(str(torch.get_default_device())) or real(cfg),
    )
    return devices


def test_a_config_bigger_than_its_weights_allocates_nothing(tiny_model, tmp_path, monkeypatch):
    folder = _copy(tiny_model, tmp_path)
    _edit(folder, lambda c: c["base"]["config"].update(channels=[256, 512, 1024]))
    devices = _record_builds(monkeypatch)
    info = read_model_info(folder)
    with pytest.raises(ModelError, match="does not match its config"):
        load_stage(info, info.base)
    assert devices == ["meta"]
    info = read_model_info(tiny_model)
    load_stage(info, info.base)
    assert devices == ["meta", "meta", "cpu"]  # a matching model is checked, then built


@pytest.mark.parametrize("text", ["[" * 100000, '"' + "x" * (2 << 20) + '"', "[1]"])
def test_deep_huge_or_odd_json_is_refused(tmp_path, text):
    (tmp_path / "config.json").write_text(text)
    with pytest.raises(ModelError):
        read_model_info(tmp_path)


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
@pytest.mark.parametrize("key", ["weights", "style"])
def test_file_names_cannot_escape_the_model_folder(tiny_model, tmp_path, how, key):
    folder = _copy(tiny_model, tmp_path)
    outside = tmp_path / "outside.safetensors"
    shutil.copy(folder / "base.safetensors", outside)
    name = {
        "dotdot": "../outside.safetensors",
        "absolute": str(outside),
        "symlink": "link.safetensors",
    }[how]
    if how == "symlink":
        (folder / name).symlink_to(outside)
    if key == "weights":
        _edit(folder, lambda c: c["base"].update(weights=name))
    else:
        _edit(folder, lambda c: c.update(styles={"evil": name}))
    with pytest.raises(ModelError, match="outside the model folder|absolute path"):
        read_model_info(folder)


def _rewrite_header(path, change):
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    change(header)
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + data[8 + n :])


def test_lying_or_truncated_headers_are_refused(tiny_model, tmp_path):
    weights = _copy(tiny_model, tmp_path) / "base.safetensors"
    good = weights.read_bytes()
    first = next(k for k in safetensors_header(weights) if k != "__metadata__")

    def lie(header):
        header[first]["shape"] = [10**6, 10**6]

    _rewrite_header(weights, lie)
    with pytest.raises(UnsafeModel, match="claims shape"):
        safetensors_header(weights)
    weights.write_bytes(struct.pack("<Q", 10**12) + good[8:])
    with pytest.raises(UnsafeModel, match="header claims"):
        safetensors_header(weights)
    weights.write_bytes(good[:-1])
    with pytest.raises(UnsafeModel, match="truncated"):
        safetensors_header(weights)
    weights.write_bytes(good[:5])
    with pytest.raises(UnsafeModel, match="truncated"):
        safetensors_header(weights)
    weights.write_bytes(struct.pack("<Q", 4) + b"{{{{")
    with pytest.raises(UnsafeModel, match="not valid JSON"):
        safetensors_header(weights)


def test_a_broken_folder_is_listed_and_hides_nothing(tiny_model, tmp_path, monkeypatch, capsys):
    root = tmp_path / "models"
    _copy(tiny_model, root, "good")
    bad = _copy(tiny_model, root, "bad")
    _edit(bad, lambda c: c.update(native=[16]))
    (root / "worse").mkdir()
    (root / "worse" / "config.json").write_text('{"format": "lumiere-studio-model", "base": 7}')
    monkeypatch.setenv("LUMIERE_STUDIO_MODELS", str(root))
    good, broken = scan_models()
    names = [m.name for m in good]
    assert "tiny" in names and "lumiere-mini" in names  # the bundled model stays listed
    assert {b.name for b in broken} == {"bad", "worse"}
    assert all(b.reason for b in broken)

    from engine.cli import main

    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "bad: BROKEN" in out and "native" in out and "lumiere-mini" in out


@pytest.mark.parametrize("key", ["weights", "style"])
def test_a_config_naming_a_pickle_is_refused_unread(tiny_model, tmp_path, key, monkeypatch):
    folder = _copy(tiny_model, tmp_path)
    (folder / "base.pt").write_bytes(b"\x80\x04not read")
    if key == "weights":
        _edit(folder, lambda c: c["base"].update(weights="base.pt"))
    else:
        _edit(folder, lambda c: c.update(styles={"evil": "base.pt"}))
    monkeypatch.setattr(torch, "load", lambda *a, **k: pytest.fail("torch.load was called"))
    with pytest.raises(checkpoints.PickleRefused, match="pickle"):
        read_model_info(folder)
