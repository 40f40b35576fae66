"""`lumiere-studio mask track|grab` end to end on small synthetic media."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
from PIL import Image

from engine.cli import main


def _clip(n: int = 10, h: int = 64, w: int = 96) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    bg = cv2.GaussianBlur(rng.integers(0, 256, (h, w, 3)).astype(np.uint8), (5, 5), 0)
    obj = (
        cv2.GaussianBlur(rng.integers(0, 256, (20, 24, 3)).astype(np.uint8), (3, 3), 0) // 2 + 110
    ).astype(np.uint8)
    frames, truths = [], []
    for t in range(n):
        f = bg.copy()
        f[20:40, 8 + 4 * t : 32 + 4 * t] = obj
        m = np.zeros((h, w), bool)
        m[20:40, 8 + 4 * t : 32 + 4 * t] = True
        frames.append(f)
        truths.append(m)
    return np.stack(frames), np.stack(truths)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def _track_args(tmp_path, write_lossless_video, key: int, *extra: str) -> list[str]:
    """The arguments of a `mask track` run on the test clip with frame `key`'s true mask."""
    frames, truths = _clip()
    video = write_lossless_video(tmp_path / "c.mkv", frames)
    Image.fromarray(np.where(truths[key], 255, 0).astype(np.uint8)).save(tmp_path / "k.png")
    mask, out = str(tmp_path / "k.png"), str(tmp_path / "masks")
    return ["mask", "track", "--video", str(video), "--mask", mask, "--out", out, *extra]


def test_track_writes_one_png_per_frame_named_by_its_number(tmp_path, write_lossless_video):
    args = _track_args(tmp_path, write_lossless_video, 4, "--from-frame", "4", "--both")
    args[-1:] = ["--direction", "both", "--quiet"]
    assert main(args) == 0
    out = tmp_path / "masks"
    truths = _clip()[1]
    assert sorted(p.name for p in out.iterdir()) == [f"{t:06d}.png" for t in range(10)]
    for t in range(10):
        m = np.asarray(Image.open(out / f"{t:06d}.png"))
        assert m.dtype == np.uint8 and m.ndim == 2 and set(np.unique(m)) <= {0, 255}
        assert iou(m == 255, truths[t]) > 0.9


def test_track_frames_limits_each_direction(tmp_path, write_lossless_video):
    assert main(_track_args(tmp_path, write_lossless_video, 0, "--frames", "3", "--quiet")) == 0
    names = sorted(p.name for p in (tmp_path / "masks").iterdir())
    assert names == [f"{t:06d}.png" for t in range(4)]


def test_track_can_save_a_mask_track_file_a_job_reads(tmp_path, write_lossless_video):
    from engine.mask_track import load
    from engine.media.mask_frames import load_region

    saved = str(tmp_path / "t.masktrack")
    args = _track_args(tmp_path, write_lossless_video, 2, "--from-frame", "2", "--quiet")
    assert main([*args, "--save-track", saved]) == 0
    track = load(saved)
    assert sorted(track.keyframes) == [2] and sorted(track.tracked) == list(range(3, 10))
    region, _ = load_region(saved, 8, (96, 64), start=2)
    for t in range(8):
        png = np.asarray(Image.open(tmp_path / "masks" / f"{2 + t:06d}.png")) == 255
        assert np.array_equal(region[t], png)


def test_grab_writes_the_object_mask(tmp_path):
    frames, truths = _clip(1)
    Image.fromarray(frames[0]).save(tmp_path / "f.png")
    assert (
        main(
            [
                "mask",
                "grab",
                "--image",
                str(tmp_path / "f.png"),
                "--box",
                "4,16,32,28",
                "--out",
                str(tmp_path / "m.png"),
            ]
        )
        == 0
    )
    m = np.asarray(Image.open(tmp_path / "m.png"))
    assert iou(m == 255, truths[0]) > 0.9


def test_bad_arguments_are_one_line_and_exit_2(tmp_path, write_lossless_video):
    frames, truths = _clip(3)
    video = write_lossless_video(tmp_path / "c.mkv", frames)
    Image.fromarray(np.where(truths[0], 255, 0).astype(np.uint8)).save(tmp_path / "k.png")
    cmd = [sys.executable, "-m", "engine", "mask"]
    cases = [
        (
            [
                "track",
                "--video",
                str(video),
                "--mask",
                str(tmp_path / "k.png"),
                "--out",
                str(tmp_path / "o"),
                "--from-frame",
                "7",
            ],
            "outside the clip's 3 frames",
        ),
        (
            [
                "track",
                "--video",
                str(tmp_path / "no.mp4"),
                "--mask",
                str(tmp_path / "k.png"),
                "--out",
                str(tmp_path / "o"),
            ],
            "does not exist",
        ),
        (
            ["grab", "--image", str(tmp_path / "k.png"), "--out", str(tmp_path / "g.png")],
            "--box X,Y,W,H or at least one --include",
        ),
        (
            [
                "grab",
                "--image",
                str(tmp_path / "k.png"),
                "--box",
                "1,2,3",
                "--out",
                str(tmp_path / "g.png"),
            ],
            "4 whole numbers",
        ),
    ]
    for args, message in cases:
        r = subprocess.run(cmd + args, capture_output=True, text=True, timeout=120)
        assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_track_at_a_reduced_working_size_still_writes_full_size_masks(
    tmp_path, write_lossless_video
):
    args = _track_args(tmp_path, write_lossless_video, 0, "--work-side", "48", "--quiet")
    assert main(args) == 0
    truths = _clip()[1]
    for t in (3, 9):
        m = np.asarray(Image.open(tmp_path / "masks" / f"{t:06d}.png"))
        assert m.shape == (64, 96) and iou(m == 255, truths[t]) > 0.8
