"""Render a Timeline to frames (the top-most clip at each frame wins; gaps are black) and work
out the labels the whole export must carry."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.export.geometry import sequence_frame
from engine.export.sources import (
    IMAGE_SUFFIXES,
    SourceError,
    frame_files,
    frame_rate,
    iter_frames,
)
from engine.media import provenance as pv
from engine.project_schema import (
    ProjectError,
    read_document,
    validate_generations,
    validate_timeline,
)
from engine.timebase import exact_rate
from engine.timeline import (
    Timeline,
    TimelineClip,
    clip_at,
    migrate_v1,
    video_tracks,
    with_generations,
)

if TYPE_CHECKING:
    from engine.media.decode import FrameReader

PROJECT_FILE = "project.lumiere.json"


def load_project(path: Path | str) -> tuple[Timeline, Path]:
    """(timeline, folder media paths are relative to) from a project folder or its JSON file."""
    path = Path(path)
    doc = path / PROJECT_FILE if path.is_dir() else path
    try:  # the same size, type and bound checks as the app's (a project may be hostile)
        data = read_document(doc)
        if not isinstance(data, dict) or "timeline" not in data:
            raise SourceError(f"{doc.name} has no timeline")
        records = validate_generations(data)
        validate_timeline(data["timeline"], records)
    except ProjectError as e:
        raise SourceError(f"{doc} is not a usable project: {e}") from e
    try:
        timeline = Timeline.from_dict(current_timeline(data, doc.parent))
        return with_generations(timeline, data.get("generations") or {}), doc.parent
    except ValueError as e:
        raise SourceError(str(e)) from e


def current_timeline(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """The document's timeline in the current form: a schema-1 (frame-for-frame) timeline is
    migrated with its media's rates, from the document's media list, else from the files."""
    timeline: dict[str, Any] = data["timeline"]
    if "rate" in timeline:
        return timeline
    known = {
        m.get("path"): (m.get("info") or {}) for m in data.get("media", []) if isinstance(m, dict)
    }

    def rate_of(path: str) -> Fraction | None:
        info = known.get(path)
        if info is not None:
            fps = info.get("fps") or 0
            return exact_rate(fps) if info.get("kind") == "video" and fps > 0 else None
        full = Path(path) if Path(path).is_absolute() else base / path
        if full.is_dir() or full.suffix.lower() in IMAGE_SUFFIXES or not full.is_file():
            return None
        return exact_rate(frame_rate(full))

    return migrate_v1(timeline, rate_of)


def media_path(clip: TimelineClip, base: Path) -> Path:
    p = Path(clip.media)
    return p if p.is_absolute() else base / p


def clips_in(timeline: Timeline, first: int = 0, last: int | None = None) -> list[TimelineClip]:
    """Video clips that show in frames [first, last), lowest track first."""
    last = timeline.duration if last is None else last
    return [c for t in video_tracks(timeline) for c in t.clips if c.start < last and c.end > first]


class _FolderFrames:
    """Frame n of a folder of frames, decoded when asked (a clip may use 2 frames of a folder
    of thousands), the last few kept: a clip reads its frames in order, a frame at a time."""

    KEEP = 4

    def __init__(self, path: Path) -> None:
        self.files = frame_files(path)
        self.frame_count = len(self.files)
        self.decoded: dict[int, np.ndarray] = {}

    def frame(self, n: int) -> np.ndarray:
        if n not in self.decoded:
            if len(self.decoded) >= self.KEEP:
                del self.decoded[next(iter(self.decoded))]
            self.decoded[n] = next(iter_frames(self.files[n], limit=1))
        return self.decoded[n]

    def close(self) -> None:
        self.decoded.clear()


class _MediaFrames:
    """Frame n of a clip's media: seekable decoding for files (long clips are not read into
    memory), one frame file at a time for a folder of frames."""

    def __init__(self, path: Path) -> None:
        self.source: _FolderFrames | FrameReader  # a folder's frames, or a file's reader
        if path.is_dir():
            self.source = _FolderFrames(path)
        else:
            from engine.media.decode import DecodeError, FrameReader

            try:
                self.source = FrameReader(path, cache_bytes=64 << 20)
            except (DecodeError, OSError) as e:
                raise SourceError(str(e)) from e  # the message names the file
        self.count = self.source.frame_count

    def frame(self, n: int) -> np.ndarray:
        n = min(max(n, 0), self.count - 1)
        return self.source.frame(n)

    def close(self) -> None:
        self.source.close()


def render_frames(
    timeline: Timeline, base: Path, first: int = 0, last: int | None = None
) -> Iterator[np.ndarray]:
    """Frames first..last (default: the whole timeline) at the sequence's size: at each frame
    the top-most clip's picture, placed by its fit mode, position and scale
    (`geometry.sequence_frame`, as the viewer does) on the background colour."""
    last = timeline.duration if last is None else last
    size = (timeline.width, timeline.height)
    sources: dict[Path, _MediaFrames] = {}
    try:
        for f in range(first, last):
            top = clip_at(timeline, f)
            if top is None:
                yield sequence_frame(None, None, None, size, timeline.background)
                continue
            path = media_path(top, base)
            if path not in sources:
                sources[path] = _MediaFrames(path)
            frame = sources[path].frame(top.source_frame(f, timeline.rate))
            yield sequence_frame(frame, top, None, size, timeline.background)
    finally:
        for source in sources.values():
            source.close()


def clip_provenance(clip: TimelineClip, base: Path) -> pv.Provenance | None:
    if not clip.generated:
        return None
    from engine.export.sources import labels_of

    labels = labels_of(media_path(clip, base))
    if labels is not None:
        return labels
    job = clip.job or {}
    return pv.Provenance(
        pv.COMPOSITE if clip.edited_real else pv.GENERATED,
        clip.model_name,
        clip.model_hash,
        prompt=job.get("prompt", ""),
        negative_prompt=job.get("negative_prompt", ""),
        seed=job.get("seed"),
        task=job.get("task", ""),
    )


def timeline_provenance(
    timeline: Timeline, base: Path, first: int = 0, last: int | None = None
) -> pv.Provenance | None:
    """None when no clip in frames [first, last) holds generated pixels; a composite when
    generated and real clips (or edits of real footage) share the export."""
    clips = clips_in(timeline, first, last)
    generated = [(c, p) for c in clips if c.generated and (p := clip_provenance(c, base))]
    if not generated:
        return None
    lead = generated[0][1]
    mixed = len(generated) < len(clips) or any(
        c.edited_real or p.source_type == pv.COMPOSITE for c, p in generated
    )
    models = sorted({p.model_name for _, p in generated if p.model_name})
    hashes = sorted({p.model_hash for _, p in generated if p.model_hash})
    return pv.Provenance(
        pv.COMPOSITE if mixed else pv.GENERATED,
        ", ".join(models),
        ", ".join(hashes),
        prompt=" | ".join(p.prompt for _, p in generated if p.prompt),
        seed=lead.seed,
        task=lead.task,
        clip_id=lead.clip_id if len(generated) == 1 else None,
        extra={"generated_clips": [c.name or Path(c.media).name for c, _ in generated]},
    )
