"""The engine as a client (the app) sees it: one module, one list of names.

Running a job: an `EngineSession` owns the loaded model and runs one job at a time on the
calling thread (the app's engine thread); it reports typed events (`Progress`, then one of
`Finished`, `Failed`, `JobCancelled`) and stops at the next step once its `CancelToken` is
set. Failures the user can act on are `LumiereError`s (with the Job `field` at fault); a stop
on request is `Cancelled`.

Everything else here is the engine's data types and plain functions that the app uses (jobs,
the timeline model, probing and decoding media, proxies, atomic writes, export), re-exported
so that the app's reach into the engine is this list and nothing else. Names from modules that
import torch (`engine.checkpoints`, `engine.cli`) load on first use, so importing this module
(the app at startup) does not import torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import __version__, user_paths
from engine.batch.jobfile import BatchError
from engine.batch.sweep import expand
from engine.errors import Cancelled, CancelToken, LumiereError
from engine.export.geometry import Placement, clip_placement, sequence_frame
from engine.export.otio_file import InterchangeError
from engine.export.otio_file import read as read_timeline_file
from engine.export.render import current_timeline
from engine.export.run import export_timeline
from engine.export.sources import labelled_ai
from engine.input_files import InputFileError, read_input
from engine.jobs import (
    Job,
    JobError,
    Progress,
    default_of,
    name_fields,
    plain_fields,
    spec_of,
    ui_labels,
    ui_range,
)
from engine.media.decode import DecodeError, FrameReader
from engine.media.open_file import local_file
from engine.media.probe import MEDIA_SUFFIXES, MediaInfo, ProbeError, probe
from engine.media.provenance import manifest_path
from engine.media.proxy import PROXY_MIN_PIXELS, ProxyError, cached_proxy, ensure_proxy, needs_proxy
from engine.media.sealing import SignOptions
from engine.media.signing import SigningError, load_identity
from engine.project_paths import OutsidePathError, inside, is_plain_id, path_in
from engine.project_schema import APP_ID, MAX_DOC_BYTES, SCHEMA, ProjectError, read_document
from engine.project_schema import validate as validate_document
from engine.run import ResultError, RunResult
from engine.task_specs import TASK_LABELS, TaskSpec, spec_for, tasks_using
from engine.tempfiles import atomic_write_bytes
from engine.timebase import (
    STANDARD_RATES,
    RateError,
    exact_rate,
    frames_between,
    nearest,
    rate_label,
    rate_text,
    timecode,
)
from engine.timeline import (
    FIT_MODES,
    STILL_SECONDS,
    Timeline,
    TimelineClip,
    Track,
    clip_at,
    retime,
    with_generations,
)

if TYPE_CHECKING:
    from engine.checkpoints import ModelError, list_models, read_model_info, scan_models
    from engine.cli import exit_process, is_command
    from engine.cli import main as cli_main
    from engine.mask_track import MaskTrack, MaskTrackError
    from engine.mask_track import from_bytes as mask_track_from_bytes
    from engine.mask_track import from_single_mask as mask_track_from_single
    from engine.mask_track import load as load_mask_track
    from engine.mask_track import to_bytes as mask_track_bytes
    from engine.media.load import MediaLoadError, load_image, load_video_frames
    from engine.pipeline import Engine
    from engine.vision.mask_edges import Edges as MaskEdges
    from engine.vision.mask_edges import apply_edges
    from engine.vision.motion_preview import preview_loop as motion_preview
    from engine.vision.segment import Box as SegmentBox
    from engine.vision.segment import SegmentError, grab
    from engine.vision.track import TrackSettings
    from engine.vision.track import span as track_span
    from engine.vision.track import track as track_mask

# name -> (module, name there) for what loads on first use (these modules import torch)
_ON_FIRST_USE = {
    "ModelError": ("engine.checkpoints", "ModelError"),
    "list_models": ("engine.checkpoints", "list_models"),
    "read_model_info": ("engine.checkpoints", "read_model_info"),
    "scan_models": ("engine.checkpoints", "scan_models"),
    "cli_main": ("engine.cli", "main"),
    "exit_process": ("engine.cli", "exit_process"),
    "is_command": ("engine.cli", "is_command"),
    # the mask tools (OpenCV: loaded when a mask tool is first used)
    "grab": ("engine.vision.segment", "grab"),
    "SegmentBox": ("engine.vision.segment", "Box"),
    "SegmentError": ("engine.vision.segment", "SegmentError"),
    "track_mask": ("engine.vision.track", "track"),
    "track_span": ("engine.vision.track", "span"),
    "TrackSettings": ("engine.vision.track", "TrackSettings"),
    "MaskTrack": ("engine.mask_track", "MaskTrack"),
    "MaskTrackError": ("engine.mask_track", "MaskTrackError"),
    "load_mask_track": ("engine.mask_track", "load"),
    "MaskEdges": ("engine.vision.mask_edges", "Edges"),
    "apply_edges": ("engine.vision.mask_edges", "apply_edges"),
    "motion_preview": ("engine.vision.motion_preview", "preview_loop"),
    "mask_track_bytes": ("engine.mask_track", "to_bytes"),
    "mask_track_from_bytes": ("engine.mask_track", "from_bytes"),
    "mask_track_from_single": ("engine.mask_track", "from_single_mask"),
    "MediaLoadError": ("engine.media.load", "MediaLoadError"),
    "load_image": ("engine.media.load", "load_image"),
    "load_video_frames": ("engine.media.load", "load_video_frames"),
}


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _ON_FIRST_USE[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), attribute)


# --- running a job ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Finished:
    """The output was written: `result.path`, with the run's seconds, sha256, model name and
    hash, device, peak memory and notes."""

    result: RunResult


@dataclass(frozen=True)
class Failed:
    message: str  # what to tell the user (out of memory says what to lower)
    # the run's result (its device, time and peak memory: what an out-of-memory report needs);
    # None when no run started (the engine could not be loaded)
    result: RunResult | None = None


@dataclass(frozen=True)
class JobCancelled:
    """The job stopped because its token was cancelled; nothing was written."""


Outcome = Finished | Failed | JobCancelled
Event = Progress | Outcome
LOAD_FAILED = "the engine could not be loaded"


@dataclass
class EngineSession:
    """Runs jobs one at a time on the calling thread and keeps the model loaded between them.
    `sign`: how outputs are signed (SignOptions; None: the default identity)."""

    sign: SignOptions | None = None
    _engine: Engine | None = field(default=None, repr=False)

    def submit(
        self,
        job: Job,
        output: Path,
        cancel: CancelToken,
        on_event: Callable[[Event], None] | None = None,
    ) -> Outcome:
        """Run `job` to `output` (atomically, replacing what is there). Every event goes to
        `on_event`, the outcome last; the outcome is also returned. Never raises for a job
        that fails: a failure is a `Failed` with a message."""
        report = on_event or (lambda event: None)
        outcome = self._run(job, output, cancel, report)
        report(outcome)
        return outcome

    def warm_up(self, model: str | None = None, device: str = "auto") -> str | None:
        """Load `model` (None: the bundled one) now, so the first job does not wait for it;
        the app calls this on the engine thread once its window is up. Returns None, or why it
        could not load (the first job will say so again)."""
        try:
            from engine.pipeline import Engine

            if self._engine is None:
                self._engine = Engine()
            self._engine.load(model, device)
        except Exception as e:  # noqa: BLE001 - a missing or broken model is the job's message
            return f"{LOAD_FAILED}: {e}"
        return None

    def _run(
        self, job: Job, output: Path, cancel: CancelToken, report: Callable[[Event], None]
    ) -> Outcome:
        try:
            from engine.pipeline import Engine
            from engine.run import CANCELLED, run_job

            if self._engine is None:
                self._engine = Engine()
        except Exception as e:  # noqa: BLE001 - a broken install is a message, not a dead thread
            return Failed(f"{LOAD_FAILED}: {e}")
        # OOM and device errors come back as a failed result with a plain message.
        result = run_job(self._engine, job, Path(output), cancel.is_set, report, sign=self.sign)
        if result.done:
            return Finished(result)
        if result.status == CANCELLED:
            return JobCancelled()
        return Failed(result.error, result)


__all__ = [
    # running jobs
    "EngineSession",
    "Event",
    "Outcome",
    "Progress",
    "Finished",
    "Failed",
    "JobCancelled",
    "RunResult",
    "ResultError",
    # the error contract
    "LumiereError",
    "Cancelled",
    "CancelToken",
    # jobs
    "Job",
    "JobError",
    "TASK_LABELS",
    "default_of",
    "spec_of",
    "name_fields",
    "plain_fields",
    "ui_labels",
    "ui_range",
    "TaskSpec",
    "spec_for",
    "tasks_using",
    "BatchError",
    "expand",
    # models (load on first use)
    "ModelError",
    "list_models",
    "read_model_info",
    "scan_models",
    # media: probing, frames, proxies, signing
    "MEDIA_SUFFIXES",
    "MediaInfo",
    "ProbeError",
    "probe",
    "DecodeError",
    "FrameReader",
    "local_file",
    "PROXY_MIN_PIXELS",
    "ProxyError",
    "cached_proxy",
    "ensure_proxy",
    "needs_proxy",
    "manifest_path",
    "SignOptions",
    "SigningError",
    "load_identity",
    # time and the timeline model
    "STANDARD_RATES",
    "RateError",
    "exact_rate",
    "frames_between",
    "nearest",
    "rate_label",
    "rate_text",
    "timecode",
    "FIT_MODES",
    "STILL_SECONDS",
    "Timeline",
    "TimelineClip",
    "with_generations",
    "Track",
    "clip_at",
    "retime",
    "Placement",
    "clip_placement",
    "sequence_frame",
    # projects, interchange, export, files
    "APP_ID",
    "SCHEMA",
    "labelled_ai",
    "MAX_DOC_BYTES",
    "ProjectError",
    "read_document",
    "InputFileError",
    "read_input",
    "OutsidePathError",
    "inside",
    "is_plain_id",
    "path_in",
    "validate_document",
    "current_timeline",
    "InterchangeError",
    "read_timeline_file",
    "export_timeline",
    "atomic_write_bytes",
    "user_paths",
    # masks: click to mask, tracking, mask-track files, reading frames for them
    "grab",
    "SegmentBox",
    "SegmentError",
    "track_mask",
    "track_span",
    "TrackSettings",
    "MaskTrack",
    "MaskTrackError",
    "load_mask_track",
    "MaskEdges",
    "apply_edges",
    "motion_preview",
    "mask_track_bytes",
    "mask_track_from_bytes",
    "mask_track_from_single",
    "MediaLoadError",
    "load_image",
    "load_video_frames",
    # the command line and the version
    "cli_main",
    "exit_process",
    "is_command",
    "__version__",
]
