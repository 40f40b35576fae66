"""How large a picture the app takes, judged from the file's header before anything is decoded.

A PNG of 86 KB can claim 9400x9400 (88 Mpx) and a JPEG of 300 bytes 65000x65000; decoding
them, and the float work after, costs gigabytes. So every still and video stream is measured
from its header first: above `MAX_PIXELS` it is refused with a message; stills larger than a
reader needs are decoded straight to a smaller size (`fit_within`). Tasks that keep the input's
size (inpainting, cinemagraphs) take inputs up to `MAX_KEEP_SIZE_PIXELS`. No Qt here.
"""

from __future__ import annotations

from pathlib import Path

from engine.media.open_file import MediaFileError

MAX_PIXELS = 100_000_000  # a 100 Mpx camera still passes; headers claiming more are refused
MAX_KEEP_SIZE_PIXELS = 2048 * 2048  # 1080p and 2K footage; the output has the input's size
WORK_SIDE = 4096  # stills read for the model or the viewer are decoded at most this large


def megapixels(width: int, height: int) -> str:
    return f"{width * height / 1e6:.1f} Mpx"


def check_picture_size(path: str | Path, width: int, height: int, what: str = "") -> None:
    """Refuse a picture whose header claims more than MAX_PIXELS (or no size at all)."""
    label = f"{what} {Path(path).name}" if what else Path(path).name
    if width <= 0 or height <= 0:
        raise MediaFileError(f"{label}: the picture has no size ({width}x{height})")
    if width * height > MAX_PIXELS:
        raise MediaFileError(
            f"{label}: the picture is too large ({width}x{height}, {megapixels(width, height)}); "
            f"the most this app reads is {MAX_PIXELS / 1e6:.0f} Mpx: scale it down first"
        )


def check_keep_size(path: str | Path, width: int, height: int, task: str) -> None:
    """Inpainting and cinemagraphs write the input's size: bound it."""
    if width * height > MAX_KEEP_SIZE_PIXELS:
        raise MediaFileError(
            f"{Path(path).name} is {width}x{height} ({megapixels(width, height)}); {task} keeps "
            f"the input's size and takes at most {MAX_KEEP_SIZE_PIXELS / 1e6:.1f} Mpx "
            f"(2048x2048): scale it down first"
        )


def fit_within(width: int, height: int, side: int = WORK_SIDE) -> tuple[int, int]:
    """(width, height) scaled down (aspect kept) so the longer side is at most `side`."""
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))
