"""`lumiere-studio detect PATH`: is a video, image or PNG-sequence folder AI-made?

One verdict from every kind of evidence (`engine.detection`): exit 0 when any part says AI-made,
1 when none does, 2 when the file cannot be read, 3 when a manifest is present but the file was
altered after it was signed. `--json` prints every part."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from engine.commands import fail


def run(args: argparse.Namespace) -> int:
    from engine.detection import Findings, gather
    from engine.media.open_file import MediaFileError, local_file
    from engine.timeline_detection import TIMELINE_SUFFIXES, TimelineFindings, gather_timeline

    path = Path(args.path)
    if not path.name:  # "." or "..": the folder's real name, which the readers build on
        path = path.resolve()
    try:  # a FIFO or device would block every reader below: refused before any opens it
        if not path.is_dir():
            local_file(path)
    except MediaFileError as e:
        if args.json:
            print(json.dumps({"path": str(path), "verdict": "unreadable", "error": str(e)}))
        else:
            print(f"{path}: unreadable")
        return fail(e)
    trust = None
    if args.trust:
        try:
            trust = local_file(args.trust, "trust list").read_text()
        except (OSError, UnicodeDecodeError) as e:
            return fail(f"cannot read the trust list {args.trust}: {e}")
        if "BEGIN CERTIFICATE" not in trust:
            return fail(f"{args.trust} holds no PEM certificates")
    is_timeline = path.suffix.lower() in TIMELINE_SUFFIXES and not path.is_dir()
    found: Findings | TimelineFindings
    if is_timeline:  # a cut holds no pixels: each of its clips is reported
        found = gather_timeline(path, args.max_frames, trust)
    else:
        found = gather(path, args.max_frames, trust)
    if args.json:
        print(json.dumps(found.to_dict(), indent=1, default=str))
    else:
        print("\n".join(found.lines()))
    return found.code


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "detect",
        help="check a video, image or PNG folder for AI-content marks: exit 0 AI-made, "
        "1 no marks, 2 unreadable, 3 altered after signing",
    )
    p.add_argument(
        "path",
        help="video, image, folder of PNG frames, or a timeline (.otio, FCP 7 .xml, .edl: "
        "each clip is reported)",
    )
    p.add_argument("--json", action="store_true", help="print every part of the evidence as JSON")
    p.add_argument(
        "--trust",
        metavar="FILE",
        help="PEM file of CA certificates: a Content "
        "Credentials signature chaining to one of them is reported as trusted",
    )
    p.add_argument("--max-frames", type=int, default=48, help="frames to read (from the start)")
    p.set_defaults(func=run)
