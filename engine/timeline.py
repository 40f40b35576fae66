"""The edit: a sequence (frame size, exact frame rate, background) with tracks of clips that
point into media files.

Pure data (no Qt), shared by the app's project document and by export (video, OTIO), so the
timeline a person sees is exactly the one that is rendered and handed to other editors.
Time on the timeline is in sequence frames (`start`, `duration`); each clip keeps its media's
own rate and maps sequence time to source time by it (`source_frame`), so a clip lasts its
real duration whatever the sequence's rate. A still has no rate: it holds one picture for as
long as it is trimmed to.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from fractions import Fraction
from typing import Any

from engine.timebase import exact_rate, frames_between, rate_text, to_source_frame

FIT_MODES = ("fit", "fill", "stretch", "none")  # letterbox / crop / distort / 1:1 pixels
STILL_SECONDS = 5  # default length of a still on the timeline (a preference in the app)


@dataclass
class TimelineClip:
    media: str  # path of the media file (relative paths are relative to the project folder)
    source_in: int  # first source frame shown (in the media's own frames)
    duration: int  # length on the timeline, in sequence frames
    start: int  # sequence frame where the clip begins
    rate: str = ""  # the media's frame rate ("30000/1001"); "" for a still
    name: str = ""
    generated: bool = False  # holds pixels made by a model (labels, watermark)
    edited_real: bool = False  # generated pixels composited into real footage (inpaint, v2v)
    job: dict[str, Any] | None = None  # the engine Job (as a dict) that made it
    model_name: str = ""
    model_hash: str = ""
    id: str = ""
    # The project's generation record that made it: a project keeps the job and model there,
    # once, and `with_generations` copies them onto the clips export reads.
    generation_id: str = ""
    # Geometry in the sequence's canvas (engine.export.geometry): how the picture is fitted,
    # then scaled about its centre and moved by (x, y) sequence pixels.
    fit: str = "fit"
    scale: float = 1.0
    x: float = 0.0
    y: float = 0.0
    # Source timecode of the media's frame 0 (frames at its own rate): a generated clip made
    # from frame 20 of a source counts its frames from there.
    source_offset: int = 0

    @property
    def end(self) -> int:
        return self.start + self.duration

    @property
    def is_still(self) -> bool:
        return not self.rate

    @property
    def source_rate(self) -> Fraction | None:
        return Fraction(self.rate) if self.rate else None

    def source_frame(self, frame: int, sequence_rate: Fraction) -> int:
        """The media frame shown at sequence frame `frame` (nearest in time)."""
        rate = self.source_rate
        if rate is None:  # a still
            return self.source_in
        return self.source_in + to_source_frame(frame - self.start, sequence_rate, rate)

    def source_out(self, sequence_rate: Fraction) -> int:
        """One past the last media frame of the stretch of media time the clip lasts (its
        last sequence frames may show that frame held, when its time ends mid-frame)."""
        rate = self.source_rate
        if rate is None:  # a still
            return self.source_in + 1
        return self.source_in + frames_between(self.duration, sequence_rate, rate)

    def source_seconds(self, frame: int, sequence_rate: Fraction) -> Fraction:
        """Media time (seconds from its frame 0) under sequence frame `frame`: where the clip's
        sound is read from, exactly, without the picture's rounding to whole frames."""
        rate = self.source_rate or sequence_rate
        return Fraction(self.source_in) / rate + Fraction(frame - self.start) / sequence_rate


@dataclass
class Track:
    name: str = "V1"
    clips: list[TimelineClip] = field(default_factory=list)
    kind: str = "video"


@dataclass
class Timeline:
    rate: Fraction = Fraction(24)
    width: int = 1920
    height: int = 1080
    tracks: list[Track] = field(default_factory=lambda: [Track()])
    background: str = "#000000"  # what shows in gaps and around letterboxed clips
    # False until the size and rate were chosen (in the sequence settings, or taken from the
    # first real clip placed): until then the first real clip decides them.
    settled: bool = False

    def __post_init__(self) -> None:
        self.rate = exact_rate(self.rate)

    @property
    def fps(self) -> float:
        """The rate as a float, for drawing and display only; time maths uses `rate`."""
        return float(self.rate)

    @property
    def duration(self) -> int:
        return max((c.end for t in self.tracks for c in t.clips), default=0)

    def frames_for(self, source_frames: int, source_rate: Fraction | None) -> int:
        """Sequence frames that `source_frames` media frames last (at least one)."""
        if source_rate is None:
            return max(1, source_frames)
        return max(1, frames_between(source_frames, source_rate, self.rate))

    def to_dict(self) -> dict[str, Any]:
        return {
            "rate": rate_text(self.rate),
            "width": self.width,
            "height": self.height,
            "background": self.background,
            "settled": self.settled,
            "tracks": [
                {"name": t.name, "kind": t.kind, "clips": [clip_dict(c) for c in t.clips]}
                for t in self.tracks
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Timeline:
        """A timeline as `to_dict` wrote it (older documents go through `migrate_v1` first)."""
        if "rate" not in data and any(
            "source_out" in c for t in data.get("tracks", []) for c in t.get("clips", [])
        ):
            raise ValueError("timeline is in the old frame-for-frame form; migrate it first")
        try:
            tracks = [
                Track(
                    name=t.get("name", "V1"),
                    kind=t.get("kind", "video"),
                    clips=[TimelineClip(**c) for c in t.get("clips", [])],
                )
                for t in data.get("tracks", [])
            ]
            for clip in (c for t in tracks for c in t.clips):
                if clip.rate:
                    clip.rate = rate_text(exact_rate(clip.rate))
                if clip.duration < 1:
                    raise ValueError(f"clip {clip.name or clip.media} has no duration")
            return cls(
                rate=exact_rate(data.get("rate", data.get("fps", 24))),
                width=int(data.get("width", 1920)),
                height=int(data.get("height", 1080)),
                tracks=tracks or [Track()],
                background=str(data.get("background", "#000000")),
                settled=bool(data.get("settled", True)),
            )
        except TypeError as e:
            raise ValueError(f"timeline is malformed: {e}") from e


def with_generations(timeline: Timeline, records: Mapping[str, Mapping[str, Any]]) -> Timeline:
    """A copy whose clips carry the job and model of the generation record they name."""
    copy = Timeline.from_dict(timeline.to_dict())
    for clip in (c for t in copy.tracks for c in t.clips):
        record = records.get(clip.generation_id) if clip.generation_id else None
        if record is not None:
            clip.job = dict(record.get("job") or {})
            clip.model_name = str(record.get("model_name", ""))
            clip.model_hash = str(record.get("model_hash", ""))
    return copy


_CLIP_FIELDS = tuple(f.name for f in fields(TimelineClip))


def clip_dict(clip: TimelineClip) -> dict[str, Any]:
    """`asdict(clip)`, at a tenth of its cost (a timeline may hold 100,000 clips): the fields
    are plain values but for the job, which is copied deeply."""
    out = {name: getattr(clip, name) for name in _CLIP_FIELDS}
    if clip.job is not None:
        out["job"] = copy.deepcopy(clip.job)
    return out


def video_tracks(timeline: Timeline) -> list[Track]:
    return [t for t in timeline.tracks if t.kind == "video"]


def clip_at(timeline: Timeline, frame: int) -> TimelineClip | None:
    """The clip seen at `frame`: the top-most track's (later tracks sit on top)."""
    for track in reversed(video_tracks(timeline)):
        for clip in track.clips:
            if clip.start <= frame < clip.end:
                return clip
    return None


def migrate_v1(
    data: dict[str, Any], media_rate: Callable[[str], Fraction | None]
) -> dict[str, Any]:
    """A schema-1 timeline (frame-for-frame: every clip's source frames were played one per
    timeline frame, at a float `fps`) in the current form. What each clip was meant to show is
    kept: its source frames [source_in, source_out), which now last their real time at the
    media's own rate (`media_rate(path)` -> Fraction, or None for a still or unknown media,
    which keep their length in frames). Clips that followed one another on a track still do,
    and gaps between them keep their length; in/out points are unchanged."""
    rate = exact_rate(data.get("fps", 24.0))
    tracks = []
    for t in data.get("tracks", []):
        clips, shift = [], 0
        for c in sorted(t.get("clips", []), key=lambda c: c.get("start", 0)):
            c = dict(c)
            old_len = max(1, int(c.pop("source_out")) - int(c["source_in"]))
            src = media_rate(c["media"])
            # a still keeps its length; a video at least one frame: a few media frames on a
            # very slow timeline round to none
            c["rate"] = "" if src is None else rate_text(src)
            c["duration"] = old_len if src is None else max(1, frames_between(old_len, src, rate))
            old_start = int(c["start"])
            c["start"] = max(0, old_start + shift)
            shift += c["duration"] - old_len
            clips.append(c)
        tracks.append({**t, "clips": clips})
    return {
        "rate": rate_text(rate),
        "width": data.get("width", 1920),
        "height": data.get("height", 1080),
        "tracks": tracks,
        "background": "#000000",
        "settled": any(t["clips"] for t in tracks),
    }


def retime(
    timeline: Timeline, rate: Fraction, points: Sequence[int | None] = ()
) -> list[int | None]:
    """Change the sequence's rate keeping every clip where it is in seconds (starts and ends
    move to the nearest frame of the new rate; no clip becomes shorter than one frame).
    `points` (in/out) are moved the same way and returned."""
    old, rate = timeline.rate, exact_rate(rate)
    if rate == old:
        return list(points)

    def move(frame: int) -> int:
        return frames_between(frame, old, rate)

    for clip in (c for t in timeline.tracks for c in t.clips):
        start, end = move(clip.start), move(clip.end)
        clip.start, clip.duration = start, max(1, end - start)
    timeline.rate = rate
    return [None if p is None else move(p) for p in points]
