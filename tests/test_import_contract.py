"""The layers' import contract ([tool.importlinter] in pyproject.toml, `lint-imports` in CI):
it holds on the code as it is, and it fails when a forbidden import is added (checked on a
copy of the packages in a temporary folder, never in the tree)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(exe), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """The two packages and the contract, copied."""
    out = tmp_path_factory.mktemp("contract")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("engine", "lumiere_studio"):
        shutil.copytree(ROOT / package, out / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", out / "pyproject.toml")
    return out


def test_the_code_keeps_every_contract(tree):
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "BROKEN" not in result.stdout


@pytest.mark.parametrize(
    "module,line,contract",
    [
        ("engine/media/leak.py", "import engine.pipeline", "Media, export and vision"),
        ("engine/export/leak.py", "from PySide6 import QtCore", "never imports Qt"),
        ("engine/vision/leak.py", "import torch", "vision layer needs no torch"),
        ("engine/train/leak.py", "import engine.commands", "Training knows no command line"),
        ("lumiere_studio/model/leak.py", "import lumiere_studio.ui", "app's model knows no"),
    ],
)
def test_a_forbidden_import_fails_the_contract(tree, module, line, contract):
    leak = tree / module
    leak.write_text(f'"""A deliberate violation."""\n\n{line}\n')
    try:
        result = lint_imports(tree)
    finally:
        leak.unlink()
    assert result.returncode != 0
    broken = [ln for ln in result.stdout.splitlines() if " BROKEN" in ln]
    assert any(contract in ln for ln in broken), result.stdout[-3000:]
