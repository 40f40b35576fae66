"""Real pictures and clips for training (`--photos DIR`): a folder of JPEG/PNG photos and short
MP4/MOV/WebM clips, read once at a reduced size, then served as random crops at random scales
with colour jitter: photos as a scene layer that motions.py moves, clips as they are (their own
motion). README "Natural data and the bundled model" says which pictures may go in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from engine.train.motions import NaturalClip
from engine.train.natural import Layer, Scene

logger = logging.getLogger(__name__)

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
CLIP_SUFFIXES = {".mp4", ".mov", ".webm", ".mkv", ".avi"}
MAX_CLIP_FRAMES = 128  # frames kept of each clip (memory)
CLIP_CAPTIONS = ("a real video", "real footage", "a video clip", "a short film clip")


def _shrink(image: Image.Image, short_side: int) -> Image.Image:
    w, h = image.size
    scale = short_side / min(w, h)
    if scale >= 1:
        return image
    return image.resize(
        (max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.LANCZOS
    )


def _read_clip(path: Path, short_side: int) -> np.ndarray:
    import av

    frames = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            scale = min(1.0, short_side / min(frame.width, frame.height))
            small = frame.reformat(
                width=max(1, round(frame.width * scale)),
                height=max(1, round(frame.height * scale)),
                format="rgb24",
            )
            frames.append(small.to_ndarray())
            if len(frames) >= MAX_CLIP_FRAMES:
                break
    if not frames:
        raise ValueError("no frames")
    return np.stack(frames)


@dataclass
class PhotoLibrary:
    photos: list[np.ndarray]  # uint8 (H, W, 3)
    clips: list[np.ndarray]  # uint8 (T, H, W, 3)

    @classmethod
    def load(cls, folder: str | Path, short_side: int) -> PhotoLibrary:
        """Every readable picture and clip in `folder` (sorted by name, so a seed picks the same
        one every time), shrunk to `short_side`; unreadable files are named and skipped."""
        folder = Path(folder)
        if not folder.is_dir():
            raise ValueError(f"photo folder {folder} does not exist")
        photos, clips = [], []
        for path in sorted(folder.iterdir()):
            suffix = path.suffix.lower()
            try:
                if suffix in PHOTO_SUFFIXES:
                    with Image.open(path) as image:
                        photos.append(np.asarray(_shrink(image.convert("RGB"), short_side)))
                elif suffix in CLIP_SUFFIXES:
                    clips.append(_read_clip(path, short_side))
            except Exception as e:  # noqa: BLE001 - any unreadable file is skipped, said why
                logger.warning("skipping %s: %s", path.name, e)
        if not photos and not clips:
            raise ValueError(f"no readable photos or clips in {folder}")
        return cls(photos, clips)


def _jitter(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Brightness, contrast, saturation and a slight colour cast; float in [0, 1]."""
    grey = rgb.mean(axis=-1, keepdims=True)
    rgb = grey + (rgb - grey) * rng.uniform(0.7, 1.3)
    rgb = (rgb - 0.5) * rng.uniform(0.8, 1.2) + 0.5
    rgb = rgb * rng.uniform(0.8, 1.2) * (1 + rng.normal(0, 0.04, 3))
    return np.clip(rgb, 0.0, 1.0).astype(np.float32)


def _crop_box(rng: np.random.Generator, h: int, w: int, aspect: float) -> tuple[int, ...]:
    """A random box of the given aspect (w/h) covering 25-100 % of the picture's short side."""
    side = rng.uniform(0.25, 1.0)
    ch = max(2, int(min(h, w / aspect) * side))
    cw = max(2, min(w, int(ch * aspect)))
    y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    return y, x, ch, cw


def photo_scene(library: PhotoLibrary, rng: np.random.Generator, h: int, w: int) -> Scene:
    """A random crop of a random photo, flipped half the time, jittered, on an (h, w) canvas."""
    photo = library.photos[int(rng.integers(len(library.photos)))]
    photo_h, photo_w = photo.shape[:2]
    y, x, ch, cw = _crop_box(rng, photo_h, photo_w, w / h)
    crop = Image.fromarray(photo[y : y + ch, x : x + cw]).resize((w, h), Image.Resampling.BILINEAR)
    rgb = np.asarray(crop, np.float32) / 255.0
    if rng.uniform() < 0.5:
        rgb = rgb[:, ::-1]
    layer = Layer(_jitter(rgb, rng), np.ones((h, w), np.float32), 1.0, "photo")
    return Scene([layer], ["a photo", "a picture", "a photograph"])


def clip_window(
    library: PhotoLibrary, rng: np.random.Generator, frames: int, h: int, w: int
) -> NaturalClip:
    """`frames` consecutive frames (every 1st to 3rd) of a random clip, cropped and jittered the
    same way in every frame, at (h, w)."""
    clip = library.clips[int(rng.integers(len(library.clips)))]
    stride = int(rng.integers(1, 4))
    stride = max(1, min(stride, (len(clip) - 1) // max(frames - 1, 1)))
    span = (frames - 1) * stride + 1
    start = int(rng.integers(0, max(1, len(clip) - span + 1)))
    picks = np.minimum(np.arange(start, start + span, stride), len(clip) - 1)
    clip_h, clip_w = clip.shape[1:3]
    y, x, ch, cw = _crop_box(rng, clip_h, clip_w, w / h)
    flip = rng.uniform() < 0.5
    state = rng.bit_generator.state  # the same jitter for every frame
    out = []
    for i in picks:
        image = Image.fromarray(clip[i, y : y + ch, x : x + cw]).resize(
            (w, h), Image.Resampling.BILINEAR
        )
        rgb = np.asarray(image, np.float32) / 255.0
        rng.bit_generator.state = state
        out.append(_jitter(rgb[:, ::-1] if flip else rgb, rng))
    video = (np.stack(out) * 255).round().astype(np.uint8)
    return NaturalClip(video, CLIP_CAPTIONS[int(rng.integers(len(CLIP_CAPTIONS)))], "clip", None)
