"""Where a clip's picture lands in the sequence's frame, and the one function that puts it
there. The viewer and every export call `compose`, so what is seen is what is exported.

Fit modes: "fit" scales the picture to fit inside the frame, keeping its aspect (letterbox or
pillarbox bars in the background colour); "fill" scales it to cover the frame (the overflow is
cropped); "stretch" scales width and height separately to the frame's (distorts); "none" keeps
its pixels 1:1. The clip's own `scale` then scales about the picture's centre and (x, y) moves
it, in sequence pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.timeline import FIT_MODES, TimelineClip


@dataclass(frozen=True)
class Placement:
    """The picture's rectangle in the sequence frame, in whole pixels (it may reach outside)."""

    left: int
    top: int
    width: int
    height: int

    def to_source(self, x: float, y: float, source_w: int, source_h: int) -> tuple[float, float]:
        """A sequence point as a point of the source picture (for the mask brush)."""
        return (x - self.left) * source_w / self.width, (y - self.top) * source_h / self.height


def placement(
    source_w: int,
    source_h: int,
    frame_w: int,
    frame_h: int,
    fit: str = "fit",
    scale: float = 1.0,
    x: float = 0.0,
    y: float = 0.0,
) -> Placement:
    if fit not in FIT_MODES:
        raise ValueError(f"fit must be one of {', '.join(FIT_MODES)}, got {fit!r}")
    if source_w < 1 or source_h < 1:
        raise ValueError(f"a picture needs a size, got {source_w}x{source_h}")
    sx, sy = frame_w / source_w, frame_h / source_h
    if fit == "fit":
        sx = sy = min(sx, sy)
    elif fit == "fill":
        sx = sy = max(sx, sy)
    elif fit == "none":
        sx = sy = 1.0
    w = max(1, round(source_w * sx * scale))
    h = max(1, round(source_h * sy * scale))
    return Placement(round((frame_w - w) / 2 + x), round((frame_h - h) / 2 + y), w, h)


def clip_placement(
    clip: TimelineClip, source_size: tuple[int, int], frame_size: tuple[int, int]
) -> Placement:
    return placement(*source_size, *frame_size, clip.fit, clip.scale, clip.x, clip.y)


def background(frame_w: int, frame_h: int, colour: str = "#000000") -> np.ndarray:
    """A sequence frame of the background colour ("#rrggbb")."""
    text = colour.lstrip("#")
    try:
        rgb = [int(text[i : i + 2], 16) for i in (0, 2, 4)] if len(text) == 6 else [0, 0, 0]
    except ValueError:
        rgb = [0, 0, 0]
    out = np.empty((frame_h, frame_w, 3), np.uint8)
    out[:] = rgb
    return out


def resample(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bicubic resize of an RGB frame (a no-op at its own size)."""
    if frame.shape[:2] == (height, width):
        return frame
    import av

    return (
        av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        .reformat(width, height, interpolation="BICUBIC")
        .to_ndarray(format="rgb24")
    )


def compose(canvas: np.ndarray, frame: np.ndarray, place: Placement) -> np.ndarray:
    """Paint `frame` into `canvas` (in place) at `place`; what falls outside is cropped."""
    h, w = canvas.shape[:2]
    x0, y0 = max(0, place.left), max(0, place.top)
    x1, y1 = min(w, place.left + place.width), min(h, place.top + place.height)
    if x1 <= x0 or y1 <= y0:
        return canvas
    picture = resample(frame, place.width, place.height)
    dx, dy = place.left, place.top
    canvas[y0:y1, x0:x1] = picture[y0 - dy : y1 - dy, x0 - dx : x1 - dx]
    return canvas


def sequence_frame(
    frame: np.ndarray | None,
    clip: TimelineClip | None,
    source_size: tuple[int, int] | None,
    frame_size: tuple[int, int],
    colour: str = "#000000",
) -> np.ndarray:
    """The sequence's frame showing `frame` (a picture of the media `clip` shows, whose size as
    displayed is `source_size`; a smaller proxy of it lands in the same place) on the
    background; the background alone when there is no clip."""
    canvas = background(*frame_size, colour)
    if frame is None or clip is None:
        return canvas
    size = source_size or (frame.shape[1], frame.shape[0])
    return compose(canvas, frame, clip_placement(clip, size, frame_size))
