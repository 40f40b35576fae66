"""Saving a generation Result to the path the user asked for (MP4, MOV or a PNG folder).

One function, used by the CLI and the app, so that every generated file is written the same
way: atomically, never over an existing file unless asked, with the invisible watermark in the
generated pixels (only those), the AI-content labels in the container, a sidecar manifest, and
the source's audio when the clip edits real footage.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.media import watermark
from engine.media.encode import EncodeError, VideoSettings, output_kind, write_video
from engine.media.provenance import Provenance
from engine.media.sealing import Seal, SignOptions

if TYPE_CHECKING:
    from engine.pipeline import Result


def check_target(out: Path | str, force: bool = False) -> Path:
    """Fail early (before any GPU time is spent) if the target cannot be written."""
    text = str(out)
    path = Path(text)
    kind = output_kind(text)
    if kind != "png" and path.exists() and not force:
        raise EncodeError(f"{path} exists; pass --force to replace it")
    if kind == "png" and path.is_dir() and any(path.iterdir()):
        raise EncodeError(f"{path} exists and is not empty; choose a new folder")
    parent = path.parent if kind != "png" else Path(text.rstrip("/")).parent
    if not parent.is_dir():
        raise EncodeError(f"folder {parent} does not exist")
    return path


def has_generated_pixels(result: Result) -> bool:
    mask = result.generated_mask
    return mask is None or bool(np.any(np.asarray(mask) > 0))


def clip_id_for(result: Result) -> int:
    """A 24-bit id from the job, the model and the pixels: the same clip gets the same id."""
    digest = hashlib.sha256()
    digest.update(result.job.to_json().encode())
    digest.update(str(result.model_hash).encode())
    digest.update(np.ascontiguousarray(result.frames).tobytes())
    return watermark.clip_id_from(digest.digest())


def mark_result(result: Result) -> tuple[np.ndarray, Provenance | None, dict[str, Any] | None]:
    """(frames to write, provenance, watermark facts); unlabelled when nothing is generated."""
    if not has_generated_pixels(result):
        return result.frames, None, None
    clip_id = clip_id_for(result)
    payload = watermark.Payload(clip_id)
    frames = watermark.embed(result.frames, payload, result.generated_mask)
    _, h, w, _ = frames.shape
    facts = {
        "scheme": "lumiere-tile-v1",
        "payload": payload.hex,
        "app_id": payload.app_id,
        "clip_id": clip_id,
        "readable": min(h, w) >= watermark.P,
    }
    mask = result.generated_mask
    if mask is not None and not np.all(np.asarray(mask) == 255):
        facts["region"] = watermark.pack_region(mask)  # where the mark is (exports complete it)
    if min(h, w) < watermark.P:
        result.notes.append(
            f"{w}x{h} is smaller than the watermark tile ({watermark.P}px): the mark is embedded "
            "but cannot be read back at this size; the labels and manifest still apply"
        )
    return frames, Provenance.from_result(result, clip_id), facts


def save_result(
    result: Result,
    out: Path | str,
    force: bool = False,
    crf: int = 18,
    preset: str = "medium",
    prores: str = "prores",
    on_frame: Callable[[int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    sign: SignOptions | None = None,
) -> Path:
    """Write `result.frames` to `out`; the kind follows the path (.mp4, .mov, folder/).
    `prores="prores4444"` writes a .mov with the generated mask as alpha. The file carries a
    signed C2PA manifest (`sign`: whose key; off with SignOptions(sign=False)) and its sidecar,
    both put in place together with it."""
    check_target(out, force)
    frames, prov, facts = mark_result(result)
    kind = output_kind(str(out))
    audio = None
    if result.source and kind != "png":
        from engine.media.audio import audio_for_clip

        audio = audio_for_clip(result.source, result.job.video_start_frame, len(frames), result.fps)
    seal = Seal(
        prov,
        [Path(result.source)] if result.source else [],
        relationship=result.relationship,
        watermark=facts,
        options=sign or SignOptions(),
    )
    settings = VideoSettings(
        fps=result.fps,
        crf=crf,
        preset=preset,
        prores=prores,
        alpha=result.generated_mask,
        metadata=prov.container_metadata() if prov else {},
        audio=audio,
        cancel=cancel,
        seal=seal,
    )
    path = write_video(frames, str(out), settings, on_frame)
    result.notes.extend(seal.notes)
    return path
