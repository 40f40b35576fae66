"""STUNet against the same network with no temporal resizing (full frame rate at every level):
FLOPs and CPU time for one denoising step, measured side by side in one run.

    python bench/stunet_cost.py [--frames 16] [--size 32] [--repeats 5]

Same widths, same blocks, same input; the only difference is `temporal_down`. The process
allocates memory as the engine does (`engine.cpu_allocator`) unless --default-allocator is given.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from engine.checkpoints import ModelError, find_model, read_model_info
from engine.cpu_allocator import keep_freed_memory
from engine.model.stunet import STUNet, STUNetConfig
from engine.train.loop import default_model_config


def flops(model: STUNet, inputs) -> int:
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        model(*inputs)
    return counter.get_total_flops()


def bundled_base_config() -> STUNetConfig:
    """The shipped base model's shape (the trainer's default when no model is installed)."""
    try:
        return read_model_info(find_model(None)).base.config
    except (ModelError, OSError):
        return default_model_config("base")


def inputs_for(cfg: STUNetConfig, batch: int, frames: int, size: int):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(batch, cfg.in_channels, frames, size, size, generator=g)
    text = torch.randn(batch, 32, cfg.context_dim, generator=g)
    return x, torch.zeros(batch), text, torch.ones(batch, 32), text.mean(1)


def timed(models: dict[str, STUNet], inputs, repeats: int) -> dict[str, float]:
    """Median seconds per forward; the models alternate so both see the same machine load."""
    times: dict[str, list[float]] = {k: [] for k in models}
    with torch.inference_mode():
        for m in models.values():
            m(*inputs)  # warm-up
        for _ in range(repeats):
            for name, m in models.items():
                t0 = time.perf_counter()
                m(*inputs)
                times[name].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def compare(base: STUNetConfig, frames: int, size: int, batch: int, repeats: int) -> list[str]:
    flat = STUNetConfig.from_dict(
        {**base.to_dict(), "temporal_down": [False] * len(base.temporal_down)}
    )
    torch.manual_seed(0)
    models = {"STUNet": STUNet(base).eval(), "no temporal resizing": STUNet(flat).eval()}
    inputs = inputs_for(base, batch, frames, size)
    f = {k: flops(m, inputs) for k, m in models.items()}
    t = timed(models, inputs, repeats)
    rows = [
        f"{frames} frames at {size}x{size}, batch {batch}, channels {list(base.channels)}, "
        f"temporal_down {list(base.temporal_down)}"
    ]
    rows.append(f"{'network':<22}{'GFLOPs':>10}{'CPU ms':>10}")
    for k in models:
        rows.append(f"{k:<22}{f[k] / 1e9:>10.2f}{t[k] * 1e3:>10.1f}")
    a, b = "STUNet", "no temporal resizing"
    rows.append(f"{'ratio':<22}{f[a] / f[b]:>10.3f}{t[a] / t[b]:>10.3f}")
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=16)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--batch", type=int, default=2, help="2 = one guided (CFG) step")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument(
        "--default-allocator",
        action="store_true",
        help="glibc's default malloc behaviour, not the engine's",
    )
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    kept = False if args.default_allocator else keep_freed_memory()
    print(
        f"allocator: {'freed memory kept (as the engine runs)' if kept else 'glibc default'}, "
        f"{torch.get_num_threads()} threads\n"
    )
    print("bundled base configuration:")
    print(
        "\n".join(compare(bundled_base_config(), args.frames, args.size, args.batch, args.repeats))
    )
    deeper = STUNetConfig(channels=(32, 64, 128, 256), temporal_down=(True, True, True))
    print("\nfour-level configuration (a larger checkpoint's shape):")
    print("\n".join(compare(deeper, args.frames, args.size, args.batch, args.repeats)))


if __name__ == "__main__":
    main()
