"""Runs a Job: loads (and caches) the model, builds the task's conditioning, samples the base
clip over temporal MultiDiffusion windows, then runs the SSR stage when a larger size is asked.

`Engine` owns the loaded models, so a long-lived client (the app's engine thread, a render
farm worker) pays for loading once. Progress goes to a callback; a cancel flag is checked
between denoising steps.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from engine.checkpoints import ModelInfo, find_model, load_stage, read_model_info, weights_hash
from engine.devices import compute_dtype, is_out_of_memory, pick_device
from engine.diffusion.guidance import classifier_free_guidance, split_guided_batch
from engine.diffusion.samplers import Cancelled, sample
from engine.diffusion.schedule import CosineSchedule, to_x0_eps
from engine.jobs import Job, JobError, Progress
from engine.model.stunet import STUNet
from engine.tasks.conditioning import Conditioning, text_to_video
from engine.tasks.multidiffusion import multidiffusion
from engine.text import TextEncoder, resolve_text_encoder

ProgressCallback = Callable[[Progress], None]
CancelFlag = Callable[[], bool] | threading.Event | None


class EngineError(RuntimeError):
    """A job failed for a reason the user can act on; the message says what to change."""


@dataclass
class Result:
    frames: np.ndarray  # uint8 (T, H, W, 3)
    fps: int
    job: Job
    model_name: str
    model_hash: str
    seconds: float
    notes: list[str] = field(default_factory=list)  # what was fitted, resized, etc.
    generated_mask: np.ndarray | None = None  # (T, H, W) uint8, 255 where pixels are generated
    source: str | None = None  # the real footage this edits, if any (for audio and labels)


@dataclass
class LoadedModel:
    info: ModelInfo
    base: STUNet
    ssr: STUNet | None
    text: TextEncoder
    device: torch.device
    dtype: torch.dtype
    hash: str


def _should_stop(cancel: CancelFlag) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    if isinstance(cancel, threading.Event):
        return cancel.is_set
    return cancel


def to_uint8(video: torch.Tensor) -> np.ndarray:
    """(3, T, H, W) in [-1, 1] to uint8 (T, H, W, 3)."""
    v = ((video.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return v.permute(1, 2, 3, 0).cpu().numpy()


def from_uint8(frames: np.ndarray) -> torch.Tensor:
    """uint8 (T, H, W, 3) to (3, T, H, W) in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(frames)).permute(3, 0, 1, 2).float() / 127.5 - 1


def resize_video(video: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Bilinear (antialiased when shrinking) resize of (C, T, H, W)."""
    if video.shape[-2:] == (height, width):
        return video
    frames = video.permute(1, 0, 2, 3)
    out = F.interpolate(frames, size=(height, width), mode="bilinear", antialias=True)
    return out.permute(1, 0, 2, 3)


class Engine:
    def __init__(self) -> None:
        self._loaded: dict[tuple[str, str], LoadedModel] = {}

    # --- models --------------------------------------------------------------------------
    def load(self, model: str | None, device_name: str = "auto") -> LoadedModel:
        path = find_model(model)
        device = pick_device(device_name)
        key = (str(path.resolve()), str(device))
        if key not in self._loaded:
            info = read_model_info(path)
            dtype = compute_dtype(device)
            base = load_stage(info, info.base).to(device)
            ssr = load_stage(info, info.ssr).to(device) if info.ssr else None
            text = TextEncoder(resolve_text_encoder(info.text_encoder, info.path))
            self._loaded.clear()  # one model resident at a time keeps memory bounded
            self._loaded[key] = LoadedModel(
                info, base, ssr, text, device, dtype, weights_hash(info)
            )
        return self._loaded[key]

    # --- running -------------------------------------------------------------------------
    def run(
        self,
        job: Job,
        on_progress: ProgressCallback | None = None,
        cancel: CancelFlag = None,
    ) -> Result:
        """Run a job to frames. Raises JobError (bad job), EngineError (cannot run here),
        Cancelled (cancel flag set)."""
        job.validate()
        t0 = time.monotonic()
        report = on_progress or (lambda p: None)
        stop = _should_stop(cancel)
        report(Progress("load", 0, 1, message="loading model"))
        try:
            loaded = self.load(job.model, job.device)
            with torch.inference_mode():
                result = self._generate(job, loaded, report, stop)
        except Cancelled:
            raise
        except RuntimeError as e:
            if is_out_of_memory(e):
                raise EngineError(
                    "out of memory: lower the frame count, the size, or run on the CPU "
                    "(--device cpu)"
                ) from e
            raise
        result.seconds = time.monotonic() - t0
        return result

    def _text(self, loaded: LoadedModel, job: Job):
        states, mask, pooled = loaded.text.batch(
            [job.prompt, job.negative_prompt], loaded.device, loaded.dtype
        )
        return states, mask, pooled

    def _guided_denoiser(
        self,
        model: STUNet,
        schedule: CosineSchedule,
        prediction: str,
        cond: torch.Tensor,
        text,
        guidance: float,
        dtype: torch.dtype,
    ):
        """(z window, logsnr, frame slice) -> (x0, eps) with classifier-free guidance; `cond`
        holds the extra input channels of the whole clip (C, T, H, W)."""
        states, mask, pooled = text

        def denoise(z: torch.Tensor, logsnr: torch.Tensor, frames: slice):
            c = cond[:, frames].unsqueeze(0).to(z.device, z.dtype)
            x = torch.cat([z, c], dim=1)
            if guidance == 1.0:
                out = model(x.to(dtype), logsnr.expand(1), states[:1], mask[:1], pooled[:1])
            else:
                both = model(torch.cat([x, x]).to(dtype), logsnr.expand(2), states, mask, pooled)
                pos, neg = split_guided_batch(both.float())
                out = classifier_free_guidance(pos, neg, guidance)
            x0, _ = to_x0_eps(prediction, out.float(), z, logsnr)
            # Clamp the clean estimate to the valid pixel range and keep eps consistent.
            x0 = x0.clamp(-1, 1)
            alpha, sigma = CosineSchedule.alpha_sigma(logsnr)
            eps = (z - alpha * x0) / sigma
            return x0, eps

        return denoise

    def _conditioning(self, job: Job, loaded: LoadedModel, frames: int) -> Conditioning:
        info = loaded.info
        if job.task == "t2v":
            return text_to_video(frames, info.native_height, info.native_width)
        raise JobError(f"task {job.task} is not available in this engine yet")

    def _generate(
        self,
        job: Job,
        loaded: LoadedModel,
        report: ProgressCallback,
        stop: Callable[[], bool],
    ) -> Result:
        info = loaded.info
        frames = job.frames or info.native_frames
        loaded.base.check_shape(
            min(frames, info.native_frames), info.native_height, info.native_width
        )
        if frames > info.native_frames and frames % loaded.base.config.temporal_factor:
            loaded.base.check_shape(frames, info.native_height, info.native_width)
        cond = self._conditioning(job, loaded, frames).model_channels()
        text = self._text(loaded, job)
        video = self.sample_base(job, loaded, cond, text, frames, report, stop)
        height = job.height or info.native_height
        width = job.width or info.native_width
        notes = []
        if (height, width) != (info.native_height, info.native_width):
            video, note = self.upscale(job, loaded, video, text, height, width, report, stop)
            notes.append(note)
        fps = job.fps or info.native_fps
        return Result(to_uint8(video), fps, job, info.name, loaded.hash, 0.0, notes)

    def sample_base(self, job, loaded: LoadedModel, cond, text, frames, report, stop):
        info = loaded.info
        sched = CosineSchedule(info.base.schedule, max(info.native_height, info.native_width))
        window = info.native_frames
        denoise = multidiffusion(
            self._guided_denoiser(
                loaded.base, sched, info.base.schedule.prediction, cond, text, job.guidance,
                loaded.dtype,
            ),
            frames, window, max(1, window // 2),
        )  # fmt: skip
        gen = torch.Generator().manual_seed(job.seed)
        shape = (1, 3, frames, info.native_height, info.native_width)
        z = torch.randn(shape, generator=gen).to(loaded.device)

        def on_step(i, n, x0):
            report(Progress("base", i, n, preview=to_uint8(x0[0, :, :1])[0]))

        out = sample(denoise, z, sched, job.steps, job.sampler, on_step=on_step, should_stop=stop)
        return out[0].float().cpu()

    def upscale(self, job, loaded: LoadedModel, video, text, height, width, report, stop):
        """SSR stage: x(scale) in space over MultiDiffusion temporal windows, then a plain resize
        to the exact asked size if it is not the SSR's native output."""
        info = loaded.info
        if loaded.ssr is None or (height <= info.native_height and width <= info.native_width):
            return resize_video(video, height, width), f"resized to {width}x{height} (no SSR)"
        scale = info.ssr_scale
        hi_h, hi_w = info.native_height * scale, info.native_width * scale
        low_up = resize_video(video, hi_h, hi_w)  # bilinear upsampling is the SSR's condition
        sched = CosineSchedule(info.ssr.schedule, max(hi_h, hi_w))
        window = int(info.ssr.extra.get("window", 8))
        frames = video.shape[1]
        denoise = multidiffusion(
            self._guided_denoiser(
                loaded.ssr, sched, info.ssr.schedule.prediction, low_up, text, 1.0, loaded.dtype
            ),
            frames, window, max(1, window // 2),
        )  # fmt: skip
        gen = torch.Generator().manual_seed(job.seed + 1)
        z = torch.randn((1, 3, frames, hi_h, hi_w), generator=gen).to(loaded.device)

        def on_step(i, n, x0):
            report(Progress("ssr", i, n, preview=to_uint8(x0[0, :, :1])[0]))

        hi = sample(
            denoise, z, sched, job.ssr_steps, job.sampler, on_step=on_step, should_stop=stop
        )
        hi = hi[0].float().cpu()
        note = f"SSR x{scale} to {hi_w}x{hi_h}"
        if (hi_h, hi_w) != (height, width):
            hi = resize_video(hi, height, width)
            note += f", then resized to {width}x{height}"
        return hi, note
