"""`lumiere-studio train` and `lumiere-studio export-model`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from engine.commands import fail
from engine.commands.log_setup import progress_shown
from engine.train.style_transforms import STYLE_TRANSFORMS


def add_train_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stage", choices=("base", "ssr"), default="base", help="which model to train")
    p.add_argument("--out", required=True, help="run folder (checkpoints; resumes if present)")
    p.add_argument("--steps", type=int, default=2000, help="total optimiser steps")
    p.add_argument("--batch-size", type=int, default=8, help="clips per step per process")
    p.add_argument("--lr", type=float, default=3e-4, help="peak learning rate")
    p.add_argument("--frames", type=int, default=16, help="frames per training clip")
    p.add_argument("--size", type=int, default=32, help="frame size (high-res size for ssr)")
    p.add_argument("--crop", type=int, default=None, help="ssr: train on random crops")
    p.add_argument("--ssr-scale", type=int, default=4, help="ssr: upsampling factor")
    p.add_argument("--device", default="auto", help="auto|cpu|cuda|mps")
    p.add_argument("--seed", type=int, default=0, help="data and init seed")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch default)")
    p.add_argument("--save-every", type=int, default=250, help="checkpoint interval (steps)")
    p.add_argument("--max-minutes", type=float, default=None, help="stop (and save) after this")
    p.add_argument("--model-json", default=None, help="JSON of STUNet config overrides")
    p.add_argument("--init-weights", default=None, help="safetensors to start from")
    p.add_argument(
        "--trainable",
        choices=("all", "spatial"),
        default="all",
        help="spatial: fine-tune image layers only (styles)",
    )
    p.add_argument(
        "--style",
        default=None,
        choices=sorted(STYLE_TRANSFORMS),
        help="style transform of the training data",
    )
    p.add_argument(
        "--noise-bias",
        type=float,
        default=0.0,
        help="favour noisy steps, t = u^(1/(1+b)); motion is learnt there",
    )
    p.add_argument(
        "--translate-prob",
        type=float,
        default=None,
        help="share of clips whose object translates (default 0.6)",
    )
    p.add_argument(
        "--i2v-share",
        type=float,
        default=None,
        help="share of image-to-video examples (default 0.15)",
    )
    p.add_argument(
        "--i2v-motion-captions",
        type=float,
        default=0.0,
        help="share of image-to-video examples captioned with the motion only, "
        "so the colour comes from the still (default 0)",
    )
    p.add_argument(
        "--wide-colours",
        action="store_true",
        help="name colours with more words in captions (8 a colour, not 3)",
    )
    p.add_argument(
        "--data-workers",
        type=int,
        default=0,
        help="processes making batches ahead (for GPUs; same batches)",
    )
    p.add_argument(
        "--natural-share",
        type=float,
        default=0.0,
        help="share of clips from the natural source: procedural landscapes, "
        "textures and photos in motion (default 0: shapes only)",
    )
    p.add_argument(
        "--photos", default=None, help="folder of real photos and clips for the natural source"
    )
    p.add_argument(
        "--photo-share",
        type=float,
        default=0.4,
        help="share of natural clips made from --photos pictures",
    )
    p.add_argument(
        "--clip-share",
        type=float,
        default=0.1,
        help="share of natural clips cut from --photos clips",
    )
    p.add_argument(
        "--hold-out",
        action="store_true",
        help="never train on the evaluation's held-out combinations",
    )


# What a wrong argument or a missing file raises while a run is set up or exported: the user's
# to fix, so a one-line message rather than a traceback.
SETUP_ERRORS = (ValueError, TypeError, OSError, RuntimeError)


def _model_overrides(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        overrides = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"--model-json is not valid JSON ({e})") from None
    if not isinstance(overrides, dict):
        raise ValueError(f"--model-json must be a JSON object, got {text!r}")
    return overrides


def run_train(args: argparse.Namespace) -> int:
    from engine.checkpoints import ModelError
    from engine.train.loop import TrainConfig, Trainer
    from engine.train.procedural import held_out_combinations

    try:
        config = TrainConfig(
            out=args.out,
            stage=args.stage,
            steps=args.steps,
            batch_size=args.batch_size,
            lr=args.lr,
            frames=args.frames,
            size=args.size,
            crop=args.crop,
            ssr_scale=args.ssr_scale,
            device=args.device,
            seed=args.seed,
            threads=args.threads,
            save_every=args.save_every,
            model=_model_overrides(args.model_json),
            init_weights=args.init_weights,
            trainable=args.trainable,
            style=args.style,
            noise_bias=args.noise_bias,
            translate_prob=args.translate_prob,
            i2v_share=args.i2v_share,
            i2v_motion_captions=args.i2v_motion_captions,
            wide_colours=args.wide_colours,
            data_workers=args.data_workers,
            natural_share=args.natural_share,
            photos=args.photos,
            photo_share=args.photo_share,
            clip_share=args.clip_share,
            held_out=[list(t) for t in held_out_combinations()] if args.hold_out else [],
        )
        trainer = Trainer(config)
    except (*SETUP_ERRORS, ModelError) as e:
        return fail(e)
    try:
        trainer.train(
            max_seconds=args.max_minutes * 60 if args.max_minutes else None,
            show_progress=progress_shown(),
        )
    finally:
        trainer.close()
    return 0


def run_export(args: argparse.Namespace) -> int:
    from engine.checkpoints import ModelError
    from engine.train.export import export_model

    try:
        out = export_model(
            Path(args.base),
            Path(args.out),
            args.name,
            ssr_run=Path(args.ssr) if args.ssr else None,
            fps=args.fps,
            description=args.description,
            reproduce=args.reproduce,
        )
    except (*SETUP_ERRORS, ModelError) as e:
        return fail(e)
    print(f"wrote model folder {out}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("train", help="train a base or SSR model (single process or torchrun)")
    add_train_arguments(p)
    p.set_defaults(func=run_train)
    e = sub.add_parser("export-model", help="make a model folder from training runs")
    e.add_argument("--base", required=True, help="base model run folder")
    e.add_argument("--ssr", default=None, help="SSR model run folder")
    e.add_argument("--out", required=True, help="model folder to write")
    e.add_argument("--name", required=True, help="model name")
    e.add_argument("--fps", type=int, default=8, help="native frame rate")
    e.add_argument("--description", default="", help="one line about the model")
    e.add_argument("--reproduce", default="", help="the commands that made it")
    e.set_defaults(func=run_export)
    add_export_style_arguments(
        sub.add_parser("export-style", help="add a style fine-tune to a model folder")
    )


def add_export_style_arguments(p: argparse.ArgumentParser) -> None:
    """The `export-style` sub-command's flags."""
    p.add_argument("--run", required=True, help="style fine-tune run folder")
    p.add_argument("--model", required=True, help="model folder whose base it fine-tuned")
    p.add_argument("--name", default=None, help="style name (default: the run's --style)")
    p.set_defaults(func=run_export_style)


def run_export_style(args: argparse.Namespace) -> int:
    from engine.checkpoints import ModelError
    from engine.train.export_style import export_style

    try:
        path = export_style(Path(args.run), Path(args.model), args.name)
    except ModelError as e:
        return fail(e)
    print(f"wrote style {path} (registered in {args.model}/config.json)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.train")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
