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
from engine.diffusion.samplers import Cancelled, sample
from engine.diffusion.schedule import CosineSchedule, eps_from_x0, to_x0_eps
from engine.errors import LumiereError
from engine.jobs import Job, JobError, Progress
from engine.model.stunet import STUNet
from engine.tasks.composite import composite, feathered_alpha
from engine.tasks.fit import PadFit, resize
from engine.tasks.inputs import Prepared, prepare, to_float, to_uint8
from engine.tasks.multidiffusion import FrameIndex, multidiffusion
from engine.tasks.region import Box
from engine.tasks.sdedit import finer_detail, sdedit_start, sdedit_steps
from engine.tasks.sizes import Geometry
from engine.tasks.styles import blend_model, load_style_tensors
from engine.tasks.tiles import Tile, spatial_multidiffusion
from engine.text import TextEncoder, resolve_text_encoder

ProgressCallback = Callable[[Progress], None]
STYLE_CACHE = 2  # blended style models kept (each is a full copy of the base model)
CancelFlag = Callable[[], bool] | threading.Event | None


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


@dataclass
class LoadedModel:
    info: ModelInfo
    base: STUNet
    ssr: STUNet | None
    text: TextEncoder
    device: torch.device
    hash: str


def _should_stop(cancel: CancelFlag) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    if isinstance(cancel, threading.Event):
        return cancel.is_set
    return cancel


def from_uint8(frames: np.ndarray) -> torch.Tensor:
    """uint8 (T, H, W, 3) to (3, T, H, W) in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(frames)).permute(3, 0, 1, 2).float() / 127.5 - 1


def _generated(frames: int, height: int, width: int, value: int) -> np.ndarray:
    return np.full((frames, height, width), value, np.uint8)


def _psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """PSNR in dB of two [-1, 1] images (peak-to-peak 2)."""
    mse = float(((a.float() - b.float()) ** 2).mean())
    return float("inf") if mse == 0 else 10 * np.log10(4.0 / mse)


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

    def _text(self, loaded: LoadedModel, job: Job):
        states, mask, pooled = loaded.text.batch(
            [job.prompt, job.negative_prompt], loaded.device, torch.float32
        )
        return states, mask, pooled

    def _guided_denoiser(
        self,
        model: STUNet,
        schedule: CosineSchedule,
        prediction: str,
        cond: Callable[[FrameIndex], torch.Tensor],
        text,
        guidance: float,
    ):
        """(z tile, logsnr, frame index, tile) -> (x0, eps) with classifier-free guidance;
        `cond(frames)` gives the model's extra input channels (C, t, H, W) of those frames, of
        which the tile's are taken."""
        states, mask, pooled = text

        def denoise(z: torch.Tensor, logsnr: torch.Tensor, frames: FrameIndex, tile: Tile):
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
            raise JobError(f"--frames: {e}") from e

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
        self,
        job: Job,
        loaded: LoadedModel,
        report: ProgressCallback,
        stop: Callable[[], bool],
    ) -> Result:
        info = loaded.info
        frames = job.frames or info.native_frames
        self._check_frames(loaded, frames)
        if job.loop and frames < info.native_frames:
            raise JobError(f"--loop needs at least the native {info.native_frames} frames")
        prep = prepare(job, frames, geometry(loaded))
        notes = list(prep.notes)
        fps = job.fps or (round(prep.fps) if prep.fps else info.native_fps)
        name = info.name
        if job.style and job.style_strength > 0:
            name += f" + style {job.style} x{job.style_strength:g}"

        def result(frames_u8: np.ndarray, generated: np.ndarray) -> Result:
            return Result(
                frames_u8, fps, job, name, loaded.hash, 0.0, notes, generated, prep.source
            )  # fmt: skip

        if job.task == "v2v" and job.strength == 0.0:
            assert prep.source_frames is not None
            notes.append("strength 0: the source is returned unchanged")
            t, h, w, _ = prep.source_frames.shape
            return result(prep.source_frames.copy(), _generated(t, h, w, 0))

        model = self._base_model(loaded, job, notes)
        text = self._text(loaded, job)
        if prep.parts:
            return result(*self._regions(job, loaded, prep, model, text, notes, report, stop))

        plan, cond = prep.plan, prep.cond
        assert plan is not None and cond is not None
        video = self.sample_base(
            job, loaded, cond.model_channels, text, frames, report, stop, model=model,
            init=prep.init, circular=job.loop, size=(plan.grid_h, plan.grid_w),
        )  # fmt: skip
        if job.task == "i2v":
            psnr = _psnr(video[:, 0], cond.video[:, 0])
            notes.append(f"model's own frame 0 vs the still: {psnr:.1f} dB PSNR")
        # Known pixels are the input's own: keep them (the model only estimates them).
        video = torch.where(cond.mask.bool(), cond.video, video)
        fit = plan.fit
        made = (plan.grid_h, plan.grid_w)  # the finest scale the model itself draws
        if (fit.ph, fit.pw) != made:
            if loaded.ssr is not None and (fit.ph > made[0] or fit.pw > made[1]):
                made = (made[0] * loaded.info.ssr_scale, made[1] * loaded.info.ssr_scale)
            init = None
            if job.task == "v2v":
                source = prep.source_frames
                assert source is not None

                def init(h: int, w: int) -> torch.Tensor:
                    return PadFit.plan(plan.out_h, plan.out_w, h, w).video_to_model(
                        to_float(source)
                    )

            video, note = self.upscale(
                job, loaded, video, text, fit.ph, fit.pw, report, stop, init=init
            )
            notes.append(note)
        video = fit.from_padded(video)
        if job.task == "v2v" and (fit.ph > made[0] or fit.pw > made[1]):
            assert prep.source_frames is not None
            low = (round(plan.out_h * made[0] / fit.ph), round(plan.out_w * made[1] / fit.pw))
            video = video + (1 - job.strength) * finer_detail(to_float(prep.source_frames), *low)
            notes.append(
                f"the source's detail finer than {made[1]}x{made[0]} is kept at "
                f"{1 - job.strength:.2f} (1 - strength)"
            )
        frames_u8 = to_uint8(video)
        mask = _generated(frames, plan.out_h, plan.out_w, 255)
        if job.task == "i2v":
            assert prep.source_frames is not None
            frames_u8[0] = prep.source_frames[0]
            mask[0] = 0
        return result(frames_u8, mask)

    def _regions(self, job, loaded, prep: Prepared, model, text, notes, report, stop):
        """Region tasks: sample each context box at the model's size, bring it to the box's
        size (SSR when the box is larger) and paste it back inside the painted region with the
        feather; every pixel outside the region stays the input's own."""
        assert prep.original is not None and prep.region is not None
        out = np.array(prep.original)  # a writable copy (a cinemagraph's is a broadcast view)
        generated_mask = np.zeros(prep.region.shape, np.uint8)
        frames = out.shape[0]
        for part in prep.parts:
            cond, fit = part.cond, part.fit
            video = self.sample_base(
                job, loaded, cond.model_channels, text, frames, report, stop, model=model,
                circular=job.loop,
            )  # fmt: skip
            video = torch.where(cond.mask.bool(), cond.video, video)
            if (fit.ph, fit.pw) != (fit.model_h, fit.model_w):
                video, note = self.upscale(job, loaded, video, text, fit.ph, fit.pw, report, stop)
                notes.append(f"box {part.box.width}x{part.box.height}: {note}")
            ys, xs = part.box.slices()
            region = prep.region[:, ys, xs]
            alpha = feathered_alpha(region, region_feather(part.box, loaded.info))
            out[:, ys, xs] = composite(out[:, ys, xs], to_uint8(fit.from_padded(video)), alpha)
            generated_mask[:, ys, xs] = np.where(alpha > 0, 255, 0)
        return out, generated_mask

    def sample_base(
        self, job, loaded: LoadedModel, cond, text, frames, report, stop, model=None,
        init: torch.Tensor | None = None, circular: bool = False,
        size: tuple[int, int] | None = None,
    ):  # fmt: skip
        """Sample the base clip over native-length MultiDiffusion windows, and over
        native-size tiles when `size` (height, width) is larger than the native frame. With
        `init` (SDEdit) the trajectory starts from the source noised to t = job.strength."""
        info = loaded.info
        model = model or loaded.base
        height, width = size or (info.native_height, info.native_width)
        sched = CosineSchedule(info.base.schedule, max(info.native_height, info.native_width))
        window = info.native_frames
        tiles = spatial_multidiffusion(
            self._guided_denoiser(
                model, sched, info.base.schedule.prediction, cond, text, job.guidance
            ),
            height, width, info.native_height, info.native_width,
        )  # fmt: skip
        denoise = multidiffusion(tiles, frames, window, max(1, window // 2), circular=circular,
                                 should_stop=stop)  # fmt: skip
        shape = (1, 3, frames, height, width)
        steps, t_start = job.steps, 1.0
        if init is not None:
            z = sdedit_start(init[None].to(loaded.device), job.strength, sched, job.seed)
            steps, t_start = sdedit_steps(job.steps, job.strength), job.strength
        else:
            gen = torch.Generator().manual_seed(job.seed)
            z = torch.randn(shape, generator=gen).to(loaded.device)

        def on_step(i, n, x0):
            report(Progress("base", i, n, preview=to_uint8(x0[0, :, :1])[0]))

        out = sample(
            denoise, z, sched, steps, job.sampler, t_start=t_start, on_step=on_step,
            should_stop=stop,
        )  # fmt: skip
        return out[0].float().cpu()

    def upscale(
        self, job, loaded: LoadedModel, video, text, height, width, report, stop,
        init: Callable[[int, int], torch.Tensor] | None = None,
    ):  # fmt: skip
        """SSR stage: x(scale) in space over MultiDiffusion temporal windows, then a plain resize
        to the exact asked size if it is not the SSR's output. With `init` (v2v), init(h, w)
        gives the source at the SSR's size, and the SSR starts from it noised to job.strength
        rather than from pure noise."""
        info = loaded.info
        low_h, low_w = video.shape[-2:]
        if loaded.ssr is None or (height <= low_h and width <= low_w):
            return resize(video, height, width), f"resized to {width}x{height} (no SSR)"
        scale = info.ssr_scale
        hi_h, hi_w = low_h * scale, low_w * scale
        low_up = resize(video, hi_h, hi_w)  # bilinear upsampling is the SSR's condition
        sched = CosineSchedule(
            info.ssr.schedule, max(info.native_height, info.native_width) * scale
        )
        window = int(info.ssr.extra.get("window", 8))
        frames = video.shape[1]

        whole = spatial_multidiffusion(  # one tile: the SSR is trained on crops, any size works
            self._guided_denoiser(
                loaded.ssr, sched, info.ssr.schedule.prediction, lambda f: low_up[:, f], text, 1.0
            ),
            hi_h, hi_w, hi_h, hi_w,
        )  # fmt: skip
        denoise = multidiffusion(whole, frames, window, max(1, window // 2), should_stop=stop)
        steps, t_start = job.ssr_steps, 1.0
        if init is not None:  # v2v: the SSR edits the source at its own scale too (SDEdit)
            init = init(hi_h, hi_w)[None].to(loaded.device)
            z = sdedit_start(init, job.strength, sched, job.seed + 1)
            steps, t_start = sdedit_steps(job.ssr_steps, job.strength), job.strength
        else:
            gen = torch.Generator().manual_seed(job.seed + 1)
            z = torch.randn((1, 3, frames, hi_h, hi_w), generator=gen).to(loaded.device)

        def on_step(i, n, x0):
            report(Progress("ssr", i, n, preview=to_uint8(x0[0, :, :1])[0]))

        hi = sample(
            denoise, z, sched, steps, job.sampler, t_start=t_start, on_step=on_step,
            should_stop=stop,
        )  # fmt: skip
        hi = hi[0].float().cpu()
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


def region_feather(box: Box, info: ModelInfo) -> int:
    """Feather width for a pasted box: one model pixel's width at the box's scale."""
    return max(1, round(max(box.height / info.native_height, box.width / info.native_width)))
