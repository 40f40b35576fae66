"""`lumiere-studio mask track|grab`: masks for scripts.

`mask track --video V --mask FIRST.png --out DIR` carries a mask through a clip from one frame
(optical flow, the edge refined on each frame) and writes one 8-bit PNG per frame into DIR,
named by frame number (000000.png, ...; 255 = inside), the keyframe's own included; DIR then
serves as a job's `--mask`. `mask grab --image F --box X,Y,W,H --out M.png` is click-to-mask.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from engine.commands import fail
from engine.commands.log_setup import progress_shown

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)


def _ints(text: str, count: int, what: str) -> tuple[int, ...]:
    parts = text.replace(" ", "").split(",")
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != count:
        raise argparse.ArgumentTypeError(
            f"{what} must be {count} whole numbers separated by commas (got {text!r})"
        )
    return values


def _box(text: str) -> tuple[int, ...]:
    box = _ints(text, 4, "--box X,Y,W,H")
    if box[2] < 2 or box[3] < 2:
        raise argparse.ArgumentTypeError(f"--box needs a width and height of 2 or more ({text})")
    return box


def _point(text: str) -> tuple[int, ...]:
    return _ints(text, 2, "a click X,Y")


def _write_png(path: Path, mask: np.ndarray) -> None:
    """An 8-bit greyscale PNG, atomically."""
    from PIL import Image

    from engine.tempfiles import atomic_write

    atomic_write(path, lambda tmp: Image.fromarray(mask).save(tmp, format="PNG"), suffix=".png")


def run_grab(args: argparse.Namespace) -> int:
    from engine.media.load import MediaLoadError, load_image
    from engine.vision.segment import Box, SegmentError, grab

    if args.box is None and not args.include:
        return fail("give --box X,Y,W,H or at least one --include X,Y")
    try:
        image = load_image(args.image)
        box = Box(*args.box) if args.box else None
        mask = grab(image, box, [tuple(p) for p in args.include], [tuple(p) for p in args.exclude])
        _write_png(Path(args.out), mask)
    except (MediaLoadError, SegmentError, OSError) as e:
        return fail(e)
    inside = int((mask > 0).sum())
    print(f"{args.out}: {inside} px inside of {mask.size} ({100 * inside / mask.size:.1f} %)")
    return 0


def _frame_count(path: str) -> tuple[int, tuple[int, int]]:
    """Frames in the video, counted by decoding (the container's count may be missing), and
    its picture's (width, height)."""
    import av

    from engine.media.load import MediaLoadError
    from engine.media.open_file import open_input

    count, size = 0, (0, 0)
    with open_input(Path(path), "video") as container:
        if not container.streams.video:
            raise MediaLoadError(f"video {Path(path).name} has no video stream")
        try:
            for frame in container.decode(container.streams.video[0]):
                size = size if count else (frame.width, frame.height)
                count += 1
        except (av.error.FFmpegError, ValueError) as e:
            if not count:
                raise MediaLoadError(f"video {Path(path).name} cannot be decoded: {e}") from None
    return count, size


def run_track(args: argparse.Namespace) -> int:
    import numpy as np

    from engine.errors import Cancelled, LumiereError
    from engine.mask_track import MaskTrack, save
    from engine.media.load import load_mask, load_video_frames
    from engine.vision.track import TrackSettings, span, track

    out = Path(args.out)
    if args.frames is not None and args.frames < 1:
        return fail(f"--frames must be 1 or more (got {args.frames})")
    if not 32 <= args.work_side <= 8192:
        return fail(f"--work-side must be 32..8192 px (got {args.work_side})")
    if out.exists() and not out.is_dir():
        return fail(f"--out {out} is a file; give a folder for the per-frame PNGs")
    try:
        total, (w, h) = _frame_count(args.video)
        if not 0 <= args.from_frame < total:
            return fail(f"--from-frame {args.from_frame} is outside the clip's {total} frames")
        order = span([], args.from_frame, args.direction, total, args.frames)
        first = min([args.from_frame, *order])
        last = max([args.from_frame, *order])
        # Decoded at the working size, where the tracking runs: a long clip fits in memory.
        clip, _ = load_video_frames(args.video, first, last - first + 1, max_side=args.work_side)
        mask, note = load_mask(args.mask, (w, h))
        if note:
            logger.info(note)
    except (LumiereError, OSError) as e:
        return fail(e)

    class Shifted:  # frame numbers of the clip over the frames decoded
        def __getitem__(self, index: int) -> np.ndarray:
            frame: np.ndarray = clip[index - first]
            return frame

    shown = not args.quiet and progress_shown()

    def progress(done: int, count: int) -> None:
        if shown:
            print(f"\rtracking: {done}/{count} frames", end="", file=sys.stderr, flush=True)

    settings = TrackSettings(work_side=args.work_side)
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    kept = MaskTrack(width=w, height=h, length=total)
    kept.set_keyframe(args.from_frame, mask)
    try:
        _write_png(out / f"{args.from_frame:06d}.png", np.where(mask, 255, 0).astype(np.uint8))
        written += 1
        for index, tracked in track(
            Shifted(), args.from_frame, mask, order, settings=settings, progress=progress
        ):
            _write_png(out / f"{index:06d}.png", np.where(tracked, 255, 0).astype(np.uint8))
            kept.put_tracked([(index, tracked)])
            written += 1
        if args.save_track:
            save(args.save_track, kept)
    except (OSError, Cancelled) as e:
        return fail(e)
    finally:
        if shown and order:
            print(file=sys.stderr)
    print(f"{out}: {written} masks, frames {first}..{last}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("mask", help="masks for scripts: track one through a clip, or grab one")
    msub = p.add_subparsers(dest="mask_command", metavar="ACTION", required=True)

    t = msub.add_parser(
        "track",
        help="carry a mask through a clip: one 8-bit PNG per frame, named by frame number",
    )
    t.add_argument("--video", required=True, help="the clip")
    t.add_argument("--mask", required=True, help="the mask on --from-frame (white = inside)")
    t.add_argument("--out", required=True, help="folder for the per-frame PNGs")
    t.add_argument("--from-frame", type=int, default=0, help="the mask's frame (default 0)")
    t.add_argument(
        "--direction",
        choices=("forward", "backward", "both"),
        default="forward",
        help="which way to track from --from-frame (default forward)",
    )
    t.add_argument(
        "--frames",
        type=int,
        default=None,
        help="frames to track in each direction (default: to the clip's end or start)",
    )
    t.add_argument(
        "--work-side",
        type=int,
        default=640,
        help="px on the longer side where the flow runs (default 640)",
    )
    t.add_argument(
        "--save-track",
        metavar="FILE",
        default=None,
        help="also write a mask-track file (.masktrack: the keyframe and the tracked frames), "
        "which a job's --mask also reads",
    )
    t.add_argument("--quiet", action="store_true", help="no progress line")
    t.set_defaults(func=run_track)

    g = msub.add_parser("grab", help="click to mask: GrabCut from a box and/or clicks")
    g.add_argument("--image", required=True, help="the picture (a still, or a frame saved)")
    g.add_argument("--box", type=_box, default=None, help="X,Y,W,H around the object")
    g.add_argument(
        "--include",
        type=_point,
        nargs="+",
        default=[],
        metavar="X,Y",
        help="clicks on the object",
    )
    g.add_argument(
        "--exclude",
        type=_point,
        nargs="+",
        default=[],
        metavar="X,Y",
        help="clicks on what is not the object",
    )
    g.add_argument("--out", required=True, help="the mask PNG to write (255 = inside)")
    g.set_defaults(func=run_grab)
