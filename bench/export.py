"""H.264 export time: our writer (PyAV, engine.media.encode.write_video) against the ffmpeg command
line with the same settings (libx264, CRF 18, preset medium, yuv420p, BT.709 tags), both fed the
same in-memory RGB frames (ffmpeg through a rawvideo pipe), in one run.
Run: python bench/export.py [--frames 96] [--size 640x360]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from engine.media.encode import VideoSettings, write_video
from engine.train.procedural import render, sample_clip


def ffmpeg_cmd(w: int, h: int, out: Path) -> list[str]:
    return [
        "ffmpeg",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{w}x{h}",
        "-r",
        "24",
        "-i",
        "-",
        "-c:v",
        "libx264",
        "-crf",
        "18",
        "-preset",
        "medium",
        "-pix_fmt",
        "yuv420p",
        "-color_primaries",
        "bt709",
        "-color_trc",
        "bt709",
        "-colorspace",
        "bt709",
        "-color_range",
        "tv",
        str(out),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--frames", type=int, default=96)
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    frames = render(sample_clip(3), args.frames, h, w)
    if shutil.which("ffmpeg") is None:
        print(
            "ffmpeg is not installed: no comparison possible (install it, e.g. apt-get install "
            "ffmpeg)"
        )
        return
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):  # alternate so background load hits both alike
            t0 = time.perf_counter()
            write_video(frames, Path(tmp) / f"ours{r}.mp4", VideoSettings(fps=24, crf=18))
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            subprocess.run(
                ffmpeg_cmd(w, h, Path(tmp) / f"ff{r}.mp4"), input=frames.tobytes(), check=True
            )
            theirs.append(time.perf_counter() - t0)
    a, b = min(ours), min(theirs)
    print(f"{args.frames} frames {w}x{h}, libx264 CRF 18 preset medium (best of {args.repeats})")
    print(f"  lumiere write_video: {a:.2f} s ({args.frames / a:.1f} fps)")
    print(f"  ffmpeg CLI:          {b:.2f} s ({args.frames / b:.1f} fps)")
    print(f"  ratio ours/ffmpeg:   {a / b:.2f} (goal <= 1.2)")


if __name__ == "__main__":
    main()
