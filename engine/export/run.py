"""Export a project's timeline or one clip to a format, with labels, manifest and atomic writes.

The watermark is not embedded again here: generated media already carries it from
`engine.outputs.save_result`, and a second mark would only interfere with the first.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from engine.export import otio_file
from engine.export.render import (
    clip_provenance,
    load_project,
    media_path,
    render_frames,
    timeline_provenance,
)
from engine.export.sources import SourceError, frame_rate, iter_frames, labels_of, read_frames
from engine.export.timeline_audio import timeline_audio
from engine.media import provenance as pv
from engine.media.encode import EncodeError, VideoSettings, sweep_stale_temps, write_video
from engine.tempfiles import (
    create_temp_dir_beside,
    explain_full_disk,
    recover_folder_swaps,
    replace,
    replace_folder,
)
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
    taken = [path] + ([path.with_name(path.stem + "_media")] if fmt == "otio" else [])
    for p in taken:  # an OTIO export replaces its media folder too
        recover_folder_swaps(p)  # a replace that a killed run left half done: settle it
        if p.exists() and (p.is_file() or any(p.iterdir())) and not force:
            raise EncodeError(f"{p} exists; pass --force to replace it")
    return path


def _settings(fmt: str, fps, prov: pv.Provenance | None, **kw) -> VideoSettings:
    return VideoSettings(fps=fps, prores="prores4444" if fmt == "prores4444" else "prores",
                         metadata=prov.container_metadata() if prov else {}, **kw)  # fmt: skip


def _write(fmt: str, frames, out: Path, settings: VideoSettings, total: int, force: bool,
           progress: Progress | None, frame_bytes: int | None = None) -> Path:  # fmt: skip
    """`frame_bytes` (one uncompressed frame) bounds the space named when the disk fills."""
    on_frame = (lambda i: progress(i, total)) if progress else None
    try:
        if fmt == "png":
            from engine.media.encode import write_png_sequence

            return write_png_sequence(frames, out, on_frame=on_frame, replace=force)
        return write_video(frames, out, settings, on_frame)
    except OSError as e:
        needed = frame_bytes * total if frame_bytes else None
        raise explain_full_disk(e, out.parent, needed, out.name) from e


def _label(path: Path, prov: pv.Provenance | None, watermark: dict | None = None) -> None:
    """The manifest beside an export; a replaced export's old manifest must not outlive it."""
    if prov is not None:
        pv.write_manifest(path, prov, watermark)
    else:
        pv.manifest_path(path).unlink(missing_ok=True)


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
    _label(path, prov, (pv.read_manifest(src) or {}).get("watermark"))
    return path


def export_project(project: Path, fmt: str, out: Path, force: bool = False, crf: int = 18,
                   preset: str = "medium", timecode: str = "00:00:00:00",
                   progress: Progress | None = None) -> Path:  # fmt: skip
    out = check_out(fmt, out, force)
    timeline, base = load_project(project)
    return export_timeline(timeline, base, fmt, out, force, crf=crf, preset=preset,
                           timecode=timecode, progress=progress)  # fmt: skip


def export_timeline(timeline: Timeline, base: Path, fmt: str, out: Path, force: bool = False,
                    first: int = 0, last: int | None = None, crf: int = 18,
                    preset: str = "medium", timecode: str = "00:00:00:00",
                    progress: Progress | None = None) -> Path:  # fmt: skip
    """Frames [first, last) of a timeline (all of it by default) whose relative media paths are
    relative to `base`, with the clips' mixed audio, labels and manifest. `progress(done,
    total)` may raise to cancel: the writers then remove their temporary output."""
    out = check_out(fmt, out, force)
    last = timeline.duration if last is None else last
    if last <= first:
        raise SourceError("the timeline is empty: nothing to export")
    if fmt == "otio":
        return export_otio(timeline, base, out, crf, progress)
    prov = timeline_provenance(timeline, base, first, last)
    audio = timeline_audio(timeline, base, first, last) if fmt != "png" else None
    settings = _settings(fmt, timeline.fps, prov, crf=crf, preset=preset, timecode=timecode,
                         audio=audio)  # fmt: skip
    path = _write(fmt, render_frames(timeline, base, first, last), out, settings, last - first,
                  force, progress, timeline.width * timeline.height * 3)  # fmt: skip
    _label(path, prov)
    return path


def export_otio(timeline: Timeline, base: Path, out: Path, crf: int = 18,
                progress: Progress | None = None) -> Path:  # fmt: skip
    """Each media file the timeline uses is exported whole (ProRes 422 HQ, so frame numbers and
    the clips' ranges stay valid) into `<name>_media/`, then the OTIO file points at them.
    The new media is written into a hidden folder and swapped in together with the OTIO file
    (engine.tempfiles.replace_folder), so a failed, cancelled or killed export leaves an
    earlier export, its OTIO file and its media, as it was."""
    folder = out.with_name(out.stem + "_media")
    for target in (folder, out):
        recover_folder_swaps(target)  # a killed export: settle it before the temps go
        sweep_stale_temps(target, ".tmp")
    tmp = create_temp_dir_beside(folder, f".{folder.name}.{os.getpid()}-")
    pending = None
    try:
        media, labels = _write_otio_media(timeline, base, out, folder, tmp, progress)
        pending = otio_file.write_pending(otio_file.build(timeline, media, labels), out)
        replace_folder(tmp, folder, commit=lambda: replace(pending, out), pending=pending)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if pending is not None:
            pending.unlink(missing_ok=True)
        raise explain_full_disk(e, out.parent, what=f"{out.name} and its media") from e
    return out


def _write_otio_media(timeline: Timeline, base: Path, out: Path, folder: Path, tmp: Path,
                      progress: Progress | None):  # fmt: skip
    """Each used media file into `tmp` (to become `folder`); the OTIO's paths and labels."""
    media: dict[str, str] = {}
    labels: dict[str, pv.Provenance | None] = {}
    first_use = {}
    for clip in (c for t in timeline.tracks for c in t.clips):
        first_use.setdefault(clip.media, clip)
    used = sorted(first_use)
    for i, name in enumerate(used):
        clip = first_use[name]
        src = media_path(clip, base)
        target = tmp / f"{i:03d}_{Path(name).stem}.mov"
        prov = clip_provenance(clip, base)
        write_video(read_frames(src), target, _settings("prores", timeline.fps, prov))
        _label(target, prov, (pv.read_manifest(src) or {}).get("watermark"))
        media[name] = str((folder / target.name).relative_to(out.parent))
        labels[name] = prov
        if progress:
            progress(i + 1, len(used) + 1)
    if progress:  # before the swap, so a cancel here cannot leave an OTIO without media
        progress(len(used) + 1, len(used) + 1)
    return media, labels
