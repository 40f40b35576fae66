"""`detect` on a timeline file (.otio, FCP 7 .xml, CMX 3600 .edl): one report per clip.

A timeline holds no pixels of its own, so "is it AI-made" is asked of each clip: what the
timeline's own labels say of it (this app writes them into each generated clip's metadata) and
what its media file says (engine.detection, every part). The timeline's verdict is the worst of
its clips': altered after signing, then AI-made, then unreadable, then no marks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.detection import (
    AI_MADE,
    NOT_MARKED,
    TAMPERED,
    UNREADABLE,
    VERDICT_NAMES,
    Findings,
    gather,
)

TIMELINE_SUFFIXES = (".otio", ".xml", ".edl")
_WORST_FIRST = (TAMPERED, AI_MADE, UNREADABLE, NOT_MARKED)


@dataclass
class ClipReport:
    name: str
    media: str
    labelled: bool  # the timeline's metadata marks the clip AI-generated
    media_findings: Findings | None  # None: the media file is missing

    @property
    def code(self) -> int:
        media = self.media_findings.code if self.media_findings is not None else UNREADABLE
        if media == TAMPERED:
            return TAMPERED
        if self.labelled:
            return AI_MADE
        return media

    def line(self) -> str:
        why = (["timeline label"] if self.labelled else []) + (
            [p.name for p in self.media_findings.parts if p.ai] if self.media_findings else []
        )
        text = f"  clip {self.name!r} ({self.media}): {VERDICT_NAMES[self.code]}"
        if why and self.code == AI_MADE:
            text += f" (from: {', '.join(why)})"
        if self.media_findings is None:
            text += "; its media file is missing"
        return text

    def to_dict(self) -> dict[str, Any]:
        media = self.media_findings.to_dict() if self.media_findings else None
        return {
            "name": self.name,
            "media": self.media,
            "verdict": VERDICT_NAMES[self.code],
            "timeline_label": self.labelled,
            "media_findings": media,
        }


@dataclass
class TimelineFindings:
    path: Path
    clips: list[ClipReport] = field(default_factory=list)
    error: str | None = None  # the file itself could not be read as a timeline

    @property
    def code(self) -> int:
        if self.error is not None:
            return UNREADABLE
        if not self.clips:
            return NOT_MARKED
        codes = {c.code for c in self.clips}
        return next(code for code in _WORST_FIRST if code in codes)

    def lines(self) -> list[str]:
        if self.error is not None:
            return [f"{self.path}: unreadable ({self.error})"]
        ai = sum(c.code == AI_MADE for c in self.clips)
        head = f"{self.path}: {VERDICT_NAMES[self.code]} ({ai} of {len(self.clips)} clips AI-made)"
        return [head] + [c.line() for c in self.clips]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "verdict": VERDICT_NAMES[self.code],
            "exit_code": self.code,
            "error": self.error,
            "clips": [c.to_dict() for c in self.clips],
        }


def gather_timeline(
    path: Path | str, max_frames: int = 48, trust_pem: str | None = None
) -> TimelineFindings:
    """Each clip of a timeline file with its labels and its media's own evidence (each media
    file read once, however many clips use it)."""
    from engine.export.otio_file import InterchangeError, read

    path = Path(path)
    try:
        timeline = read(path)
    except InterchangeError as e:
        return TimelineFindings(path, error=str(e))
    found: dict[str, Findings] = {}
    result = TimelineFindings(path)
    for track in timeline.timeline.tracks:
        for clip in track.clips:
            if clip.media not in found:
                found[clip.media] = gather(clip.media, max_frames, trust_pem)
            name = clip.name or Path(clip.media).name
            result.clips.append(ClipReport(name, clip.media, clip.generated, found[clip.media]))
    for missing in timeline.missing:
        result.clips.append(ClipReport(Path(missing).name, missing, False, None))
    return result
