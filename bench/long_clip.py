"""Long clips with temporal MultiDiffusion: peak memory and time per frame against clip length.

Each frame count runs in a fresh subprocess so peaks do not mix. On the CPU the figure is the
growth of the resident set while sampling (polled every 2 ms) over the resident set after the
model and text encoder are loaded, with large blocks mapped and unmapped directly (see
`child_env`) so that it follows live memory; on CUDA it is torch's peak allocation during sampling.

    python bench/long_clip.py                     # bundled model, or an untrained 16x32x32 one
    python bench/long_clip.py --model DIR --frames 16 32 64 128 --steps 4 --device cuda
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

GOAL = 1.2  # the 128-frame peak may be at most this multiple of the 16-frame peak


def _rss_bytes() -> int:
    with Path("/proc/self/statm").open() as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure(model: str, frames: int, steps: int, device: str) -> dict:
    """Runs in the child process: one t2v job of `frames` frames."""
    import torch

    from engine.jobs import Job
    from engine.pipeline import Engine

    engine = Engine()
    job = Job(
        model=model,
        frames=frames,
        steps=steps,
        guidance=5.0,
        device=device,
        prompt="a red ball bouncing",
    )
    loaded = engine.load(job.model, job.device)
    cuda = loaded.device.type == "cuda"
    engine.run(Job(model=model, steps=1, device=device))  # warm-up: allocator, kernels
    peak = [0]
    stop = threading.Event()
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
    else:
        before = _rss_bytes()

        def poll() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], _rss_bytes())
                time.sleep(0.002)

        threading.Thread(target=poll, daemon=True).start()
    t0 = time.perf_counter()
    result = engine.run(job)
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    stop.set()
    grown = (torch.cuda.max_memory_allocated() if cuda else max(peak[0], _rss_bytes())) - before
    return {
        "frames": frames,
        "device": str(loaded.device),
        "peak_mib": grown / 2**20,
        "seconds": seconds,
        "s_per_frame": seconds / frames,
        "shape": list(result.frames.shape),
    }


def child_env() -> dict[str, str]:
    """A fixed glibc mmap threshold: blocks of 64 KiB and more are mapped on allocation and
    unmapped on free, so the resident set follows live memory instead of whatever the
    allocator's heap happened to keep from earlier (which made the CPU figures swing by
    tens of MiB from run to run)."""
    return {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}


def default_model() -> str:
    from engine.checkpoints import ModelError, find_model

    try:
        return str(find_model(None))
    except ModelError:
        from engine.train.export import write_untrained_model
        from engine.train.loop import default_model_config

        out = Path(tempfile.mkdtemp(prefix="long_clip_")) / "untrained"
        write_untrained_model(
            out, "untrained-16x32", default_model_config("base").to_dict(), frames=16, size=32
        )
        return str(out)


def _child(model: str, frames: int, steps: int, device: str, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--model",
            model,
            "--child",
            str(frames),
            "--steps",
            str(steps),
            "--device",
            device,
        ],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=None, help="model folder (default: bundled or untrained)")
    p.add_argument("--frames", type=int, nargs="+", default=[16, 32, 64, 128])
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--device", default="cpu")
    p.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.model, args.child, args.steps, args.device)))
        return 0
    model = args.model or default_model()
    print(f"model {model}, {args.steps} steps, guidance 5 (prompt + negative batch)")
    rows = []
    for n in args.frames:
        # Memory from a child with the mmap allocator setting, time from one without it (the
        # setting makes every large allocation a page-faulting mmap, which slows the CPU).
        row = _child(model, n, args.steps, args.device, child_env())
        row["seconds"] = _child(model, n, args.steps, args.device, dict(os.environ))["seconds"]
        row["s_per_frame"] = row["seconds"] / n
        rows.append(row)
        ms = row["s_per_frame"] * 1000
        print(
            f"{n:4d} frames  peak +{row['peak_mib']:7.1f} MiB  {row['seconds']:7.1f} s  "
            f"{ms:7.1f} ms/frame  ({row['device']})",
            flush=True,
        )
    first, last = rows[0], rows[-1]
    ratio = last["peak_mib"] / max(first["peak_mib"], 1e-9)
    verdict = "meets" if ratio <= GOAL else "misses"
    print(
        f"peak {last['frames']} / {first['frames']} frames: {ratio:.2f}x "
        f"({verdict} the goal of <= {GOAL}x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
