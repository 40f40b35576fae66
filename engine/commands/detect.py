"""`lumiere-studio detect PATH`: does a video or image carry Lumiere Studio's watermark?

Metadata (container labels, sidecar manifest) and pixels are read separately: labels are easy
to strip, pixels are what count. Exit 0 when the pixels carry the mark, 1 when they do not,
2 when the file cannot be read."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def findings(path: Path, max_frames: int) -> dict:
    from engine.export.sources import iter_frames
    from engine.media import provenance as pv
    from engine.media import watermark as wm

    frames = (centre_crop(f, DETECT_SIDE) for f in iter_frames(path, limit=max_frames))
    detection = wm.detect(frames)
    labels, matches = None, None
    try:
        from engine.export.sources import labels_of

        prov = labels_of(path)
        labels = (
            prov.to_dict() | {"digital_source_type": pv.IPTC + prov.source_type} if prov else None
        )
        matches = pv.verify_manifest(path)
    except (pv.ProvenanceError, OSError, ValueError):
        labels = None  # a broken manifest or broken tags: no trustworthy labels
    return {
        "path": str(path),
        "pixels": detection.to_dict(),
        "metadata": {"labelled": labels is not None, "labels": labels,
                     "manifest_matches_file": matches},
    }  # fmt: skip


DETECT_SIDE = 2048  # the mark repeats every 64 px: a centre crop holds it at any frame size


def centre_crop(frame, side: int):
    """The middle side x side of a frame (all of a smaller one): bounds the detector's float
    work on huge frames."""
    h, w = frame.shape[:2]
    # Whole tiles of the 64 px pattern are cut off, so the crop keeps the mark's alignment.
    top, left = max(0, (h - side) // 128 * 64), max(0, (w - side) // 128 * 64)
    return frame[top : top + side, left : left + side]


def run(args: argparse.Namespace) -> int:
    from engine.export.sources import SourceError
    from engine.media.watermark import WatermarkError

    path = Path(args.path)
    try:
        result = findings(path, args.max_frames)
    except (SourceError, WatermarkError, OSError) as e:
        if args.json:
            print(json.dumps({"path": str(path), "error": str(e)}))
        else:
            print(f"error: {e}", file=sys.stderr)
        return 2
    px, meta = result["pixels"], result["metadata"]
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        verdict = "watermark FOUND" if px["detected"] else "no watermark found"
        print(f"{path}: pixels: {verdict} (confidence {px['confidence']:.4f}, z {px['z']:.1f})")
        if px["payload_valid"]:
            print(f"  payload: app {px['app_id']:#04x}, clip id {px['clip_id']:06x}"
                  f" (scale {px['scale']}, offset {tuple(px['offset'])})")  # fmt: skip
        if px["note"]:
            print(f"  note: {px['note']}")
        if meta["labelled"]:
            lab = meta["labels"]
            print(f"  metadata: {lab['digital_source_type'].rsplit('/', 1)[-1]}, "
                  f"model {lab['model_name']}, prompt {lab['prompt']!r}")  # fmt: skip
        else:
            print("  metadata: no AI-content labels")
        if meta["manifest_matches_file"] is not None:
            print(f"  manifest SHA-256 matches: {meta['manifest_matches_file']}")
    return 0 if px["detected"] else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("detect", help="check a video or image for the Lumiere Studio watermark")
    p.add_argument("path", help="video, image, or folder of PNG frames")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.add_argument("--max-frames", type=int, default=48, help="frames to read (from the start)")
    p.set_defaults(func=run)
