"""Runs a Job: loads (and caches) the model, builds the task's conditioning, samples the base
clip over temporal MultiDiffusion windows, then runs the SSR stage when a larger size is asked.

`Engine` owns the loaded models, so a long-lived client (the app's engine thread, a render
farm worker) pays for loading once. Progress goes to a callback; a cancel flag is checked
between denoising steps.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from engine.checkpoints import ModelInfo, find_model, load_stage, read_model_info, weights_hash
from engine.cpu_allocator import keep_freed_memory, release_freed_memory
from engine.devices import autocast_for, is_out_of_memory, out_of_memory_message, pick_device
from engine.diffusion.guidance import classifier_free_guidance, split_guided_batch
from engine.diffusion.samplers import sample
from engine.diffusion.schedule import CosineSchedule, eps_from_x0, to_x0_eps
from engine.errors import Cancelled, LumiereError
from engine.jobs import Job, JobError, Progress
from engine.model.stunet import STUNet
from engine.tasks.multidiffusion import FrameIndex, multidiffusion
from engine.tasks.registry import task_for
from engine.tasks.sdedit import sdedit_start, sdedit_steps
from engine.tasks.sizes import Geometry
from engine.tasks.styles import blend_model, load_style_tensors
from engine.tasks.task import Part, Prepared, Sampled
from engine.tasks.tiles import Tile, TileDenoiser, spatial_multidiffusion
from engine.tensors import resize, to_uint8
from engine.text import TextEncoder, resolve_text_encoder

ProgressCallback = Callable[[Progress], None]
TextBatch = tuple[torch.Tensor, torch.Tensor, torch.Tensor]
STYLE_CACHE = 2  # blended style models kept (each is a full copy of the base model)
CancelFlag = Callable[[], bool] | threading.Event | None  # an Event: CancelToken too


class EngineError(LumiereError, RuntimeError):
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
    relationship: str = "parentOf"  # C2PA: how `source` relates to the result


@dataclass
class LoadedModel:
    info: ModelInfo
    base: STUNet
    ssr: STUNet | None
    text: TextEncoder
    device: torch.device
    hash: str


@dataclass
class Run:
    """What every sampling stage of one job needs."""

    job: Job
    loaded: LoadedModel
    model: STUNet  # the base model, with the job's style blended in
    text: TextBatch  # (states, mask, pooled) of the prompt and the negative prompt
    report: ProgressCallback
    stop: Callable[[], bool]

    def previews(self, stage: str) -> Callable[[int, int, torch.Tensor], None]:
        """A sampler's step callback: progress with the estimate's first frame as preview."""

        def on_step(i: int, n: int, x0: torch.Tensor) -> None:
            self.report(Progress(stage, i, n, preview=to_uint8(x0[0, :, :1])[0]))

        return on_step

    def draw(
        self,
        stage: str,
        denoise: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
        schedule: CosineSchedule,
        shape: tuple[int, ...],
        steps: int,
        seed: int,
        init: torch.Tensor | None,
    ) -> torch.Tensor:
        """Sample (C, T, H, W) from noise, or with `init` (SDEdit) from the source noised to
        t = job.strength over that part of the steps."""
        job, device = self.job, self.loaded.device
        t_start = 1.0
        if init is not None:
            z = sdedit_start(init[None].to(device), job.strength, schedule, seed)
            steps, t_start = sdedit_steps(steps, job.strength), job.strength
        else:
            z = torch.randn(shape, generator=torch.Generator().manual_seed(seed)).to(device)
        out = sample(
            denoise,
            z,
            schedule,
            steps,
            job.sampler,
            t_start=t_start,
            on_step=self.previews(stage),
            should_stop=self.stop,
        )
        return out[0].float().cpu()


def _should_stop(cancel: CancelFlag) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    if isinstance(cancel, threading.Event):  # a CancelToken is one too
        return cancel.is_set
    return cancel


class Engine:
    def __init__(self) -> None:
        keep_freed_memory()  # CPU speed: no page faults for each step's large tensors
        self._loaded: dict[tuple[str, str], LoadedModel] = {}
        self._styled: dict[tuple[str, str, float], STUNet] = {}

    # --- models --------------------------------------------------------------------------
    def load(self, model: str | None, device_name: str = "auto") -> LoadedModel:
        path = find_model(model)
        device = pick_device(device_name)
        key = (str(path.resolve()), str(device))
        if key not in self._loaded:
            info = read_model_info(path)
            base = load_stage(info, info.base).to(device)
            ssr = load_stage(info, info.ssr).to(device) if info.ssr else None
            # Models that share a text encoder (a base and its copies) reuse the loaded one.
            text_path = resolve_text_encoder(info.text_encoder, info.path).resolve()
            previous = next(iter(self._loaded.values()), None)
            if previous is not None and previous.text.folder == text_path:
                text = previous.text
            else:
                text = TextEncoder(text_path)
            self._loaded.clear()  # one model resident at a time keeps memory bounded
            self._styled.clear()
            self._loaded[key] = LoadedModel(info, base, ssr, text, device, weights_hash(info))
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
        result = None
        try:
            loaded = self.load(job.model, job.device)
            with torch.inference_mode():
                result = self._generate(job, loaded, report, stop)
        except Cancelled:
            raise
        except (RuntimeError, MemoryError) as e:
            if not is_out_of_memory(e):
                raise
        if result is None:  # out of memory; raised here, so no traceback keeps the tensors
            release_freed_memory()
            raise EngineError(out_of_memory_message(pick_device(job.device).type))
        result.seconds = time.monotonic() - t0
        return result

    def _guided_denoiser(
        self,
        model: STUNet,
        schedule: CosineSchedule,
        prediction: str,
        cond: Callable[[FrameIndex], torch.Tensor],
        text: TextBatch,
        guidance: float,
    ) -> TileDenoiser:
        """(z tile, logsnr, frame index, tile) -> (x0, eps) with classifier-free guidance;
        `cond(frames)` gives the model's extra input channels (C, t, H, W) of those frames, of
        which the tile's are taken."""
        states, mask, pooled = text

        def denoise(
            z: torch.Tensor, logsnr: torch.Tensor, frames: FrameIndex, tile: Tile
        ) -> tuple[torch.Tensor, torch.Tensor]:
            c = cond(frames)[..., tile[0], tile[1]].unsqueeze(0).to(z.device, z.dtype)
            x = torch.cat([z, c], dim=1)
            n = 1 if guidance == 1.0 else 2  # the prompt, and the negative prompt for guidance
            # Weights and inputs stay float32; on a GPU autocast runs the layers in the device's
            # compute dtype (bf16 / fp16), and where autocast is missing all stays float32.
            xn = x if n == 1 else torch.cat([x, x])
            with autocast_for(z.device):
                out = model(xn, logsnr.expand(n), states[:n], mask[:n], pooled[:n])
            if n == 2:
                out = classifier_free_guidance(*split_guided_batch(out.float()), guidance)
            x0, _ = to_x0_eps(prediction, out.float(), z, logsnr)
            # Clamp the clean estimate to the valid pixel range and keep eps consistent.
            x0 = x0.clamp(-1, 1)
            return x0, eps_from_x0(z, x0, logsnr)

        return denoise

    def _check_frames(self, loaded: LoadedModel, frames: int) -> None:
        """Up to the native length the model runs on the clip as is; longer clips are covered
        by native-length windows, so any count works."""
        info = loaded.info
        try:
            loaded.base.check_shape(
                min(frames, info.native_frames), info.native_height, info.native_width
            )
        except ValueError as e:
            raise JobError(f"`frames`: {e}", field="frames") from e

    def _base_model(self, loaded: LoadedModel, job: Job, notes: list[str]) -> STUNet:
        """The base model with the job's style blended in (cached per style and strength)."""
        if not job.style:
            return loaded.base
        key = (str(loaded.info.path.resolve()), job.style, float(job.style_strength))
        if key not in self._styled:
            tensors = load_style_tensors(loaded.info, job.style, loaded.base)
            if len(self._styled) >= STYLE_CACHE:
                self._styled.pop(next(iter(self._styled)))
            self._styled[key] = blend_model(loaded.base, tensors, job.style_strength)
        notes.append(f"style {job.style} at strength {job.style_strength:g}")
        return self._styled[key]

    def _generate(
        self, job: Job, loaded: LoadedModel, report: ProgressCallback, stop: Callable[[], bool]
    ) -> Result:
        """load (done) -> task.prepare -> sample and upscale each part -> task.finish."""
        info = loaded.info
        frames = job.frames or info.native_frames
        self._check_frames(loaded, frames)
        task = task_for(job.task)
        task.check_frames(job, frames, info.native_frames)
        prep = task.prepare(job, frames, geometry(loaded))
        sampled = []
        if prep.parts:
            model = self._base_model(loaded, job, prep.notes)
            text = loaded.text.batch(
                [job.prompt, job.negative_prompt], loaded.device, torch.float32
            )
            run = Run(job, loaded, model, text, report, stop)
            sampled = [self._sample_part(run, prep, part) for part in prep.parts]
        done = task.finish(prep, sampled)
        name = info.name
        if job.style and job.style_strength > 0:
            name += f" + style {job.style} x{job.style_strength:g}"
        fps = job.fps or (round(prep.fps) if prep.fps else info.native_fps)
        return Result(
            done.frames,
            fps,
            job,
            name,
            loaded.hash,
            0.0,
            prep.notes,
            done.generated_mask,
            prep.source,
            done.relationship,
        )

    def _sample_part(self, run: Run, prep: Prepared, part: Part) -> Sampled:
        """Sample one part at the model's size, keep its known pixels (the model only estimates
        them) and bring it to its padded size (SSR when that is larger)."""
        loaded, fit = run.loaded, part.fit
        drawn = (fit.model_h, fit.model_w)
        video = self.sample_base(
            run, part.cond.model_channels, prep.frames, part.init, run.job.loop, drawn
        )
        if part.check is not None:
            prep.notes.append(part.check(video))
        video = torch.where(part.cond.mask.bool(), part.cond.video, video)
        if (fit.ph, fit.pw) != drawn:
            if loaded.ssr is not None and (fit.ph > drawn[0] or fit.pw > drawn[1]):
                drawn = (drawn[0] * loaded.info.ssr_scale, drawn[1] * loaded.info.ssr_scale)
            video, note = self.upscale(run, video, fit.ph, fit.pw, part.ssr_init)
            if fit.padded:  # the note ends at the size the result has, not the padded one
                note += f", cropped to {fit.w}x{fit.h} (the padding to the model's aspect)"
            prep.notes.append(part.label + note)
        return Sampled(video, drawn)

    def sample_base(
        self,
        run: Run,
        cond: Callable[[FrameIndex], torch.Tensor],
        frames: int,
        init: torch.Tensor | None = None,
        circular: bool = False,
        size: tuple[int, int] | None = None,
    ) -> torch.Tensor:
        """Sample the base clip over native-length MultiDiffusion windows, and over
        native-size tiles when `size` (height, width) is larger than the native frame. With
        `init` (SDEdit) the trajectory starts from the source noised to t = job.strength."""
        job, info = run.job, run.loaded.info
        height, width = size or (info.native_height, info.native_width)
        sched = CosineSchedule(info.base.schedule, max(info.native_height, info.native_width))
        window = info.native_frames
        guided = self._guided_denoiser(
            run.model, sched, info.base.schedule.prediction, cond, run.text, job.guidance
        )
        tiles = spatial_multidiffusion(guided, height, width, info.native_height, info.native_width)
        denoise = multidiffusion(
            tiles, frames, window, max(1, window // 2), circular=circular, should_stop=run.stop
        )
        shape = (1, 3, frames, height, width)
        return run.draw("base", denoise, sched, shape, job.steps, job.seed, init)

    def upscale(
        self,
        run: Run,
        video: torch.Tensor,
        height: int,
        width: int,
        init: Callable[[int, int], torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, str]:
        """SSR stage: x(scale) in space over MultiDiffusion temporal windows, then a plain resize
        to the exact asked size if it is not the SSR's output. With `init` (v2v), init(h, w)
        gives the source at the SSR's size, and the SSR starts from it noised to job.strength
        rather than from pure noise."""
        job, loaded, info = run.job, run.loaded, run.loaded.info
        low_h, low_w = video.shape[-2:]
        if loaded.ssr is None or info.ssr is None or (height <= low_h and width <= low_w):
            return resize(video, height, width), f"resized to {width}x{height} (no SSR)"
        scale = info.ssr_scale
        hi_h, hi_w = low_h * scale, low_w * scale
        low_up = resize(video, hi_h, hi_w)  # bilinear upsampling is the SSR's condition
        sched = CosineSchedule(
            info.ssr.schedule, max(info.native_height, info.native_width) * scale
        )
        window = int(info.ssr.extra.get("window", 8))
        frames = video.shape[1]
        guided = self._guided_denoiser(
            loaded.ssr, sched, info.ssr.schedule.prediction, lambda f: low_up[:, f], run.text, 1.0
        )
        # One tile: the SSR is trained on crops, any size works.
        whole = spatial_multidiffusion(guided, hi_h, hi_w, hi_h, hi_w)
        denoise = multidiffusion(whole, frames, window, max(1, window // 2), should_stop=run.stop)
        # v2v: the SSR edits the source at its own scale too (SDEdit)
        source = None if init is None else init(hi_h, hi_w)
        shape = (1, 3, frames, hi_h, hi_w)
        hi = run.draw("ssr", denoise, sched, shape, job.ssr_steps, job.seed + 1, source)
        note = f"SSR x{scale} to {hi_w}x{hi_h}"
        if (hi_h, hi_w) != (height, width):
            hi = resize(hi, height, width)
            note += f", then resized to {width}x{height}"
        return hi, note


def geometry(loaded: LoadedModel) -> Geometry:
    """The loaded model's size rules: native frame, SSR factor, and the multiple every sampled
    side must be (both stages' spatial factors)."""
    info = loaded.info
    multiple = loaded.base.config.spatial_factor
    if loaded.ssr is not None:
        multiple = math.lcm(multiple, loaded.ssr.config.spatial_factor)
    return Geometry(info.native_height, info.native_width, info.ssr_scale, multiple)
