"""`lumiere-studio batch`: render many jobs (a JSONL file, or one job swept over values) into a
folder, on local worker processes, with a resumable results log."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from engine.commands import fail

logger = logging.getLogger(__name__)

MAX_RAY_WORKERS = 1024  # actors on a cluster; each keeps a model loaded

if TYPE_CHECKING:
    from engine.batch.jobfile import BatchItem
    from engine.batch.runner import Pool


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("jobs", nargs="?", help="JSONL file: one job JSON object a line")
    p.add_argument("--out", required=True, help="output folder (results.jsonl is written there)")
    p.add_argument("--job", help="one job JSON file to sweep (with --sweep)")
    p.add_argument(
        "--sweep",
        action="append",
        default=[],
        metavar="FIELD=VALUES",
        help="vary a job field over values: seed=1..8, guidance=3,5,7; several "
        "--sweep flags give the product",
    )
    p.add_argument(
        "--workers",
        type=int,
        help="worker processes, each keeping its model loaded (default: 1; with --ray one "
        "actor per GPU, or per CPU on a cluster without GPUs)",
    )
    p.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="run on a Ray cluster: its address, `auto` (the running one) or `local` "
        '(start one here); needs pip install -e ".[cluster]"',
    )
    p.add_argument("--retries", type=int, default=1, help="retries of a failed job (default 1)")
    p.add_argument("--format", default="mp4", choices=("mp4", "mov"), help="output container")


def items_from_args(args: argparse.Namespace) -> list[BatchItem]:
    from engine.batch.jobfile import BatchError, plan, read_job_file, read_jobs
    from engine.batch.sweep import expand, sweep_size

    if args.jobs and args.job:
        raise BatchError("give either a JOBS.jsonl file or --job JOB.json, not both")
    if args.jobs:
        jobs = read_jobs(Path(args.jobs))
        if args.sweep:
            sweep_size(args.sweep, len(jobs))  # every job's variants together, counted first
            jobs = [variant for job in jobs for variant in expand(job, args.sweep)]
    elif args.job:
        jobs = expand(read_job_file(Path(args.job)), args.sweep)
    else:
        raise BatchError("give a JOBS.jsonl file, or --job JOB.json with --sweep FIELD=VALUES")
    return plan(jobs, args.format)


def check_arguments(args: argparse.Namespace) -> None:
    from engine.batch.jobfile import BatchError

    most = MAX_RAY_WORKERS if args.ray else (os.cpu_count() or 1)
    if args.workers is not None and not 1 <= args.workers <= most:
        where = "a Ray cluster" if args.ray else "this machine's CPU count"
        raise BatchError(f"--workers must be from 1 to {most} ({where}), got {args.workers}")
    if args.retries < 0:
        raise BatchError(f"--retries must be 0 or more, got {args.retries}")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise BatchError(f"--out {out} is a file; give a folder")
    if not out.parent.is_dir():
        raise BatchError(f"folder {out.parent} does not exist")


def check_writable(out: Path) -> None:
    """Make `out` (once the jobs are known to be good) and check it can be written, so a
    read-only place is one plain line before any job runs, not a traceback after one."""
    from engine.batch.jobfile import BatchError

    try:
        out.mkdir(exist_ok=True)
    except OSError as e:
        raise BatchError(f"--out {out} cannot be written: {e.strerror or e}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise BatchError(f"--out {out} cannot be written (permission denied)")


def make_pool(args: argparse.Namespace) -> Pool:
    if args.ray:
        from engine.batch.ray_pool import RayPool

        return RayPool(args.ray, args.workers)
    from engine.batch.local import make_local_pool

    return make_local_pool(args.workers or 1)


def run(args: argparse.Namespace) -> int:
    from engine.batch.jobfile import BatchError
    from engine.batch.runner import run_batch

    try:
        check_arguments(args)
        items = items_from_args(args)
        check_writable(Path(args.out))
        pool = make_pool(args)
    except (BatchError, OSError) as e:
        return fail(e)
    out = Path(args.out)
    logger.info("%d jobs -> %s/ on %d worker(s)", len(items), out, pool.workers)
    summary = run_batch(items, out, pool, retries=args.retries, say=logger.info)
    if summary.cancelled:
        logger.warning(
            "cancelled after %d new jobs; run the same command again to resume", summary.done
        )
    else:
        print(
            f"{summary.total} jobs: {summary.done} done, {summary.skipped} already done, "
            f"{summary.failed} failed in {summary.seconds:.1f} s; records in "
            f"{out / 'results.jsonl'}"
        )
    for failure in summary.failures:
        logger.error("failed: %s", failure)
    return summary.exit_code


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("batch", help="render many jobs (JSONL or a --sweep) into a folder")
    add_arguments(p)
    p.set_defaults(func=run)
