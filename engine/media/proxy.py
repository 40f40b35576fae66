"""Editing proxies: an intra-only, viewer-sized copy of a video for fast random access.

A long-GOP source (e.g. H.264 with a keyframe every 250 frames) needs up to a whole GOP of
decoding to show one random frame. A proxy stores every frame as an independent MJPEG picture,
at most `PROXY_WIDTH` on its longer side, so any frame is one small JPEG decode. Frame `i` of
the proxy is frame `i` of the source in presentation order, already display-rotated (the
proxy carries no rotation). Proxies live in the platformdirs cache, keyed by the source's
absolute path, size and mtime (so an edited source gets a new proxy), and are written to a
temporary name, then renamed, so a half-written proxy is never used. The source is only ever read.

No Qt here: the app runs `ensure_proxy` on a worker thread.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from engine.errors import LumiereError
from engine.media.av_errors import plain_av_error
from engine.media.decode import rotate
from engine.media.open_file import MediaFileError, local_file, open_input, open_output
from engine.tempfiles import atomic_write
from engine.user_paths import proxies_dir

PROXY_WIDTH = 960
PROXY_VERSION = 1  # bump when the proxy format changes, so old cache entries are not used
JPEG_QSCALE = 3  # MJPEG quantiser (2 = best, 31 = worst): 3 keeps PSNR well above 35 dB


PROXY_MIN_PIXELS = 640 * 360  # smaller videos decode a whole GOP fast enough without one


class ProxyError(LumiereError, RuntimeError):
    """A proxy could not be made (broken source, cancelled, disk full)."""


def cache_root() -> Path:
    return proxies_dir()


def proxy_size(width: int, height: int, max_side: int = PROXY_WIDTH) -> tuple[int, int]:
    """Viewer size with the source's aspect ratio, even dimensions (4:2:0 chroma). The longer
    side is limited, so a portrait video gets as small a proxy as a landscape one."""
    scale = min(1.0, max_side / max(width, height))
    w = max(2, int(round(width * scale / 2)) * 2)
    h = max(2, int(round(height * scale / 2)) * 2)
    return w, h


def needs_proxy(kind: str, width: int, height: int, min_pixels: int = PROXY_MIN_PIXELS) -> bool:
    """Whether a proxy pays off: videos from SD up (stills and tiny clips decode fast)."""
    return kind == "video" and width * height >= min_pixels


def proxy_path(source: str | Path, root: Path | None = None) -> Path:
    """Where the proxy of `source` lives (whether or not it exists yet)."""
    p = Path(source).absolute()
    st = p.stat()
    raw = f"{p}|{st.st_size}|{st.st_mtime_ns}|v{PROXY_VERSION}|{PROXY_WIDTH}|q{JPEG_QSCALE}"
    digest = hashlib.sha1(os.fsencode(raw)).hexdigest()  # a non-UTF-8 name hashes as its bytes
    return (root or cache_root()) / f"{digest}.mkv"


def cached_proxy(source: str | Path, root: Path | None = None) -> Path | None:
    """The finished proxy of `source`, or None (no proxy yet, or the source is gone)."""
    try:
        target = proxy_path(source, root)
    except OSError:
        return None
    return target if target.is_file() else None


def ensure_proxy(
    source: str | Path,
    root: Path | None = None,
    cancel: threading.Event | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Path, bool]:
    """The proxy of `source`: (path, built_now). Reuses a cached proxy when the source is
    unchanged; otherwise builds one. Raises ProxyError with a readable reason."""
    src = Path(source)
    try:
        local_file(src)
    except MediaFileError as e:
        raise ProxyError(str(e)) from None
    target = proxy_path(src, root)
    if target.is_file():
        return target, False
    build_proxy(src, target, cancel, progress)
    return target, True


def build_proxy(
    source: Path,
    target: Path,
    cancel: threading.Event | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Decode `source` front to back once and write every frame, scaled, as MJPEG, to a
    temporary file that is renamed to `target` when complete (readers see no proxy or a whole
    one)."""
    import av

    try:
        atomic_write(
            target, lambda tmp: _write_proxy(source, tmp, cancel, progress), suffix=".tmp.mkv"
        )
    except ProxyError:
        raise
    except MediaFileError as e:
        raise ProxyError(f"{e}; no proxy could be made") from e
    except (av.error.FFmpegError, OSError, ValueError) as e:
        raise ProxyError(f"{plain_av_error(source, e)}; no proxy could be made") from e


def _write_proxy(
    source: Path,
    tmp: Path,
    cancel: threading.Event | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    import av

    with open_input(source) as src:
        if not src.streams.video:
            raise ProxyError(f"{source.name} has no video stream")
        ins = src.streams.video[0]
        ins.thread_type = "AUTO"  # frame threading: this is a throughput decode
        total = int(ins.frames or 0)
        rate = ins.average_rate or ins.guessed_rate or Fraction(24)
        with open_output(tmp, format="matroska") as dst:
            out = None
            n = 0
            for frame in src.decode(ins):
                if cancel is not None and cancel.is_set():
                    raise ProxyError(f"proxy of {source.name} cancelled")
                if frame.pts is None:
                    continue
                rot = int(getattr(frame, "rotation", 0) or 0) % 360
                if out is None:
                    w, h = (frame.height, frame.width) if rot % 180 else (frame.width, frame.height)
                    pw, ph = proxy_size(w, h)
                    out = dst.add_stream("mjpeg", rate=rate)
                    out.width, out.height, out.pix_fmt = pw, ph, "yuvj420p"
                    # MJPEG quality is a fixed quantiser: pin it with qmin = qmax.
                    out.codec_context.qmin = out.codec_context.qmax = JPEG_QSCALE
                # Scale in the decoder's swscale, rotate upright, then a fresh frame: the
                # source frame's timing and colour metadata must not reach the encoder.
                pw, ph = (out.height, out.width) if rot % 180 else (out.width, out.height)
                small = frame.to_ndarray(format="rgb24", width=pw, height=ph)
                pic = av.VideoFrame.from_ndarray(rotate(small, rot), format="rgb24")
                pic = pic.reformat(format="yuvj420p")
                pic.pts = n  # proxy frame n == source frame n in presentation order
                dst.mux(out.encode(pic))
                n += 1
                if progress is not None:
                    progress(n, total)
            if out is None:
                raise ProxyError(f"{source.name}: no decodable video frames")
            dst.mux(out.encode(None))
