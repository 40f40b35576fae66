"""Opening stills with PIL safely: a local regular file, its size checked from the header
before decoding (`picture_size`), and PIL's own refusals (decompression bombs, oversized text
chunks, broken files) turned into one `MediaFileError` that names the file. No Qt here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from engine.media.open_file import MediaFileError, local_file
from engine.media.picture_size import MAX_PIXELS, check_picture_size, fit_within

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

# Orientations (EXIF tag 0x0112) that turn the picture on its side.
SIDEWAYS = (5, 6, 7, 8)


def _quiet_pil_size_warning() -> None:
    """PIL warns from 89 Mpx on; the limit here is our own (`picture_size.MAX_PIXELS`)."""
    import warnings

    from PIL import Image

    warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


@contextmanager
def open_still(path: str | Path, what: str = "image") -> Iterator[PILImage]:
    """A PIL image of `path`, header read, size checked, nothing decoded yet."""
    from PIL import Image, UnidentifiedImageError

    p = local_file(path, what)
    _quiet_pil_size_warning()
    label = f"{what} {Path(path).name}"
    try:
        with Image.open(p) as im:
            width, height = im.size
            check_picture_size(path, width, height, what=what)
            yield im
    except Image.DecompressionBombError:
        raise MediaFileError(
            f"{label}: the picture claims more than 179 Mpx; the most this app reads is "
            f"{MAX_PIXELS / 1e6:.0f} Mpx: scale it down first"
        ) from None
    except MediaFileError:
        raise
    except UnidentifiedImageError:
        raise MediaFileError(
            f"{label} could not be read: it is not an image this app reads, or it is damaged"
        ) from None
    except (
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        IndexError,
        KeyError,
        TypeError,
        ZeroDivisionError,
    ) as e:
        # PIL reports broken files with any of these (a truncated stream, a bad chunk, text
        # chunks that inflate past its limit, a bad EXIF block); its words name its internals.
        if "TEXT_CHUNK" in str(e):
            why = "a text chunk in it is too large"
        else:
            why = "the file is damaged or truncated"
        raise MediaFileError(f"{label} could not be read: {why}") from None


def display_size(im: PILImage) -> tuple[int, int]:
    """(width, height) as shown, after the EXIF orientation: from the header, no decoding."""
    w, h = im.size
    try:
        orientation = im.getexif().get(0x0112, 1)
    except (OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError):
        orientation = 1  # a broken EXIF block: shown as stored
    return (h, w) if orientation in SIDEWAYS else (w, h)


def decode_within(im: PILImage, side: int | None) -> PILImage:
    """The image decoded, EXIF-rotated, no larger than `side` on its longer side (JPEGs are
    decoded at a reduced scale straight away; others are shrunk right after decoding)."""
    from PIL import Image, ImageOps

    if side is not None and max(im.size) > side:
        # thumbnail() lets a JPEG decode at 1/2, 1/4 or 1/8 scale (draft) before resizing.
        width, height = im.size
        im.thumbnail(fit_within(width, height, side), Image.Resampling.LANCZOS)
    return ImageOps.exif_transpose(im)
