"""`lumiere-studio generate`: run one job from flags (or a job JSON file) and write the clip."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.jobs import TASK_LABELS, TASKS
from engine.tempfiles import explain_full_disk


def parse_size(text: str) -> tuple[int, int]:
    """'128x96' -> (width, height); '128' -> square."""
    try:
        if "x" in text.lower():
            w, h = text.lower().split("x", 1)
            return int(w), int(h)
        return int(text), int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 128x128, got {text!r}") from None


def add_arguments(p: argparse.ArgumentParser) -> None:
    tasks = ", ".join(f"{k} ({v})" for k, v in TASK_LABELS.items())
    p.add_argument("--task", choices=TASKS, default="t2v", help=f"what to make: {tasks}")
    p.add_argument("--prompt", default="", help="what the clip should show")
    p.add_argument("--negative", default="", help="what it should not show (negative prompt)")
    p.add_argument("--image", help="still image (i2v, cinemagraph)")
    p.add_argument("--video", help="source video (inpaint, v2v)")
    p.add_argument("--mask", help="mask PNG: white = the region to animate or replace")
    p.add_argument("--mask-from-frame", type=int, default=0,
                   help="inpaint: the mask applies from this frame on")  # fmt: skip
    p.add_argument("--start-frame", type=int, default=0, help="first frame of --video to use")
    p.add_argument(
        "--strength",
        type=float,
        default=0.6,
        help="v2v: how far to move from the source (0 = unchanged, 1 = ignore it)",
    )
    p.add_argument("--style", help="style name (see `lumiere-studio models`)")
    p.add_argument("--style-strength", type=float, default=1.0, help="style blend, 0..1")
    p.add_argument("--loop", action="store_true", help="cinemagraph: make the clip loop")
    p.add_argument("--frames", type=int,
                   help="frame count (default: the model's native length; longer clips are "
                   "sampled over overlapping temporal windows)")  # fmt: skip
    p.add_argument("--fps", type=int, help="frame rate of the written clip")
    p.add_argument("--size", type=parse_size,
                   help="WxH output size, any aspect (sampled in native-size tiles; larger than "
                   "native runs SSR). Default: the source clip's size (v2v), the still's aspect at "
                   "the SSR's size (i2v), the native size (t2v); a source of another aspect is "
                   "centre-cropped to it. Inpaint, cinemagraph: the input's size")  # fmt: skip
    p.add_argument("--steps", type=int, default=20, help="denoising steps (base model)")
    p.add_argument("--ssr-steps", type=int, default=6, help="denoising steps (SSR stage)")
    p.add_argument("--guidance", type=float, default=5.0, help="classifier-free guidance scale")
    p.add_argument("--sampler", choices=("dpm++2m", "ddim"), default="dpm++2m", help="solver")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same clip)")
    p.add_argument("--model", help="model folder or name (default: the bundled model)")
    p.add_argument("--device", default="auto", help="auto|cpu|cuda|mps")
    p.add_argument("--job", help="read the whole job from this JSON file (other flags ignored)")
    p.add_argument("--save-job", help="also write the job as JSON here")
    p.add_argument("--crf", type=int, default=18, help="H.264 quality (lower = better)")
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.add_argument("--out", required=True, help="PATH.mp4, PATH.mov, or DIR/ for PNG frames")


def job_from_args(args: argparse.Namespace):
    from engine.jobs import Job

    if args.job:
        return Job.from_json(Path(args.job).read_text())
    width, height = args.size if args.size else (None, None)
    return Job(
        task=args.task, prompt=args.prompt, negative_prompt=args.negative, image=args.image,
        video=args.video, mask=args.mask, mask_from_frame=args.mask_from_frame,
        video_start_frame=args.start_frame, frames=args.frames, fps=args.fps, width=width,
        height=height, steps=args.steps, guidance=args.guidance, seed=args.seed,
        strength=args.strength, style=args.style, style_strength=args.style_strength,
        sampler=args.sampler, ssr_steps=args.ssr_steps, loop=args.loop, model=args.model,
        device=args.device,
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from engine.checkpoints import ModelError
    from engine.commands.progress_bar import ProgressBar
    from engine.commands.sign_args import sign_options
    from engine.devices import DeviceUnavailable
    from engine.jobs import JobError
    from engine.media.encode import EncodeError
    from engine.outputs import check_target, save_result
    from engine.pipeline import Engine, EngineError
    from engine.text import TextEncoderNotFound

    try:
        job = job_from_args(args)
        job.validate()
        check_target(args.out, args.force)
        sign = sign_options(args)
        if args.save_job:
            from engine.checkpoints import atomic_write_text

            atomic_write_text(Path(args.save_job), job.to_json())
        bar = ProgressBar()
        result = Engine().run(job, on_progress=lambda p: bar.update(p.stage, p.step, p.total))
        path = save_result(result, args.out, force=args.force, crf=args.crf, sign=sign)
    except (JobError, ModelError, EngineError, EncodeError, DeviceUnavailable,
            TextEncoderNotFound, OSError, ValueError) as e:  # fmt: skip
        print(f"error: {explain_full_disk(e, Path(args.out).parent)}", file=sys.stderr)
        return 2
    t, h, w, _ = result.frames.shape
    for note in result.notes:
        print(f"note: {note}")
    print(f"wrote {path}: {t} frames, {w}x{h}, {result.fps} fps, {result.seconds:.1f} s "
          f"({result.model_name})")  # fmt: skip
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="generate or edit a clip and write it to --out")
    add_arguments(p)
    from engine.commands.sign_args import add_sign_arguments

    add_sign_arguments(p)
    p.set_defaults(func=run)
