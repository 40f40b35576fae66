"""The command line: generate writes a decodable clip; models and info; clear errors."""

import sys

import av
import numpy as np
import pytest
from testkit import processes

from engine.cli import main


def _decode(path):
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
        return s, frames, float(s.average_rate)


def test_generate_mp4_with_asked_frames_size_fps(tiny_model, tmp_path, capsys):
    out = tmp_path / "clip.mp4"
    rc = main(
        [
            "generate",
            "--model",
            str(tiny_model),
            "--prompt",
            "a red circle moving left",
            "--frames",
            "16",
            "--size",
            "32x32",
            "--fps",
            "12",
            "--steps",
            "2",
            "--ssr-steps",
            "1",
            "--out",
            str(out),
        ]
    )
    assert rc == 0, capsys.readouterr().err
    stream, frames, fps = _decode(out)
    assert len(frames) == 16 and frames[0].shape == (32, 32, 3)
    assert fps == 12 and stream.codec_context.name == "h264"
    assert "wrote" in capsys.readouterr().out


def test_same_seed_same_frames_other_seed_other_frames(tiny_model, tmp_path):
    outs = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        target = tmp_path / name
        rc = main(
            [
                "generate",
                "--model",
                str(tiny_model),
                "--prompt",
                "a blue star",
                "--steps",
                "2",
                "--seed",
                str(seed),
                "--out",
                f"{target}/",
            ]
        )
        assert rc == 0
        outs.append(np.stack([_decode(p)[1][0] for p in sorted(target.iterdir())]))
    assert np.array_equal(outs[0], outs[1])
    assert not np.array_equal(outs[0], outs[2])


def test_job_file_round_trip(tiny_model, tmp_path):
    job = tmp_path / "job.json"
    assert (
        main(
            [
                "generate",
                "--model",
                str(tiny_model),
                "--prompt",
                "x",
                "--steps",
                "1",
                "--save-job",
                str(job),
                "--out",
                str(tmp_path / "a.mp4"),
            ]
        )
        == 0
    )
    assert main(["generate", "--job", str(job), "--out", str(tmp_path / "b.mp4")]) == 0
    assert np.array_equal(_decode(tmp_path / "a.mp4")[1][0], _decode(tmp_path / "b.mp4")[1][0])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--frames", "6"], "multiple of 4"),
        (["--steps", "0"], "steps"),
        (["--model", "no-such-model"], "not found"),
        (["--out-suffix", ".avi"], "unsupported output"),
    ],
)
def test_bad_arguments_give_clear_errors(tiny_model, tmp_path, capsys, args, message):
    out = str(tmp_path / "x.mp4")
    if args[0] == "--out-suffix":
        out, args = str(tmp_path / f"x{args[1]}"), []
    argv = ["generate", "--model", str(tiny_model), "--prompt", "x", "--steps", "1", *args]
    assert main([*argv, "--out", out]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_existing_output_needs_force(tiny_model, tmp_path, capsys):
    out = tmp_path / "x.mp4"
    out.write_bytes(b"precious")
    argv = ["generate", "--model", str(tiny_model), "--steps", "1", "--out", str(out)]
    assert main(argv) == 2
    assert "--force" in capsys.readouterr().err  # the refusal says how to overwrite
    assert out.read_bytes() == b"precious"
    assert main([*argv, "--force"]) == 0
    assert out.read_bytes() != b"precious"


def test_models_and_info(tiny_model, monkeypatch, capsys):
    monkeypatch.setenv("LUMIERE_STUDIO_MODELS", str(tiny_model.parent))
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "tiny: 8 frames at 16x16" in out and "SSR x2" in out
    assert main(["info"]) == 0
    assert "torch" in capsys.readouterr().out


def test_help_documents_every_generate_flag():
    text = processes.run(
        [sys.executable, "-m", "engine", "generate", "--help"], capture_output=True, text=True
    ).stdout
    for flag in (
        "--prompt",
        "--negative",
        "--task",
        "--frames",
        "--fps",
        "--size",
        "--steps",
        "--guidance",
        "--seed",
        "--model",
        "--device",
        "--out",
    ):
        assert flag in text


def test_every_registered_command_is_dispatched_to_the_cli():
    from engine.cli import command_names, is_command

    names = command_names()
    assert {
        "generate",
        "models",
        "info",
        "train",
        "export-model",
        "export-style",
        "export",
        "detect",
    } <= names
    assert all(is_command([n]) for n in names)
    assert not is_command([]) and not is_command(["clip.mp4"]) and not is_command(["project/"])


def _track_with_a_half_size_mask(tmp_path, write_lossless_video, *flags: str) -> int:
    """`mask track` over one frame with a mask half the clip's size: it says (a note) that
    the mask was resized, draws its progress line, and prints its result."""
    from PIL import Image

    frames = np.zeros((3, 48, 64, 3), np.uint8)
    frames[:, 10:30, 10:40] = 200
    video = write_lossless_video(tmp_path / "c.mkv", frames)
    mask = np.zeros((24, 32), np.uint8)
    mask[5:15, 5:20] = 255
    Image.fromarray(mask).save(tmp_path / "half.png")
    args = ["--video", str(video), "--mask", str(tmp_path / "half.png"), "--frames", "1"]
    return main([*flags, "mask", "track", *args, "--out", str(tmp_path / "masks")])


@pytest.mark.parametrize(
    ("flags", "notes", "debug"),
    [
        ((), True, False),
        (("--quiet",), False, False),
        (("-q",), False, False),
        (("-v",), True, True),
    ],
)
def test_log_flags_choose_what_reaches_stderr_and_never_hide_the_result(
    tmp_path, write_lossless_video, capsys, flags, notes, debug
):
    assert _track_with_a_half_size_mask(tmp_path, write_lossless_video, *flags) == 0
    out, err = capsys.readouterr()
    assert "masks, frames 0..1" in out  # the command's result, whatever the flags
    assert ("resized to 64x48" in err) is notes
    assert ("tracking: 1/1 frames" in err) is notes  # progress goes with the notes
    assert ("DEBUG engine.cli: user folders: data " in err) is debug
    if not notes:
        assert err == ""


def test_log_flags_before_a_command_still_make_it_a_command():
    from engine.cli import is_command

    assert is_command(["-v", "models"]) and is_command(["--quiet", "info"])
    assert is_command(["-q"])  # the parser answers (its help), the app does not open
    assert not is_command(["-v", "clip.mp4"])
