"""Generation: the selection (source, frame, in/out range, mask) and the prompt panel's
settings become a job; the files the job reads that the app writes for it (a still taken from
a video frame, the mask) are kept with the project; the queue runs it; a finished job becomes
one `GenerationRecord` of the project, which the bin item, the timeline clip and the history
entry name by id. No widgets: the prompt panel and the viewer are reached through
`JobSettings` and `Selection`."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine.api import (
    Job,
    JobError,
    OutsidePathError,
    ProbeError,
    atomic_write_bytes,
    path_in,
    probe,
    spec_for,
)
from lumiere_studio.model.document import Document
from lumiere_studio.model.generations import GenerationRecord, now_text
from lumiere_studio.model.project import MediaItem, motion_text
from lumiere_studio.model.queue_store import QueueStoreError

if TYPE_CHECKING:
    from lumiere_studio.services.engine_thread import JobQueue
    from lumiere_studio.services.mask_tracking import MaskTracking


@dataclass
class Selection:
    """What a job is made from: the media the viewer shows, at which frame, and the frame's
    pixels when a task needs a still (`picture` is None while no frame is shown)."""

    media_id: str | None
    frame: int
    in_sequence: bool = False  # the viewer follows the timeline (in/out then are sequence's)
    picture: Callable[[], np.ndarray] | None = None
    picture_full: bool = True  # False while only a proxy of the frame has been decoded


class JobSettings(Protocol):
    """The prompt panel, as the controller sees it."""

    def task_key(self) -> str: ...

    def needs_still(self) -> bool:
        """The task starts from one picture (a video source gives the frame shown)."""
        ...

    def build_job(
        self,
        source: str | None,
        start_frame: int,
        frame_count: int | None,
        mask_png: str | None,
        mask_from_frame: int,
        motion: tuple[str | None, ...] = (None, None, None),
    ) -> Job: ...

    def size_is_auto(self) -> bool: ...


@dataclass(frozen=True)
class Origin:
    """The source and frame a job was made from (the clip's timecode counts from there)."""

    media: str  # the media item's path as the project stores it
    frame: int

    def to_dict(self) -> dict[str, Any]:
        return {"media": self.media, "frame": self.frame}


@dataclass
class Request:
    """A job as it was queued, with what it was made from."""

    job: Job
    origin: Origin | None = None
    inputs: list[str] = field(default_factory=list)  # files the app wrote for it


class GenerationController(QObject):
    error = Signal(str, str)  # title, text
    status = Signal(str, int)  # message, milliseconds
    queued = Signal(list)  # job ids just queued
    added = Signal(object)  # the MediaItem of a finished generation
    taken_back = Signal(dict)  # a queued job's settings, to edit

    def __init__(
        self,
        doc: Document,
        queue: JobQueue,
        scratch: Path,
        settings: JobSettings,
        selection: Callable[[], Selection],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.doc, self.queue, self.scratch = doc, queue, scratch
        self.settings, self.selection = settings, selection
        self.place_over = False  # results go over their source (else at the timeline's end)
        self.ask_specs: Callable[[Job], list[str] | None] = lambda job: None
        self.requests: dict[int, Request] = {}  # queued job id -> what it was made from
        self.tracking: MaskTracking | None = None  # tracked masks go to the job when set
        queue.job_done.connect(self._job_done)
        queue.job_failed.connect(self._job_failed)
        queue.changed.connect(self._job_changed)

    # --- files ---------------------------------------------------------------------------
    def output_dir(self) -> Path:
        folder = self.doc.project.folder
        out = (folder / "generated") if folder else (self.scratch / "generated")
        out.mkdir(parents=True, exist_ok=True)
        return out

    def output_path(self, job: Job) -> Path:
        return self.output_dir() / f"gen-{job.task}-{job.seed}-{uuid.uuid4().hex[:6]}.mp4"

    def write_input(self, pixels: np.ndarray, name: str) -> str:
        """A PNG the job reads: in the project's masks/ folder, or the scratch folder of an
        untitled project (saving moves it into the project, see model/job_files.py)."""
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(pixels).save(buf, format="PNG")
        folder = self.doc.project.folder
        path = path_in(folder, "masks", name) if folder else path_in(self.scratch, name)
        atomic_write_bytes(path, buf.getvalue())
        return str(path)

    # --- jobs ----------------------------------------------------------------------------
    def build_request(self) -> Request:
        """The job for the settings and the selected source, range and mask."""
        sel, project = self.selection(), self.doc.project
        item = project.media_by_id(sel.media_id or "")
        task = spec_for(self.settings.task_key())
        request = Request(Job())
        source, start, count, mask_png, from_frame = None, sel.frame, None, None, 0
        motion: tuple[str | None, ...] = (None, None, None)
        if item is not None:
            source = str(project.resolve(item.path))
            pin, pout = project.in_point, project.out_point
            if not sel.in_sequence and pin is not None and pout is not None and pout > pin:
                start, count = pin, pout - pin
            if task.source is not None:  # what the result is made from, and where it goes
                request.origin = Origin(item.path, start)
            still = self.settings.needs_still() and item.media_info.kind == "video"
            if still and sel.picture is not None:
                if not sel.picture_full:
                    raise JobError(
                        "The full-resolution frame is still being decoded "
                        "(the viewer shows a proxy); try again in a moment."
                    )
                source = self.write_input(sel.picture(), f"still-{uuid.uuid4().hex[:8]}.png")
                request.inputs.append(source)
            mask = project.masks.get(item.id)
            if mask is not None and mask.any():
                meta = project.mask_meta.get(item.id)
                tracked = self._tracked_masks(item.id, mask.pixels, meta, item.media_info.frames)
                mask_png = tracked or self.write_input(
                    mask.pixels, f"mask-{item.id}-{uuid.uuid4().hex[:6]}.png"
                )
                request.inputs.append(mask_png)
                from_frame = max(0, (meta.from_frame if meta else 0) - start)
            hints = project.mask_meta.get(item.id)
            if hints is not None:  # the cinemagraph's hints, in the still's pixels
                motion = (
                    motion_text(hints.arrows),
                    motion_text(hints.pins),
                    motion_text(hints.freeze),
                )
        job = self.settings.build_job(
            source, start, count if task.source else None, mask_png, from_frame, motion
        )
        request.job = fit_to_sequence(job, self.sequence_defaults(), self.settings.size_is_auto())
        return request

    def _tracked_masks(
        self, media_id: str, painted: np.ndarray, meta: Any, frames: int
    ) -> str | None:
        """A mask-track file (the painted mask and the frames tracked from it) when the mask
        was tracked through the clip, for the job's `mask`; None when it was not."""
        if self.tracking is None:
            return None
        data = self.tracking.track_file_bytes(
            media_id, painted, meta.from_frame if meta else 0, frames
        )
        if data is None:
            return None
        folder = self.doc.project.folder
        name = f"mask-{media_id}-{uuid.uuid4().hex[:6]}.masktrack"
        path = folder / "masks" / name if folder else self.scratch / name
        atomic_write_bytes(path, data)
        return str(path)

    def build_job(self) -> Job:
        return self.build_request().job

    def sequence_defaults(self) -> dict[str, Any]:
        """What a new generation defaults to so that it fits the sequence: its frame size and
        exact rate (the prompt panel's output-size control defaults to these)."""
        tl = self.doc.project.timeline
        return {"width": tl.width, "height": tl.height, "rate": tl.rate, "settled": tl.settled}

    def generate(self) -> int | None:
        try:
            request = self.build_request()
        except (JobError, OutsidePathError) as e:  # a masks/ folder that links elsewhere
            self.error.emit("Cannot generate", str(e))
            return None
        try:
            jid = self.queue.submit(request.job, self.output_path(request.job))
        except QueueStoreError as e:  # a read-only queue (another instance owns it)
            self.error.emit("Cannot queue", str(e))
            return None
        self.requests[jid] = request
        self.queued.emit([jid])
        self.status.emit(f"job #{jid} queued", 4000)
        return jid

    def queue_variations(self, specs: list[str] | None = None) -> list[int]:
        """Queue the settings' job over the product of sweep values (`ask_specs` asks for them
        unless `specs` are given), as `lumiere-studio batch --sweep` does."""
        from engine.api import BatchError, expand

        try:
            job = self.build_job()
            specs = self.ask_specs(job) if specs is None else specs
            if specs is None:  # the person cancelled
                return []
            jobs = expand(job, specs)
        except (JobError, BatchError, OutsidePathError) as e:
            self.error.emit("Cannot queue variations", str(e))
            return []
        try:
            ids = [self.queue.submit(j, self.output_path(j)) for j in jobs]
        except QueueStoreError as e:
            self.error.emit("Cannot queue variations", str(e))
            return []
        self.queued.emit(ids)
        self.status.emit(f"{len(ids)} variations queued", 4000)
        return ids

    def take_back(self, job_id: int) -> None:
        """A queued job's settings go back to be edited; the job leaves the queue (cancelled,
        so it can still be retried) and Generate queues the edited one."""
        entry = self.queue.entries.get(job_id)
        if entry is None:
            return
        self.taken_back.emit(entry.job.to_dict())
        self.queue.cancel(job_id, message="taken out to edit; Generate queues the edited job")

    def cancel_running(self) -> None:
        running = self.queue.running
        if running is not None:
            self.queue.cancel(running.id)

    def source_text(self) -> str:
        """The prompt panel's line about what a job would be made from: nothing for a task
        that reads no input (text to video), whatever the viewer shows."""
        sel = self.selection()
        item = self.doc.project.media_by_id(sel.media_id or "")
        task = spec_for(self.settings.task_key())
        if task.source is None:
            return f"source: none ({task.label.lower()} needs none)"
        if item is None:
            return "source: none yet: select a clip in the Media bin or on the timeline"
        mask = self.doc.project.masks.get(item.id)
        has_mask = "with mask" if mask is not None and mask.any() else "no mask"
        return f"source: {item.name}, frame {sel.frame}, {has_mask}"

    # --- results -------------------------------------------------------------------------
    def _job_changed(self, job_id: int) -> None:
        entry = self.queue.entries.get(job_id)
        if entry is not None and entry.state == "running":
            self.status.emit(f"job #{job_id}: {entry.message}", 3000)

    def _job_done(self, job_id: int) -> None:
        entry = self.queue.entries[job_id]
        request = self.requests.pop(job_id, None)
        result = entry.result
        if result is None:  # job_done comes after the result is kept
            self.error.emit("The generated file could not be read", "the job has no result")
            return
        origin = request.origin.to_dict() if request and request.origin else None
        project = self.doc.project
        try:
            info = probe(result.path)
        except ProbeError as e:
            self.error.emit("The generated file could not be read", str(e))
            return
        record = GenerationRecord(
            entry.job.to_dict(),
            result.model_name,
            result.model_hash,
            project.relative(result.path),
            origin,
            list(result.notes),
            now_text(),
        )
        item = MediaItem(
            path=record.path, info=info.to_dict(), name=Path(result.path).name, generated=True
        )
        self.doc.add_generated(item, record, self.place_over)
        self.added.emit(item)
        self.status.emit(f"job #{job_id} done: {item.name} {'; '.join(record.notes)}", 8000)

    def _job_failed(self, job_id: int, message: str) -> None:
        self.status.emit(f"job #{job_id} failed: {message}", 15000)


def find_models() -> tuple[list[Any], list[str]]:
    """The installed models, and what to tell about them (broken folders, none at all)."""
    from engine.api import scan_models

    notes: list[str] = []
    try:
        models, broken = scan_models()
    except Exception as e:  # noqa: BLE001 - a malformed models folder must not stop the app
        models, broken = [], []
        notes.append(f"models could not be listed: {e}")
    if broken:  # each broken folder is named with its reason; the others still work
        notes.append("; ".join(f"model {b.name} is broken: {b.reason}" for b in broken))
    if not models:
        notes.append(
            "No model installed: generation is off. Put a model folder in resources/models/ "
            "or set LUMIERE_STUDIO_MODELS (see Help > About)."
        )
    return list(models), notes


def fit_to_sequence(job: Job, sequence: dict[str, Any], size_is_auto: bool = True) -> Job:
    """Generation fits the sequence: a text-to-video job the prompt panel left without an output
    size is made at the largest size of the model's aspect that fits the sequence's frame (so
    the clip fills it, or is letterboxed, and is never stretched), through SSR, once the
    sequence has a size of its own (a real clip or the settings chose it). Jobs from a source
    keep the source's size; the rate stays the model's, since the timeline places the result by
    time whatever its rate. `size_is_auto`: the prompt panel's size control is on auto (its own
    auto, the model's largest untiled size, applies until the sequence has a size)."""
    has_source = spec_for(job.task).source is not None  # a source gives the size
    if has_source or not sequence["settled"] or not size_is_auto:
        return job
    from engine.api import ModelError, list_models, read_model_info

    try:
        info = read_model_info(Path(job.model)) if job.model else next(iter(list_models()))
    except (ModelError, OSError, StopIteration):
        return job
    w, h = fitted_size(info.native_width, info.native_height, sequence["width"], sequence["height"])
    job.width, job.height = w, h  # in the job's range: the queue's submit checks the job
    return job


def fitted_size(
    model_w: int, model_h: int, frame_w: int, frame_h: int, largest: int = 4096
) -> tuple[int, int]:
    """The largest even size of the model's aspect inside the frame (and the engine's limit)."""
    scale = min(frame_w / model_w, frame_h / model_h, largest / max(model_w, model_h))
    return max(8, int(model_w * scale) // 2 * 2), max(8, int(model_h * scale) // 2 * 2)
