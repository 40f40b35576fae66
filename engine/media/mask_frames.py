"""A job's `--mask` as one mask per frame: a PNG (the same mask on every frame), a folder of
per-frame PNGs named by frame number (`mask track` writes them), a mask video, or a mask-track
file. Frame numbers are the source clip's own: the job's frame t is source frame start + t.

Every failure is a MediaLoadError whose message names the file and what to do.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from engine.media.load import MediaLoadError, load_mask, load_video_frames

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mpg", ".mpeg")
_NUMBER = re.compile(r"(\d+)")


def numbered_pngs(folder: Path) -> dict[int, Path]:
    """The folder's PNGs by the frame number in their name (its last run of digits)."""
    found: dict[int, Path] = {}
    for entry in folder.iterdir():
        if entry.suffix.lower() != ".png" or entry.name.startswith("."):
            continue
        numbers = _NUMBER.findall(entry.stem)
        if not numbers:
            continue
        index = int(numbers[-1])
        if index in found:
            raise MediaLoadError(
                f"mask folder {folder.name} has two masks for frame {index}: "
                f"{found[index].name} and {entry.name}"
            )
        found[index] = entry
    return found


def _from_folder(
    folder: Path, frames: int, size: tuple[int, int], start: int
) -> tuple[np.ndarray, str | None]:
    files = numbered_pngs(folder)
    if not files:
        raise MediaLoadError(
            f"mask folder {folder} holds no PNGs named by frame number (000000.png, ...)"
        )
    region = np.zeros((frames, size[1], size[0]), bool)
    missing, resized = 0, None
    for t in range(frames):
        path = files.get(start + t)
        if path is None:
            missing += 1
            continue
        try:
            region[t], note = load_mask(path, size)
        except MediaLoadError as e:
            if "is empty" not in str(e):
                raise
            continue  # an empty frame: the object is out of view there
        resized = resized or note
    if missing == frames:
        raise MediaLoadError(
            f"mask folder {folder.name} has no mask for frames {start}..{start + frames - 1} "
            f"(its masks are numbered {min(files)}..{max(files)})"
        )
    notes = [resized] if resized else []
    if missing:
        notes.append(
            f"mask folder {folder.name} has no mask for {missing} of {frames} frames: "
            "nothing is changed on those"
        )
    return region, "; ".join(notes) or None


def _from_video(
    path: Path, frames: int, size: tuple[int, int], start: int
) -> tuple[np.ndarray, str | None]:
    import cv2

    clip, _ = load_video_frames(path, start, frames)
    gray = clip.mean(axis=3)  # a mask video may be any colour of grey; its brightness decides
    note = None
    if gray.shape[1:] != (size[1], size[0]):
        note = (
            f"mask video {path.name} is {gray.shape[2]}x{gray.shape[1]}, resized to "
            f"{size[0]}x{size[1]} to match the input"
        )
        gray = np.stack([cv2.resize(g, size, interpolation=cv2.INTER_NEAREST) for g in gray])
    return gray >= 128, note


def _from_track(
    path: Path, frames: int, size: tuple[int, int], start: int
) -> tuple[np.ndarray, str | None]:
    from engine.mask_track import MaskTrackError, load

    try:
        track = load(path)
    except MaskTrackError as e:
        raise MediaLoadError(str(e)) from None
    if (track.width, track.height) != size:
        raise MediaLoadError(
            f"mask track {path.name} is {track.width}x{track.height} but the input is "
            f"{size[0]}x{size[1]}: track the mask on this clip"
        )
    if start + frames > track.length:
        raise MediaLoadError(
            f"mask track {path.name} covers {track.length} frames; frames {start}.."
            f"{start + frames - 1} are needed: lower --frames or --start-frame"
        )
    region = np.stack([track.final(start + t) >= 128 for t in range(frames)])
    return region, None


def load_region(
    path: str | Path, frames: int, size: tuple[int, int], start: int = 0
) -> tuple[np.ndarray, str | None]:
    """bool (frames, H, W), True = the region to change on each frame, and a note (a resize,
    missing frames) or None. `size` is the input's (width, height); job frame t is mask frame
    `start` + t. A region empty on every frame is an error: the task would change nothing."""
    from engine.mask_track import is_track_file

    p = Path(path)
    if p.is_dir():
        region, note = _from_folder(p, frames, size, start)
    elif is_track_file(p):
        region, note = _from_track(p, frames, size, start)
    elif p.suffix.lower() in VIDEO_SUFFIXES:
        region, note = _from_video(p, frames, size, start)
    else:
        painted, note = load_mask(p, size)
        return np.repeat(painted[None], frames, axis=0), note
    if not region.any():
        raise MediaLoadError(
            f"mask {p} is empty on every frame used (no white pixels): paint the region to "
            "change in white"
        )
    return region, note
