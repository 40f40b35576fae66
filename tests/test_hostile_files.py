"""Issue 29's hostile-file recipes (bench/testkit/hostile_files.py) on this checkout, each in
a child process with a timeout: no traceback, signal or hang, nothing written outside the
places the run may write, no file of the user's lost. `bench/fuzz.py --hostile` and
`bench/faults.py --planted` run every recipe (also /dev/zero and model folders) and print the
before/after table of docs/reliability-round2.md."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from testkit.hostile_files import recipes, run_recipe

ROOT = Path(__file__).resolve().parent.parent
FAST = [r for r in recipes() if "/dev/zero" not in r.name and "model's" not in r.name]


@pytest.mark.skipif(os.name != "posix", reason="FIFOs, symlinks and pids are POSIX")
@pytest.mark.parametrize("recipe", FAST, ids=lambda r: f"{r.family}: {r.name}")
def test_a_hostile_file_does_no_harm(recipe):
    row = run_recipe(recipe, ROOT, timeout=60)
    assert not row["hang"] and not row["signal"], row
    assert not row["traceback"], row
    assert row["outside"] == [] and row["lost"] == [], row
    assert row["rc"] == 0 or row["message"], row  # a refusal says why
