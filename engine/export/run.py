"""Export a project's timeline or one clip to a format, with labels, manifest and atomic writes.

The watermark is not embedded again here: generated media already carries it from
`engine.outputs.save_result`, and a second mark would only interfere with the first.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from engine.export import marks, otio_file
from engine.export.render import (
    clip_provenance,
    clips_in,
    load_project,
    media_path,
    render_frames,
    timeline_provenance,
)
from engine.export.sources import SourceError, frame_rate, iter_frames, labels_of, read_frames
from engine.export.timeline_audio import timeline_audio
from engine.media import provenance as pv
from engine.media.encode import EncodeError, VideoSettings, write_video
from engine.media.sealing import Seal, SignOptions
from engine.timeline import Timeline

FORMATS = {"h264": ".mp4", "prores": ".mov", "prores4444": ".mov", "png": "", "otio": ".otio"}
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
    if fmt == "otio":
        if path.suffix.lower() not in otio_file.available_formats():
            raise EncodeError(f"--out for otio must end in one of "
                              f"{', '.join(otio_file.available_formats())}")  # fmt: skip
    elif want and path.suffix.lower() != want:
        raise EncodeError(f"--out for {fmt} must end in {want}, got {path.name}")
    elif not want and path.suffix:
        raise EncodeError(f"--out for png must be a folder (no suffix), got {path.name}")
    if not path.parent.is_dir():
        raise EncodeError(f"folder {path.parent} does not exist")
    if path.exists() and (path.is_file() or any(path.iterdir())):
        if not force:
            raise EncodeError(f"{path} exists; pass --force to replace it")
    return path


def _settings(fmt: str, fps, prov: pv.Provenance | None, **kw) -> VideoSettings:
    return VideoSettings(fps=fps, prores="prores4444" if fmt == "prores4444" else "prores",
                         metadata=prov.container_metadata() if prov else {}, **kw)  # fmt: skip


def _seal(prov: pv.Provenance | None, sources: list[Path], sign: SignOptions | None,
          watermark: dict | None = None) -> Seal:  # fmt: skip
    """The export's C2PA manifest and sidecar (a replaced export's old sidecar never outlives
    it): one source is a re-encode of it (parentOf), several are placed (componentOf)."""
    return Seal(prov, sources, relationship="parentOf" if len(sources) == 1 else "componentOf",
                export=True, watermark=watermark, options=sign or SignOptions())  # fmt: skip


def _write(fmt: str, frames, out: Path, settings: VideoSettings, total: int, force: bool,
           progress: Progress | None) -> Path:  # fmt: skip
    on_frame = (lambda i: progress(i, total)) if progress else None
    if fmt == "png":
        from engine.media.encode import write_png_sequence

        return write_png_sequence(frames, out, on_frame=on_frame, replace=force,
                                  seal=settings.seal)  # fmt: skip
    return write_video(frames, out, settings, on_frame)


def export_clip(src: Path, fmt: str, out: Path, force: bool = False, crf: int = 18,
                preset: str = "medium", timecode: str = "00:00:00:00",
                progress: Progress | None = None, sign: SignOptions | None = None,
                mark_composites: bool = True, alpha: str = "opaque") -> Path:  # fmt: skip
    """Re-encode one clip (video, still or PNG folder) with its labels and its own audio;
    `mark_composites`: watermark the whole frame of a composite (`engine.export.marks`);
    `alpha="mask"`: ProRes 4444 alpha is the clip's generated region."""
    out = check_out(fmt, out, force, alpha)
    if fmt == "otio":
        raise EncodeError("otio exports a project's timeline; give a project folder")
    prov = labels_of(src)
    fps = frame_rate(src)
    total = sum(1 for _ in iter_frames(src))
    audio = None
    if fmt != "png" and src.is_file():
        from engine.media.audio import read_audio

        audio = read_audio(src, 0.0, total / float(fps))
    facts = (pv.read_manifest(src) or {}).get("watermark")
    frames = iter_frames(src)
    whole = marks.clip_mark(src) if mark_composites else None
    if whole is not None:
        frames = marks.mark_clip_frames(frames, whole)
        facts = {k: v for k, v in (facts or {}).items() if k != "region"} | {"whole_frame": True}
    settings = _settings(fmt, fps, prov, crf=crf, preset=preset, timecode=timecode, audio=audio,
                         seal=_seal(prov, [src], sign, facts))  # fmt: skip
    if alpha == "mask":
        h, w = next(iter_frames(src, limit=1)).shape[:2]
        settings.alpha = marks.GeneratedAlpha((h, w), total, clip=src)
    return _write(fmt, frames, out, settings, total, force, progress)


def export_project(project: Path, fmt: str, out: Path, force: bool = False, crf: int = 18,
                   preset: str = "medium", timecode: str = "00:00:00:00",
                   progress: Progress | None = None, sign: SignOptions | None = None,
                   mark_composites: bool = True, alpha: str = "opaque") -> Path:  # fmt: skip
    out = check_out(fmt, out, force, alpha)
    timeline, base = load_project(project)
    return export_timeline(timeline, base, fmt, out, force, crf=crf, preset=preset,
                           timecode=timecode, progress=progress, sign=sign,
                           mark_composites=mark_composites, alpha=alpha)  # fmt: skip


def export_timeline(timeline: Timeline, base: Path, fmt: str, out: Path, force: bool = False,
                    first: int = 0, last: int | None = None, crf: int = 18,
                    preset: str = "medium", timecode: str = "00:00:00:00",
                    progress: Progress | None = None, sign: SignOptions | None = None,
                    mark_composites: bool = True, alpha: str = "opaque") -> Path:  # fmt: skip
    """Frames [first, last) of a timeline (all of it by default) whose relative media paths are
    relative to `base`, with the clips' mixed audio, labels and manifest. `progress(done,
    total)` may raise to cancel: the writers then remove their temporary output.
    `mark_composites`: watermark the whole frame where a composite shows (`export.marks`);
    `alpha="mask"`: ProRes 4444 alpha is 255 where the frame shows generated pixels."""
    out = check_out(fmt, out, force, alpha)
    last = timeline.duration if last is None else last
    if last <= first:
        raise SourceError("the timeline is empty: nothing to export")
    if fmt == "otio":
        return export_otio(timeline, base, out, crf, progress, sign)
    prov = timeline_provenance(timeline, base, first, last)
    audio = timeline_audio(timeline, base, first, last) if fmt != "png" else None
    sources = list(dict.fromkeys(media_path(c, base) for c in clips_in(timeline, first, last)))
    frames = render_frames(timeline, base, first, last)
    facts = None
    if mark_composites and prov is not None and prov.source_type == pv.COMPOSITE:
        frames = marks.mark_timeline_frames(frames, timeline, base, first)
        facts = {"scheme": "lumiere-tile-v1", "whole_frame_where_composites_show": True}
    settings = _settings(fmt, timeline.fps, prov, crf=crf, preset=preset, timecode=timecode,
                         audio=audio, seal=_seal(prov, sources, sign, facts))  # fmt: skip
    if alpha == "mask":
        settings.alpha = marks.GeneratedAlpha((timeline.height, timeline.width), last - first,
                                              timeline, base, first)  # fmt: skip
    return _write(fmt, frames, out, settings, last - first, force, progress)


def export_otio(timeline: Timeline, base: Path, out: Path, crf: int = 18,
                progress: Progress | None = None,
                sign: SignOptions | None = None) -> Path:  # fmt: skip
    """Each media file the timeline uses is exported whole (ProRes 422 HQ, so frame numbers and
    the clips' ranges stay valid) into `<name>_media/`, then the OTIO file points at them.
    A failed or cancelled export removes the media it had written."""
    folder = out.with_name(out.stem + "_media")
    made = not folder.exists()
    folder.mkdir(exist_ok=True)
    written: list[Path] = []
    try:
        return _write_otio(timeline, base, out, folder, written, progress, sign)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
            pv.manifest_path(path).unlink(missing_ok=True)
        if made:
            shutil.rmtree(folder, ignore_errors=True)
        raise


def _write_otio(timeline: Timeline, base: Path, out: Path, folder: Path, written: list[Path],
                progress: Progress | None, sign: SignOptions | None) -> Path:  # fmt: skip
    media: dict[str, str] = {}
    labels: dict[str, pv.Provenance | None] = {}
    first_use = {}
    for clip in (c for t in timeline.tracks for c in t.clips):
        first_use.setdefault(clip.media, clip)
    used = sorted(first_use)
    for i, name in enumerate(used):
        clip = first_use[name]
        src = media_path(clip, base)
        target = folder / f"{i:03d}_{Path(name).stem}.mov"
        prov = clip_provenance(clip, base)
        mark = (pv.read_manifest(src) or {}).get("watermark")
        written.append(target)
        settings = _settings("prores", timeline.fps, prov, seal=_seal(prov, [src], sign, mark))
        write_video(read_frames(src), target, settings)
        media[name] = str(target.relative_to(out.parent))
        labels[name] = prov
        if progress:
            progress(i + 1, len(used) + 1)
    if progress:  # before the write, so a cancel here cannot leave an OTIO without media
        progress(len(used) + 1, len(used) + 1)
    return otio_file.write(otio_file.build(timeline, media, labels), out)
