"""Time to read one second of sound from deep inside a long AAC source, side by side in one run:
`read_audio` (seeks to just before the stretch and stops after it) against decoding from the
start and slicing (what it did before, and what a clip cut late in a long take paid for every
export). Also checks the two give the same samples.

    python bench/audio_seek.py [--minutes 10] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from engine.media.audio import AudioClip, read_audio
from engine.media.encode import VideoSettings, write_video

RATE = 48000


def make_source(path: Path, minutes: float) -> None:
    n = int(minutes * 60 * RATE)
    t = np.arange(n, dtype=np.float64) / RATE
    tone = (0.3 * np.sin(2 * np.pi * 330 * t) * (0.5 + 0.5 * np.sin(t))).astype(np.float32)
    frames = np.zeros((int(minutes * 60), 16, 16, 3), np.uint8)  # 1 fps keeps the video small
    audio = AudioClip(np.stack([tone, tone]), RATE, "stereo")
    write_video(frames, path, VideoSettings(fps=1, audio=audio))


def median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "long.mp4"
        make_source(src, args.minutes)
        start = args.minutes * 60 * 0.8  # a clip cut late in the take
        first = int(round(start * RATE))
        seek = read_audio(src, start, 1.0)
        whole = read_audio(src, 0.0, start + 1.0)
        diff = float(np.abs(seek.samples - whole.samples[:, first : first + RATE]).max())
        seek_ms = median_ms(lambda: read_audio(src, start, 1.0), args.repeats)
        whole_ms = median_ms(lambda: read_audio(src, 0.0, start + 1.0), args.repeats)
    print(
        f"1 s of AAC at {start:.0f} s into a {args.minutes:g}-minute source, "
        f"median of {args.repeats}:"
    )
    print(f"  seek and stop: {seek_ms:8.1f} ms")
    print(f"  from the start: {whole_ms:7.1f} ms")
    print(f"  ratio {seek_ms / whole_ms:.3f}; largest sample difference {diff:.2e}")


if __name__ == "__main__":
    main()
