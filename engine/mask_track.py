"""A mask track: the keyframes a user painted or corrected, the frames tracked between them,
and the edge settings; one compressed file per track.

Frame i's raw mask is its keyframe, else its tracked mask, else the nearest keyframe before it
held still (so a single painted mask behaves as today's: it applies from its frame on), else
nothing. The final mask (`final`) is the raw one under the edge settings: what the overlay
shows and the tasks receive.

A track also carries the cinemagraph motion hints drawn on its media (schema 2): arrows
[x0, y0, x1, y1], anchor pins [x, y] and freeze-brush strokes [radius, x0, y0, x1, y1, ...],
in the source's pixels; a schema-1 file reads with none.

The file is an .npz (zip of .npy, deflated) read with allow_pickle=False, so opening one never
runs code: `meta` (JSON bytes: schema, size, length, edges, motion hints, keyframe and tracked
frame numbers) and `keys` / `tracked` (uint8 bit-packed masks, one row per frame). Writes are
atomic.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.errors import LumiereError
from engine.tempfiles import atomic_write_bytes
from engine.vision.mask_edges import Edges, apply_edges
from engine.vision.track import Direction, span

SCHEMA = 2  # 2: motion hints (arrows, pins, freeze strokes); 1 had none
SUFFIX = ".masktrack"  # the file is an .npz; its own suffix says what it holds
_MAX_PIXELS = 64_000_000  # per frame: larger is a damaged or hostile file, not a mask
_MAX_FRAMES = 100_000
MAX_HINTS = 1000  # arrows, pins or freeze strokes on one track (as a project's mask_meta)
MAX_STROKE_POINTS = 10_000


class MaskTrackError(LumiereError):
    """A mask-track file that cannot be read (damaged, not one, or from a newer version)."""


@dataclass
class MaskTrack:
    width: int
    height: int
    length: int  # frames in the clip
    keyframes: dict[int, np.ndarray] = field(default_factory=dict)  # bool (H, W) each
    tracked: dict[int, np.ndarray] = field(default_factory=dict)
    edges: Edges = field(default_factory=Edges)
    arrows: list[list[float]] = field(default_factory=list)  # [x0, y0, x1, y1] each
    pins: list[list[float]] = field(default_factory=list)  # [x, y] each
    freeze: list[list[float]] = field(default_factory=list)  # [radius, x0, y0, ...] each

    def _check(self, index: int, mask: np.ndarray | None = None) -> None:
        if not 0 <= index < self.length:
            raise ValueError(f"frame {index} is outside the track's {self.length} frames")
        if mask is not None and mask.shape != (self.height, self.width):
            raise ValueError(
                f"a {mask.shape[1]}x{mask.shape[0]} mask does not fit the track's "
                f"{self.width}x{self.height} frames"
            )

    def set_keyframe(self, index: int, mask: np.ndarray) -> None:
        """Make frame `index` a keyframe (a painted or corrected mask): its tracked mask goes."""
        self._check(index, mask)
        self.keyframes[index] = np.asarray(mask, bool).copy()
        self.tracked.pop(index, None)

    def remove_keyframe(self, index: int) -> None:
        self.keyframes.pop(index, None)

    def retrack_span(self, index: int, direction: Direction, limit: int | None = None) -> list[int]:
        """The frames a re-track from keyframe `index` fills: never past the next keyframe."""
        if index not in self.keyframes:
            raise ValueError(f"frame {index} is not a keyframe: correct it first")
        return span(self.keyframes, index, direction, self.length, limit)

    def put_tracked(self, frames: Iterable[tuple[int, np.ndarray]]) -> int:
        """Store tracked masks; a keyframe is never overwritten (those frames are skipped).
        Returns how many were stored."""
        stored = 0
        for index, mask in frames:
            self._check(index, mask)
            if index in self.keyframes:
                continue
            self.tracked[index] = np.asarray(mask, bool)
            stored += 1
        return stored

    def raw(self, index: int) -> np.ndarray | None:
        """bool (H, W) mask of frame `index` before the edge settings, None for no mask."""
        self._check(index)
        if index in self.keyframes:
            return self.keyframes[index]
        if index in self.tracked:
            return self.tracked[index]
        held = [k for k in self.keyframes if k < index]
        return self.keyframes[max(held)] if held else None

    def final(self, index: int) -> np.ndarray:
        """uint8 (H, W) final mask of frame `index` (255 = inside), edges applied."""
        mask = self.raw(index)
        if mask is None:
            mask = np.zeros((self.height, self.width), bool)
        return apply_edges(mask, self.edges)


def from_single_mask(mask: np.ndarray, length: int, from_frame: int = 0) -> MaskTrack:
    """Today's single mask (applied from `from_frame` on) as a track with one keyframe: its
    final masks are the same mask on each of those frames and none before."""
    h, w = mask.shape
    track = MaskTrack(width=w, height=h, length=length)
    track.set_keyframe(from_frame, np.asarray(mask, bool))
    return track


def _pack(masks: dict[int, np.ndarray], n_pixels: int) -> tuple[list[int], np.ndarray]:
    order = sorted(masks)
    rows = np.zeros((len(order), (n_pixels + 7) // 8), np.uint8)
    for row, index in enumerate(order):
        rows[row] = np.packbits(masks[index].ravel())
    return order, rows


def to_bytes(track: MaskTrack) -> bytes:
    n = track.width * track.height
    key_order, keys = _pack(track.keyframes, n)
    tracked_order, tracked = _pack(track.tracked, n)
    meta = {
        "schema": SCHEMA,
        "kind": "lumiere-mask-track",
        "width": track.width,
        "height": track.height,
        "length": track.length,
        "edges": {
            "grow": track.edges.grow,
            "feather": track.edges.feather,
            "invert": track.edges.invert,
        },
        "motion": {"arrows": track.arrows, "pins": track.pins, "freeze": track.freeze},
        "keyframes": key_order,
        "tracked": tracked_order,
    }
    buffer = io.BytesIO()
    meta_bytes = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez_compressed(buffer, meta=meta_bytes, keys=keys, tracked=tracked)
    return buffer.getvalue()


def save(path: str | Path, track: MaskTrack) -> None:
    """Write `track` to `path` atomically (the old file stays whole until the new one is)."""
    atomic_write_bytes(Path(path), to_bytes(track))


def _int(meta: dict[str, object], key: str, low: int, high: int) -> int:
    value = meta.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"its {key} is missing or out of range")
    return value


def _frames(meta: dict[str, object], key: str, length: int, count: int) -> list[int]:
    value = meta.get(key)
    if not isinstance(value, list) or len(value) != count or len(set(value)) != count:
        raise ValueError(f"its {key} list does not match the masks stored")
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < length for i in value):
        raise ValueError(f"its {key} list names frames outside the clip")
    return [int(i) for i in value]


def _edges(meta: dict[str, object]) -> Edges:
    raw = meta.get("edges", {})
    if not isinstance(raw, dict):
        raise ValueError("its edge settings are not a table")
    grow, feather, invert = raw.get("grow", 0), raw.get("feather", 0), raw.get("invert", False)
    if not isinstance(grow, int) or not isinstance(feather, int) or not isinstance(invert, bool):
        raise ValueError("its edge settings have the wrong types")
    if abs(grow) > 10_000 or not 0 <= feather <= 10_000:
        raise ValueError("its edge settings are out of range")
    return Edges(grow=grow, feather=feather, invert=invert)


def _hints(meta: dict[str, object], w: int, h: int) -> dict[str, list[list[float]]]:
    """The motion hints of a schema-2 header (none in schema 1): finite numbers, points on the
    frame (a little past its edge is clamped by the tools, not stored), bounded counts."""
    raw = meta.get("motion", {})
    if not isinstance(raw, dict):
        raise ValueError("its motion hints are not a table")
    out: dict[str, list[list[float]]] = {}
    for key in ("arrows", "pins", "freeze"):
        items = raw.get(key, [])
        if not isinstance(items, list) or len(items) > MAX_HINTS:
            raise ValueError(f"its {key} are not a list of at most {MAX_HINTS}")
        for item in items:
            ok = isinstance(item, list) and all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                for v in item
            )
            if key == "arrows":
                ok = ok and len(item) == 4
            elif key == "pins":
                ok = ok and len(item) == 2
            else:
                ok = ok and 3 <= len(item) <= 1 + 2 * MAX_STROKE_POINTS and len(item) % 2 == 1
                ok = ok and 0 < item[0] <= max(w, h)
            coords = item[1:] if key == "freeze" else item
            if not ok or not all(-1 <= v <= max(w, h) + 1 for v in coords):
                raise ValueError(f"its {key} hold an entry that is not one: {str(item)[:60]}")
        out[key] = [[float(v) for v in item] for item in items]
    return out


def _unpack(rows: np.ndarray, order: list[int], h: int, w: int) -> dict[int, np.ndarray]:
    if rows.dtype != np.uint8 or rows.ndim != 2 or rows.shape != (len(order), (h * w + 7) // 8):
        raise ValueError("its masks do not have the size its header gives")
    return {
        index: np.unpackbits(rows[row], count=h * w).reshape(h, w).astype(bool)
        for row, index in enumerate(order)
    }


def from_bytes(data: bytes, name: str = "mask track") -> MaskTrack:
    """The track in `data`; MaskTrackError names what is wrong with a file that is not one."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            if not {"meta", "keys", "tracked"} <= set(z.files):
                raise ValueError("it lacks the parts of a mask track")
            meta = json.loads(bytes(z["meta"]).decode())
            if not isinstance(meta, dict) or meta.get("kind") != "lumiere-mask-track":
                raise ValueError("it is not a mask track")
            schema = meta.get("schema")
            if not isinstance(schema, int) or schema < 1:
                raise ValueError("its schema version is missing")
            if schema > SCHEMA:
                raise MaskTrackError(
                    f"{name} was written by a newer Lumiere Studio (mask-track schema {schema}, "
                    f"this version reads up to {SCHEMA}): update to open it"
                )
            w = _int(meta, "width", 1, 1 << 16)
            h = _int(meta, "height", 1, 1 << 16)
            if w * h > _MAX_PIXELS:
                raise ValueError(f"its frame size {w}x{h} is larger than any mask this app makes")
            length = _int(meta, "length", 1, _MAX_FRAMES)
            # Before anything is inflated: masks can take no more than two per frame (a
            # keyframe and a tracked one), so a member claiming more is a zip bomb.
            most = 2 * length * ((w * h + 7) // 8) + (1 << 16)
            if any(z.zip.getinfo(f"{k}.npy").file_size > most for k in ("keys", "tracked")):
                raise ValueError("its masks claim more data than its frames can hold")
            keys_rows, tracked_rows = z["keys"], z["tracked"]
            key_order = _frames(meta, "keyframes", length, len(keys_rows))
            tracked_order = _frames(meta, "tracked", length, len(tracked_rows))
            track = MaskTrack(width=w, height=h, length=length, edges=_edges(meta))
            hints = _hints(meta, w, h)
            track.arrows, track.pins, track.freeze = hints["arrows"], hints["pins"], hints["freeze"]
            track.keyframes = _unpack(keys_rows, key_order, h, w)
            track.tracked = _unpack(tracked_rows, tracked_order, h, w)
            for index in track.keyframes:
                track.tracked.pop(index, None)
            return track
    except MaskTrackError:
        raise
    except (
        ValueError,
        OSError,
        KeyError,
        EOFError,
        zipfile.BadZipFile,
        UnicodeDecodeError,
        zlib.error,
    ) as e:
        raise MaskTrackError(f"{name} cannot be read: {e}") from None


def load(path: str | Path) -> MaskTrack:
    """The track saved at `path` (a regular file; never unpickled)."""
    from engine.media.open_file import MediaFileError, local_file

    try:
        data = local_file(path, "mask track").read_bytes()
    except MediaFileError as e:
        raise MaskTrackError(str(e)) from None
    except OSError as e:
        raise MaskTrackError(f"mask track {path} cannot be read: {e.strerror or e}") from None
    return from_bytes(data, f"mask track {Path(path).name}")


def is_track_file(path: str | Path) -> bool:
    """True when `path` names a mask-track file (by its suffix, or an .npz holding one)."""
    p = Path(path)
    return p.suffix.lower() in (SUFFIX, ".npz")
