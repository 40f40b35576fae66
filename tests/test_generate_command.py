"""`lumiere-studio generate` for the edit tasks: PNG-sequence output keeps the input's pixels
outside the mask bit for bit; wrong inputs exit 2 with a message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.cli import main


@pytest.fixture()
def shared_engine(engine, monkeypatch):
    # The CLI builds an Engine per call; reuse the session's so the text encoder loads once.
    monkeypatch.setattr("engine.pipeline.Engine", lambda: engine)
    return engine


@pytest.fixture()
def inputs(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(5)
    Image.fromarray(rng.integers(0, 256, (18, 24, 3), dtype=np.uint8)).save(tmp_path / "s.png")
    m = np.zeros((18, 24), np.uint8)
    m[3:12, 5:15] = 255
    Image.fromarray(m).save(tmp_path / "m.png")
    Image.fromarray(np.zeros((18, 24), np.uint8)).save(tmp_path / "empty.png")
    return {p.stem: p for p in tmp_path.iterdir()}


def test_cinemagraph_png_sequence_is_bit_exact_outside(shared_engine, tiny_model, inputs,
                                                       tmp_path, capsys) -> None:  # fmt: skip
    out = tmp_path / "frames"
    code = main([
        "generate", "--task", "cinemagraph", "--image", str(inputs["s"]), "--mask",
        str(inputs["m"]), "--prompt", "water ripples", "--model", str(tiny_model),
        "--steps", "1", "--ssr-steps", "1", "--guidance", "1", "--out", f"{out}/",
    ])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    files = sorted(out.glob("*.png"))
    assert len(files) == 8
    still = np.asarray(Image.open(inputs["s"]).convert("RGB"))
    region = np.asarray(Image.open(inputs["m"])) >= 128
    for f in files:
        frame = np.asarray(Image.open(f).convert("RGB"))
        assert frame.shape == still.shape
        assert np.array_equal(frame[~region], still[~region])
    assert "note: generated 1 context box around the mask" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--task", "cinemagraph", "--image", "s"], "needs a mask"),
        (["--task", "cinemagraph", "--image", "s", "--mask", "empty"], "empty"),
        (["--task", "i2v"], "needs an image"),
        (["--task", "v2v", "--video", "s"], "shorter than asked"),  # a still is one frame
    ],
)
def test_wrong_inputs_exit_2(shared_engine, tiny_model, inputs, tmp_path, capsys, args,
                             message) -> None:  # fmt: skip
    args = [str(inputs[a]) if a in inputs else a for a in args]
    code = main(["generate", *args, "--model", str(tiny_model), "--steps", "1",
                 "--out", str(tmp_path / "o.mp4")])  # fmt: skip
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o.mp4").exists()
