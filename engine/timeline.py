"""The edit: tracks of clips that point into media files by frame ranges.

Pure data (no Qt), shared by the app's project document and by export (video, OTIO), so the
timeline a person sees is exactly the one that is rendered and handed to other editors.
Ranges are in frames of the timeline's rate; `source_in`/`source_out` are frames of the
media (out exclusive).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class TimelineClip:
    media: str  # path of the media file (relative paths are relative to the project folder)
    source_in: int  # first frame used (inclusive)
    source_out: int  # last frame used + 1
    start: int  # frame on the timeline where the clip begins
    name: str = ""
    generated: bool = False  # holds pixels made by a model (labels, watermark)
    edited_real: bool = False  # generated pixels composited into real footage (inpaint, v2v)
    job: dict[str, Any] | None = None  # the engine Job (as a dict) that made it
    model_name: str = ""
    model_hash: str = ""
    id: str = ""

    @property
    def duration(self) -> int:
        return self.source_out - self.source_in

    @property
    def end(self) -> int:
        return self.start + self.duration


@dataclass
class Track:
    name: str = "V1"
    clips: list[TimelineClip] = field(default_factory=list)
    kind: str = "video"


@dataclass
class Timeline:
    fps: float = 24.0
    width: int = 1920
    height: int = 1080
    tracks: list[Track] = field(default_factory=lambda: [Track()])

    @property
    def duration(self) -> int:
        return max((c.end for t in self.tracks for c in t.clips), default=0)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Timeline:
        try:
            tracks = [
                Track(
                    name=t.get("name", "V1"),
                    kind=t.get("kind", "video"),
                    clips=[TimelineClip(**c) for c in t.get("clips", [])],
                )
                for t in data.get("tracks", [])
            ]
            return cls(
                fps=float(data.get("fps", 24.0)),
                width=int(data.get("width", 1920)),
                height=int(data.get("height", 1080)),
                tracks=tracks or [Track()],
            )
        except TypeError as e:
            raise ValueError(f"timeline is malformed: {e}") from e
