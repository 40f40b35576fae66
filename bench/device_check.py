"""Generation on an accelerator against the CPU, for a machine with a GPU:

- speed: 16-frame text-to-video at the base size plus SSR with a fresh engine each run (model
  and text encoder load included, as bench/quality.py measures on the CPU), then with the
  model loaded once (the app's case) at 16 and 64 frames, base size and SSR size;
- every task (t2v + SSR, a long clip, i2v, a looping cinemagraph, inpainting, v2v, a style)
  run on the device and on the CPU with the same job: PSNR of the device's uint8 frames
  against the CPU's float32 ones (bf16 / fp16 autocast changes the numbers, not the picture),
  and the cinemagraph's change outside its painted region (0: the still is kept exactly);
- a sheet of each task's first 8 frames, device row above CPU row, to look at.

    python bench/device_check.py --device cuda --json gpu_check.json --sheet gpu_tasks.png
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
import torch
from PIL import Image
from testkit.media import write_lossless_video

from engine.devices import pick_device
from engine.jobs import Job
from engine.pipeline import Engine
from engine.train.procedural import render, sample_clip

PROMPT = "a red circle moving left"


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b.astype(np.float64)) ** 2).mean())
    return float("inf") if mse == 0 else 10 * float(np.log10(255**2 / mse))


def timed_runs(run, device: torch.device, runs: int) -> list[float]:
    times = []
    for i in range(runs):
        synchronize(device)
        t0 = time.perf_counter()
        run(i)
        synchronize(device)
        times.append(time.perf_counter() - t0)
    return times


def speed(model: str | None, device: torch.device, runs: int) -> dict:
    def cold(seed: int) -> None:
        Engine().run(
            Job(prompt=PROMPT, seed=seed, width=128, height=128, model=model, device=str(device))
        )

    # The first run also pays for the device's own start (CUDA context, kernels): shown apart.
    first = timed_runs(cold, device, 1)[0]
    times = timed_runs(cold, device, runs)
    out = {
        "first_run_s": first,
        "cold_median_s": statistics.median(times),
        "cold_min_s": min(times),
        "cold_max_s": max(times),
    }
    engine = Engine()
    for frames in (16, 64):
        for size in (None, 128):
            job = Job(
                prompt=PROMPT,
                frames=frames,
                width=size,
                height=size,
                model=model,
                device=str(device),
            )
            engine.run(job)

            def warm(seed: int, job: Job = job) -> None:
                job.seed = seed
                engine.run(job)

            label = f"warm_{frames}f_{'ssr_128px' if size else 'base_size'}_median_s"
            out[label] = statistics.median(timed_runs(warm, device, runs))
    if device.type == "cuda":
        out["peak_gpu_mib"] = torch.cuda.max_memory_allocated(device) / 2**20
    return out


def task_jobs(folder: Path, model: str | None) -> tuple[dict[str, Job], np.ndarray]:
    """The jobs, and the painted region (bool (H, W)) of the masked ones."""
    clip = render(sample_clip(3), 16, 32, 32)
    Image.fromarray(clip[0]).save(folder / "still.png")
    region = np.zeros((32, 32), bool)
    region[8:24, 8:24] = True
    Image.fromarray(np.where(region, 255, 0).astype(np.uint8)).save(folder / "mask.png")
    video = write_lossless_video(folder / "clip.mkv", clip, fps=8)
    still, mask = str(folder / "still.png"), str(folder / "mask.png")
    jobs = {
        "t2v_ssr": Job(prompt="a blue square moving up", width=128, height=128, seed=1),
        "t2v_long_40_frames": Job(prompt="a green star moving right", frames=40, seed=2),
        "i2v": Job(task="i2v", prompt="a shape moving right", image=still, seed=3),
        "cinemagraph_loop": Job(
            task="cinemagraph", prompt="water ripples", image=still, mask=mask, loop=True, seed=4
        ),
        "inpaint": Job(
            task="inpaint", prompt="a yellow circle", video=str(video), mask=mask, seed=5
        ),
        "v2v": Job(task="v2v", prompt="a red triangle moving down", video=str(video), seed=6),
        "style_watercolour": Job(
            prompt="a purple circle moving left", style="watercolour", style_strength=0.7, seed=7
        ),
    }
    for job in jobs.values():
        job.model = model
    return jobs, region


def with_device(job: Job, device: torch.device) -> Job:
    return Job.from_dict({**job.to_dict(), "device": str(device)})


def tasks(model: str | None, device: torch.device, sheet: Path | None) -> dict:
    on_device, on_cpu = Engine(), Engine()
    out, rows = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        jobs, region = task_jobs(Path(tmp), model)
        for name, job in jobs.items():
            t0 = time.perf_counter()
            got = on_device.run(with_device(job, device)).frames
            device_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            ref = on_cpu.run(with_device(job, torch.device("cpu"))).frames
            out[name] = {
                "frames": list(got.shape),
                "device_s": device_s,
                "cpu_s": time.perf_counter() - t0,
                "psnr_vs_cpu_db": psnr(got, ref),
                "max_abs_diff": int(np.abs(got.astype(int) - ref.astype(int)).max()),
            }
            if job.task == "cinemagraph":
                change = np.abs(np.diff(got.astype(np.float32), axis=0))[:, ~region]
                out[name]["change_outside_region"] = float(change.mean())
            for frames in (got, ref):
                tiles = [
                    Image.fromarray(f).resize((64, 64), Image.Resampling.NEAREST)
                    for f in frames[:8]
                ]
                rows.append(np.concatenate([np.asarray(t) for t in tiles], axis=1))
            print(f"  {name}: {json.dumps(out[name])}", file=sys.stderr)
    if sheet is not None:
        Image.fromarray(np.concatenate(rows, axis=0)).save(sheet)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default=None)
    p.add_argument("--device", default="auto", help="the device to check (cuda, mps, cpu)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--sheet", type=Path, default=None)
    args = p.parse_args()

    device = pick_device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else device.type
    figures = {
        "device": name,
        "torch": torch.__version__,
        "speed": speed(args.model, device, args.runs),
    }
    print("speed:", json.dumps(figures["speed"]))
    figures["tasks"] = tasks(args.model, device, args.sheet)
    worst = min(t["psnr_vs_cpu_db"] for t in figures["tasks"].values())
    print(f"tasks on {name} vs the CPU: worst PSNR {worst:.1f} dB")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
