"""One verdict from every kind of evidence that a file is AI-made: the embedded C2PA manifest,
the container tags, the sidecar manifest and the invisible watermark.

Each part is read on its own and reports what it saw; `verdict` combines them:
- TAMPERED (exit 3): a manifest (C2PA or sidecar) is present but the file is no longer the one it
  describes (its hash does not match), or the file's C2PA data is damaged: the file was altered
  after it was signed or labelled. The other parts are still read and shown.
- AI_MADE (exit 0): any part says the file is AI-made.
- UNREADABLE (exit 2): nothing says AI-made and the pixels could not be read.
- NOT_MARKED (exit 1): everything was read and nothing says AI-made.
A part that is absent never counts against the others: labels are easy to strip, a watermark is
lost in a heavy re-encode, so any one positive part is enough.

How much each positive part proves is said with it: a valid C2PA signature is signed evidence;
the watermark is evidence in the pixels; container tags and a sidecar manifest are unsigned
labels that anyone can write (even onto a real camera clip, with its true SHA-256), so a
verdict that rests on them alone says so ("only unsigned labels say so"), and the JSON gives
each part's `signed`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

AI_MADE, NOT_MARKED, UNREADABLE, TAMPERED = 0, 1, 2, 3
UNSIGNED_LABELS = ("tags", "sidecar")  # parts that are claims nobody signed
VERDICT_NAMES = {
    AI_MADE: "AI-made",
    NOT_MARKED: "no AI marks found",
    UNREADABLE: "unreadable",
    TAMPERED: "altered after signing",
}


@dataclass
class Part:
    """What one kind of evidence says. `ai` is True when it says AI-made; `tampered` when it
    describes this file but the file's bytes no longer match it; `error` when it could not be
    read (the other parts still count)."""

    name: str
    present: bool = False
    ai: bool = False
    tampered: bool = False
    summary: str = ""
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    signed: bool = False  # a valid signature vouches for what it says (C2PA only)

    def to_dict(self) -> dict[str, Any]:
        """The fields (the name is the key it is stored under) with the details beside them."""
        skip = ("name", "details")
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip} | (
            self.details
        )


DETECT_SIDE = 2048  # the mark repeats every 64 px: a centre crop holds it at any frame size


def centre_crop(frame: np.ndarray, side: int) -> np.ndarray:
    """The middle side x side of a frame (all of a smaller one): bounds the detector's float
    work on huge frames."""
    h, w = frame.shape[:2]
    # Whole tiles of the 64 px pattern are cut off, so the crop keeps the mark's alignment.
    top, left = max(0, (h - side) // 128 * 64), max(0, (w - side) // 128 * 64)
    return frame[top : top + side, left : left + side]


def watermark_part(path: Path, max_frames: int) -> Part:
    from engine.export.sources import SourceError, iter_frames
    from engine.media import watermark as wm

    try:
        d = wm.detect(centre_crop(f, DETECT_SIDE) for f in iter_frames(path, limit=max_frames))
    except (SourceError, wm.WatermarkError, OSError) as e:
        return Part("watermark", error=str(e), summary=f"pixels not readable: {e}")
    if d.detected:
        payload = f"payload {d.to_dict()['payload']}" if d.payload_valid else "payload damaged"
        chance = 1 - d.confidence
        odds = f"{chance:.1e}" if chance >= 1e-6 else "below 1e-6"
        summary = f"found ({payload}, pilot z {d.z:.1f}, chance of a false hit {odds})"
    else:
        summary = (
            f"not found (strongest pilot z {d.z:.1f}; a mark needs z >= {wm.Z_DETECT:g} "
            f"with a valid payload, or z >= {wm.Z_STRONG:g})"
        )
    if d.note:
        summary += f"; {d.note}"
    return Part(
        "watermark",
        present=d.detected,
        ai=d.detected,
        summary=summary,
        details={"detection": d.to_dict()},
    )


def tags_part(path: Path) -> Part:
    """Container metadata (MP4/MOV): our `lumiere_*` keys, or any IPTC digital source type."""
    from engine.media import provenance as pv

    if not path.is_file() or path.suffix.lower() not in (".mp4", ".mov", ".m4v"):
        return Part("tags", summary="none (only MP4/MOV files carry container tags)")
    try:
        meta = pv.read_container_metadata(path)
        prov = pv.Provenance.from_container_metadata(meta)
    except (pv.ProvenanceError, OSError, ValueError) as e:  # av errors are OSError/ValueError
        return Part("tags", error=str(e), summary=f"not readable: {e}")
    if prov is None:
        foreign = [v for v in meta.values() if isinstance(v, str) and pv.IPTC in v]
        if foreign:
            return Part("tags", present=True, ai=True, summary=f"foreign label {foreign[0]}")
        return Part("tags", summary="no AI-content labels")
    return Part(
        "tags",
        present=True,
        ai=True,
        details={"labels": prov.to_dict()},
        summary=f"{prov.source_type}, model {prov.model_name}, prompt {prov.prompt!r} (unsigned)",
    )


def sidecar_part(path: Path) -> Part:
    from engine.media import provenance as pv

    try:
        data = pv.read_manifest(path)
        matches = pv.verify_manifest(path) if data is not None else None
    except (pv.ProvenanceError, OSError) as e:
        return Part("sidecar", error=str(e), summary=f"not readable: {e}")
    if data is None:
        return Part("sidecar", summary="none")
    name = pv.manifest_path(path).name
    if "sha256" not in data and "files_sha256" not in data:  # nothing to check it against
        return Part(
            "sidecar",
            error="no file hash",
            summary=f"{name} holds no file hash: not a manifest this app wrote, so it says nothing",
        )
    ai = bool(data.get("ai_generated")) and str(data.get("digital_source_type", "")).startswith(
        pv.IPTC
    )
    kind = str(data.get("digital_source_type", "")).rsplit("/", 1)[-1]
    if not matches:
        summary = (
            f"{name} says {kind or 'nothing'} but its SHA-256 does not match this file "
            "(the file changed after the manifest was written)"
        )
        return Part(
            "sidecar", present=True, tampered=True, summary=summary, details={"manifest": data}
        )
    return Part(
        "sidecar",
        present=True,
        ai=ai,
        details={"manifest": data},
        summary=(
            f"{name}: an unsigned claim of {kind}; its SHA-256 matches this file, but anyone "
            f"can write such a file, so it weighs as a claim, not a signature"
        ),
    )


def c2pa_part(path: Path, trust_pem: str | None = None) -> Part:
    """The embedded C2PA manifest; for a folder, every PNG's (the worst one speaks)."""
    from engine.media.credentials import (
        SIGNED_SUFFIXES,
        CredentialsError,
        DamagedCredentials,
        read_credentials,
    )

    if path.is_dir():
        # regular files only: a FIFO named .png would block the reader forever
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".png" and p.is_file())
    else:
        files = [path] if path.suffix.lower() in SIGNED_SUFFIXES else []
    if not files:
        return Part("c2pa", summary="none (Content Credentials are read from MP4, MOV and PNG)")
    found, errors, damaged = [], [], []
    for f in files:
        try:
            creds = read_credentials(f, trust_pem)
        except DamagedCredentials as e:  # C2PA data is there but broken: not "no marks"
            damaged.append(str(e))
            continue
        except (CredentialsError, OSError) as e:
            errors.append(str(e))
            continue
        if creds is not None:
            found.append((f, creds))
    if damaged:
        summary = f"DAMAGED Content Credentials (the file was altered after signing): {damaged[0]}"
        return Part("c2pa", present=True, tampered=True, error=damaged[0], summary=summary)
    if not found:
        if damaged:  # C2PA data is there but broken: the file changed after it was signed
            summary = f"DAMAGED: {damaged[0]} (the file changed after signing, or was cut)"
            return Part("c2pa", present=True, tampered=True, error=damaged[0], summary=summary)
        if errors:
            return Part("c2pa", error=errors[0], summary=f"not readable: {errors[0]}")
        return Part("c2pa", summary="no Content Credentials")
    rank = {"tampered": 0, "invalid": 1, "valid": 2, "trusted": 3}
    worst_file, worst = min(found, key=lambda fc: rank[fc[1].state])
    where = ""
    if path.is_dir():
        where = f" ({worst_file.name}; {len(found)} of {len(files)} frames signed)"
    kind = (worst.digital_source_type or "no source type").rsplit("/", 1)[-1]
    trust = (
        "trusted"
        if worst.trusted
        else ("not on the trust list" if trust_pem else "trust not checked (no --trust list)")
    )
    state = {
        "tampered": "TAMPERED: the media changed after signing",
        "invalid": "INVALID signature or manifest",
        "valid": "valid signature",
        "trusted": "valid signature",
    }[worst.state]
    summary = f"{state}{where}; {kind}; signed by {worst.signer!r} ({worst.issuer}), {trust}"
    if worst.state in ("tampered", "invalid"):
        summary += f"; failures: {', '.join(worst.failures)}"
    unsigned = len(files) - len(found)
    details = worst.to_dict() | {"files_signed": len(found), "files": len(files)}
    # An invalid manifest proves nothing; a tampered one still says what the file was made as.
    ai = worst.ai and worst.state != "invalid"
    tampered = worst.state == "tampered" or (path.is_dir() and unsigned > 0 and bool(found))
    if tampered and worst.state != "tampered":
        summary += f"; {unsigned} frame(s) of the folder carry no manifest (added or replaced)"
    signed = worst.state in ("valid", "trusted") and not tampered
    return Part(
        "c2pa",
        present=True,
        ai=ai,
        tampered=tampered,
        summary=summary,
        details=details,
        signed=signed,
    )


Reader = Callable[[Path], Part]


@dataclass
class Findings:
    path: Path
    parts: list[Part]

    @property
    def code(self) -> int:
        return verdict(self.parts)

    def to_dict(self) -> dict[str, Any]:
        parts = {p.name: p.to_dict() for p in self.parts}
        return {
            "path": str(self.path),
            "verdict": VERDICT_NAMES[self.code],
            "exit_code": self.code,
            "parts": parts,
        }

    def lines(self) -> list[str]:
        code = self.code
        why = [p.name for p in self.parts if (p.tampered if code == TAMPERED else p.ai)]
        head = f"{self.path}: {VERDICT_NAMES[code]}"
        if why:
            head += f" (from: {', '.join(why)})"
        also = [p.name for p in self.parts if p.ai and not p.tampered]
        if code == TAMPERED and also:  # the other marks still count
            head += f"; AI-made by its {', '.join(also)}"
        if code == AI_MADE and all(p.name in UNSIGNED_LABELS for p in self.parts if p.ai):
            head += "; only unsigned labels say so (anyone can write one)"
        return [head] + [f"  {p.name}: {p.summary}" for p in self.parts]


def verdict(parts: list[Part]) -> int:
    if any(p.tampered for p in parts):
        return TAMPERED
    if any(p.ai for p in parts):
        return AI_MADE
    pixels = next((p for p in parts if p.name == "watermark"), None)
    if pixels is None or pixels.error is not None:
        return UNREADABLE
    return NOT_MARKED


def gather(path: Path | str, max_frames: int = 48, trust_pem: str | None = None) -> Findings:
    """Every part for `path` (a video, a still or a folder of PNG frames). `trust_pem`: the CA
    certificates whose signatures count as trusted."""
    path = Path(path)
    if not path.name:  # ".", "..", "/": the folder's own name is what its sidecar is named by
        path = path.resolve()
    readers: list[Reader] = [
        lambda p: c2pa_part(p, trust_pem),
        tags_part,
        sidecar_part,
        lambda p: watermark_part(p, max_frames),
    ]
    return Findings(path, [read(path) for read in readers])
