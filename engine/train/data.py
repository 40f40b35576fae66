"""Training batches: procedural clips (or a folder of captioned clips), each an example of a task
drawn by its share (the example itself is the task's own: `Task.training_example` in
engine/tasks/kinds/), so one checkpoint learns text-to-video, image-to-video, inpainting and
cinemagraphs; and low-resolution inputs for the super-resolution stage."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from engine.tasks.conditioning import Conditioning
from engine.tasks.registry import task_for
from engine.train.natural_source import NaturalSource
from engine.train.procedural import ProceduralConfig, motion_caption, render, sample_clip

# Share of each task among training examples (the rest is text-to-video).
TASK_MIX = {"i2v": 0.15, "inpaint": 0.1, "cinemagraph": 0.1}
# The natural data serves what users do with real footage: animate a photo (image-to-video,
# cinemagraphs) and fill a region; its region tasks use the moving layer as the mask.
NATURAL_TASK_MIX = {"i2v": 0.3, "inpaint": 0.2, "cinemagraph": 0.3}
REST_TASK = "t2v"  # what the examples the shares leave are


def to_tensor(video: np.ndarray) -> torch.Tensor:
    """uint8 (T, H, W, 3) to float (3, T, H, W) in [-1, 1]."""
    return torch.from_numpy(video).permute(3, 0, 1, 2).float() / 127.5 - 1.0


def random_blob(h: int, w: int, rng: np.random.Generator) -> torch.Tensor:
    """A random soft-free ellipse union, (1, H, W) in {0, 1}, covering 10-50% of the frame."""
    yy, xx = np.mgrid[0:h, 0:w] / np.array([h, w])[:, None, None]
    region = np.zeros((h, w), bool)
    for _ in range(int(rng.integers(1, 3))):
        cy, cx = rng.uniform(0.2, 0.8, size=2)
        ry, rx = rng.uniform(0.15, 0.4, size=2)
        region |= ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
    return torch.from_numpy(region[None].astype(np.float32))


def task_mix(i2v_share: float | None = None) -> dict[str, float]:
    """TASK_MIX with another image-to-video share (None keeps the default). Image-to-video
    examples give the start of the motion, so there the direction word alone says where the
    object goes next: the clearest lesson in motion the data offers."""
    mix = dict(TASK_MIX)
    if i2v_share is not None:
        mix["i2v"] = i2v_share
    if any(v < 0 for v in mix.values()) or sum(mix.values()) > 1.0:
        raise ValueError(f"task shares must be >= 0 and sum to at most 1, got {mix}")
    return mix


def draw_example(
    video: torch.Tensor,
    shares: dict[str, float],
    region: Callable[[], torch.Tensor],
    rng: np.random.Generator,
) -> tuple[str, torch.Tensor, Conditioning]:
    """Pick a task by `shares` (in their order; the rest is REST_TASK) and return (task,
    target video, conditioning) from its own training example; `region()` draws its mask."""
    u = rng.uniform()
    for name, share in shares.items():
        if u < share:
            return name, *task_for(name).training_example(video, region)
        u -= share
    return REST_TASK, *task_for(REST_TASK).training_example(video, region)


def task_example(
    video: torch.Tensor, rng: np.random.Generator, mix: dict[str, float] = TASK_MIX
) -> tuple[str, torch.Tensor, Conditioning]:
    """Pick a task by the shares in `mix`; return (task, target video, conditioning). A task
    that needs a mask gets a random blob."""
    _, _, h, w = video.shape
    return draw_example(video, mix, lambda: random_blob(h, w, rng), rng)


def natural_task_example(
    video: torch.Tensor,
    region: np.ndarray | None,
    rng: np.random.Generator,
    mix: dict[str, float] = NATURAL_TASK_MIX,
) -> tuple[str, torch.Tensor, Conditioning]:
    """Like task_example for a natural clip: a task's mask is the moving layer's region when
    the clip has one. Without one, a task that needs the moving layer itself (a cinemagraph:
    a camera move has no region to animate alone) gives its share to the task it names."""
    _, _, h, w = video.shape
    shares = dict(mix)
    if region is None:
        for name in mix:
            stand_in = task_for(name).without_moving_layer
            if stand_in is not None:
                shares[stand_in] = shares.get(stand_in, 0.0) + shares.pop(name)
    moving = None if region is None else torch.from_numpy(region[None] * 1.0).float()

    def mask() -> torch.Tensor:
        return random_blob(h, w, rng) if moving is None else moving

    return draw_example(video, shares, mask, rng)


@dataclass
class Batch:
    video: torch.Tensor  # (B, 3, T, H, W) target
    cond: torch.Tensor  # (B, C, T, H, W) extra input channels
    captions: list[str]


def downsample_video(video: torch.Tensor, factor: int) -> torch.Tensor:
    """Area-downsample (B, 3, T, H, W) in space by an integer factor."""
    b, c, t, h, w = video.shape
    frames = video.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)
    small = F.avg_pool2d(frames, factor)
    return small.reshape(b, t, c, h // factor, w // factor).permute(0, 2, 1, 3, 4)


def upsample_video(video: torch.Tensor, factor: int) -> torch.Tensor:
    """Bilinear upsampling in space of (B, 3, T, H, W)."""
    b, c, t, h, w = video.shape
    frames = video.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)
    big = F.interpolate(frames, scale_factor=factor, mode="bilinear", align_corners=False)
    return big.reshape(b, t, c, h * factor, w * factor).permute(0, 2, 1, 3, 4)


class ProceduralBatches:
    """Infinite batches. `rank`/`world` split the seed stream so DDP replicas see different
    clips; `style` maps a uint8 video to its stylised version (style fine-tuning)."""

    def __init__(
        self,
        stage: str,
        batch_size: int,
        frames: int,
        size: int,
        seed: int = 0,
        rank: int = 0,
        world: int = 1,
        ssr_scale: int = 4,
        crop: int | None = None,
        procedural: ProceduralConfig | None = None,
        style: Callable[[np.ndarray], np.ndarray] | None = None,
        mix: dict[str, float] = TASK_MIX,
        motion_captions: float = 0.0,
        natural: NaturalSource | None = None,
        natural_share: float = 0.0,
    ):
        if stage not in ("base", "ssr"):
            raise ValueError(f"stage must be 'base' or 'ssr', got {stage!r}")
        self.stage, self.batch_size, self.frames, self.size = stage, batch_size, frames, size
        self.seed, self.rank, self.world = seed, rank, world
        self.ssr_scale, self.crop = ssr_scale, crop
        self.procedural = procedural or ProceduralConfig()
        self.style = style
        self.mix = mix
        if not 0.0 <= motion_captions <= 1.0:
            raise ValueError(f"motion caption share must be in [0, 1], got {motion_captions}")
        # Share of image-to-video examples captioned with the motion only (motion_caption).
        self.motion_captions = motion_captions
        if not 0.0 <= natural_share <= 1.0:
            raise ValueError(f"natural share must be in [0, 1], got {natural_share}")
        if natural_share and natural is None:
            natural = NaturalSource()
        self.natural, self.natural_share = natural, natural_share
        self._index = 0

    def _seed_for(self, index: int) -> int:
        return self.seed * 1_000_003 + index * self.world + self.rank

    def state(self) -> dict[str, int]:
        return {"index": self._index}

    def load_state(self, state: dict[str, Any]) -> None:
        self._index = int(state.get("index", 0))

    def __iter__(self) -> Iterator[Batch]:
        return self

    def __next__(self) -> Batch:
        batch = self.batch_at(self._index)
        self._index += self.batch_size
        return batch

    def _is_natural(self, seed: int) -> bool:
        # Its own stream, drawn only when natural data is asked for: the shapes clips of a
        # seed stay exactly what they were.
        return bool(self.natural_share) and (
            np.random.default_rng([seed, 0x6D6978]).uniform() < self.natural_share
        )

    def _natural_example(self, seed: int) -> tuple[torch.Tensor, torch.Tensor | None, str]:
        """(target video, conditioning channels or None for SSR, caption) of a natural clip."""
        assert self.natural is not None
        clip = self.natural.clip(seed, self.frames, self.size, self.size)
        video = to_tensor(self.style(clip.video) if self.style else clip.video)
        if self.stage != "base":
            return video, None, clip.caption
        rng = np.random.default_rng(seed + 99991)
        _, target, cond = natural_task_example(video, clip.region, rng)
        return target, cond.model_channels(), clip.caption

    def batch_at(self, start: int) -> Batch:
        """The batch whose first clip is number `start` of this stream: a pure function of the
        settings and `start`, so batches can be made ahead in other processes."""
        videos, conds, captions = [], [], []
        for index in range(start, start + self.batch_size):
            seed = self._seed_for(index)
            if self._is_natural(seed):
                video, cond, caption = self._natural_example(seed)
                videos.append(video)
                if cond is not None:
                    conds.append(cond)
                captions.append(caption)
                continue
            spec = sample_clip(seed, self.procedural)
            raw = render(spec, self.frames, self.size, self.size)
            if self.style is not None:
                raw = self.style(raw)
            video = to_tensor(raw)
            rng = np.random.default_rng(seed + 99991)
            caption = spec.caption
            if self.stage == "base":
                task, target, conditioning = task_example(video, rng, self.mix)
                videos.append(target)
                conds.append(conditioning.model_channels())
                # Drawn only when asked for, so existing runs keep their exact batches.
                if (
                    task_for(task).caption_motion_only
                    and self.motion_captions
                    and rng.uniform() < self.motion_captions
                ):
                    caption = motion_caption(spec, rng)
            else:
                videos.append(video)
            captions.append(caption)
        video = torch.stack(videos)
        if self.stage == "base":
            return Batch(video, torch.stack(conds), captions)
        low = upsample_video(downsample_video(video, self.ssr_scale), self.ssr_scale)
        if self.crop:
            rng = np.random.default_rng(start + self.batch_size)
            y, x = rng.integers(0, self.size - self.crop + 1, size=2)
            sl = (..., slice(y, y + self.crop), slice(x, x + self.crop))
            video, low = video[sl], low[sl]
        return Batch(video, low, captions)


def cosine_lr(step: int, total: int, base: float, warmup: int) -> float:
    if step < warmup:
        return base * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return base * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))
