"""`lumiere-studio models`: every model folder found, broken ones listed with why, as text or
as JSON, and exit 1 with the folders searched when there is none."""

from __future__ import annotations

import json
import shutil

import pytest

from engine.cli import main


@pytest.fixture
def models_dir(tiny_model, tmp_path, monkeypatch):
    """A search path holding the tiny model and a broken folder; nothing bundled."""
    folder = tmp_path / "models"
    shutil.copytree(tiny_model, folder / "tiny")
    (folder / "broken").mkdir()
    (folder / "broken" / "config.json").write_text("{not json")
    monkeypatch.setenv("LUMIERE_STUDIO_MODELS", str(folder))
    monkeypatch.setattr("engine.checkpoints.REPO_ROOT", tmp_path / "no-repo")
    return folder


def test_text_lists_each_model_its_stages_and_the_broken_ones(models_dir, capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"broken: BROKEN, not usable ({models_dir / 'broken'}): ")
    assert out[1].startswith("tiny: 8 frames at 16x16")
    assert out[2].startswith("  base: channels [8, 16, 32], temporal down [True, True],")
    assert out[3].startswith("  ssr: channels [8, 16], temporal down [False],")


def test_json_has_the_full_config_and_the_broken_folder(models_dir, capsys):
    assert main(["models", "--json"]) == 0
    entries = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    assert set(entries) == {"tiny", "broken"}
    assert entries["tiny"]["path"] == str(models_dir / "tiny")
    assert entries["tiny"]["base"]["config"]["channels"] == [8, 16, 32]
    assert entries["broken"]["path"] == str(models_dir / "broken") and entries["broken"]["broken"]


def test_no_model_exits_1_and_says_where_it_looked(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("LUMIERE_STUDIO_MODELS", str(empty))
    monkeypatch.setattr("engine.checkpoints.REPO_ROOT", tmp_path / "no-repo")
    assert main(["models"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("no models found (searched: ") and str(empty) in out
