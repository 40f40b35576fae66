"""Does a base model use the direction word of its prompt? A probe far more sensitive than
generating and reading back clips: on rendered clips of translating objects, the v-prediction
loss with the caption's own direction word against the same caption with the opposite word
("moving left" -> "moving right"), same noise, at high noise levels (where only the prompt can
say where the object goes). Positive differences mean the right word helps; a model that
ignores the word gives 0 within the error. The colour word is probed the same way (a different
colour) as a reference.

With `--task i2v` the first frame is given, as in image-to-video: the start is then known, so
the direction word alone says where the object is in later frames, and an ideal model gains
far more from it than from a text-to-video prompt.

    python bench/direction_probe.py [--model DIR] [--clips 48] [--draws 2] [--task t2v|i2v]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from engine.checkpoints import find_model, load_stage, read_model_info
from engine.diffusion.schedule import CosineSchedule, add_noise, target
from engine.tasks.conditioning import image_to_video, text_to_video
from engine.text import TextEncoder, resolve_text_encoder
from engine.train.data import to_tensor
from engine.train.procedural import (
    COLOURS,
    MOTION_WORDS,
    ProceduralConfig,
    render,
    sample_clip,
)

OPPOSITE = {
    "left": "right",
    "right": "left",
    "up": "down",
    "down": "up",
    "up-left": "down-right",
    "down-right": "up-left",
    "up-right": "down-left",
    "down-left": "up-right",
}
NOISE_LEVELS = (0.8, 0.9, 0.97)


def captions(clips: int, size: int, frames: int):
    """Rendered clips of one translating object on a plain background and three captions each:
    right, opposite direction, other colour."""
    config = ProceduralConfig(translate_prob=1.0, two_object_prob=0.0, natural_prob=0.0)
    videos, right, opposite, recoloured = [], [], [], []
    for i in range(clips):
        spec = sample_clip(20_000_000 + i, config)
        obj = spec.main
        videos.append(to_tensor(render(spec, frames, size, size)))
        motion = MOTION_WORDS[obj.motion][0]
        right.append(f"a {obj.colour} {obj.shape} {motion}")
        opposite.append(f"a {obj.colour} {obj.shape} {MOTION_WORDS[OPPOSITE[obj.motion]][0]}")
        names = list(COLOURS)
        other = names[(names.index(obj.colour) + 4) % len(names)]
        recoloured.append(f"a {other} {obj.shape} {motion}")
    return torch.stack(videos), right, opposite, recoloured


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--model", default=None, help="model folder or name (default: bundled)")
    p.add_argument("--clips", type=int, default=48)
    p.add_argument("--draws", type=int, default=2, help="noise draws per clip and level")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--task", choices=("t2v", "i2v"), default="t2v")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    info = read_model_info(find_model(args.model))
    net = load_stage(info, info.base)
    text = TextEncoder(resolve_text_encoder(info.text_encoder, info.path))
    frames, size = info.native_frames, info.native_height
    schedule = CosineSchedule(info.base.schedule, size)
    x0, right, opposite, recoloured = captions(args.clips, size, frames)
    if args.task == "i2v":
        cond = torch.stack([image_to_video(clip[:, 0], frames).model_channels() for clip in x0])
    else:
        blank = text_to_video(frames, size, size).model_channels()
        cond = blank[None].expand(len(x0), -1, -1, -1, -1)
    embedded = [
        text.batch(c, torch.device("cpu"), torch.float32) for c in (right, opposite, recoloured)
    ]
    g = torch.Generator().manual_seed(0)
    print(
        f"{info.name} ({args.task}): {args.clips} clips x {args.draws} noise draws; "
        "loss(wrong word) - loss(right word): mean +- standard error, "
        "how often the right word wins"
    )
    for level in NOISE_LEVELS:
        logsnr = schedule.logsnr(torch.full((len(x0),), level))
        gaps: dict[str, list[np.ndarray]] = {"direction": [], "colour": []}
        for _ in range(args.draws):
            eps = torch.randn(x0.shape, generator=g)
            z = torch.cat([add_noise(x0, eps, logsnr), cond], dim=1)
            goal = target(info.base.schedule.prediction, x0, eps, logsnr)
            with torch.no_grad():
                losses = [
                    ((net(z, logsnr, *emb) - goal) ** 2).mean(dim=(1, 2, 3, 4)) for emb in embedded
                ]
            gaps["direction"].append((losses[1] - losses[0]).numpy())
            gaps["colour"].append((losses[2] - losses[0]).numpy())
        row = [f"t={level:.2f}"]
        for word, parts in gaps.items():
            d = np.concatenate(parts)
            err = d.std() / np.sqrt(len(d))
            row.append(
                f"{word} {d.mean() * 1e4:+7.2f} +- {err * 1e4:.2f} e-4 (wins {np.mean(d > 0):.0%})"
            )
        print("  ".join(row), flush=True)


if __name__ == "__main__":
    main()
