"""Click to mask and mask tracking for the viewer, run on a worker thread (never the GUI's).

`grab` decodes the frame shown at full size and runs GrabCut from a box; the mask comes back
through `grabbed`. `track` carries a keyframe mask (the painted mask on the frame shown)
through the clip, forward, backward or both, stopping at the keyframes of earlier runs; each
tracked frame comes back as it is done (`tracked_changed`), with `progress`, and `cancel`
stops the run between two frames. Tracked masks are kept at the tracking's working size and
scaled to the source's size when asked for (`mask_at`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import cv2
import numpy as np
from PySide6.QtCore import QObject, Signal

from engine.api import Cancelled, CancelToken, LumiereError
from lumiere_studio.services.worker import Worker

if TYPE_CHECKING:
    from lumiere_studio.model.project import Project

WORK_SIDE = 640  # px on the longer side where the tracking runs (engine.vision.track's)


@dataclass
class TrackedClip:
    size: tuple[int, int]  # the source's (width, height)
    keyframes: set[int] = field(default_factory=set)
    masks: dict[int, np.ndarray] = field(default_factory=dict)  # frame -> bool, working size


@dataclass
class TrackRun:
    """What one tracking run changed: the frames' masks and the keyframes, before and after."""

    media_id: str
    before: dict[int, np.ndarray | None]
    after: dict[int, np.ndarray | None]
    keys_before: set[int]
    keys_after: set[int]


class MaskTracking(QObject):
    grabbed = Signal(str, object)  # media id, uint8 (H, W) mask at the source's size
    progress = Signal(str, int, int)  # media id, frames done, frames to do
    tracked_changed = Signal(str)  # media id: a tracked frame arrived or the track was cleared
    finished = Signal(str, str)  # media id, a line for the user
    failed = Signal(str, str)  # media id, message

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = Worker("mask-tracking", self)
        self.clips: dict[str, TrackedClip] = {}
        self.edges: dict[str, tuple[int, int, bool]] = {}  # media id -> grow, feather, invert
        self._token: CancelToken | None = None
        self.busy = False
        self._run: tuple[str, dict[int, np.ndarray | None], set[int]] | None = None
        self.last_run: TrackRun | None = None  # the last run's changes, for its undo step
        # a media's track changes with each signal: its version keys the built file's cache
        self._versions: dict[str, int] = {}
        self._built: dict[str, tuple[object, bytes]] = {}
        self.tracked_changed.connect(self._bump)

    def _bump(self, media_id: str) -> None:
        self._versions[media_id] = self._versions.get(media_id, 0) + 1

    # --- what the viewer shows -----------------------------------------------------------
    def mask_at(self, media_id: str, frame: int) -> np.ndarray | None:
        """uint8 (H, W) tracked mask of `frame` at the source's size, or None."""
        clip = self.clips.get(media_id)
        if clip is None or frame not in clip.masks:
            return None
        small = clip.masks[frame].astype(np.float32)
        big = cv2.resize(small, clip.size, interpolation=cv2.INTER_LINEAR)
        return np.where(big >= 0.5, 255, 0).astype(np.uint8)

    def set_edges(self, media_id: str, grow: int, feather: int, invert: bool) -> None:
        """The media's edge controls: what the overlay shows and the jobs receive."""
        self.edges[media_id] = (grow, feather, invert)
        self.tracked_changed.emit(media_id)

    def finish_edges(self, media_id: str, mask: np.ndarray) -> np.ndarray:
        """uint8 mask `mask` under the media's edge controls (as it is without any)."""
        grow, feather, invert = self.edges.get(media_id, (0, 0, False))
        if (grow, feather, invert) == (0, 0, False):
            return mask
        from engine.api import MaskEdges, apply_edges

        final: np.ndarray = apply_edges(mask >= 128, MaskEdges(grow, feather, invert))
        return final

    def tracked_frames(self, media_id: str) -> int:
        clip = self.clips.get(media_id)
        return len(clip.masks) if clip else 0

    def clear(self, media_id: str) -> None:
        if self.clips.pop(media_id, None) is not None:
            self.tracked_changed.emit(media_id)

    # --- click to mask -------------------------------------------------------------------
    def grab(
        self,
        media_id: str,
        path: str,
        frame: int,
        still: bool,
        box: tuple[int, ...] | None,
        include: Sequence[tuple[int, int]] = (),
        exclude: Sequence[tuple[int, int]] = (),
    ) -> None:
        """GrabCut inside `box` (x, y, w, h in source pixels) and/or from include/exclude
        clicks (x, y) on frame `frame` of `path`."""
        include, exclude = list(include), list(exclude)

        def run() -> None:
            from engine.api import SegmentBox, SegmentError, grab

            try:
                picture = _decode(path, frame, still)
                mask = grab(picture, SegmentBox(*box) if box else None, include, exclude)
            except (LumiereError, SegmentError, OSError) as e:
                self.worker.post(self._grab_failed, media_id, str(e))
                return
            self.worker.post(self._grabbed, media_id, mask)

        self.worker.submit(run)

    def _grabbed(self, media_id: str, mask: np.ndarray) -> None:
        self.grabbed.emit(media_id, mask)

    def _grab_failed(self, media_id: str, message: str) -> None:
        self.failed.emit(media_id, message)

    def take_for_correction(self, media_id: str, frame: int) -> np.ndarray | None:
        """The tracked mask of `frame` (source size), removed from the track so the painted
        mask shows there: the user corrects it, and tracking from here makes it a keyframe."""
        mask = self.mask_at(media_id, frame)
        if mask is not None:
            del self.clips[media_id].masks[frame]
            self.tracked_changed.emit(media_id)
        return mask

    # --- tracking ------------------------------------------------------------------------
    def track(
        self,
        media_id: str,
        path: str,
        frame: int,
        frame_count: int,
        mask: np.ndarray,
        direction: str,
    ) -> bool:
        """Track bool `mask` from `frame` (it becomes a keyframe); False if a run is on."""
        from engine.api import TrackSettings, track_span

        if self.busy:
            return False
        h, w = mask.shape
        clip = self.clips.get(media_id)
        if clip is None or clip.size != (w, h):
            clip = self.clips[media_id] = TrackedClip((w, h))
        keys_before = set(clip.keyframes)
        clip.keyframes.add(frame)
        self._bump(media_id)
        order = track_span(clip.keyframes, frame, direction, frame_count)  # type: ignore[arg-type]
        before = {f: clip.masks.get(f) for f in (frame, *order)}
        self._run = (media_id, before, keys_before)
        clip.masks.pop(frame, None)  # a keyframe shows its own painted mask
        self.busy, token = True, CancelToken()
        self._token = token
        settings = TrackSettings(work_side=WORK_SIDE)

        def run() -> None:
            from engine.api import load_video_frames, track_mask

            done = 0
            try:
                if order:
                    first, last = min(frame, *order), max(frame, *order)
                    video, _ = load_video_frames(path, first, last - first + 1, max_side=WORK_SIDE)
                    small = cv2.resize(
                        mask.astype(np.uint8), video.shape[2:0:-1], interpolation=cv2.INTER_AREA
                    ).astype(bool)

                    class Frames:
                        def __getitem__(self, i: int) -> np.ndarray:
                            picture: np.ndarray = video[i - first]
                            return picture

                    for index, tracked in track_mask(
                        Frames(),
                        frame,
                        small,
                        order,
                        settings=settings,
                        progress=lambda d, n: self.worker.post(self._progress, media_id, d, n),
                        cancel=token.is_set,
                    ):
                        self.worker.post(self._store, media_id, index, tracked)
                        done += 1
            except Cancelled:
                self.worker.post(self._done, media_id, f"tracking cancelled after {done} frames")
                return
            except (LumiereError, OSError, ValueError) as e:
                self.worker.post(self._fail, media_id, str(e))
                return
            self.worker.post(self._done, media_id, f"tracked {done} frames {direction}")

        self.worker.submit(run)
        return True

    def cancel(self) -> None:
        if self._token is not None:
            self._token.cancel()

    def _store(self, media_id: str, index: int, mask: np.ndarray) -> None:
        clip = self.clips.get(media_id)
        if clip is not None and index not in clip.keyframes:
            clip.masks[index] = mask
            self.tracked_changed.emit(media_id)

    def _progress(self, media_id: str, done: int, total: int) -> None:
        self.progress.emit(media_id, done, total)

    def _done(self, media_id: str, text: str) -> None:
        self.busy, self._token = False, None
        self._record_run()
        self.finished.emit(media_id, text)

    def _record_run(self) -> None:
        """What the run that ended changed, for its undo step (`last_run`)."""
        if self._run is None:
            return
        media_id, before, keys_before = self._run
        clip = self.clips.get(media_id)
        if clip is not None:
            after = {f: clip.masks.get(f) for f in before}
            self.last_run = TrackRun(media_id, before, after, keys_before, set(clip.keyframes))
        self._run = None

    def restore(self, media_id: str, masks: dict[int, np.ndarray | None], keys: set[int]) -> None:
        """Put back the frames `masks` names (None: no tracked mask there) and the keyframes:
        an undo or redo of a run."""
        clip = self.clips.get(media_id)
        if clip is None:
            return
        for f, mask in masks.items():
            if mask is None:
                clip.masks.pop(f, None)
            else:
                clip.masks[f] = mask
        clip.keyframes = set(keys)
        self.tracked_changed.emit(media_id)

    def _fail(self, media_id: str, message: str) -> None:
        self.busy, self._token = False, None
        self._record_run()
        self.failed.emit(media_id, message)

    def track_file_bytes(
        self, media_id: str, painted: np.ndarray, from_frame: int, length: int
    ) -> bytes | None:
        """The media's masks as a mask-track file for a job (None: nothing tracked and no edge
        controls set: the painted PNG serves): the painted mask is the keyframe at `from_frame`
        (held until a tracked frame, as a single mask is held today), every tracked frame its
        own mask at the source's size, with the edge controls."""
        from engine.api import MaskEdges, MaskTrack, mask_track_bytes

        clip = self.clips.get(media_id)
        has_tracked = bool(clip and clip.masks and painted.shape == clip.size[::-1])
        edges = MaskEdges(*self.edges.get(media_id, (0, 0, False)))
        if not has_tracked and edges.plain:
            return None
        h, w = painted.shape
        track = MaskTrack(width=w, height=h, length=max(length, from_frame + 1), edges=edges)
        track.set_keyframe(from_frame, painted >= 128)
        track.put_tracked(
            (f, mask >= 128)
            for f in sorted(clip.masks if clip is not None and has_tracked else ())
            if f < track.length and (mask := self.mask_at(media_id, f)) is not None
        )
        return mask_track_bytes(track)

    # --- kept with the project (its document lists one mask-track file per media) -------
    def project_tracks(self, project: Project) -> dict[str, bytes]:
        """Each masked media's mask-track file as the project is to save it: the painted mask
        as every keyframe (as a single mask, held from its first frame, where nothing was
        tracked), the tracked frames, the edge controls, the motion hints. A media whose
        track has not changed since the last call is not built again."""
        out: dict[str, bytes] = {}
        for item in project.media:
            mask = project.masks.get(item.id)
            painted = mask.pixels if mask is not None and mask.any() else None
            clip = self.clips.get(item.id)
            if painted is None and (clip is None or not clip.masks):
                continue
            meta = project.mask_meta.get(item.id)
            hints = (meta.arrows, meta.pins, meta.freeze) if meta else ([], [], [])
            key = (
                self._versions.get(item.id, 0),
                None if painted is None else hashlib.sha1(painted.tobytes()).hexdigest(),
                meta.from_frame if meta else 0,
                json.dumps(hints),
                item.media_info.frames,
                item.media_info.display_size,
                self.edges.get(item.id),
            )
            cached = self._built.get(item.id)
            if cached is None or cached[0] != key:
                data = self._track_bytes(item.id, painted, key[2], hints, key[4], key[5])
                cached = self._built[item.id] = (key, data)
            out[item.id] = cached[1]
        return out

    def _track_bytes(
        self,
        media_id: str,
        painted: np.ndarray | None,
        from_frame: int,
        hints: tuple[list[list[float]], ...],
        frames: int,
        size: tuple[int, int],
    ) -> bytes:
        from engine.api import MaskEdges, MaskTrack, mask_track_bytes

        w, h = size
        clip = self.clips.get(media_id)
        tracked = clip.masks if clip is not None and clip.size == size else {}
        length = max(frames, from_frame + 1, max(tracked, default=0) + 1)
        track = MaskTrack(width=w, height=h, length=length)
        track.edges = MaskEdges(*self.edges.get(media_id, (0, 0, False)))
        track.arrows, track.pins, track.freeze = (list(v) for v in hints)
        key_mask = painted >= 128 if painted is not None and painted.shape == (h, w) else None
        keys = set(clip.keyframes) if clip is not None and tracked else {from_frame}
        for f in keys:  # the painted mask is every keyframe's
            if f < length:
                track.keyframes[f] = key_mask if key_mask is not None else np.zeros((h, w), bool)
        track.put_tracked(
            (f, mask >= 128) for f in tracked if (mask := self.mask_at(media_id, f)) is not None
        )
        return bytes(mask_track_bytes(track))

    def load_from_project(self, project: Project) -> list[str]:
        """The tracks the project opened with (its `tracks`, read and checked on load):
        their tracked frames and edge controls. Returns notes on tracks that cannot be used."""
        from engine.api import MaskTrackError, mask_track_from_bytes

        self.clips.clear()
        self.edges.clear()
        self._built.clear()
        notes: list[str] = []
        for media_id, data in project.tracks.items():
            try:
                track = mask_track_from_bytes(data, f"the mask track of {media_id}")
            except MaskTrackError as e:
                notes.append(str(e))
                continue
            size = (track.width, track.height)
            if track.tracked:
                masks = {f: _to_work_size(m) for f, m in track.tracked.items()}
                self.clips[media_id] = TrackedClip(size, set(track.keyframes), masks)
            edges = track.edges
            if not edges.plain:
                self.edges[media_id] = (edges.grow, edges.feather, edges.invert)
            self.tracked_changed.emit(media_id)
        return notes

    def shutdown(self) -> None:
        self.cancel()
        self.worker.shutdown()


def _to_work_size(mask: np.ndarray) -> np.ndarray:
    """bool mask at the size tracking keeps masks in (memory: a long 1080p track is large)."""
    h, w = mask.shape
    scale = min(1.0, WORK_SIDE / max(w, h))
    if scale == 1.0:
        return mask
    size = (max(2, round(w * scale)), max(2, round(h * scale)))
    small = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    out: np.ndarray = small >= 0.5
    return out


def _decode(path: str, frame: int, still: bool) -> np.ndarray:
    """Frame `frame` of the clip (or the still) at full size, uint8 RGB."""
    from engine.api import load_image, load_video_frames

    if still:
        return load_image(path)
    video, _ = load_video_frames(path, frame, 1)
    picture: np.ndarray = video[0]
    return picture
