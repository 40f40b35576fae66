"""Click to mask: a box and/or include/exclude clicks -> GrabCut on one frame -> a mask.

GrabCut runs at a reduced size (the colour models and the graph cut grow with the pixel
count), then once more at full size on a crop around the object where only a thin band along
the edge is left undecided, so the edge lands on the full-size pixels at a small cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from engine.errors import LumiereError

Point = tuple[int, int]  # (x, y) in frame pixels


class SegmentError(LumiereError, ValueError):
    """The box or the clicks cannot give a mask (empty box, no object, clicks outside)."""


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    width: int
    height: int

    def clipped(self, w: int, h: int) -> Box:
        x0, y0 = max(0, self.x), max(0, self.y)
        x1, y1 = min(w, self.x + self.width), min(h, self.y + self.height)
        if x1 - x0 < 2 or y1 - y0 < 2:
            raise SegmentError(
                f"the box {self.width}x{self.height} at ({self.x}, {self.y}) "
                f"leaves less than 2x2 pixels inside the {w}x{h} frame"
            )
        return Box(x0, y0, x1 - x0, y1 - y0)


def _disk(mask: np.ndarray, point: Point, radius: int, value: int) -> None:
    cv2.circle(mask, (int(point[0]), int(point[1])), max(1, radius), int(value), -1)


def _initial_labels(
    shape: tuple[int, int],
    box: Box | None,
    include: Sequence[Point],
    exclude: Sequence[Point],
    radius: int,
) -> np.ndarray:
    """GrabCut's starting labels at the working size: outside the box is background, inside it
    probably the object; include clicks are the object, exclude clicks background. Clicks with
    no box: the object is probably near the include clicks (their bounding box, widened)."""
    h, w = shape
    labels = np.full((h, w), cv2.GC_BGD, np.uint8)
    if box is None:
        xs = [p[0] for p in include]
        ys = [p[1] for p in include]
        margin = max(8, int(0.15 * max(w, h)))
        x0, x1 = max(0, min(xs) - margin), min(w, max(xs) + margin + 1)
        y0, y1 = max(0, min(ys) - margin), min(h, max(ys) + margin + 1)
        labels[:] = cv2.GC_PR_BGD
        labels[y0:y1, x0:x1] = cv2.GC_PR_FGD
    else:
        labels[box.y : box.y + box.height, box.x : box.x + box.width] = cv2.GC_PR_FGD
    for p in include:
        _disk(labels, p, radius, cv2.GC_FGD)
    for p in exclude:
        _disk(labels, p, radius, cv2.GC_BGD)
    return labels


def grabcut(image: np.ndarray, labels: np.ndarray, iterations: int) -> np.ndarray:
    """bool (H, W) object of GrabCut started from `labels` (GC_* values). A start with no
    background or no object sample has nothing to learn a colour model from: it returns the
    labels' own object part."""
    fg: np.ndarray = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
    if fg.all() or not fg.any():
        return fg
    work = labels.copy()
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    bgr = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2BGR)
    cv2.grabCut(bgr, work, (0, 0, 0, 0), bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)
    out: np.ndarray = (work == cv2.GC_FGD) | (work == cv2.GC_PR_FGD)
    return out


def band_labels(mask: np.ndarray, band: int) -> np.ndarray:
    """GrabCut labels that keep `mask` except within `band` px of its edge: deep inside is the
    object, far outside background, the band 'probably' whichever side the mask puts it."""
    m = mask.astype(np.uint8)
    size = 2 * band + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    inner = cv2.erode(m, kernel, borderType=cv2.BORDER_REPLICATE).astype(bool)
    outer = cv2.dilate(m, kernel, borderType=cv2.BORDER_REPLICATE).astype(bool)
    labels = np.full(mask.shape, cv2.GC_BGD, np.uint8)
    labels[outer & ~mask] = cv2.GC_PR_BGD
    labels[mask] = cv2.GC_PR_FGD
    labels[inner] = cv2.GC_FGD
    return labels


def bounding_crop(mask: np.ndarray, margin: int) -> tuple[slice, slice]:
    """The (rows, cols) slices of mask's bounding box widened by `margin`, inside the frame."""
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    y0, y1 = max(0, int(ys.min()) - margin), min(h, int(ys.max()) + margin + 1)
    x0, x1 = max(0, int(xs.min()) - margin), min(w, int(xs.max()) + margin + 1)
    return slice(y0, y1), slice(x0, x1)


def refine_edge(image: np.ndarray, mask: np.ndarray, band: int, iterations: int = 1) -> np.ndarray:
    """bool (H, W): `mask` with its edge re-decided by GrabCut within `band` px, on a crop
    around it (the pixels far from the edge cannot change, so they need not be cut)."""
    if not mask.any() or mask.all():
        return np.array(mask, bool)
    rows, cols = bounding_crop(mask, 3 * band + 2)
    labels = band_labels(mask[rows, cols], band)
    out: np.ndarray = np.array(mask, bool)
    out[rows, cols] = grabcut(image[rows, cols], labels, iterations)
    return out


def grab(
    image: np.ndarray,
    box: Box | None = None,
    include: Sequence[Point] = (),
    exclude: Sequence[Point] = (),
    *,
    work_side: int = 400,
    iterations: int = 4,
) -> np.ndarray:
    """uint8 (H, W) mask, 255 = the object, from a box and/or clicks on the RGB `image`.

    GrabCut runs on the neighbourhood of the box (or of the clicks): the background's colours
    are learnt from around the object, not from the whole frame, where other things of the
    object's colours would make it look like background. At least a box or one include click
    is needed. Raises SegmentError when neither is given, a click lies outside the frame, or
    nothing is left as the object."""
    h, w = image.shape[:2]
    if box is None and not include:
        raise SegmentError("give a box or at least one include click")
    for p in (*include, *exclude):
        if not (0 <= p[0] < w and 0 <= p[1] < h):
            raise SegmentError(f"the click ({p[0]}, {p[1]}) is outside the {w}x{h} frame")
    box = box.clipped(w, h) if box is not None else None
    if box is not None:
        x0, y0, x1, y1 = box.x, box.y, box.x + box.width, box.y + box.height
        margin = max(16, int(0.3 * max(box.width, box.height)))
    else:
        xs, ys = [p[0] for p in include], [p[1] for p in include]
        x0, y0, x1, y1 = min(xs), min(ys), max(xs) + 1, max(ys) + 1
        margin = max(16, int(0.3 * max(w, h)))
    cx0, cy0 = max(0, x0 - margin), max(0, y0 - margin)
    cx1, cy1 = min(w, x1 + margin), min(h, y1 + margin)

    def shift(points: Sequence[Point]) -> list[Point]:
        return [(p[0] - cx0, p[1] - cy0) for p in points]

    local_box = Box(box.x - cx0, box.y - cy0, box.width, box.height) if box else None
    found = _grab_crop(
        image[cy0:cy1, cx0:cx1], local_box, shift(include), shift(exclude), work_side, iterations
    )
    out = np.zeros((h, w), np.uint8)
    out[cy0:cy1, cx0:cx1] = found
    return out


def _grab_crop(
    image: np.ndarray,
    box: Box | None,
    include: Sequence[Point],
    exclude: Sequence[Point],
    work_side: int,
    iterations: int,
) -> np.ndarray:
    """`grab` on the crop it chose: clicks and box in the crop's pixels."""
    h, w = image.shape[:2]
    scale = min(1.0, work_side / max(w, h))
    small = (
        cv2.resize(
            image,
            (max(2, round(w * scale)), max(2, round(h * scale))),
            interpolation=cv2.INTER_AREA,
        )
        if scale < 1.0
        else image
    )
    sh, sw = small.shape[:2]
    sx, sy = sw / w, sh / h

    def at(p: Point) -> Point:
        return (min(sw - 1, int(p[0] * sx)), min(sh - 1, int(p[1] * sy)))

    small_box = None
    if box is not None:
        x0, y0 = int(box.x * sx), int(box.y * sy)
        x1 = max(x0 + 2, round((box.x + box.width) * sx))
        y1 = max(y0 + 2, round((box.y + box.height) * sy))
        small_box = Box(x0, y0, min(sw, x1) - x0, min(sh, y1) - y0)
    radius = max(2, round(0.01 * max(sw, sh)))
    labels = _initial_labels(
        (sh, sw), small_box, [at(p) for p in include], [at(p) for p in exclude], radius
    )
    found = grabcut(small, labels, iterations)
    found = _keep_clicked_parts(found, [at(p) for p in include], [at(p) for p in exclude])
    if not found.any():
        raise SegmentError("no object was found in the box: draw it tighter or click on it")
    if scale < 1.0:
        # The edge is re-cut at up to twice the working size (a full-size cut of a large
        # object costs most of a second), then scaled up: within a pixel or two of full size.
        fine_scale = min(1.0, 2 * scale)
        fw, fh = max(2, round(w * fine_scale)), max(2, round(h * fine_scale))
        fine = (
            image
            if fine_scale == 1.0
            else cv2.resize(image, (fw, fh), interpolation=cv2.INTER_AREA)
        )
        soft = cv2.resize(found.astype(np.float32), (fw, fh), interpolation=cv2.INTER_LINEAR)
        edge = refine_edge(fine, soft >= 0.5, band=max(2, round(fine_scale / scale) + 1))
        if fine_scale < 1.0:
            edge = (
                cv2.resize(edge.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR) >= 0.5
            )
        full = edge
        if box is not None:  # the refinement may not leak out of the box the user drew
            inside = np.zeros_like(full)
            inside[box.y : box.y + box.height, box.x : box.x + box.width] = True
            full &= inside
    else:
        full = found
    for p in include:  # a click is a promise the user made: its pixel is inside
        full[p[1], p[0]] = True
    for p in exclude:
        full[p[1], p[0]] = False
    return np.where(full, 255, 0).astype(np.uint8)


def _keep_clicked_parts(
    mask: np.ndarray, include: Sequence[Point], exclude: Sequence[Point]
) -> np.ndarray:
    """With include clicks, only the connected parts that hold a click (GrabCut may pick up
    stray patches of the object's colours elsewhere); without clicks, the parts at least a
    tenth the size of the largest (specks go, a second leg stays). A separate part an exclude
    click lands near goes whole (GrabCut takes out only the click's own disk), unless it is
    the only or the largest part and no include click says where the object is."""
    count, parts = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    if count <= 1:
        return mask
    sizes = np.bincount(parts.ravel(), minlength=count)
    sizes[0] = 0
    if include:
        keep = {int(parts[p[1], p[0]]) for p in include} - {0}
    else:
        keep = set(np.nonzero(sizes >= 0.1 * sizes.max())[0].tolist())
    for p in exclude:
        near = _part_near(parts, p)
        if near and (include or (near != int(sizes.argmax()) and len(keep) > 1)):
            keep.discard(near)
    if not keep:
        return np.zeros_like(mask)
    out: np.ndarray = np.isin(parts, list(keep))
    return out


def _part_near(parts: np.ndarray, p: Point, reach: int = 6) -> int:
    """The part under click p or, as GrabCut cleared the click's disk, the nearest one
    within `reach` px of it (0 for none)."""
    x, y = p
    h, w = parts.shape
    window = parts[max(0, y - reach) : y + reach + 1, max(0, x - reach) : x + reach + 1]
    labels = window[window > 0]
    if labels.size == 0:
        return 0
    return int(np.bincount(labels).argmax())
