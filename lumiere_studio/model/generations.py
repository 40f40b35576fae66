"""The generation record: one finished generation (its job, the model that ran it, the file it
wrote, what it was made from), kept once in the project under its id. The bin item, the
timeline clip and the history entry of a generation refer to it by that id."""

from __future__ import annotations

import copy
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from engine.api import TimelineClip


def now_text() -> str:
    """The current time as a record stores it (UTC, to the second)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class GenerationRecord:
    job: dict[str, Any]  # the engine Job (as a dict) that made it
    model_name: str = ""
    model_hash: str = ""
    path: str = ""  # the output as the project stores it ("" for a record with no file left)
    origin: dict[str, Any] | None = None  # {"media": path, "frame": n} it was made from
    notes: list[str] = field(default_factory=list)  # what the engine said about the run
    created: str = ""  # UTC, ISO 8601 ("" for records migrated from older projects)
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerationRecord:
        return cls(**data)


COPIED_FIELDS = ("job", "model_name", "model_hash")  # what schema 2 copied into items and clips


def records_from_copies(data: dict[str, Any]) -> dict[str, Any]:
    """A schema-2 document, which copied each generation's job and model into its bin item, its
    clips and its history entry, with those copies made into one record each that they refer
    to by id (the input is not changed). A clip shares the record of the item showing the same
    file; a history entry the record with an equal job (one of its own when none has)."""
    data = copy.deepcopy(data)
    records: dict[str, GenerationRecord] = {}

    def take(entry: dict[str, Any], path: str) -> None:
        job, name, digest = (entry.pop(key, None) for key in COPIED_FIELDS)
        if not (job or name or digest):
            return
        record = next((r for r in records.values() if path and r.path == path), None)
        if record is None:
            record = GenerationRecord(dict(job or {}), name or "", digest or "", path)
            records[record.id] = record
        entry["generation_id"] = record.id

    for item in data.get("media", []):
        take(item, item["path"])
    for track in data["timeline"].get("tracks", []):
        for clip in track.get("clips", []):
            take(clip, clip["media"])
    history: list[str] = []
    for job in data.get("history", []):
        match = next((r for r in records.values() if r.job == job and r.id not in history), None)
        if match is None:
            match = GenerationRecord(dict(job))
            records[match.id] = match
        history.append(match.id)
    data["history"] = history
    data["generations"] = {k: r.to_dict() for k, r in records.items()}
    return data


def records_from_clip_copies(
    clips: Iterable[TimelineClip], records: dict[str, GenerationRecord]
) -> dict[str, str]:
    """Clips read from another editor's timeline file carry their generation's job and model
    themselves; each such copy becomes a record in `records` (one per media file: the clips
    showing one file share it, and share a record already kept for that file, as schema 2's
    migration does) and the clip names it instead. Returns media path -> record
    id, for the bin items showing those files."""
    made: dict[str, str] = {}
    for clip in clips:
        if clip.generation_id or not (clip.job or clip.model_name or clip.model_hash):
            continue
        rid = made.get(clip.media) or next(
            (r.id for r in records.values() if clip.media and r.path == clip.media), None
        )
        if rid is None:
            record = GenerationRecord(
                dict(clip.job or {}), clip.model_name, clip.model_hash, clip.media
            )
            records[record.id] = record
            rid = made[clip.media] = record.id
        clip.generation_id = rid
        clip.job, clip.model_name, clip.model_hash = None, "", ""
    return made
