"""Content Credentials figures: every file the program writes carries a C2PA manifest that
c2pa-python's reader reports valid; one flipped media byte makes `detect` report the mismatch
(exit 3); and what signing costs.

Writes, for each of N seeds: generated clips (MP4, MOV, PNG folder) through engine.outputs,
and a project (a real clip, an inpaint of it, a text-to-video clip) exported to every format
(H.264, ProRes 422 HQ, ProRes 4444 with alpha, PNG sequence) and as a single clip (an OTIO
export references the original media, which carry their own credentials). Each written
MP4/MOV/PNG is read with c2pa.Reader; then one byte inside the media data (the MP4/MOV `mdat`
box, a PNG's `IDAT` chunk) is flipped in a copy and the copy is given to `detect`.
Run: python bench/provenance.py [--seeds 5] [--size 128]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import numpy as np

from engine.detection import TAMPERED, gather
from engine.export.run import export_clip, export_project
from engine.jobs import Job
from engine.media.credentials import read_credentials
from engine.media.encode import write_video
from engine.outputs import save_result
from engine.pipeline import Result
from engine.timeline import Timeline, TimelineClip, Track
from engine.train.procedural import render, sample_clip


def signed_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix == ".png")
    return [path]


def flip_media_byte(path: Path, seed: int) -> None:
    data = bytearray(path.read_bytes())
    box = data.find(b"IDAT") if path.suffix == ".png" else data.find(b"mdat")
    size = int.from_bytes(data[box - 4 : box], "big")
    rng = np.random.default_rng(seed)
    i = box + 8 + int(rng.integers(0, max(1, min(size - 16, len(data) - box - 9))))
    data[i] ^= 1 << int(rng.integers(0, 8))
    path.write_bytes(bytes(data))


def project(folder: Path, seed: int, size: int) -> Path:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    real = write_video(render(sample_clip(500 + seed), 12, size, size), folder / "real.mp4")
    mask = np.zeros((12, size, size), np.uint8)
    mask[:, size // 4 : size // 2, size // 4 : size // 2] = 255
    frames = render(sample_clip(700 + seed), 12, size, size)
    job = Job(task="inpaint", prompt="a red ball", seed=seed, video=str(real))
    save_result(
        Result(frames, 24, job, "tiny", "ab" * 32, 0.1, [], mask, str(real)), folder / "inpaint.mp4"
    )
    job = Job(prompt="a blue square", seed=int(rng.integers(1000)))
    t2v = Result(render(sample_clip(900 + seed), 8, size, size), 24, job, "tiny", "ab" * 32, 0.1)
    save_result(t2v, folder / "t2v.mov")
    tl = Timeline(
        rate=Fraction(24),
        width=size,
        height=size,
        tracks=[
            Track(
                clips=[
                    TimelineClip("real.mp4", 0, 6, 0, "24"),
                    TimelineClip("inpaint.mp4", 0, 8, 6, "24", generated=True, edited_real=True),
                    TimelineClip("t2v.mov", 0, 8, 14, "24", generated=True),
                ]
            )
        ],
    )
    (folder / "project.lumiere.json").write_text(json.dumps({"timeline": tl.to_dict()}))
    return folder


def outputs(tmp: Path, seed: int, size: int) -> dict[str, Path]:
    out: dict[str, Path] = {}
    r = Result(
        render(sample_clip(seed), 8, size, size),
        24,
        Job(prompt="a green cat", seed=seed),
        "tiny",
        "ab" * 32,
        0.1,
    )
    for kind, name in (
        ("generated mp4", "g.mp4"),
        ("generated mov", "g.mov"),
        ("generated png", "g_frames"),
    ):
        out[kind] = save_result(r, tmp / name)
    proj = project(tmp / "proj", seed, size)
    for fmt, suffix in (("h264", ".mp4"), ("prores", ".mov"), ("prores4444", ".mov"), ("png", "")):
        alpha = {"alpha": "mask"} if fmt == "prores4444" else {}
        out[f"export {fmt}"] = export_project(proj, fmt, tmp / f"cut_{fmt}{suffix}", **alpha)
    out["export one clip h264"] = export_clip(proj / "inpaint.mp4", "h264", tmp / "one.mp4")
    return out


def signing_cost(size: int) -> None:
    from engine.media.credentials import Claim, sign_file
    from engine.media.provenance import GENERATED, Provenance
    from engine.media.signing import default_identity

    ident = default_identity()
    claim = Claim("x", Provenance(GENERATED, "tiny", "ab" * 32, prompt="p", seed=1))
    with tempfile.TemporaryDirectory() as d:
        frames = render(sample_clip(1), 48, size, size)
        for name in ("clip.mp4", "clip.mov"):
            path = write_video(frames, Path(d) / name)
            t0 = time.perf_counter()
            sign_file(path, claim, ident)
            ms = 1000 * (time.perf_counter() - t0)
            print(
                f"  signing a 48-frame {size}x{size} {name[-3:].upper()} "
                f"({path.stat().st_size / 1e6:.2f} MB): {ms:.0f} ms"
            )
        t0 = time.perf_counter()
        folder = write_video(frames[:16], Path(d) / "seq")
        print(
            f"  writing one {size}x{size} PNG frame (for scale): "
            f"{1000 * (time.perf_counter() - t0) / 16:.1f} ms"
        )
        pngs = sorted(folder.iterdir())
        t0 = time.perf_counter()
        for p in pngs:
            sign_file(p, claim, ident)
        per = (time.perf_counter() - t0) / len(pngs)
        print(f"  signing one {size}x{size} PNG frame: {1000 * per:.1f} ms ({len(pngs)} frames)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--cost-only", action="store_true")
    args = ap.parse_args()
    if args.cost_only:
        signing_cost(512)
        return
    valid: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    tampered: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    t0 = time.monotonic()
    for seed in range(args.seeds):
        with tempfile.TemporaryDirectory() as d:
            for kind, path in outputs(Path(d), seed, args.size).items():
                for f in signed_files(path):
                    creds = read_credentials(f)
                    valid[kind][0] += creds is not None and creds.state == "valid"
                    valid[kind][1] += 1
                copy = Path(d) / f"flipped_{kind.replace(' ', '_')}"
                src = path
                if src.is_dir():
                    shutil.copytree(src, copy)
                    target = sorted(copy.iterdir())[seed % len(list(copy.iterdir()))]
                else:
                    copy = copy.with_suffix(src.suffix)
                    shutil.copy(src, copy)
                    target = copy
                flip_media_byte(target, seed)
                tampered[kind][0] += gather(copy).code == TAMPERED
                tampered[kind][1] += 1
    print(f"Content Credentials over {args.seeds} seeds at {args.size}x{args.size}:")
    print(f"  {'written as':<24} {'manifest valid':>16} {'one byte flipped -> exit 3':>28}")
    for kind in valid:
        (v, n), (t, m) = valid[kind], tampered[kind]
        print(f"  {kind:<24} {v:>5}/{n:<4} {100 * v / n:5.1f}% {t:>12}/{m:<3} {100 * t / m:5.1f}%")
    tv, tn = sum(v for v, _ in valid.values()), sum(n for _, n in valid.values())
    xv, xn = sum(v for v, _ in tampered.values()), sum(n for _, n in tampered.values())
    pv_, px_ = 100 * tv / tn, 100 * xv / xn
    print(f"  {'all':<24} {tv:>5}/{tn:<4} {pv_:5.1f}% {xv:>12}/{xn:<3} {px_:5.1f}%")
    print("cost:")
    signing_cost(512)
    print(f"({time.monotonic() - t0:.0f} s)")


if __name__ == "__main__":
    main()
