"""A seeded generator of bad and odd media files: what a hostile or unlucky user could hand the
app. Used by `bench/fuzz.py` (every file through every entry point) and by the fast fuzz test.

Families: truncated and bit-flipped MP4 / MOV / MKV / WebM / AVI / ProRes / FFV1, random bytes
and container magic followed by garbage under video names, empty files, PNG / JPEG with broken
headers, bad checksums, huge text chunks or headers claiming huge sizes, odd but valid media
(1x1, one frame, 10-bit, 4:4:4, alpha, rotation, variable and absurd frame rates, equal
timestamps, audio only, broken metadata text), and odd files (FIFOs, symlinks to folders and
devices, symlink loops, folders with media names, unreadable files, unicode and non-UTF-8 names,
names that look like URLs or patterns). The same seed makes the same files.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

W, H, FRAMES = 32, 24, 10  # small: an input at the model's size needs no SSR pass
VIDEO_NAMES = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v")
STILL_NAMES = (".png", ".jpg", ".jpeg")
ALPHA_FORMATS = ("rgba", "bgra", "yuva420p", "yuva444p10le")


@dataclass
class Case:
    path: Path
    family: str

    @property
    def name(self) -> str:
        return os.fsdecode(self.path.name)


def _frames(n: int = FRAMES, w: int = W, h: int = H, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    return [np.roll(base, 2 * i, axis=1) for i in range(n)]


def write_video(
    path: Path,
    codec: str,
    pix_fmt: str,
    *,
    frames: int = FRAMES,
    size: tuple[int, int] = (W, H),
    rate: Fraction | int = 8,
    fmt: str | None = None,
    pts: list[int] | None = None,
    time_base: Fraction | None = None,
    audio: str | None = None,
    video: bool = True,
    rotation: int = 0,
    metadata: dict[str, str] | None = None,
    options: dict | None = None,
) -> Path:
    """A small clip; `pts` (in `time_base`) sets each frame's time (VFR, equal timestamps)."""
    import av

    from engine.media.open_file import open_output

    w, h = size
    # bitexact: no random segment ids or version strings, so a seed makes the same bytes.
    with open_output(path, format=fmt, container_options={"fflags": "+bitexact"}) as c:
        for k, v in (metadata or {}).items():
            c.metadata[k] = v
        s = None
        if video:
            s = c.add_stream(codec, rate=rate)
            s.width, s.height, s.pix_fmt = w, h, pix_fmt
            s.codec_context.thread_count = 1  # one thread: the same bytes on every run
            if options:
                s.options = options
            if time_base is not None:
                s.codec_context.time_base = time_base
            if rotation:
                s.set_display_rotation(rotation)
        a = c.add_stream(audio, rate=48000) if audio else None
        if s is not None:
            src = "rgba" if pix_fmt in ALPHA_FORMATS else "rgb24"
            for i, img in enumerate(_frames(frames, w, h)):
                if src == "rgba":
                    alpha = np.full((h, w, 1), (i * 25) % 256, np.uint8)
                    img = np.concatenate([img, alpha], axis=2)
                f = av.VideoFrame.from_ndarray(img, format=src)
                if pts is not None:
                    f.pts = pts[i]
                    f.time_base = time_base
                c.mux(s.encode(f))
            c.mux(s.encode(None))
        if a is not None:
            for i in range(8):
                af = av.AudioFrame.from_ndarray(
                    np.zeros((1, 1024), np.float32) + 0.01 * i, format="fltp", layout="mono"
                )
                af.sample_rate = 48000
                af.pts = i * 1024
                c.mux(a.encode(af))
            c.mux(a.encode(None))
    return path


# --- valid base files (the seeds of truncation and bit flips) --------------------------------
BASES: dict[str, Callable[[Path], Path]] = {
    "h264.mp4": lambda p: write_video(p, "libx264", "yuv420p", options={"g": "4"}),
    "h264-audio.mp4": lambda p: write_video(p, "libx264", "yuv420p", audio="aac"),
    "h264.mov": lambda p: write_video(p, "libx264", "yuv420p"),
    "prores.mov": lambda p: write_video(p, "prores_ks", "yuv422p10le"),
    "ffv1.mkv": lambda p: write_video(p, "ffv1", "bgr0"),
    "vp9.webm": lambda p: write_video(p, "libvpx-vp9", "yuv420p"),
    "mpeg4.avi": lambda p: write_video(p, "mpeg4", "yuv420p"),
    "mjpeg.avi": lambda p: write_video(p, "mjpeg", "yuvj420p"),
}


def _still(path: Path, mode: str = "RGB", size: tuple[int, int] = (W, H), **save) -> Path:
    from PIL import Image

    arr = _frames(1, *size)[0]
    im = Image.fromarray(arr)
    if mode != "RGB":
        im = im.convert(mode)
    im.save(path, **save)
    return path


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int, rows: int = 1) -> bytes:
    """A PNG whose header claims width x height (valid CRCs) with only `rows` rows of data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit gray
    raw = (b"\x00" + b"\x00" * width) * rows
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(raw))
        + _png_chunk(b"IEND", b"")
    )


def png_with_text(size: int, kind: bytes = b"zTXt") -> bytes:
    """A small valid PNG carrying a compressed text chunk that inflates to `size` bytes."""
    ihdr = struct.pack(">IIBBBBB", 4, 4, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x00\x00\x00\x00" * 4)
    body = zlib.compress(b"A" * size, 9)
    text = b"Comment\x00\x00" + body if kind == b"zTXt" else b"Comment\x00\x01\x00\x00\x00" + body
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(kind, text)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) is rewritten to claim width x height."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (90, 20, 200)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    i = data.index(b"\xff\xc0")
    data[i + 5 : i + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def huge_sparse_png(path: Path, side: int) -> Path:
    """A real side x side black PNG, written row by row (the encoder never holds the picture)."""
    comp = zlib.compressobj(9)
    row = b"\x00" * (side + 1)
    parts = [comp.compress(row) for _ in range(side)] + [comp.flush()]
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )
    return path


def _exif_rotated_jpeg(path: Path, orientation: int) -> Path:
    from PIL import Image

    im = Image.fromarray(_frames(1)[0])
    exif = Image.Exif()
    exif[0x0112] = orientation
    im.save(path, "JPEG", exif=exif.tobytes())
    return path


def _patch_tag_bytes(path: Path, marker: bytes, replacement: bytes) -> Path:
    data = path.read_bytes()
    i = data.index(marker)
    path.write_bytes(data[:i] + replacement + data[i + len(replacement) :])
    return path


def bad_utf8_tags(path: Path) -> Path:
    write_video(path, "libx264", "yuv420p", metadata={"title": "TAGTAGTAG", "comment": "ok"})
    return _patch_tag_bytes(path, b"TAGTAGTAG", b"\xff\xfe\xc3(")


ODD: dict[str, Callable[[Path], Path]] = {
    "one-frame.mp4": lambda p: write_video(p, "libx264", "yuv420p", frames=1),
    "two-by-two.mp4": lambda p: write_video(p, "libx264", "yuv420p", size=(2, 2)),
    "one-by-one.mkv": lambda p: write_video(p, "ffv1", "bgr0", size=(1, 1)),
    "odd-size.mkv": lambda p: write_video(p, "ffv1", "yuv420p", size=(63, 47)),
    "tall.mkv": lambda p: write_video(p, "ffv1", "bgr0", size=(4, 400)),
    "ten-bit.mp4": lambda p: write_video(p, "libx264", "yuv420p10le"),
    "ten-bit.mkv": lambda p: write_video(p, "ffv1", "yuv420p10le"),
    "four-four-four.mp4": lambda p: write_video(p, "libx264", "yuv444p"),
    "alpha-prores4444.mov": lambda p: write_video(p, "prores_ks", "yuva444p10le"),
    "alpha-png.mov": lambda p: write_video(p, "png", "rgba"),
    "alpha-vp9.webm": lambda p: write_video(p, "libvpx-vp9", "yuva420p"),
    "hevc.mp4": lambda p: write_video(
        p, "libx265", "yuv420p", options={"x265-params": "log-level=error"}
    ),
    "rotated-90.mp4": lambda p: write_video(p, "libx264", "yuv420p", rotation=90),
    "rotated-270.mov": lambda p: write_video(p, "libx264", "yuv420p", rotation=-90),
    "vfr.mkv": lambda p: write_video(
        p,
        "ffv1",
        "bgr0",
        time_base=Fraction(1, 1000),
        pts=[0, 10, 50, 51, 300, 310, 900, 901, 902, 2000],
    ),
    "equal-timestamps.mkv": lambda p: write_video(
        p, "ffv1", "bgr0", time_base=Fraction(1, 8), pts=[0, 0, 1, 1, 2, 2, 3, 4, 4, 5]
    ),
    "rate-0.1.mkv": lambda p: write_video(p, "ffv1", "bgr0", rate=Fraction(1, 10)),
    "rate-0.4.mp4": lambda p: write_video(p, "libx264", "yuv420p", rate=Fraction(2, 5)),
    "rate-1000.mkv": lambda p: write_video(p, "ffv1", "bgr0", rate=1000),
    "rate-120000.mkv": lambda p: write_video(p, "ffv1", "bgr0", rate=120000),
    "rate-1-in-100000.mov": lambda p: write_video(p, "mjpeg", "yuvj420p", rate=Fraction(1, 100000)),
    "audio-only.mp4": lambda p: write_video(p, "", "", video=False, audio="aac"),
    "audio-only.mkv": lambda p: write_video(p, "", "", video=False, audio="libopus"),
    "audio-only.webm": lambda p: write_video(p, "", "", video=False, audio="libopus"),
    "audio-only.mov": lambda p: write_video(p, "", "", video=False, audio="pcm_s16le"),
    "audio-only.avi": lambda p: write_video(p, "", "", video=False, audio="pcm_s16le"),
    "bad-utf8-tags.mp4": bad_utf8_tags,
    "long-tag.mp4": lambda p: write_video(
        p, "libx264", "yuv420p", metadata={"comment": "x" * 200000}
    ),
    "big-mjpeg-6000.avi": lambda p: write_video(
        p, "mjpeg", "yuvj420p", frames=2, size=(6000, 6000)
    ),
    "one-by-one.png": lambda p: _still(p, size=(1, 1)),
    "one-by-one.jpg": lambda p: _still(p, size=(1, 1)),
    "sixteen-bit.png": lambda p: _still(p, "I;16"),
    "palette-transparent.png": lambda p: _still(p, "P", transparency=0),
    "gray-alpha.png": lambda p: _still(p, "LA"),
    "rgba.png": lambda p: _still(p, "RGBA"),
    "interlaced.png": lambda p: _still(p, optimize=False, interlace=1),
    "cmyk.jpg": lambda p: _still(p, "CMYK"),
    "gray.jpg": lambda p: _still(p, "L"),
    "progressive.jpg": lambda p: _still(p, progressive=True),
    "exif-rotated-6.jpg": lambda p: _exif_rotated_jpeg(p, 6),
    "exif-orientation-99.jpg": lambda p: _exif_rotated_jpeg(p, 99),
    "claims-100000x100000.png": lambda p: _bytes(p, png_claiming(100000, 100000)),
    "claims-20000x20000.png": lambda p: _bytes(p, png_claiming(20000, 20000)),
    "claims-12000x12000.png": lambda p: _bytes(p, png_claiming(12000, 12000)),
    "claims-65000x65000.jpg": lambda p: _bytes(p, jpeg_claiming(65000, 65000)),
    "claims-0x0.jpg": lambda p: _bytes(p, jpeg_claiming(0, 0)),
    "real-9400x9400.png": lambda p: huge_sparse_png(p, 9400),
    "ztxt-bomb.png": lambda p: _bytes(p, png_with_text(20 << 20)),
    "itxt-bomb.png": lambda p: _bytes(p, png_with_text(20 << 20, b"iTXt")),
    "bad-crc.png": lambda p: _flip_at(_still(p), 20),
    "svg-named.png": lambda p: _bytes(p, b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
    "html-named.mp4": lambda p: _bytes(p, b"<html><body>not a video</body></html>"),
    "concat-script.mp4": lambda p: _bytes(p, b"ffconcat version 1.0\nfile h264.mp4\n"),
    "hls-playlist.mp4": lambda p: _bytes(p, b"#EXTM3U\n#EXTINF:1,\nhttp://127.0.0.1:9/a.ts\n"),
    "gif-named.png": lambda p: _still(p, format="GIF"),
    "webp-named.jpg": lambda p: _still(p, format="WEBP"),
}


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _flip_at(path: Path, offset: int) -> Path:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


MAGIC = {
    ".mp4": b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41",
    ".mov": b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ",
    ".mkv": b"\x1a\x45\xdf\xa3",
    ".webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm",
    ".avi": b"RIFF\x00\x10\x00\x00AVI LIST",
    ".png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR",
    ".jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
}
TRUNCATE_AT = (0.0, 0.01, 0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 0.999)
FLIPS = (1, 4, 16, 64, 256)
# The quick set (the fast test): a few of each family, none slow to make or to read.
QUICK_BASES = ("h264.mp4", "ffv1.mkv")
QUICK_SUFFIXES = (".mp4", ".mkv", ".png", ".jpg")
QUICK_ODD = (
    "one-frame.mp4",
    "equal-timestamps.mkv",
    "rate-0.4.mp4",
    "rate-1000.mkv",
    "audio-only.mp4",
    "bad-utf8-tags.mp4",
    "claims-100000x100000.png",
    "claims-12000x12000.png",
    "ztxt-bomb.png",
    "exif-rotated-6.jpg",
    "alpha-png.mov",
    "cmyk.jpg",
    "concat-script.mp4",
    "one-by-one.png",
)
QUICK_SPECIAL = ("fifo.mp4", "folder-link.mp4", "loop-link.mp4", "dev-zero-link.mp4")
QUICK_NAMES = (b"bytes-\xff\xfe.png", "http:clip.mp4", "frame%03d.png")


BAD_MANIFESTS = (
    b"[1, 2]",
    b'"text"',
    b"null",
    b'{"provenance": 5}',
    b'{"provenance": {"prompt": 5}}',
    b'{"provenance": {"source_type": "trainedAlgorithmicMedia", "clip_id": "zz"}}',
    b'{"sha256": 7}',
    b'{"files_sha256": [1]}',
    b'{"watermark": "x"}',
    b'{"a": ' * 20000,
    b"\xff\xfe\x00",
    b'{"provenance": {"source_type": "trainedAlgorithmicMedia", "seed": 1e309}}',
)


def generate(folder: Path, seed: int = 0, quick: bool = False) -> list[Case]:
    """Write the fuzz files into `folder` (which must be empty or new); the list says which
    family each belongs to. `quick`: a few dozen files, one or two of each family."""
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def rng(name: str) -> np.random.Generator:
        """One stream per file: a file's draws do not depend on the files made before it."""
        return np.random.default_rng([seed, zlib.crc32(name.encode())])

    def add(name: str | bytes, family: str, make: Callable[[Path], object]) -> None:
        path = folder / (os.fsdecode(name) if isinstance(name, bytes) else name)
        try:
            make(path)
        except Exception as e:  # noqa: BLE001 - an encoder this FFmpeg build lacks
            if path.exists() or path.is_symlink():
                path.unlink()
            print(f"fuzz: skipped {path.name}: {type(e).__name__}: {e}")
            return
        cases.append(Case(path, family))

    bases = {}
    for name, make in BASES.items():
        if quick and name not in QUICK_BASES:
            continue
        add(name, "valid", make)
        bases[name] = (folder / name).read_bytes() if (folder / name).is_file() else None
    stills = {"base.png": _still(folder / "base.png"), "base.jpg": _still(folder / "base.jpg")}
    cases += [Case(p, "valid") for p in stills.values()]
    for name, p in stills.items():
        bases[name] = p.read_bytes()

    cuts = TRUNCATE_AT[::4] if quick else TRUNCATE_AT
    flips = FLIPS[2:3] if quick else FLIPS
    repeats = 1 if quick else 3
    for name, data in bases.items():
        if data is None:
            continue
        stem, suffix = name.rsplit(".", 1)
        for frac in cuts:
            cut = data[: int(len(data) * frac)]
            add(
                f"truncated-{stem}-{int(frac * 1000):03d}.{suffix}",
                "truncated",
                lambda p, cut=cut: p.write_bytes(cut),
            )
        for k in flips:
            for r in range(repeats):
                flipped = np.frombuffer(data, np.uint8).copy()
                draw = rng(f"flipped-{stem}-{k}-{r}.{suffix}")
                at = draw.integers(0, len(data), k)
                flipped[at] ^= draw.integers(1, 256, k).astype(np.uint8)
                flipped_bytes = flipped.tobytes()
                add(
                    f"flipped-{stem}-{k}-{r}.{suffix}",
                    "bit-flipped",
                    lambda p, b=flipped_bytes: p.write_bytes(b),
                )
        # The header kept, the body garbage: gets past probing, fails in decoding.
        body = bytearray(data)
        lo = min(len(body) // 4, 4096)
        body[lo:] = rng(f"garbage-{name}").integers(0, 256, len(body) - lo, np.uint8).tobytes()
        add(
            f"garbage-body-{stem}.{suffix}",
            "bit-flipped",
            lambda p, b=bytes(body): p.write_bytes(b),
        )

    for suffix in QUICK_SUFFIXES if quick else VIDEO_NAMES + STILL_NAMES:
        add(f"empty{suffix}", "empty", lambda p: p.write_bytes(b""))
        for size in (100,) if quick else (1, 100, 5000, 100000):
            junk = rng(f"random-{size}{suffix}").integers(0, 256, size, np.uint8).tobytes()
            add(f"random-{size}{suffix}", "random bytes", lambda p, j=junk: p.write_bytes(j))
        magic = MAGIC.get(suffix if suffix != ".jpeg" else ".jpg", MAGIC[".mp4"])
        tail = rng(f"magic{suffix}").integers(0, 256, 3000, np.uint8).tobytes()
        add(
            f"magic-then-garbage{suffix}",
            "random bytes",
            lambda p, d=magic + tail: p.write_bytes(d),
        )

    for name, make in ODD.items():
        if quick and name not in QUICK_ODD:
            continue
        add(name, "odd", make)

    _special(folder, cases, quick)
    return cases


def _special(folder: Path, cases: list[Case], quick: bool) -> None:
    """Files that are not plain files, and plain files with odd names."""
    sample = (folder / "h264.mp4").read_bytes()
    still = (folder / "base.png").read_bytes()

    def named(name: str | bytes, data: bytes) -> None:
        path = folder / (os.fsdecode(name) if isinstance(name, bytes) else name)
        path.write_bytes(data)
        cases.append(Case(path, "odd name"))

    for name in ("fifo.mp4", "fifo.png"):
        if quick and name not in QUICK_SPECIAL:
            continue
        os.mkfifo(folder / name)
        cases.append(Case(folder / name, "not a file"))
    specials = {
        "folder-link.mp4": lambda p: p.symlink_to(folder, target_is_directory=True),
        "loop-link.mp4": lambda p: p.symlink_to(p),
        "dangling-link.mp4": lambda p: p.symlink_to(folder / "no-such-file.mp4"),
        "dev-zero-link.mp4": lambda p: p.symlink_to("/dev/zero"),
        "folder.mp4": lambda p: p.mkdir(),
        "unreadable.mp4": lambda p: (p.write_bytes(sample), p.chmod(0)),
        "file-link.mp4": lambda p: p.symlink_to(folder / "h264.mp4"),
    }
    for name, make in specials.items():
        if quick and name not in QUICK_SPECIAL:
            continue
        make(folder / name)
        cases.append(Case(folder / name, "not a file"))
    names: list[tuple[str | bytes, bytes]] = [
        ("café-été.mp4", sample),
        ("視頻.mp4", sample),
        ("🎬 clip.png", still),
        ("שלום.mp4", sample),
        ("cafe\u0301.png", still),
        (b"latin1-\xe9t\xe9.mp4", sample),
        (b"bytes-\xff\xfe.png", still),
        ("-dash.mp4", sample),
        ("http:clip.mp4", sample),
        ("data:,x.png", still),
        ("pipe:0.mp4", sample),
        ("frame%03d.png", still),
        ("new\nline.mp4", sample),
        ("x" * 240 + ".mp4", sample),
        (" space .png", still),
        ("UPPER.MP4", sample),
        ("no-suffix", sample),
        ("clip.mp4.txt", sample),
    ]
    if quick:
        names = [n for n in names if n[0] in QUICK_NAMES]
    for name, data in names:
        named(name, data)
    # A good clip beside a hostile sidecar manifest (what detect and export read as labels).
    for i, text in enumerate(BAD_MANIFESTS[:2] if quick else BAD_MANIFESTS):
        clip = folder / f"bad-manifest-{i}.mp4"
        clip.write_bytes(sample)
        (folder / f"{clip.name}.provenance.json").write_bytes(text)
        cases.append(Case(clip, "bad manifest"))
