"""`lumiere-studio train` / `export-model`: flags reach the run, wrong input gets one line."""

import json

import pytest

from engine.cli import main

TINY = '{"channels": [8, 16, 32], "heads": 2, "temporal_attention_blocks": 1}'


def test_a_tiny_run_records_its_flags(tmp_path):
    out = tmp_path / "run"
    rc = main(
        [
            "train",
            "--out",
            str(out),
            "--steps",
            "2",
            "--batch-size",
            "2",
            "--frames",
            "8",
            "--size",
            "16",
            "--threads",
            "1",
            "--model-json",
            TINY,
            "--data-workers",
            "1",
            "--wide-colours",
            "--noise-bias",
            "1",
            "--i2v-motion-captions",
            "0.5",
            "--natural-share",
            "0.5",
            "--photo-share",
            "0.2",
            "--clip-share",
            "0.3",
        ]
    )
    assert rc == 0
    state = json.loads((out / "checkpoint" / "state.json").read_text())
    assert state["step"] == 2
    cfg = state["train_config"]
    assert cfg["data_workers"] == 1 and cfg["wide_colours"] and cfg["noise_bias"] == 1.0
    assert cfg["i2v_motion_captions"] == 0.5
    assert cfg["natural_share"] == 0.5 and cfg["photo_share"] == 0.2 and cfg["clip_share"] == 0.3
    assert cfg["model"]["channels"] == [8, 16, 32]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data-workers", "-1"], "data_workers must be >= 0"),
        (["--noise-bias", "-1"], "noise_bias must be >= 0"),
        (["--i2v-motion-captions", "2"], "i2v_motion_captions must be between 0 and 1"),
        (["--batch-size", "0"], "batch_size must be >= 1"),
        (["--natural-share", "1.5"], "natural_share must be between 0 and 1"),
        (["--natural-share", "0.5", "--photos", "no-such-dir"], "does not exist"),
        (["--stage", "ssr", "--crop", "100"], "crop must be between 1 and size"),
        (["--stage", "ssr", "--size", "30"], "not a multiple of ssr_scale"),
        (["--model-json", "{bad"], "--model-json is not valid JSON"),
        (["--model-json", "[1]"], "--model-json must be a JSON object"),
        (["--model-json", '{"nochannel": 1}'], "unknown STUNet config keys"),
        (["--init-weights", "missing.safetensors"], "missing.safetensors is missing"),
    ],
)
def test_wrong_arguments_get_one_line_and_no_run(tmp_path, capsys, args, message):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), "--steps", "1", "--threads", "1", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert not (out / "checkpoint").exists()


def test_unknown_style_is_refused_by_the_parser(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--out", str(tmp_path / "run"), "--style", "oil"])
    assert exit_info.value.code == 2
    assert "watercolour" in capsys.readouterr().err  # the valid choices are listed


def test_export_of_a_missing_run_is_a_message(tmp_path, capsys):
    rc = main(
        [
            "export-model",
            "--base",
            str(tmp_path / "nope"),
            "--out",
            str(tmp_path / "m"),
            "--name",
            "m",
        ]
    )
    assert rc == 2
    assert "has no finished checkpoint" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()
