"""Export a project's timeline or one clip to a format, with labels, manifest and atomic writes.

The watermark is not embedded again here: generated media already carries it from
`engine.outputs.save_result`, and a second mark would only interfere with the first.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from engine.export import otio_file
from engine.export.render import load_project, media_path, render_frames, timeline_provenance
from engine.export.sources import SourceError, frame_rate, iter_frames, labels_of, read_frames
from engine.media import provenance as pv
from engine.media.encode import EncodeError, VideoSettings, write_video
from engine.timeline import Timeline

FORMATS = {"h264": ".mp4", "prores": ".mov", "prores4444": ".mov", "png": "", "otio": ".otio"}
Progress = Callable[[int, int], None]


def check_out(fmt: str, out: Path | str, force: bool) -> Path:
    if fmt not in FORMATS:
        raise EncodeError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
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


def _write(fmt: str, frames, out: Path, settings: VideoSettings, total: int, force: bool,
           progress: Progress | None) -> Path:  # fmt: skip
    on_frame = (lambda i: progress(i, total)) if progress else None
    if fmt == "png":
        frames = read_frames_list(frames)
        if force and out.exists():  # a folder cannot be swapped atomically; clear it first
            shutil.rmtree(out)
        from engine.media.encode import write_png_sequence

        path = write_png_sequence(frames, out)
        if progress:
            progress(total, total)
        return path
    return write_video(frames, out, settings, on_frame)


def read_frames_list(frames):
    import numpy as np

    return np.stack(list(frames))


def export_clip(src: Path, fmt: str, out: Path, force: bool = False, crf: int = 18,
                preset: str = "medium", timecode: str = "00:00:00:00",
                progress: Progress | None = None) -> Path:  # fmt: skip
    """Re-encode one clip (video, still or PNG folder) with its labels and its own audio."""
    out = check_out(fmt, out, force)
    if fmt == "otio":
        raise EncodeError("otio exports a project's timeline; give a project folder")
    prov = labels_of(src)
    fps = frame_rate(src)
    total = sum(1 for _ in iter_frames(src))
    audio = None
    if fmt != "png" and src.is_file():
        from engine.media.audio import read_audio

        audio = read_audio(src, 0.0, total / float(fps))
    settings = _settings(fmt, fps, prov, crf=crf, preset=preset, timecode=timecode, audio=audio)
    path = _write(fmt, iter_frames(src), out, settings, total, force, progress)
    if prov is not None:
        manifest = pv.read_manifest(src) or {}
        pv.write_manifest(path, prov, manifest.get("watermark"))
    return path


def export_project(project: Path, fmt: str, out: Path, force: bool = False, crf: int = 18,
                   preset: str = "medium", timecode: str = "00:00:00:00",
                   progress: Progress | None = None) -> Path:  # fmt: skip
    out = check_out(fmt, out, force)
    timeline, base = load_project(project)
    if timeline.duration == 0:
        raise SourceError("the timeline is empty")
    if fmt == "otio":
        return export_otio(timeline, base, out, crf, progress)
    prov = timeline_provenance(timeline, base)
    settings = _settings(fmt, timeline.fps, prov, crf=crf, preset=preset, timecode=timecode)
    path = _write(fmt, render_frames(timeline, base), out, settings, timeline.duration, force,
                  progress)  # fmt: skip
    if prov is not None:
        pv.write_manifest(path, prov)
    return path


def export_otio(timeline: Timeline, base: Path, out: Path, crf: int = 18,
                progress: Progress | None = None) -> Path:  # fmt: skip
    """Each media file the timeline uses is exported whole (ProRes 422 HQ, so frame numbers and
    the clips' ranges stay valid) into `<name>_media/`, then the OTIO file points at them."""
    folder = out.with_name(out.stem + "_media")
    folder.mkdir(exist_ok=True)
    media: dict[str, str] = {}
    labels: dict[str, pv.Provenance | None] = {}
    used = sorted({c.media for t in timeline.tracks for c in t.clips})
    for i, name in enumerate(used):
        src = media_path(next(c for t in timeline.tracks for c in t.clips if c.media == name),
                         base)  # fmt: skip
        target = folder / f"{i:03d}_{Path(name).stem}.mov"
        clip = next(c for t in timeline.tracks for c in t.clips if c.media == name)
        from engine.export.render import clip_provenance

        prov = clip_provenance(clip, base)
        frames = read_frames(src)
        settings = _settings("prores", timeline.fps, prov)
        write_video(frames, target, settings)
        if prov is not None:
            pv.write_manifest(target, prov, (pv.read_manifest(src) or {}).get("watermark"))
        media[name] = str(target.relative_to(out.parent))
        labels[name] = prov
        if progress:
            progress(i + 1, len(used) + 1)
    path = otio_file.write(otio_file.build(timeline, media, labels), out)
    if progress:
        progress(len(used) + 1, len(used) + 1)
    return path
