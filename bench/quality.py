"""Measured quality of a model: prompt adherence on held-out prompts, temporal consistency,
image-to-video fidelity, speed; and a contact sheet.

    python bench/quality.py [--model lumiere-mini] [--prompts 100] [--steps 20]
        [--sheet docs/contact_sheet.png] [--json quality.json]

1. The detector (engine/train/detector.py) is first proven on rendered ground truth.
2. The model generates one clip per held-out prompt (colour/shape/motion triples it never saw
   in training, half of them worded with words and patterns the training grammar never uses);
   the detector reads colour and direction back. Baselines: chance, and the same detections
   scored against a shuffled assignment of prompts.
3. Temporal consistency: mean absolute frame-to-frame change of the generated clips against
   the ground-truth clips for the same prompts, and how far the object travels.
4. I2V: PSNR of output frame 0 against the given still (before encoding).
5. Speed: 16-frame text-to-video at the base size plus SSR, model load included, median of 5.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from engine.jobs import Job
from engine.pipeline import Engine
from engine.train.detector import detect
from engine.train.procedural import (
    COLOURS,
    DIRECTIONS,
    ProceduralConfig,
    evaluation_prompts,
    render,
    sample_clip,
)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def detector_on_ground_truth(n: int, frames: int, size: int) -> dict:
    cfg = ProceduralConfig(natural_prob=0.0)
    colour = direction = moving = shape = 0
    for i in range(n):
        spec = sample_clip(9_000_000 + i, cfg)
        d = detect(render(spec, frames, size, size))
        colour += d.colour == spec.main.colour
        shape += d.shape == spec.main.shape
        if spec.main.motion in DIRECTIONS:
            moving += 1
            direction += d.direction == spec.main.motion
    held = evaluation_prompts(100)
    held_ok = sum(
        (d := detect(render(s, frames, size, size))).colour == s.main.colour
        and d.direction == s.main.motion
        for _, s in held
    )
    return {
        "clips": n,
        "colour": colour / n,
        "direction": direction / max(moving, 1),
        "shape": shape / n,
        "held_out_clips_both_right": held_ok / len(held),
    }


def frame_change(video: np.ndarray) -> float:
    return float(np.abs(np.diff(video.astype(np.float32), axis=0)).mean())


def adherence(
    engine: Engine, model: str | None, count: int, steps: int, guidance: float, prompt_seed: int = 7
):
    prompts = evaluation_prompts(count, seed=prompt_seed)
    rows, clips = [], []
    for i, (prompt, spec) in enumerate(prompts):
        result = engine.run(Job(prompt=prompt, seed=i, steps=steps, guidance=guidance, model=model))
        video = result.frames
        truth = render(spec, *video.shape[:3])
        d = detect(video)
        rows.append(
            {
                "prompt": prompt,
                "paraphrase": i % 2 == 1,
                "colour": spec.main.colour,
                "motion": spec.main.motion,
                "got_colour": d.colour,
                "got_direction": d.direction,
                "travel": d.travel,
                "truth_travel": detect(truth).travel,
                "change": frame_change(video),
                "truth_change": frame_change(truth),
            }
        )
        clips.append((prompt, video))
        print(f"  {i + 1}/{count} {prompt!r}: {d.colour} {d.direction}", file=sys.stderr)
    return rows, clips


def score(rows: list[dict]) -> dict:
    n = len(rows)
    colour = sum(r["got_colour"] == r["colour"] for r in rows) / n
    direction = sum(r["got_direction"] == r["motion"] for r in rows) / n
    # Shuffled prompts: the same clips scored against another prompt's truth (a rotation
    # by a third of the list keeps every pair different).
    k = max(1, n // 3)
    shuffled = [(r, rows[(i + k) % n]) for i, r in enumerate(rows)]
    sh_colour = sum(r["got_colour"] == o["colour"] for r, o in shuffled) / n
    sh_direction = sum(r["got_direction"] == o["motion"] for r, o in shuffled) / n
    para = [r for r in rows if r["paraphrase"]]
    return {
        "prompts": n,
        "colour": colour,
        "direction": direction,
        "colour_paraphrased": sum(r["got_colour"] == r["colour"] for r in para) / max(len(para), 1),
        "direction_paraphrased": sum(r["got_direction"] == r["motion"] for r in para)
        / max(len(para), 1),
        "chance_colour": 1 / len(COLOURS),
        "chance_direction": 1 / len(DIRECTIONS),
        "shuffled_colour": sh_colour,
        "shuffled_direction": sh_direction,
        "frame_change_generated": statistics.mean(r["change"] for r in rows),
        "frame_change_truth": statistics.mean(r["truth_change"] for r in rows),
        "travel_generated": statistics.mean(r["travel"] for r in rows),
        "travel_truth": statistics.mean(r["truth_travel"] for r in rows),
    }


def image_to_video_psnr(engine: Engine, model: str | None, count: int, steps: int) -> dict:
    from engine.media.encode import write_png_sequence

    values: list[float] = []
    own: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (prompt, spec) in enumerate(evaluation_prompts(count, seed=11)):
            info = engine.load(model, "auto").info
            still = render(spec, 1, info.native_height, info.native_width)
            folder = write_png_sequence(still, Path(tmp) / f"s{i}")
            image = next(folder.iterdir())
            out = engine.run(
                Job(
                    task="i2v",
                    image=str(image),
                    prompt=prompt,
                    seed=i,
                    steps=steps,
                    model=model,
                    width=info.native_width,
                    height=info.native_height,
                )
            )
            values.append(psnr(out.frames[0], still[0]))
            # The pipeline puts the still itself in frame 0; what the model made there on its
            # own is reported in a note and is the figure that measures the model.
            own.extend(
                float(n.split(": ")[1].split()[0])
                for n in out.notes
                if n.startswith("model's own frame 0")
            )
    return {
        "clips": count,
        "psnr_frame0_output": statistics.mean(values),
        "psnr_frame0_model_mean": statistics.mean(own) if own else None,
        "psnr_frame0_model_min": min(own) if own else None,
    }


def speed(model: str | None, steps: int, runs: int = 5) -> dict:
    """Fresh Engine per run: loading the model and the text encoder is included."""
    times = []
    for i in range(runs):
        t0 = time.perf_counter()
        engine = Engine()
        info = engine.load(model, "auto").info
        size = info.native_width * info.ssr_scale
        result = engine.run(
            Job(
                prompt="a red circle moving left",
                seed=i,
                steps=steps,
                width=size,
                height=size,
                model=model,
            )
        )
        times.append(time.perf_counter() - t0)
    t, h, w, _ = result.frames.shape
    return {
        "runs": runs,
        "frames": t,
        "size": f"{w}x{h}",
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
    }


def contact_sheet(
    clips: list[tuple[str, np.ndarray]], path: Path, columns: int = 8, scale: int = 3
) -> Path:
    """A labelled PNG grid: one row per clip, `columns` frames spread over the clip."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter

    app = QGuiApplication.instance() or QGuiApplication(["sheet", "-platform", "offscreen"])
    t, h, w, _ = clips[0][1].shape
    cell_w, cell_h, label_h, pad = w * scale, h * scale, 18, 4
    sheet = QImage(
        columns * (cell_w + pad) + pad,
        len(clips) * (cell_h + label_h + pad) + pad,
        QImage.Format.Format_RGB888,
    )
    sheet.fill(QColor(24, 24, 28))
    painter = QPainter(sheet)
    painter.setFont(QFont("Sans", 9))
    painter.setPen(QColor(230, 230, 230))
    for row, (prompt, video) in enumerate(clips):
        y = pad + row * (cell_h + label_h + pad)
        painter.drawText(
            pad, y, sheet.width() - 2 * pad, label_h, int(Qt.AlignmentFlag.AlignVCenter), prompt
        )
        for col, f in enumerate(np.linspace(0, len(video) - 1, columns).round().astype(int)):
            frame = np.ascontiguousarray(np.repeat(np.repeat(video[f], scale, 0), scale, 1))
            img = QImage(
                frame.data,
                frame.shape[1],
                frame.shape[0],
                frame.shape[1] * 3,
                QImage.Format.Format_RGB888,
            )
            painter.drawImage(pad + col * (cell_w + pad), y + label_h, img)
    painter.end()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    if not sheet.save(str(tmp)):
        raise OSError(f"could not write {path}")
    tmp.replace(path)
    del app
    return path


def main() -> None:
    p = argparse.ArgumentParser(description="Measured quality of a Lumiere Studio model")
    p.add_argument("--model", default=None, help="model folder or name (default: bundled)")
    p.add_argument("--prompts", type=int, default=100)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument(
        "--prompt-seed",
        type=int,
        default=7,
        help="another draw of held-out prompts (README figures: 7)",
    )
    p.add_argument("--guidance", type=float, default=5.0)
    p.add_argument("--i2v", type=int, default=20, help="clips for the I2V PSNR check")
    p.add_argument("--speed-runs", type=int, default=5)
    p.add_argument("--sheet", default="docs/contact_sheet.png")
    p.add_argument("--sheet-rows", type=int, default=10)
    p.add_argument("--json", default=None, help="also write all figures here")
    p.add_argument("--skip", nargs="*", default=[], choices=["detector", "i2v", "speed"])
    args = p.parse_args()

    figures: dict = {}
    engine = Engine()
    info = engine.load(args.model, "auto").info
    print(f"model: {info.summary()}")
    if "detector" not in args.skip:
        figures["detector"] = detector_on_ground_truth(500, info.native_frames, info.native_width)
        print("detector on ground-truth clips:", json.dumps(figures["detector"]))
    rows, clips = adherence(
        engine, args.model, args.prompts, args.steps, args.guidance, args.prompt_seed
    )
    figures["adherence"] = score(rows)
    a = figures["adherence"]
    print(f"held-out prompts: {a['prompts']}, {args.steps} steps, guidance {args.guidance}")
    print(f"{'':<22}{'colour':>8}{'direction':>11}")
    print(f"{'model':<22}{a['colour']:>8.0%}{a['direction']:>11.0%}")
    print(
        f"{'  paraphrased half':<22}{a['colour_paraphrased']:>8.0%}"
        f"{a['direction_paraphrased']:>11.0%}"
    )
    print(f"{'shuffled prompts':<22}{a['shuffled_colour']:>8.0%}{a['shuffled_direction']:>11.0%}")
    print(f"{'chance':<22}{a['chance_colour']:>8.0%}{a['chance_direction']:>11.0%}")
    print(
        f"frame-to-frame change: generated {a['frame_change_generated']:.2f}, "
        f"ground truth {a['frame_change_truth']:.2f} (mean |dRGB| per pixel)"
    )
    print(
        f"object travel: generated {a['travel_generated']:.2f}, "
        f"ground truth {a['travel_truth']:.2f} (fraction of the frame)"
    )
    if args.sheet:
        sheet = contact_sheet(clips[: args.sheet_rows], Path(args.sheet))
        print(f"contact sheet: {sheet}")
    if "i2v" not in args.skip and args.i2v:
        figures["i2v"] = image_to_video_psnr(engine, args.model, args.i2v, args.steps)
        print("image-to-video:", json.dumps(figures["i2v"]))
    if "speed" not in args.skip and args.speed_runs:
        figures["speed"] = speed(args.model, args.steps, args.speed_runs)
        print("speed (t2v + SSR, load included):", json.dumps(figures["speed"]))
    if args.json:
        Path(args.json).write_text(json.dumps({"figures": figures, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
