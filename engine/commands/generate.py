"""`lumiere-studio generate`: run one job from flags (or a job JSON file) and write the clip."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import get_args, get_type_hints

from engine.errors import LumiereError
from engine.jobs import Job, cli_flags, job_fields, name_fields
from engine.tempfiles import explain_full_disk

logger = logging.getLogger(__name__)


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
    """The job's flags, from the job's own field table (engine/jobs.py), then the command's."""
    for f, spec in job_fields():
        if spec.flag is None or f.name == "height":  # --size sets width and height together
            continue
        kind = value_type(f.name)
        if f.name == "width":
            p.add_argument(spec.flag, type=parse_size, help=spec.help)
        elif kind is bool:
            p.add_argument(spec.flag, action="store_true", dest=f.name, help=spec.help)
        else:
            p.add_argument(
                spec.flag,
                type=kind,
                default=f.default,
                choices=spec.choices or None,
                dest=f.name,
                metavar=None if spec.choices else spec.flag[2:].upper().replace("-", "_"),
                help=spec.help,
            )
    p.add_argument("--job", help="read the whole job from this JSON file (other flags ignored)")
    p.add_argument("--save-job", help="also write the job as JSON here")
    p.add_argument("--crf", type=int, default=18, help="H.264 quality (lower = better)")
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.add_argument("--out", required=True, help="PATH.mp4, PATH.mov, or DIR/ for PNG frames")


def value_type(name: str) -> type:
    """The type a field's flag parses to: the field's type without None."""
    hint = get_type_hints(Job)[name]
    kinds = [k for k in get_args(hint) if k is not type(None)] or [hint]
    kind: type = kinds[0]
    return kind


def job_from_args(args: argparse.Namespace) -> Job:
    if args.job:
        return Job.from_json(Path(args.job).read_text())
    values = {
        f.name: getattr(args, f.name)
        for f, spec in job_fields()
        if spec.flag not in (None, "--size")
    }
    values["width"], values["height"] = args.size if args.size else (None, None)
    return Job(**values)


def run(args: argparse.Namespace) -> int:
    from engine.commands.progress_bar import ProgressBar
    from engine.commands.sign_args import sign_options
    from engine.outputs import check_target
    from engine.pipeline import Engine
    from engine.run import run_job

    try:
        job = job_from_args(args)
        job.validate()
        check_target(args.out, args.force)
        sign = sign_options(args)
        if args.save_job:
            from engine.checkpoints import atomic_write_text

            atomic_write_text(Path(args.save_job), job.to_json())
    except (LumiereError, OSError, ValueError) as e:  # every engine error explains itself
        return _refused(str(explain_full_disk(e, Path(args.out).parent)))
    bar = ProgressBar()
    # The one run path (engine/run.py), as the app's queue and batch workers take it; the
    # target was checked above, so the run may replace what it finds there.
    result = run_job(
        Engine(),
        job,
        args.out,  # as typed: a trailing slash asks for PNG frames
        on_progress=lambda p: bar.update(p.stage, p.step, p.total),
        sign=sign,
        crf=args.crf,
    )
    if not result.done:
        return _refused(result.error)
    for note in result.notes:
        logger.info("note: %s", note)
    print(
        f"wrote {result.path}: {result.frames} frames, {result.width}x{result.height}, "
        f"{result.fps} fps, {result.seconds:.1f} s ({result.model_name})"
    )
    return 0


def _refused(message: str) -> int:
    """The error line, with job fields named as their flags; exit status 2."""
    print(f"error: {name_fields(message, cli_flags())}", file=sys.stderr)
    return 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("generate", help="generate or edit a clip and write it to --out")
    add_arguments(p)
    from engine.commands.sign_args import add_sign_arguments

    add_sign_arguments(p)
    p.set_defaults(func=run)
