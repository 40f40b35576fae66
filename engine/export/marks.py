"""The watermark of exports that show generated pixels composited into real footage.

A generated clip carries the mark in its generated pixels only (outside them it is bit-exact
with its source). An inpaint or a cinemagraph of real footage then holds the mark in a small
region, too little to survive a re-encode. So an export marks the whole frame of every frame
whose top clip is such a composite: the rest of the frame gets the same tile with the same
payload, aligned with the clip's own (when the clip is shown at its own size), so the two parts
form one mark and the generated region is not marked twice (its mask is kept in the clip's
sidecar; without it, the whole frame is marked). Frames of real clips and of pure text-to-video
clips (marked all over already) are left as they are. A preference turns this off.

The same regions give ProRes 4444 exports their alpha (`--alpha mask`): 255 where the frame
shows generated pixels, 0 on real footage and gaps, so an editor can composite the generated
part over other footage.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engine.media import provenance as pv
from engine.media import watermark as wm
from engine.timeline import clip_at

if TYPE_CHECKING:
    from engine.timeline import Timeline, TimelineClip


@dataclass
class ClipMark:
    payload: wm.Payload
    region: np.ndarray | None  # (T, H, W) uint8, 255 where the clip's pixels are generated


def _labels(path: Path) -> tuple[pv.Provenance | None, np.ndarray | None]:
    """(the clip's labels, its generated region from the sidecar); (None, None) unlabelled."""
    from engine.export.sources import labels_of

    try:
        prov = labels_of(path)
        manifest = pv.read_manifest(path) or {}
    except (pv.ProvenanceError, OSError, ValueError):
        return None, None
    return prov, wm.unpack_region((manifest.get("watermark") or {}).get("region"))


def clip_mark(path: Path) -> ClipMark | None:
    """How to complete the mark of a composite generated clip; None when it needs nothing
    (not generated, or generated all over)."""
    prov, region = _labels(path)
    if prov is None or prov.source_type != pv.COMPOSITE:
        return None
    clip_id = prov.clip_id if prov.clip_id is not None else wm.clip_id_from(path.name.encode())
    return ClipMark(wm.Payload(clip_id), region)


def complete(
    frame: np.ndarray, mark: ClipMark, source_frame: int, clip: TimelineClip | None = None
) -> np.ndarray:
    """`frame` with the mark added where the clip's own mark is not; `clip` (a timeline clip)
    places the clip's region in the sequence frame as the picture is placed."""
    h, w = frame.shape[:2]
    keep = None
    if mark.region is not None:
        region = mark.region[min(max(source_frame, 0), len(mark.region) - 1)]
        if clip is not None:
            region = region_in_sequence(region, clip, (w, h))
        if region.shape == (h, w):
            keep = (255 - region)[None]
    marked: np.ndarray = wm.embed(frame[None], mark.payload, keep)[0]
    return marked


def region_in_sequence(
    region: np.ndarray, clip: TimelineClip, frame_size: tuple[int, int]
) -> np.ndarray:
    """A clip's generated region (H x W, 0-255, in its own pixels) where the sequence frame
    shows it: the same placement as the picture (`geometry.sequence_frame`), 0 elsewhere."""
    from engine.export.geometry import sequence_frame

    rgb = np.repeat(region[..., None], 3, axis=-1)
    return np.ascontiguousarray(sequence_frame(rgb, clip, None, frame_size)[..., 0])


def mark_clip_frames(frames: Iterable[np.ndarray], mark: ClipMark | None) -> Iterator[np.ndarray]:
    for i, frame in enumerate(frames):
        yield frame if mark is None else complete(frame, mark, i)


def mark_timeline_frames(
    frames: Iterable[np.ndarray], timeline: Timeline, base: Path, first: int
) -> Iterator[np.ndarray]:
    from engine.export.render import media_path

    marks: dict[Path, ClipMark | None] = {}
    for f, frame in enumerate(frames, start=first):
        clip = clip_at(timeline, f)
        if clip is None or not clip.generated:
            yield frame
            continue
        path = media_path(clip, base)
        if path not in marks:
            marks[path] = clip_mark(path)
        mark = marks[path]
        if mark is None:
            yield frame
        else:
            yield complete(frame, mark, clip.source_frame(f, timeline.rate), clip)


# --- alpha ---------------------------------------------------------------------------------
class GeneratedAlpha:
    """Alpha frames for ProRes 4444, made one at a time (an export may be long): frame i of
    the export is timeline frame first + i (or, with no timeline, frame i of one clip)."""

    def __init__(
        self,
        size: tuple[int, int],
        count: int,
        timeline: Timeline | None = None,
        base: Path | None = None,
        first: int = 0,
        clip: Path | None = None,
    ) -> None:
        self.h, self.w = size
        self.count, self.timeline, self.base, self.first, self.clip = (
            count,
            timeline,
            base,
            first,
            clip,
        )
        self._regions: dict[Path, tuple[bool, np.ndarray | None]] = {}
        self._sizes: dict[Path, tuple[int, int]] = {}

    def __len__(self) -> int:
        return self.count

    def _region(self, path: Path) -> tuple[bool, np.ndarray | None]:
        if path not in self._regions:
            prov, region = _labels(path)
            self._regions[path] = (prov is not None, region)
        return self._regions[path]

    def _picture_size(self, path: Path) -> tuple[int, int]:
        """(height, width) of a clip's own frames, read once."""
        if path not in self._sizes:
            from engine.export.sources import iter_frames

            self._sizes[path] = next(iter_frames(path, limit=1)).shape[:2]
        return self._sizes[path]

    def _shown(self, i: int) -> tuple[Path, int, TimelineClip | None] | None:
        """(the media, its frame, the timeline clip that places it in the sequence frame) that
        export frame i shows; None when no generated clip shows there."""
        if self.clip is not None:
            return self.clip, i, None
        from engine.export.render import media_path

        timeline, base = self.timeline, self.base
        if timeline is None or base is None:
            raise ValueError("GeneratedAlpha needs a clip, or a timeline and its base folder")
        clip = clip_at(timeline, self.first + i)
        if clip is None or not clip.generated:
            return None
        return media_path(clip, base), clip.source_frame(self.first + i, timeline.rate), clip

    def __getitem__(self, i: int) -> np.ndarray:
        shown = self._shown(i)
        if shown is None:
            return np.zeros((self.h, self.w), np.uint8)
        path, n, placed = shown
        generated, region = self._region(path)
        if not generated:
            return np.zeros((self.h, self.w), np.uint8)
        if region is None and placed is None:  # generated all over (or region not recorded)
            return np.full((self.h, self.w), 255, np.uint8)
        if region is None:  # all of the clip's own picture, not the bars the sequence adds
            r = np.full(self._picture_size(path), 255, np.uint8)
        else:
            r = region[min(max(n, 0), len(region) - 1)]
        if placed is not None:  # placed in the sequence frame as the picture is
            r = region_in_sequence(r, placed, (self.w, self.h))
        if r.shape != (self.h, self.w):  # the clip is shown at another size: nearest pixel
            ys = (np.arange(self.h) * r.shape[0] // self.h).clip(0, r.shape[0] - 1)
            xs = (np.arange(self.w) * r.shape[1] // self.w).clip(0, r.shape[1] - 1)
            r = r[ys][:, xs]
        return np.ascontiguousarray(r)
