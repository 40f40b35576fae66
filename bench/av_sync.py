"""Picture and sound in sync from import to export, on sequences of another rate.

Synthetic sources flash white and beep (1 kHz, 0.1 s) once a second, the beep starting exactly
when the flash frame does (so each source is in sync by construction): a 29.97 fps clip as long
as the run (10 minutes by default), and 24, 25, 60 and 29.97 fps clips of a minute, trimmed at
the head, with a still between them. Each timeline is exported, on a 25 and a 29.97 sequence,
to H.264 and ProRes; the export is decoded and every flash onset (first bright frame) is paired
with its beep onset (first loud sample). Printed: the largest |beep - flash| in sequence
frames, the drift of the long clip (mean offset over its last minute minus its first), and the
exported video and audio length against the timeline's. Targets: offset <= 1 frame, length
within 1 frame.

Run: nice -n 15 python bench/av_sync.py [--minutes 10] [--size 64x36]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from fractions import Fraction
from math import ceil
from pathlib import Path

import numpy as np

from engine.export.run import export_timeline
from engine.media.audio import AudioClip
from engine.media.encode import VideoSettings, write_video
from engine.timebase import nearest, rate_label, rate_text
from engine.timeline import Timeline, TimelineClip

AUDIO_RATE = 48000
BEEP_S = 0.1
NTSC = Fraction(30000, 1001)


def flash_frames(rate: Fraction, seconds: int) -> list[int]:
    """The source frame nearest to each whole second (1, 2, ...): the frame that flashes."""
    return [nearest(n * rate) for n in range(1, seconds)]


def make_source(path: Path, rate: Fraction, seconds: int, size: tuple[int, int]) -> None:
    """Dark frames, white at each flash frame (held for 0.1 s so that no sequence rate can skip
    it); a beep starts at each flash frame's time, to the sample."""
    w, h = size
    count = nearest(seconds * rate)
    flashes = flash_frames(rate, seconds)
    hold = max(1, ceil(BEEP_S * rate))
    lit = np.zeros(count, bool)
    for k in flashes:
        lit[k : k + hold] = True
    dark, white = np.full((h, w, 3), 16, np.uint8), np.full((h, w, 3), 235, np.uint8)
    sound = np.zeros(nearest(Fraction(count) / rate * AUDIO_RATE), np.float32)
    beep = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(int(BEEP_S * AUDIO_RATE)) / AUDIO_RATE)
    for k in flashes:
        at = nearest(Fraction(k) / rate * AUDIO_RATE)
        sound[at : at + len(beep)] = beep[: len(sound) - at]
    audio = AudioClip(sound[None], AUDIO_RATE, "mono")
    write_video(
        (white if lit[i] else dark for i in range(count)),
        path,
        VideoSettings(fps=rate, audio=audio, preset="ultrafast"),
    )


def timelines(folder: Path, minutes: int, size: tuple[int, int]) -> dict[str, list]:
    """name -> clips as (media, rate or None, source_in, seconds shown, source seconds) in
    order on one track."""
    long_s = 60 * minutes
    make_source(folder / "long_2997.mp4", NTSC, long_s, size)
    mixed = []
    for label, rate in (
        ("24", Fraction(24)),
        ("25", Fraction(25)),
        ("60", Fraction(60)),
        ("2997", NTSC),
    ):
        make_source(folder / f"clip_{label}.mov", rate, 61, size)
        mixed.append((f"clip_{label}.mov", rate, 7, 60, 61))  # 7 frames trimmed at the head
        if label == "25":
            from PIL import Image

            Image.new("RGB", size, (40, 40, 90)).save(folder / "still.png")
            mixed.append(("still.png", None, 0, 10, 0))
    long = [("long_2997.mp4", NTSC, 0, long_s - 1, long_s)]
    return {f"{minutes} min 29.97": long, "mixed": mixed}


def build(clips: list, rate: Fraction, size: tuple[int, int]) -> Timeline:
    tl = Timeline(rate=rate, width=size[0], height=size[1], settled=True)
    at = 0
    for media, src, source_in, seconds, _ in clips:
        frames = nearest(seconds * rate)
        clip = TimelineClip(media, source_in, frames, at, rate_text(src) if src else "", name=media)
        tl.tracks[0].clips.append(clip)
        at += frames
    return tl


def expected_flashes(clips: list, sequence: Fraction) -> int:
    """Flashes that some sequence frame shows: the first sequence frame whose nearest source
    frame is the flash frame k or later, offset x, has x * rate / sequence >= k - 1/2."""
    count = 0
    for _media, rate, source_in, seconds, source_s in clips:
        if rate is not None:
            frames = nearest(seconds * sequence)
            for k in flash_frames(rate, source_s):
                first = ceil((Fraction(k - source_in) - Fraction(1, 2)) * sequence / rate)
                count += 0 <= first < frames
    return count


def onsets(values: np.ndarray, threshold: float, gap: int) -> list[int]:
    """Indices where `values` first rise above threshold after at least `gap` below it."""
    above = np.flatnonzero(values > threshold)
    out, last = [], -(10**12)
    for i in above:
        if i - last > gap:
            out.append(int(i))
        last = i
    return out


def measure(path: Path, rate: Fraction) -> dict:
    import av

    with av.open(str(path)) as c:
        means = np.array([f.to_ndarray(format="gray").mean() for f in c.decode(video=0)])
    with av.open(str(path)) as c:
        t0, chunks = None, []
        for frame in c.decode(audio=0):
            if t0 is None:
                t0 = frame.time or 0.0
            data = frame.to_ndarray()  # planar: (channels, n); packed: (1, n * channels)
            first = data[0] if frame.format.is_planar else data.reshape(frame.samples, -1)[:, 0]
            chunks.append(first.astype(np.float32) / (2**31 if data.dtype == np.int32 else 1))
        audio_rate = c.streams.audio[0].rate
    sound = np.concatenate(chunks)
    flashes = [i / rate for i in onsets(means, 128, 1)]
    beeps = [t0 + i / audio_rate for i in onsets(np.abs(sound), 0.1, audio_rate // 2)]
    offsets = []
    for f in flashes:
        b = min(beeps, key=lambda b: abs(b - float(f)))
        offsets.append((float(f), (b - float(f)) * float(rate)))
    return {
        "frames": len(means),
        "audio_s": len(sound) / audio_rate,
        "offsets": offsets,
        "beeps": len(beeps),
    }


def drift(offsets: list[tuple[float, float]]) -> float:
    end = offsets[-1][0]
    first = [o for t, o in offsets if t < 60] or [0.0]
    last = [o for t, o in offsets if t > end - 60] or [0.0]
    return float(np.mean(last) - np.mean(first))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=int, default=10, help="length of the long 29.97 clip")
    ap.add_argument("--size", default="64x36", help="frame size of sources and sequences")
    args = ap.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    folder = Path(tempfile.mkdtemp(prefix="av-sync-"))
    t = time.perf_counter()
    cuts = timelines(folder, args.minutes, size)
    print(f"sources made in {time.perf_counter() - t:.0f} s ({folder})")
    head = (
        f"{'sequence':>8} {'format':>6} {'timeline':>13} {'flashes':>7} {'max |off|':>9} "
        f"{'drift':>6} {'frames':>13} {'audio - video':>13} {'s':>4}"
    )
    print(head)
    print("-" * len(head))
    worst_off = worst_len = 0.0
    for rate in (Fraction(25), NTSC):
        for fmt, suffix in (("h264", ".mp4"), ("prores", ".mov")):
            for name, clips in cuts.items():
                tl = build(clips, rate, size)
                t = time.perf_counter()
                out = export_timeline(tl, folder, fmt, folder / f"out{suffix}", force=True)
                m = measure(out, rate)
                expected = expected_flashes(clips, rate)
                offsets = [o for _, o in m["offsets"]]
                off = max(abs(o) for o in offsets)
                drifts = f"{drift(m['offsets']):+.2f}f"
                av_gap = (m["audio_s"] - m["frames"] / float(rate)) * float(rate)
                worst_off = max(worst_off, off)
                worst_len = max(worst_len, abs(m["frames"] - tl.duration), abs(av_gap))
                print(
                    f"{rate_label(rate):>8} {fmt:>6} {name:>13} {len(offsets):>3}/{expected:<3}"
                    f"{off:>8.2f}f {drifts if len(clips) == 1 else '-':>6} "
                    f"{m['frames']:>6}/{tl.duration:<6} {av_gap:>+12.2f}f "
                    f"{time.perf_counter() - t:>4.0f}"
                )
    print(
        f"worst flash-beep offset {worst_off:.2f} frames (target <= 1); worst length error "
        f"{worst_len:.2f} frames (target <= 1)"
    )


if __name__ == "__main__":
    main()
