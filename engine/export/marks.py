"""The watermark of exports that show generated pixels composited into real footage.

A generated clip carries the mark in its generated pixels only (outside them it is bit-exact
with its source). An inpaint or a cinemagraph of real footage then holds the mark in a small
region, too little to survive a re-encode. So an export marks the whole frame of every frame
whose top clip is such a composite: the rest of the frame gets the same tile with the same
payload, aligned with the clip's own (when the clip is shown at its own size), so the two parts
form one mark and the generated region is not marked twice (its mask is kept in the clip's
sidecar; without it, the whole frame is marked). Frames of real clips and of pure text-to-video
clips (marked all over already) are left as they are. A preference turns this off.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.media import provenance as pv
from engine.media import watermark as wm


@dataclass
class ClipMark:
    payload: wm.Payload
    region: np.ndarray | None  # (T, H, W) uint8, 255 where the clip's pixels are generated


def clip_mark(path: Path) -> ClipMark | None:
    """How to complete the mark of a composite generated clip; None when it needs nothing
    (not generated, or generated all over)."""
    from engine.export.sources import labels_of

    try:
        prov = labels_of(path)
        manifest = pv.read_manifest(path) or {}
    except (pv.ProvenanceError, OSError, ValueError):
        return None
    if prov is None or prov.source_type != pv.COMPOSITE:
        return None
    clip_id = prov.clip_id if prov.clip_id is not None else wm.clip_id_from(path.name.encode())
    facts = manifest.get("watermark") or {}
    return ClipMark(wm.Payload(clip_id), wm.unpack_region(facts.get("region")))


def complete(frame: np.ndarray, mark: ClipMark, source_frame: int) -> np.ndarray:
    """`frame` with the mark added where the clip's own mark is not."""
    h, w = frame.shape[:2]
    keep = None
    if mark.region is not None and mark.region.shape[1:] == (h, w):
        region = mark.region[min(max(source_frame, 0), len(mark.region) - 1)]
        keep = (255 - region)[None]
    return wm.embed(frame[None], mark.payload, keep)[0]


def mark_clip_frames(frames: Iterable[np.ndarray], mark: ClipMark | None) -> Iterator[np.ndarray]:
    for i, frame in enumerate(frames):
        yield frame if mark is None else complete(frame, mark, i)


def mark_timeline_frames(frames: Iterable[np.ndarray], timeline, base: Path, first: int
                         ) -> Iterator[np.ndarray]:  # fmt: skip
    from engine.export.render import clip_at, media_path

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
        yield frame if mark is None else complete(frame, mark, clip.source_in + f - clip.start)
