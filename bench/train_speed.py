"""Where a training step's time goes: each part timed on its own, side by side in one run.

Parts of one step at the given batch size: making the batch in this process, the wait for one
made ahead by worker processes (`--data-workers`; near zero when they keep up), encoding the
captions (fresh ones, as in training), the model's noising + forward + backward + optimiser
step, the EMA update; then whole steps of the trainer with the same workers. The slowest part
bounds the step rate: on a GPU the data and the captions have to keep up with the model.

    python bench/train_speed.py                         # the bundled base's shape, this CPU
    python bench/train_speed.py --device cuda --batch-size 128 --workers 14
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable

import torch

from engine.checkpoints import find_model, read_model_info
from engine.train.loop import TrainConfig, Trainer
from engine.train.prefetch import PrefetchedBatches


def timed(fn: Callable[[], object], runs: int, device: torch.device) -> float:
    """Median milliseconds of `runs` calls (after one warm-up), the device synchronised."""

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    fn()
    times = []
    for _ in range(runs):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default=None, help="model folder whose base shape to use")
    p.add_argument("--device", default="auto")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--workers", type=int, default=2, help="data worker processes")
    p.add_argument("--runs", type=int, default=5, help="timed repeats of each part")
    p.add_argument("--threads", type=int, default=0)
    args = p.parse_args()

    info = read_model_info(find_model(args.model))
    model = {k: v for k, v in info.base.config.to_dict().items() if k != "extra"}
    with tempfile.TemporaryDirectory() as out:
        config = TrainConfig(
            out=out,
            steps=10_000,
            batch_size=args.batch_size,
            frames=info.native_frames,
            size=info.native_width,
            model=model,
            device=args.device,
            threads=args.threads,
            wide_colours=True,
            noise_bias=1.0,
        )
        trainer = Trainer(config)
        device, source = trainer.device, trainer.batches
        assert not isinstance(source, PrefetchedBatches)
        starts = iter(range(0, 10**9, args.batch_size))
        parts: dict[str, float] = {}
        parts["batch, this process"] = timed(
            lambda: source.batch_at(next(starts)), args.runs, device
        )
        ahead = PrefetchedBatches(source, args.workers)
        try:
            for _ in range(2 * args.workers):  # let the pool start and fill
                next(ahead)
            per_batch = timed(lambda: next(ahead), 4 * args.runs, device)
        finally:
            ahead.close()
        parts[f"batch wait, {args.workers} workers"] = per_batch
        batch = next(source)
        captions = iter([next(source).captions for _ in range(args.runs + 1)])
        parts["captions"] = timed(
            lambda: trainer.text.batch(next(captions), device, torch.float32), args.runs, device
        )
        x0, cond = batch.video.to(device), batch.cond.to(device)
        text = trainer.text.batch(batch.captions, device, torch.float32)
        parts["model step"] = timed(lambda: trainer.optimise(x0, cond, text), args.runs, device)
        parts["EMA"] = timed(trainer.update_ema, args.runs, device)
        trainer.close()

        config.data_workers = args.workers
        whole = Trainer(config)
        try:
            parts[f"whole step, {args.workers} workers"] = timed(
                whole.train_step, 2 * args.runs, device
            )
        finally:
            whole.close()

    print(
        f"{device}, batch {args.batch_size}, {info.native_frames}x{info.native_height}x"
        f"{info.native_width}, ms per step (median of {args.runs}):"
    )
    for name, ms in parts.items():
        print(f"  {name:24s} {ms:9.1f}")
    whole_ms = parts[f"whole step, {args.workers} workers"]
    print(f"  -> {1000 / whole_ms:.2f} step/s, {args.batch_size * 1000 / whole_ms:.0f} clips/s")
    print(json.dumps({k: round(v, 2) for k, v in parts.items()}))


if __name__ == "__main__":
    main()
