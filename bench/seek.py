"""Time to show a random frame of a 1080p H.264 clip with a keyframe every 250 frames:
FrameReader (index, keyframe seek, cache, scaled decode for a viewer-sized picture) against a
plain PyAV seek + decode at full size. Prints median and p95 of each, side by side.

    python bench/seek.py [--frames 500] [--samples 40]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import av
import numpy as np

from engine.media.decode import FrameReader
from lumiere_studio.testing import make_clip


def plain_seek(path: Path, n: int, fps: int) -> np.ndarray:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        target = int(n / fps / s.time_base)
        c.seek(target, stream=s, backward=True)
        for frame in c.decode(s):
            if frame.pts >= target:
                return frame.to_ndarray(format="rgb24")
    raise RuntimeError("frame not found")


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=500)
    ap.add_argument("--samples", type=int, default=40)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_clip(Path(tmp) / "hd.mp4", frames=args.frames, size=(1920, 1080), fps=25,
                         gop=250)  # fmt: skip
        rng = random.Random(0)
        targets = [rng.randrange(args.frames) for _ in range(args.samples)]
        # A scrub: random jumps plus the neighbouring frames a person steps to afterwards.
        scrub = [t + d for t in targets[: args.samples // 4] for d in (0, 1, 2, -1)]
        scrub = [max(0, min(args.frames - 1, t)) for t in scrub]
        plain_seek(clip, 0, 25)  # warm up the codec libraries once
        times = {"plain": [], "reader_random": [], "reader_scrub": [], "reader_play": []}
        for n in targets:
            t = time.perf_counter()
            plain_seek(clip, n, 25)
            times["plain"].append(time.perf_counter() - t)
        with FrameReader(clip, size=(960, 540)) as r:
            for n in targets:
                t = time.perf_counter()
                r.frame(n)
                times["reader_random"].append(time.perf_counter() - t)
        with FrameReader(clip, size=(960, 540)) as r:
            for n in scrub:
                t = time.perf_counter()
                r.frame(n)
                times["reader_scrub"].append(time.perf_counter() - t)
        with FrameReader(clip, size=(960, 540)) as r:
            r.frame(100)
            for n in range(101, 161):
                t = time.perf_counter()
                r.frame(n)
                times["reader_play"].append(time.perf_counter() - t)
        print(f"1080p H.264, {args.frames} frames, keyframe every 250, {args.samples} samples")
        print(f"{'case':44s} {'median ms':>10s} {'p95 ms':>8s}")
        labels = {
            "plain": "plain PyAV seek+decode (random frame)",
            "reader_random": "FrameReader random frame (cold)",
            "reader_scrub": "FrameReader scrub (jump, then +1,+2,-1)",
            "reader_play": "FrameReader sequential (playback)",
        }
        for key, label in labels.items():
            v = [x * 1000 for x in times[key]]
            print(f"{label:44s} {statistics.median(v):10.1f} {pct(v, 0.95):8.1f}")
        ratio = statistics.median(times["plain"]) / statistics.median(times["reader_random"])
        print(f"random-frame speed-up over plain: x{ratio:.2f}")


if __name__ == "__main__":
    main()
