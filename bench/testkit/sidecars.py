"""A sidecar manifest written beside a file that already exists: what anyone can forge next to
a camera clip, or what a test needs beside a file it made without a seal. The app itself writes
sidecars only through `engine.media.sealing.Seal`, together with the file they describe."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.media import provenance as pv
from engine.tempfiles import atomic_write_bytes


def write_sidecar(
    out: Path | str, prov: pv.Provenance, watermark: dict[str, Any] | None = None
) -> Path:
    """The manifest `Seal` would write for `out` (a file or a PNG folder), placed beside it."""
    out = Path(str(out).rstrip("/"))
    target = pv.manifest_path(out)
    text = json.dumps(pv.manifest_dict(out, prov, watermark), indent=1) + "\n"
    atomic_write_bytes(target, text.encode("utf-8"))
    return target
