"""Time to show a random frame of a 1080p H.264 clip with a keyframe every 250 frames, side by
side in one run:

- plain PyAV: open, seek, decode at full size (what a naive viewer does);
- FrameReader on the original (index, keyframe seek, cache, decode scaled to the viewer), with
  the codec's frame threading and without;
- the proxy path: the intra-only MJPEG proxy (<= 960 px) that the app builds after import, read
  through a FrameReader: what the viewer shows while scrubbing and playing.

Also reports the proxy build time and size and the PSNR of proxy frames against the original
decoded at the same size. Prints median and p95 in milliseconds.

    python bench/seek.py [--frames 500] [--samples 40]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
from testkit.media import make_clip

from engine.media.decode import FrameReader
from engine.media.proxy import ensure_proxy

VIEW = (960, 540)


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


def timed(fn: Callable[[int], object], frames: list[int]) -> list[float]:
    out = []
    for n in frames:
        t = time.perf_counter()
        fn(n)
        out.append((time.perf_counter() - t) * 1000)
    return out


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255**2 / mse))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=500)
    ap.add_argument("--samples", type=int, default=40)
    ap.add_argument("--clip", type=Path, help="reuse this 1080p clip instead of making one")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = args.clip or make_clip(
            Path(tmp) / "hd.mp4", frames=args.frames, size=(1920, 1080), fps=25, gop=250
        )
        rng = random.Random(0)
        with FrameReader(clip) as r:
            count = r.frame_count
            gop = max(b - a for a, b in zip(r.keyframes, r.keyframes[1:] + [count], strict=True))
        targets = [rng.randrange(count) for _ in range(args.samples)]
        plain_seek(clip, 0, 25)  # warm up the codec libraries once
        rows: dict[str, list[float]] = {}
        rows["plain PyAV seek+decode, full size"] = timed(
            lambda n: plain_seek(clip, n, 25), targets
        )
        for threads, label in (("AUTO", "frame threads"), ("NONE", "one thread")):
            with FrameReader(clip, size=VIEW, cache_bytes=1, thread_type=threads) as r:
                rows[f"FrameReader original, cold, {label}"] = timed(r.frame, targets)

        t = time.perf_counter()
        proxy, _ = ensure_proxy(clip, Path(tmp) / "proxies")
        build_s = time.perf_counter() - t
        with FrameReader(proxy, cache_bytes=1) as r:
            rows["proxy (FrameReader on proxy), cold"] = timed(r.frame, targets)
        with FrameReader(proxy) as r:
            start = count // 5
            r.frame(start)
            play = list(range(start + 1, min(count, start + 61)))
            rows["proxy, sequential (playback)"] = timed(r.frame, play)
        with FrameReader(proxy) as p, FrameReader(clip, size=VIEW) as o:
            quality = [psnr(p.frame(n), o.frame(n)) for n in sorted(targets[:8])]

        cores = os.cpu_count()
        print(
            f"1080p H.264, {count} frames, longest GOP {gop}, {args.samples} random frames, "
            f"{cores} CPU cores"
        )
        print(f"{'case':44s} {'median ms':>10s} {'p95 ms':>8s}")
        for label, v in rows.items():
            print(f"{label:44s} {statistics.median(v):10.1f} {pct(v, 0.95):8.1f}")
        size_mb = proxy.stat().st_size / 1e6
        print(
            f"proxy build: {build_s:.1f} s for {count} frames ({build_s / count * 1000:.1f} ms "
            f"per frame), {size_mb:.1f} MB, {VIEW[0]}x{VIEW[1]} MJPEG"
        )
        print(
            f"proxy vs original at {VIEW[0]}x{VIEW[1]}: PSNR min {min(quality):.1f} dB, "
            f"mean {statistics.mean(quality):.1f} dB"
        )
        plain = statistics.median(rows["plain PyAV seek+decode, full size"])
        fast = statistics.median(rows["proxy (FrameReader on proxy), cold"])
        print(
            f"random frame, proxy vs plain: x{plain / fast:.0f} faster; goal median <= 40 ms: "
            f"{'met' if fast <= 40 else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
