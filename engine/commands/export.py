"""`lumiere-studio export`: a project's timeline, a timeline file (OTIO, FCP 7 XML, EDL) or one
clip to H.264, ProRes or PNG, or a timeline to OTIO / FCP 7 XML / EDL that references its
media."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.commands import fail


def run(args: argparse.Namespace) -> int:
    from engine.commands.progress_bar import ProgressBar
    from engine.commands.sign_args import sign_options
    from engine.errors import Cancelled
    from engine.export.otio_file import ADAPTERS
    from engine.export.run import export_clip, export_project, export_timeline_file
    from engine.export.sources import SourceError
    from engine.media.encode import EncodeError
    from engine.media.provenance import ProvenanceError

    src = Path(args.input)
    bar = ProgressBar()
    kw = dict(
        force=args.force,
        crf=args.crf,
        preset=args.preset,
        timecode=args.timecode or "00:00:00:00",
        progress=lambda i, n: bar.update("export", i, n),
    )
    try:
        kw["sign"] = sign_options(args)
        kw["mark_composites"] = not args.no_composite_watermark
        kw["alpha"] = args.alpha
        if not src.exists():
            raise SourceError(f"{src} does not exist")
        doc = src / "project.lumiere.json"  # any kind of file: the project reader checks it
        is_project = (src.is_dir() and (doc.exists() or doc.is_symlink())) or (
            src.suffix == ".json"
        )
        if src.suffix.lower() in ADAPTERS:
            kw["timecode"] = args.timecode  # None: the file's own start
            path = export_timeline_file(src, args.format, Path(args.out), **kw)
        else:
            export = export_project if is_project else export_clip
            path = export(src, args.format, Path(args.out), **kw)
    except (SourceError, EncodeError, Cancelled, ProvenanceError, ValueError, OSError) as e:
        return fail(e)
    print(f"wrote {path}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from engine.commands.sign_args import add_sign_arguments
    from engine.export.run import FORMATS
    from engine.media.encode import PRESETS

    p = sub.add_parser("export", help="export a project or a clip for other editors")
    p.add_argument(
        "input",
        help="project folder (or its project.lumiere.json), a timeline "
        "file (.otio, FCP 7 .xml, CMX 3600 .edl) or a clip file",
    )
    p.add_argument(
        "--format",
        choices=tuple(FORMATS),
        default="h264",
        help="h264 (.mp4), prores (422 HQ .mov), prores4444 (alpha .mov), png (folder),"
        " otio (.otio), fcpxml (FCP 7 .xml), edl (CMX 3600 .edl); the last three "
        "reference the original media",
    )
    p.add_argument("--out", required=True, help="target file or folder")
    p.add_argument("--crf", type=int, default=18, help="H.264 quality, 0-51 (lower = better)")
    p.add_argument("--preset", choices=PRESETS, default="medium", help="H.264 speed preset")
    p.add_argument(
        "--timecode",
        default=None,
        help="the sequence's start timecode (HH:MM:SS:FF; a timeline file keeps its "
        "own unless given); a range starts at its own",
    )
    p.add_argument("--force", action="store_true", help="replace an existing target")
    p.add_argument(
        "--alpha",
        choices=("opaque", "mask"),
        default="opaque",
        help="prores4444 alpha: opaque, or mask = 255 where the frame shows generated "
        "pixels (to composite them in another editor)",
    )
    p.add_argument(
        "--no-composite-watermark",
        action="store_true",
        help="do not watermark the "
        "whole frame where an inpaint or cinemagraph of real footage shows (the "
        "generated region keeps its own mark)",
    )
    add_sign_arguments(p)
    p.set_defaults(func=run)
