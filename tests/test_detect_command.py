"""`detect`: exit 0 with the payload for marked pixels, 1 for clean ones, 2 for unreadable
files; metadata and pixels are reported separately; --json is valid JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.cli import main
from engine.jobs import Job
from engine.media import provenance as pv
from engine.media.encode import VideoSettings, write_video
from engine.outputs import save_result
from engine.pipeline import Result
from engine.train.procedural import render, sample_clip


def generated(tmp_path):
    frames = render(sample_clip(21), 16, 128, 128)
    r = Result(frames, 8, Job(prompt="a green square", seed=1), "tiny", "ef" * 32, 0.1)
    return save_result(r, tmp_path / "gen.mp4"), frames


def test_marked_clip_exits_0_with_payload_and_labels(tmp_path, capsys):
    path, _ = generated(tmp_path)
    assert main(["detect", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["pixels"]["detected"] and out["pixels"]["payload"].startswith("4c-")
    assert out["metadata"]["labelled"] and out["metadata"]["manifest_matches_file"] is True
    assert out["metadata"]["labels"]["prompt"] == "a green square"


def test_stripped_labels_still_found_in_pixels(tmp_path, capsys):
    _, frames = generated(tmp_path)
    from engine.media import watermark as wm

    bare = write_video(wm.embed(frames, wm.Payload(5)), tmp_path / "bare.mp4")
    assert main(["detect", str(bare)]) == 0
    text = capsys.readouterr().out
    assert "watermark FOUND" in text and "no AI-content labels" in text


def test_clean_clip_exits_1(tmp_path, capsys):
    _, frames = generated(tmp_path)
    clean = write_video(frames, tmp_path / "clean.mp4", VideoSettings(fps=8))
    assert main(["detect", str(clean), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["pixels"]["detected"] is False


def test_unreadable_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all")
    assert main(["detect", str(bad), "--json"]) == 2
    assert "error" in json.loads(capsys.readouterr().out)
    assert main(["detect", str(tmp_path / "missing.png")]) == 2


def test_single_png_frame(tmp_path, capsys):
    path, _ = generated(tmp_path)
    from engine.export.sources import read_frames
    from engine.media.encode import write_png_sequence

    folder = write_png_sequence(read_frames(path)[:1], tmp_path / "one")
    assert main(["detect", str(folder / "frame_00000.png")]) == 0
    assert np.any(read_frames(folder))


MALFORMED_MANIFESTS = [
    "[1, 2, 3]",
    '"text"',
    "null",
    "{}",
    '{"provenance": 5}',
    '{"provenance": {"prompt": 5}}',
    '{"provenance": {"source_type": "trainedAlgorithmicMedia", "seed": "x"}}',
    '{"sha256": 7}',
    '{"files_sha256": "abc"}',
    '{"watermark": [1]}',
    '{"a": ' * 5000,
    "\xff\xfe not utf-8",
    '{"pad": "' + "x" * (2 << 20) + '"}',
]


@pytest.mark.parametrize("text", MALFORMED_MANIFESTS, ids=range(len(MALFORMED_MANIFESTS)))
def test_malformed_manifest_is_reported_not_a_traceback(tmp_path, capsys, text):
    # Before: a list, a string or wrongly typed fields raised AttributeError / TypeError.
    path, _ = generated(tmp_path)
    pv.manifest_path(path).write_bytes(text.encode("utf-8", "surrogateescape")
                                       if text.isascii() else text.encode("latin-1"))  # fmt: skip
    assert main(["detect", str(path), "--json"]) == 0  # the pixels still carry the mark
    meta = json.loads(capsys.readouterr().out)["metadata"]
    assert meta["manifest_matches_file"] is None or text == "{}"


def test_fifo_and_huge_still_are_bounded(tmp_path, capsys):
    import os
    import threading

    os.mkfifo(tmp_path / "pipe.mp4")
    done: list[int] = []
    t = threading.Thread(target=lambda: done.append(main(["detect", str(tmp_path / "pipe.mp4")])),
                         daemon=True)  # fmt: skip
    t.start()
    t.join(20)
    assert done == [2]  # before: blocked forever opening the FIFO
    assert "not a regular file" in capsys.readouterr().err
    from lumiere_studio.fuzz_media import huge_sparse_png

    big = huge_sparse_png(tmp_path / "big.png", 9400)
    assert main(["detect", str(big), "--json"]) == 1  # read, centre-cropped, no mark


def test_centre_crop_keeps_tiles_whole():
    from engine.commands.detect import centre_crop

    frame = np.arange(5000 * 3000 * 3, dtype=np.uint32).reshape(3000, 5000, 3)
    crop = centre_crop(frame, 2048)
    assert crop.shape == (2048, 2048, 3)
    top, left = np.argwhere(frame[..., 0] == crop[0, 0, 0])[0]
    assert top % 64 == 0 and left % 64 == 0
