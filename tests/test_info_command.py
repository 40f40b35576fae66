"""`lumiere-studio info`: what a bug report needs, the versions, devices and model folders."""

from __future__ import annotations

import os
import platform

import numpy
import torch

from engine import __version__
from engine.cli import main


def test_info_reports_versions_devices_and_model_folders(tmp_path, monkeypatch, capsys):
    present, absent = tmp_path / "models", tmp_path / "missing"
    present.mkdir()
    monkeypatch.setenv("LUMIERE_STUDIO_MODELS", f"{present}{os.pathsep}{absent}")
    assert main(["info"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Lumiere Studio {__version__}"
    assert out[1].startswith(f"Python {platform.python_version()} on ")
    assert f"torch {torch.__version__}" in out and f"numpy {numpy.__version__}" in out
    devices = out.index("devices:")
    folders = out.index("model folders:")
    assert any("cpu" in line.lower() for line in out[devices + 1 : folders])
    assert f"  {present}" in out[folders + 1 :]
    assert f"  {absent} (absent)" in out[folders + 1 :]
