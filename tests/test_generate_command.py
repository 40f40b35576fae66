"""`lumiere-studio generate` for the edit tasks: PNG-sequence output keeps the input's pixels
outside the mask bit for bit; wrong inputs exit 2 with a message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.cli import main
from engine.jobs import Job


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


def test_cinemagraph_png_sequence_is_bit_exact_outside(
    shared_engine, tiny_model, inputs, tmp_path, capsys
) -> None:
    out = tmp_path / "frames"
    code = main(
        [
            "generate",
            "--task",
            "cinemagraph",
            "--image",
            str(inputs["s"]),
            "--mask",
            str(inputs["m"]),
            "--prompt",
            "water ripples",
            "--model",
            str(tiny_model),
            "--steps",
            "1",
            "--ssr-steps",
            "1",
            "--guidance",
            "1",
            "--out",
            f"{out}/",
        ]
    )
    assert code == 0, capsys.readouterr().err
    files = sorted(out.glob("*.png"))
    assert len(files) == 8
    still = np.asarray(Image.open(inputs["s"]).convert("RGB"))
    region = np.asarray(Image.open(inputs["m"])) >= 128
    for f in files:
        frame = np.asarray(Image.open(f).convert("RGB"))
        assert frame.shape == still.shape
        assert np.array_equal(frame[~region], still[~region])
    assert "note: generated 1 context box around the mask" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--task", "cinemagraph", "--image", "s"], "needs a mask"),
        (["--task", "cinemagraph", "--image", "s", "--mask", "empty"], "empty"),
        (["--task", "i2v"], "needs an image"),
        (["--task", "v2v", "--video", "s"], "shorter than asked"),  # a still is one frame
    ],
)
def test_wrong_inputs_exit_2(
    shared_engine, tiny_model, inputs, tmp_path, capsys, args, message
) -> None:
    args = [str(inputs[a]) if a in inputs else a for a in args]
    code = main(
        [
            "generate",
            *args,
            "--model",
            str(tiny_model),
            "--steps",
            "1",
            "--out",
            str(tmp_path / "o.mp4"),
        ]
    )
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o.mp4").exists()


def test_every_job_flag_reaches_its_field(tmp_path) -> None:
    from engine.cli import build_parser
    from engine.commands.generate import job_from_args

    argv = [
        "generate",
        "--task",
        "inpaint",
        "--prompt",
        "p",
        "--negative",
        "n",
        "--video",
        "v",
        "--mask",
        "m",
        "--mask-from-frame",
        "2",
        "--start-frame",
        "3",
        "--frames",
        "16",
        "--fps",
        "12",
        "--steps",
        "4",
        "--guidance",
        "2.5",
        "--seed",
        "7",
        "--strength",
        "0.3",
        "--style",
        "ink",
        "--style-strength",
        "0.5",
        "--sampler",
        "ddim",
        "--ssr-steps",
        "2",
        "--model",
        "mini",
        "--device",
        "cpu",
        "--out",
        "o.mp4",
    ]
    job = job_from_args(build_parser().parse_args(argv))
    assert job == Job(
        task="inpaint",
        prompt="p",
        negative_prompt="n",
        video="v",
        mask="m",
        mask_from_frame=2,
        video_start_frame=3,
        frames=16,
        fps=12,
        steps=4,
        guidance=2.5,
        seed=7,
        strength=0.3,
        style="ink",
        style_strength=0.5,
        sampler="ddim",
        ssr_steps=2,
        model="mini",
        device="cpu",
    )
    sized = job_from_args(
        build_parser().parse_args(["generate", "--size", "64x48", "--loop", "--out", "o.mp4"])
    )
    assert (sized.width, sized.height, sized.loop) == (64, 48, True)
    assert job_from_args(build_parser().parse_args(["generate", "--out", "o"])) == Job()


def test_an_error_names_the_flag_of_the_field(tiny_model, inputs, tmp_path, capsys) -> None:
    code = main(
        [
            "generate",
            "--task",
            "cinemagraph",
            "--image",
            str(inputs["s"]),
            "--mask",
            str(inputs["m"]),
            "--mask-from-frame",
            "3",
            "--model",
            str(tiny_model),
            "--out",
            str(tmp_path / "o.mp4"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "does not use --mask-from-frame" in err and "`" not in err
