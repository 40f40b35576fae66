"""Out of memory on the CPU: the job fails with the plain message, the app keeps running, and
the memory is given back.

A child process plays the app's engine thread: it loads the bundled model through the
`EngineWorker` the app uses (one `Engine` kept for every job), runs a small job, then caps its
address space (RLIMIT_AS: what it has mapped now plus `--headroom` MiB) and runs, twice, a job
far too big for that (t2v at `--size`, `--frames`, 1 step), and then the small job again. It
prints each job's outcome, the failure message, and the resident memory (VmRSS) before the big
jobs, at the failure (the process's peak, VmHWM, which the failed job set) and after.
Usage: python bench/oom.py [--size 2048x2048] [--frames 64] [--headroom 1024]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def child(args: argparse.Namespace, out: multiprocessing.Queue) -> None:
    from engine.jobs import Job
    from lumiere_studio.services.engine_thread import EngineWorker

    worker = EngineWorker()  # called directly: its signals reach these lists at once
    outcomes: list[tuple[str, str]] = []
    worker.finished.connect(lambda i, result: outcomes.append(("finished", result.path)))
    worker.failed.connect(lambda i, message, result: outcomes.append(("failed", message)))
    worker.cancelled.connect(lambda i: outcomes.append(("cancelled", "")))
    width, height = (int(v) for v in args.size.split("x"))
    small = Job(prompt="a red ball", steps=1, ssr_steps=1, frames=8, seed=1)
    big = Job(
        prompt="a red ball",
        steps=1,
        ssr_steps=1,
        frames=args.frames,
        seed=1,
        width=width,
        height=height,
    )
    work = Path(tempfile.mkdtemp(prefix="lumiere-oom-"))
    report: dict = {"jobs": []}

    def run(name: str, job: Job) -> None:
        worker.run(len(outcomes), job.to_json(), str(work / f"{name}.mp4"), threading.Event())
        kind, text = outcomes[-1]
        report["jobs"].append(
            {"job": name, "outcome": kind, "message": text, "rss_mib": _status_kib("VmRSS") / 1024}
        )

    run("small (warm-up)", small)
    report["rss_before_mib"] = _status_kib("VmRSS") / 1024
    limit = (_status_kib("VmSize") + args.headroom * 1024) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
    report["limit_mib"] = limit / 2**20
    for n in (1, 2):
        run(f"{args.size} x {args.frames} frames #{n}", big)
    report["rss_peak_mib"] = _status_kib("VmHWM") / 1024
    run("small (after)", small)
    report["rss_after_mib"] = _status_kib("VmRSS") / 1024
    out.put(report)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="2048x2048")
    parser.add_argument("--frames", type=int, default=64)
    parser.add_argument("--headroom", type=int, default=1024, help="MiB over the warm process")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")  # a fresh process: no torch state shared
    queue = context.Queue()
    process = context.Process(target=child, args=(args, queue))
    process.start()
    report = queue.get(timeout=1800)
    process.join()
    for job in report["jobs"]:
        print(
            f"{job['job']:32s} {job['outcome']:9s} RSS {job['rss_mib']:7.0f} MiB  "
            f"{job['message'] if job['outcome'] == 'failed' else ''}"
        )
    print(
        f"address-space limit {report['limit_mib']:.0f} MiB; RSS before the big jobs "
        f"{report['rss_before_mib']:.0f} MiB, peak {report['rss_peak_mib']:.0f} MiB, after "
        f"{report['rss_after_mib']:.0f} MiB "
        f"({report['rss_after_mib'] - report['rss_before_mib']:+.0f} MiB)"
    )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
