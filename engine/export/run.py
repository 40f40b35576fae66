"""Export a project's timeline or one clip to a format, with labels, manifest and atomic writes.

The watermark is not embedded again here: generated media already carries it from
`engine.outputs.save_result`, and a second mark would only interfere with the first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from engine.export import marks, otio_file
from engine.export.render import (
    clip_provenance,
    clips_in,
    load_project,
    media_path,
    render_frames,
    timeline_provenance,
)
from engine.export.sources import (
    SourceError,
    frame_files,
    frame_rate,
    has_sound,
    iter_frames,
    labels_of,
)
from engine.export.timeline_audio import timeline_sound
from engine.media import provenance as pv
from engine.media.encode import EncodeError, VideoSettings, write_video
from engine.media.sealing import Seal, SignOptions
from engine.tempfiles import explain_full_disk, recover_folder_swaps
from engine.timebase import parse_timecode, rate_text
from engine.timebase import timecode as format_timecode
from engine.timeline import Timeline

FORMATS = {
    "h264": ".mp4",
    "prores": ".mov",
    "prores4444": ".mov",
    "png": "",
    "otio": ".otio",
    "fcpxml": ".xml",
    "edl": ".edl",
}
INTERCHANGE = ("otio", "fcpxml", "edl")  # timeline files that reference the media
ALPHAS = ("opaque", "mask")  # ProRes 4444 alpha: all 255, or 255 where pixels are generated
Progress = Callable[[int, int], None]


def check_out(fmt: str, out: Path | str, force: bool, alpha: str = "opaque") -> Path:
    if fmt not in FORMATS:
        raise EncodeError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if alpha not in ALPHAS:
        raise EncodeError(f"alpha must be one of {', '.join(ALPHAS)}, got {alpha!r}")
    if alpha != "opaque" and fmt != "prores4444":
        raise EncodeError(f"--alpha {alpha} needs --format prores4444 (the only one with alpha)")
    text = str(out)
    path = Path(text.rstrip("/"))
    want = FORMATS[fmt]
    if fmt in INTERCHANGE and want not in otio_file.available_formats():
        raise EncodeError(
            f"{fmt} needs an OpenTimelineIO adapter that is not installed "
            f"(the opentimelineio-plugins package)"
        )
    if want and path.suffix.lower() != want:
        raise EncodeError(f"--out for {fmt} must end in {want}, got {path.name}")
    if not want and path.suffix:
        raise EncodeError(f"--out for png must be a folder (no suffix), got {path.name}")
    if not path.parent.is_dir():
        raise EncodeError(f"folder {path.parent} does not exist")
    recover_folder_swaps(path)  # a PNG-folder replace a killed run left half done: settle it
    if path.exists() and (path.is_file() or any(path.iterdir())) and not force:
        raise EncodeError(f"{path} exists; pass --force to replace it")
    return path


def _settings(
    fmt: str, fps: Fraction | float | int, prov: pv.Provenance | None, **kw: Any
) -> VideoSettings:
    return VideoSettings(
        fps=fps,
        prores="prores4444" if fmt == "prores4444" else "prores",
        metadata=prov.container_metadata() if prov else {},
        **kw,
    )


def _seal(
    prov: pv.Provenance | None,
    sources: list[Path],
    sign: SignOptions | None,
    watermark: dict[str, Any] | None = None,
) -> Seal:
    """The export's C2PA manifest and sidecar (a replaced export's old sidecar never outlives
    it): one source is a re-encode of it (parentOf), several are placed (componentOf)."""
    return Seal(
        prov,
        sources,
        relationship="parentOf" if len(sources) == 1 else "componentOf",
        export=True,
        watermark=watermark,
        options=sign or SignOptions(),
    )


def _write(
    fmt: str,
    frames: Iterable[np.ndarray],
    out: Path,
    settings: VideoSettings,
    total: int,
    force: bool,
    progress: Progress | None,
    frame_bytes: int | None = None,
) -> Path:
    """`frame_bytes` (one uncompressed frame) bounds the space named when the disk fills."""
    on_frame = (lambda i: progress(i, total)) if progress else None
    try:
        if fmt == "png":
            from engine.media.encode import write_png_sequence

            return write_png_sequence(
                frames, out, on_frame=on_frame, replace=force, seal=settings.seal
            )
        return write_video(frames, out, settings, on_frame)
    except OSError as e:
        needed = frame_bytes * total if frame_bytes else None
        raise explain_full_disk(e, out.parent, needed, out.name) from e


@dataclass(frozen=True)
class ExportOptions:
    """What every export takes besides its input, format and target. `timecode`: the first
    frame's (None: 00:00:00:00, or a timeline file's own start); `progress(done, total)` may
    raise to cancel; `mark_composites`: watermark the whole frame of a composite
    (`engine.export.marks`); `alpha="mask"`: ProRes 4444 alpha is 255 on generated pixels."""

    force: bool = False
    crf: int = 18
    preset: str = "medium"
    timecode: str | None = None
    progress: Progress | None = None
    sign: SignOptions | None = None
    mark_composites: bool = True
    alpha: str = "opaque"


def export_clip(src: Path, fmt: str, out: Path, **options: Any) -> Path:
    """Re-encode one clip (video, still or PNG folder) with its labels and its own audio;
    `options`: those of ExportOptions."""
    o = ExportOptions(**options)
    out = check_out(fmt, out, o.force, o.alpha)
    if fmt in INTERCHANGE:
        raise EncodeError(f"{fmt} exports a timeline; give a project folder or a timeline file")
    prov = labels_of(src)
    fps = frame_rate(src)
    total = sum(1 for _ in iter_frames(src))
    audio = None
    if fmt != "png" and src.is_file():
        from engine.media.audio import read_audio

        audio = read_audio(src, 0.0, total / float(fps))
    facts = (pv.read_manifest(src) or {}).get("watermark")
    frames = iter_frames(src)
    whole = marks.clip_mark(src) if o.mark_composites else None
    if whole is not None:
        frames = marks.mark_clip_frames(frames, whole)
        facts = {k: v for k, v in (facts or {}).items() if k != "region"} | {"whole_frame": True}
    settings = _settings(
        fmt,
        fps,
        prov,
        crf=o.crf,
        preset=o.preset,
        timecode=o.timecode or "00:00:00:00",
        audio=audio,
        seal=_seal(prov, [src], o.sign, facts),
    )
    if o.alpha == "mask":
        h, w = next(iter_frames(src, limit=1)).shape[:2]
        settings.alpha = marks.GeneratedAlpha((h, w), total, clip=src)
    return _write(fmt, frames, out, settings, total, o.force, o.progress)


def export_project(project: Path, fmt: str, out: Path, **options: Any) -> Path:
    """A project folder's timeline; `options`: those of ExportOptions."""
    o = ExportOptions(**options)
    check_out(fmt, out, o.force, o.alpha)  # refused before the project is read
    timeline, base = load_project(project)
    return export_timeline(timeline, base, fmt, out, **options)


def export_timeline(
    timeline: Timeline,
    base: Path,
    fmt: str,
    out: Path,
    first: int = 0,
    last: int | None = None,
    **options: Any,
) -> Path:
    """Frames [first, last) of a timeline (all of it by default) whose relative media paths are
    relative to `base`, with the clips' mixed audio, labels and manifest. `timecode` is the
    sequence's first frame's; the export starts at its own (that plus `first`, drop-frame at
    29.97 / 59.94). `options`: those of ExportOptions; a cancelling `progress` makes the writers
    remove their temporary output, and `mark_composites` marks the whole frame where a
    composite shows."""
    o = ExportOptions(**options)
    out = check_out(fmt, out, o.force, o.alpha)
    last = timeline.duration if last is None else last
    if last <= first:
        raise SourceError("the timeline is empty: nothing to export")
    start = start_frame(o.timecode or "00:00:00:00", timeline.rate)
    if fmt in INTERCHANGE:
        return export_interchange(timeline, base, out, o.progress, start)
    prov = timeline_provenance(timeline, base, first, last)
    audio = timeline_sound(timeline, base, first, last) if fmt != "png" else None
    sources = list(dict.fromkeys(media_path(c, base) for c in clips_in(timeline, first, last)))
    frames = render_frames(timeline, base, first, last)
    facts = None
    if o.mark_composites and prov is not None and prov.source_type == pv.COMPOSITE:
        frames = marks.mark_timeline_frames(frames, timeline, base, first)
        facts = {"scheme": "lumiere-tile-v1", "whole_frame_where_composites_show": True}
    settings = _settings(
        fmt,
        timeline.rate,
        prov,
        crf=o.crf,
        preset=o.preset,
        timecode=format_timecode(start + first, timeline.rate),
        audio=audio,
        seal=_seal(prov, sources, o.sign, facts),
    )
    if o.alpha == "mask":
        settings.alpha = marks.GeneratedAlpha(
            (timeline.height, timeline.width), last - first, timeline, base, first
        )
    return _write(
        fmt,
        frames,
        out,
        settings,
        last - first,
        o.force,
        o.progress,
        timeline.width * timeline.height * 3,
    )


def start_frame(timecode: str, rate: Fraction) -> int:
    try:
        return parse_timecode(timecode, rate)
    except ValueError as e:
        raise EncodeError(str(e)) from e


def export_interchange(
    timeline: Timeline, base: Path, out: Path, progress: Progress | None = None, start: int = 0
) -> Path:
    """The timeline as OTIO / FCP 7 XML / EDL (by `out`'s suffix) whose clips reference the
    original media files at their own rates and ranges: nothing is re-encoded (so the media keep
    their own Content Credentials), and the clips of media with sound are repeated on audio
    tracks so the sound comes along."""
    media: dict[str, Path] = {}
    labels: dict[str, pv.Provenance | None] = {}
    sound: set[str] = set()
    frames: dict[str, int] = {}
    for clip in (c for t in timeline.tracks for c in t.clips):
        if clip.media in media:
            continue
        path = media_path(clip, base)
        if not path.exists():
            raise SourceError(f"{path} does not exist; the timeline file would point at nothing")
        media[clip.media] = path.absolute()
        labels[clip.media] = clip_provenance(clip, base)
        if not clip.is_still:
            frames[clip.media] = media_frames(path)
        if not clip.is_still and has_sound(path):
            sound.add(clip.media)
    if out.suffix.lower() == ".edl" and sum(1 for t in timeline.tracks if t.clips) > 1:
        raise EncodeError("an EDL holds one video track; export OTIO or FCP XML for several")
    if progress:  # before the write, so a cancel leaves nothing
        progress(1, 1)
    rates = {".otio": "own", ".xml": "smpte"}.get(out.suffix.lower(), "sequence")
    name = "Lumiere Studio export"
    if rates == "sequence":  # an EDL cannot say its rate but in its title
        name += f" @ {rate_text(timeline.rate)} fps"
    tl = otio_file.build(
        timeline, media, labels, name=name, start=start, sound=sound, frames=frames, rates=rates
    )
    return otio_file.write(tl, out)


def media_frames(path: Path) -> int:
    """How many frames a media file (or folder of frames) has."""
    from engine.media.probe import ProbeError, probe

    if path.is_dir():
        return len(frame_files(path))
    try:
        return probe(path).frames
    except ProbeError as e:
        raise SourceError(str(e)) from e


def export_timeline_file(src: Path, fmt: str, out: Path, **options: Any) -> Path:
    """Render (or convert) an OTIO / FCP 7 XML / EDL timeline headlessly, its media linked by
    the paths it holds. Its own start timecode is kept unless `timecode` is given; `options`:
    those of ExportOptions."""
    o = ExportOptions(**options)
    check_out(fmt, out, o.force, o.alpha)  # refused before the file is read
    read = otio_file.read(src)
    if read.missing:
        raise SourceError("the timeline's media is missing: " + ", ".join(read.missing))
    if read.left_out:  # rendering without them would make a different cut
        raise SourceError(
            "the timeline holds what this app cannot render: " + "; ".join(read.left_out)
        )
    own = {"timecode": o.timecode or format_timecode(read.start, read.timeline.rate)}
    return export_timeline(read.timeline, src.parent, fmt, out, **(options | own))
