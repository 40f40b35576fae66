"""The open project as a QObject: every edit goes through here as an undoable command, and
views listen to `changed` / `mask_changed`. The widgets never mutate `Project` directly."""

from __future__ import annotations

from collections.abc import Callable, Collection
from enum import Enum
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from engine.api import (
    FIT_MODES,
    STILL_SECONDS,
    TASK_LABELS,
    MediaInfo,
    TimelineClip,
    Track,
    exact_rate,
    frames_between,
    nearest,
    rate_text,
    retime,
    spec_for,
)
from lumiere_studio.model.generations import GenerationRecord
from lumiere_studio.model.history import MaskCommand, SnapshotCommand
from lumiere_studio.model.masks import Patch
from lumiere_studio.model.project import MAX_STROKE_POINTS, MaskMeta, MediaItem, Project, new_id


class _Unchanged(Enum):
    """Default of an argument the caller left out (None is a value: no in/out point)."""

    KEEP = "keep"


_KEEP: Final = _Unchanged.KEEP


class Document(QObject):
    changed = Signal()  # media, timeline, in/out, history
    mask_changed = Signal(str)  # media id
    dirty_changed = Signal(bool)

    def __init__(self, project: Project | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project or Project()
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._autosave_dirty = False
        self.still_seconds: float = STILL_SECONDS  # a preference: how long a placed still lasts

    # --- plumbing ------------------------------------------------------------------------
    def _on_clean_changed(self, clean: bool) -> None:
        self.dirty_changed.emit(not clean)

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    def apply_state(self, state: dict[str, Any]) -> None:
        self.project.set_state(state)
        self._autosave_dirty = True
        self.changed.emit()

    def edit(self, text: str, change: Callable[[Project], None]) -> None:
        """Run `change` on the project as one undoable step (skipped if it changed nothing)."""
        before = self.project.state()
        change(self.project)
        after = self.project.state()
        if after == before:
            return
        self.project.set_state(before)
        self.undo_stack.push(SnapshotCommand(self, text, before, after))

    def put_mask_patch(self, media_id: str, rect, pixels) -> None:
        mask = self.project.mask_for(media_id)
        if mask is not None:
            mask.put_rect(rect, pixels)
            self._autosave_dirty = True
            self.mask_changed.emit(media_id)

    def take_autosave_dirty(self) -> bool:
        dirty, self._autosave_dirty = self._autosave_dirty, False
        return dirty

    # --- media ---------------------------------------------------------------------------
    def import_media(
        self, infos: list[MediaInfo], labelled_ai: Collection[str] = ()
    ) -> list[MediaItem]:
        """Bin items for probed files; those in `labelled_ai` (files whose labels say they are
        AI-made) count as generated: shown as such, and never setting the sequence's size."""
        items = [
            MediaItem(
                path=self.project.relative(i.path),
                info=i.to_dict(),
                name=Path(i.path).name,
                generated=i.path in labelled_ai,
            )
            for i in infos
        ]
        if items:
            text = f"Import {items[0].name}" if len(items) == 1 else f"Import {len(items)} files"
            self.edit(text, lambda p: p.media.extend(items))
        return items

    def remove_media(self, media_id: str) -> None:
        """The bin item out of the project, and its clips off the timeline: one undo step."""

        def change(p: Project) -> None:
            item = p.media_by_id(media_id)
            if item is None:
                return
            p.media.remove(item)
            if any(m.path == item.path for m in p.media):
                return  # the same file imported twice: its clips now belong to the other
            for track in p.timeline.tracks:
                track.clips = [c for c in track.clips if c.media != item.path]

        self.edit("Remove media", change)

    def add_generated(
        self, item: MediaItem, record: GenerationRecord, over: bool = False
    ) -> TimelineClip:
        """A finished generation: its record into the project, its item into the bin, a clip
        onto the timeline and an entry into the history, the three naming the record, as one
        undoable step. The record's `origin` ({"media": path, "frame": n}) is the source and
        frame it was made from: the clip counts its source timecode from there, and with
        `over` it is placed over the stretch of that source it replaces, on a free track above
        it, instead of at the end of the first track."""
        clip_id, origin = new_id(), record.origin

        def change(p: Project) -> None:
            p.generations[record.id] = record
            item.generation_id = record.id
            p.media.append(item)
            start, track = p.timeline.duration, 0
            spot = _over_source(p, origin) if over and origin else None
            if spot is not None:
                start, track = spot
            clip = self._clip_for(p, item, start, clip_id)
            task = record.job.get("task")  # a task this version does not know is not marked
            clip.edited_real = task in TASK_LABELS and spec_for(task).composites_footage
            if origin:
                clip.source_offset = max(0, int(origin.get("frame", 0)))
            _free_track(p, track, clip).clips.append(clip)
            p.history.append(record.id)

        self.edit(f"Generate {item.name}", change)
        found = self.find_clip(clip_id)
        assert found is not None  # change() always adds the clip, so the edit always happens
        return found[1]

    # --- timeline ------------------------------------------------------------------------
    def _clip_for(self, p: Project, item: MediaItem, start: int, clip_id: str) -> TimelineClip:
        """A clip showing all of `item`, lasting its real time at the sequence's rate (a still:
        the default still length). The first real clip on an unsettled sequence sets its size
        and rate first."""
        _fit_timeline(p, item)
        info, tl = item.media_info, p.timeline
        if info.kind == "video" and info.fps > 0:
            rate = exact_rate(info.fps)
            duration, rate_str = tl.frames_for(info.frames, rate), rate_text(rate)
        else:
            duration, rate_str = max(1, nearest(Fraction(self.still_seconds) * tl.rate)), ""
        return TimelineClip(
            media=item.path,
            source_in=0,
            duration=duration,
            start=start,
            rate=rate_str,
            name=item.name,
            generated=item.generated,
            id=clip_id,
            source_offset=source_offset(p.job_of(item)),
            generation_id=item.generation_id,
        )

    def find_clip(self, clip_id: str) -> tuple[Track, TimelineClip] | None:
        for track in self.project.timeline.tracks:
            for clip in track.clips:
                if clip.id == clip_id:
                    return track, clip
        return None

    def add_to_timeline(self, media_id: str, start: int | None = None, track: int = 0) -> str:
        item = self.project.media_by_id(media_id)
        if item is None:
            return ""
        clip_id = new_id()

        def change(p: Project) -> None:
            first = start if start is not None else p.timeline.duration
            clip = self._clip_for(p, item, first, clip_id)
            while len(p.timeline.tracks) <= track:
                p.timeline.tracks.append(Track(name=f"V{len(p.timeline.tracks) + 1}"))
            p.timeline.tracks[track].clips.append(clip)

        self.edit(f"Add {item.name} to timeline", change)
        return clip_id

    def _clip_edit(self, text: str, clip_id: str, fn: Callable[[Project, Track, Any], None]):
        def change(p: Project) -> None:
            for track in p.timeline.tracks:
                for clip in track.clips:
                    if clip.id == clip_id:
                        fn(p, track, clip)
                        return

        self.edit(text, change)

    def move_clip(self, clip_id: str, start: int, track_index: int | None = None) -> None:
        def fn(p: Project, track: Track, clip: TimelineClip) -> None:
            clip.start = max(0, int(start))
            if track_index is not None and p.timeline.tracks.index(track) != track_index:
                while len(p.timeline.tracks) <= track_index:
                    p.timeline.tracks.append(Track(name=f"V{len(p.timeline.tracks) + 1}"))
                track.clips.remove(clip)
                p.timeline.tracks[track_index].clips.append(clip)

        self._clip_edit("Move clip", clip_id, fn)

    def trim_clip(self, clip_id: str, start: int, duration: int) -> None:
        """Give a clip a new start and length on the timeline, keeping each of its sequence
        frames on the same media time (trimming the head moves `source_in` with it). A video
        stops at its media's first and last frames; a still trims to any length."""

        def fn(p: Project, track: Track, clip: TimelineClip) -> None:
            lo, hi = trim_limits(p, clip)
            first = max(int(start), lo)
            end = int(start) + int(duration)
            end = end if hi is None else min(hi, end)
            if end - first < 1:
                return
            clip.source_in = clip.source_frame(first, p.timeline.rate)
            clip.start, clip.duration = first, end - first

        self._clip_edit("Trim clip", clip_id, fn)

    def split_clip(self, clip_id: str, at: int) -> str:
        """Cut a clip at timeline frame `at`; returns the new right-hand clip's id."""
        right_id = new_id()

        def fn(p: Project, track: Track, clip: TimelineClip) -> None:
            if not clip.start < at < clip.end:
                return
            right = TimelineClip(**{**clip.__dict__, "id": right_id})
            right.source_in = clip.source_frame(at, p.timeline.rate)
            right.start, right.duration = at, clip.end - at
            clip.duration = at - clip.start
            track.clips.insert(track.clips.index(clip) + 1, right)

        self._clip_edit("Split clip", clip_id, fn)
        return right_id if self.find_clip(right_id) else ""

    def set_clip_geometry(
        self,
        clip_id: str,
        fit: str | None = None,
        scale: float | None = None,
        x: float | None = None,
        y: float | None = None,
    ) -> None:
        """How a clip's picture sits in the sequence's frame (fit mode, scale, position)."""
        if fit is not None and fit not in FIT_MODES:
            raise ValueError(f"fit must be one of {', '.join(FIT_MODES)}, got {fit!r}")
        if scale is not None and not 0.01 <= scale <= 100:
            raise ValueError(f"scale must be between 0.01 and 100, got {scale}")

        def fn(p: Project, track: Track, clip: TimelineClip) -> None:
            for name, value in (("fit", fit), ("scale", scale), ("x", x), ("y", y)):
                if value is not None:
                    setattr(clip, name, value)

        self._clip_edit("Clip geometry", clip_id, fn)

    def delete_clip(self, clip_id: str) -> None:
        self._clip_edit("Delete clip", clip_id, lambda p, t, c: t.clips.remove(c))

    def set_sequence(self, width: int, height: int, rate: Fraction, background: str) -> None:
        """Sequence settings as one undoable step. A new rate keeps every clip (and the in/out
        points) where it is in seconds; the sequence counts as settled from then on."""
        if width < 16 or height < 16 or width > 8192 or height > 8192:
            raise ValueError(f"frame size must be 16..8192 pixels a side, got {width}x{height}")
        rate = exact_rate(rate)

        def change(p: Project) -> None:
            p.in_point, p.out_point = retime(p.timeline, rate, [p.in_point, p.out_point])
            p.timeline.width, p.timeline.height = int(width), int(height)
            p.timeline.background = background
            p.timeline.settled = True

        self.edit("Sequence settings", change)

    def set_in_out(
        self, in_point: int | None | _Unchanged = _KEEP, out_point: int | None | _Unchanged = _KEEP
    ) -> None:
        def change(p: Project) -> None:
            if in_point is not _KEEP:
                p.in_point = in_point
            if out_point is not _KEEP:
                p.out_point = out_point

        label = "Set in point" if out_point is _KEEP else "Set out point"
        self.edit(label, change)

    # --- masks ---------------------------------------------------------------------------
    def set_mask_from_frame(self, media_id: str, frame: int) -> None:
        def change(p: Project) -> None:
            p.mask_meta.setdefault(media_id, MaskMeta()).from_frame = max(0, int(frame))

        self.edit("Mask start frame", change)

    # --- motion hints (a cinemagraph's arrows, pins, freeze strokes; the source's pixels) -
    def add_arrow(self, media_id: str, x0: float, y0: float, x1: float, y1: float) -> None:
        arrow = [round(float(v), 1) for v in (x0, y0, x1, y1)]
        self._motion_edit("Add motion arrow", media_id, lambda m: m.arrows.append(arrow))

    def add_pin(self, media_id: str, x: float, y: float) -> None:
        pin = [round(float(x), 1), round(float(y), 1)]
        self._motion_edit("Add anchor pin", media_id, lambda m: m.pins.append(pin))

    def add_freeze(self, media_id: str, radius: float, points: list[tuple[float, float]]) -> None:
        """A freeze-brush stroke (nothing moves under it): its radius and points, thinned to
        one every quarter radius (the rest adds nothing to its shape) and kept to 0.1 px."""
        if not points or radius <= 0:
            return
        kept = [points[0]]
        for x, y in points[1:]:
            if np.hypot(x - kept[-1][0], y - kept[-1][1]) >= max(0.5, radius / 4):
                kept.append((x, y))
        if kept[-1] != points[-1]:
            kept.append(points[-1])
        kept = kept[:MAX_STROKE_POINTS]
        stroke = [round(float(radius), 1)] + [round(float(v), 1) for p in kept for v in p]
        self._motion_edit("Freeze brush", media_id, lambda m: m.freeze.append(stroke))

    def remove_motion_near(self, media_id: str, x: float, y: float, radius: float) -> bool:
        """Remove the pin, or else the arrow (nearest point of its shaft), or else the freeze
        stroke, nearest (x, y) within `radius` source pixels; False when none is that near."""
        meta = self.project.mask_meta.get(media_id)
        if meta is None:
            return False
        found = nearest_hint(meta, x, y, radius)
        if found is None:
            return False
        kind, index = found
        text = {
            "pins": "Remove anchor pin",
            "arrows": "Remove motion arrow",
            "freeze": "Remove freeze stroke",
        }[kind]
        self._motion_edit(text, media_id, lambda m: getattr(m, kind).pop(index))
        return True

    def clear_motion(self, media_id: str) -> None:
        def clear(meta: MaskMeta) -> None:
            meta.arrows, meta.pins, meta.freeze = [], [], []

        self._motion_edit("Clear motion", media_id, clear)

    def _motion_edit(self, text: str, media_id: str, fn: Callable[[MaskMeta], None]) -> None:
        if self.project.media_by_id(media_id) is None:
            return
        self.edit(text, lambda p: fn(p.mask_meta.setdefault(media_id, MaskMeta())))

    def commit_mask_patch(self, media_id: str, text: str, patch: Patch) -> None:
        """Record an edit already made to the mask (live painting) for undo."""
        if (patch.before == patch.after).all():
            return
        self._autosave_dirty = True
        self.undo_stack.push(MaskCommand(self, media_id, text, patch))
        self.mask_changed.emit(media_id)

    def mask_operation(self, media_id: str, op: str) -> None:
        """invert / clear / fill as one undoable step."""
        mask = self.project.mask_for(media_id)
        if mask is None:
            return
        rect = mask.full_rect()
        before = mask.copy_rect(rect)
        getattr(mask, op)()
        self.commit_mask_patch(media_id, f"Mask {op}", Patch(rect, before, mask.copy_rect(rect)))
        self.mask_changed.emit(media_id)


def _fit_timeline(p: Project, item: MediaItem) -> None:
    """The first real (not generated) clip placed on an unsettled sequence sets its size and
    rate, as editors do; a generated clip never does (a 32x32 8 fps draft must not make the
    export 32x32 at 8 fps). Clips already there keep their place in seconds."""
    if p.timeline.settled or item.generated:
        return
    info = item.media_info
    p.timeline.width, p.timeline.height = info.display_size
    if info.kind == "video" and info.fps > 0:
        p.in_point, p.out_point = retime(
            p.timeline, exact_rate(info.fps), [p.in_point, p.out_point]
        )
    p.timeline.settled = True


def _over_source(p: Project, origin: dict[str, Any]) -> tuple[int, int] | None:
    """(sequence frame, track) where source frame origin["frame"] of origin["media"] is on
    the timeline, the track being the one above the clip that shows it; None if no clip does."""
    rate, frame = p.timeline.rate, int(origin.get("frame", 0))
    for index, track in enumerate(p.timeline.tracks):
        for clip in track.clips:
            if clip.media != origin.get("media"):
                continue
            src = clip.source_rate
            if src is None:  # a still
                return clip.start, index + 1
            if clip.source_in <= frame < clip.source_out(rate):
                at = clip.start + frames_between(frame - clip.source_in, src, rate)
                return min(at, clip.end - 1), index + 1
    return None


def _free_track(p: Project, lowest: int, clip: TimelineClip) -> Track:
    """The first track from `lowest` up with room for `clip` (a new track if none has)."""
    tracks = p.timeline.tracks
    for track in tracks[lowest:]:
        if all(c.end <= clip.start or c.start >= clip.end for c in track.clips):
            return track
    tracks.append(Track(name=f"V{len(tracks) + 1}"))
    return tracks[-1]


def trim_limits(p: Project, clip: TimelineClip) -> tuple[int, int | None]:
    """(earliest start, latest end) a trim can give `clip` without running off its media
    (latest None: no limit, as for a still)."""
    rate, src = p.timeline.rate, clip.source_rate
    if src is None:  # a still
        return 0, None
    earliest = clip.start - frames_between(clip.source_in, src, rate)
    while clip.source_frame(earliest, rate) < 0:
        earliest += 1
    item = p.media_by_path(clip.media)
    if item is None or item.media_info.kind != "video":
        return max(0, earliest), None
    frames = item.media_info.frames
    latest = clip.start + max(1, frames_between(frames - clip.source_in, src, rate))
    return max(0, earliest), latest


def nearest_hint(meta: MaskMeta, x: float, y: float, radius: float) -> tuple[str, int] | None:
    """("pins", "arrows" or "freeze", index) of the hint nearest (x, y) within `radius`
    (a freeze stroke's: its brush's edge); pins first, then arrows, then strokes."""
    best: tuple[float, str, int] | None = None
    for i, (px, py) in enumerate(meta.pins):
        d = float(np.hypot(px - x, py - y))
        if d <= radius and (best is None or d < best[0]):
            best = (d, "pins", i)
    if best is not None:
        return best[1], best[2]
    for i, (x0, y0, x1, y1) in enumerate(meta.arrows):
        dx, dy = x1 - x0, y1 - y0
        t = float(np.clip(((x - x0) * dx + (y - y0) * dy) / max(dx * dx + dy * dy, 1e-9), 0, 1))
        d = float(np.hypot(x0 + t * dx - x, y0 + t * dy - y))
        if d <= radius and (best is None or d < best[0]):
            best = (d, "arrows", i)
    if best is not None:
        return best[1], best[2]
    for i, stroke in enumerate(meta.freeze):
        d = _stroke_distance(stroke, x, y)
        if d <= radius and (best is None or d < best[0]):
            best = (d, "freeze", i)
    return None if best is None else (best[1], best[2])


def _stroke_distance(stroke: list[float], x: float, y: float) -> float:
    """Source pixels from (x, y) to a freeze stroke's painted area (0 inside it)."""
    points = np.asarray(stroke[1:], np.float64).reshape(-1, 2)
    a, b = points[:-1], points[1:]
    if len(points) == 1:
        a = b = points
    d = b - a
    along = (x - a[:, 0]) * d[:, 0] + (y - a[:, 1]) * d[:, 1]
    t = np.clip(along / np.maximum((d**2).sum(1), 1e-9), 0, 1)
    gap = np.hypot(a[:, 0] + t * d[:, 0] - x, a[:, 1] + t * d[:, 1] - y)
    return max(0.0, float(gap.min()) - stroke[0])


def source_offset(job: dict[str, Any] | None) -> int:
    """The source frame a generated clip was made from (its frame 0's source timecode)."""
    if not job or not job.get("video"):
        return 0
    return max(0, int(job.get("video_start_frame") or 0))
