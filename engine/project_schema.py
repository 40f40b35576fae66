"""The project document's schema (`project.lumiere.json`, written by the app, read by the
app and by `export`), checked before anything is built from it.

A project file may come from anyone, so every value the app will compute with is checked for
its type and bounded: sizes, rates and frame numbers that would overflow a painter, divide by
zero, or allocate a mask of terabytes are refused with a message that names the value, and a
document is parsed only up to a size limit, without NaN or Infinity.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Collection
from pathlib import Path
from typing import Any, NoReturn

from engine.errors import LumiereError
from engine.input_files import LIMITS, InputFileError, read_input
from engine.json_depth import NestingError, check_depth

# 2: sequence rate as a fraction, clips in sequence frames with their own rate;
# 3: one record a generation under "generations", that bin items, clips and history name by id
SCHEMA = 3
APP_ID = "lumiere-studio"
# A project with a thousand clips and their jobs is under 2 MB; one at MAX_ITEMS clips (about
# 420 bytes each as Save writes them) is 42 MB, so whatever validates can also be read back.
MAX_DOC_BYTES = LIMITS["project"]
MAX_FRAME = 10**7  # frame numbers: four days at 24 fps
MAX_SIDE = 16384  # pixels a side
MAX_AREA = 8192 * 8192  # pixels a frame: four times 8K UHD, within what FFmpeg can encode
MAX_FPS = 1000.0
MAX_ITEMS = 100_000  # media entries, tracks, clips per track, history entries
MAX_SECONDS = 24 * 3600  # where a timeline may end: a day, at any rate (a frame bound alone
# lets a 1/1000 fps sequence last 317 years, and its export allocate sound for all of them)


class ProjectError(LumiereError, ValueError):
    """A project folder or document that cannot be opened; the message says why."""


def read_document(path: Path) -> Any:
    """The JSON of a project (or recovery) file: bounded in size, no NaN/Infinity."""
    try:
        data = read_input(path, "project")  # a regular file of at most MAX_DOC_BYTES
        check_depth(data, str(path))
        return json.loads(data, parse_constant=_no_constants)
    except (InputFileError, NestingError) as e:
        raise ProjectError(f"{e}; it was not opened") from e
    except RecursionError as e:
        raise ProjectError(f"{path} is nested too deeply to be a project") from e
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ProjectError(f"{path} could not be read: {e}") from e


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number a project may hold")


def _fail(where: str, what: str) -> NoReturn:
    raise ProjectError(f"project document: {where} {what}")


def _int(value: Any, where: str, low: int = 0, high: int = MAX_FRAME) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        _fail(where, f"must be a whole number from {low} to {high}, got {_short(value)}")
    return value


def _number(value: Any, where: str, low: float, high: float) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not low <= value <= high:
        _fail(where, f"must be a number from {low:g} to {high:g}, got {_short(value)}")
    return float(value)


def _kind(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    if isinstance(value, bool) and kind is not bool:
        _fail(where, f"has the wrong type ({_short(value)})")
    if not isinstance(value, kind):
        _fail(where, f"has the wrong type ({_short(value)})")
    return value


def _list(value: Any, where: str) -> list[Any]:
    items: list[Any] = _kind(value, list, where)
    if len(items) > MAX_ITEMS:
        _fail(where, f"has {len(items)} entries (at most {MAX_ITEMS})")
    return items


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def _path(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value or "\0" in value or len(value) > 4096:
        _fail(where, f"must be a file path, got {_short(value)}")
    return value


def _optional(entry: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> None:
    if entry.get(key) is not None:
        _kind(entry[key], kind, f"{where}.{key}")


def validate(data: Any) -> None:
    """Check the document's shape and bounds before anything is built from it."""
    if not isinstance(data, dict):
        raise ProjectError("project document must be a JSON object")
    if data.get("app") != APP_ID:
        raise ProjectError("not a Lumiere Studio project document")
    schema = data.get("schema")
    if isinstance(schema, bool) or not isinstance(schema, int):
        raise ProjectError("project document has no schema version")
    if schema > SCHEMA:
        raise ProjectError(f"project schema {schema} is newer than this app ({SCHEMA}); update")
    if schema < 1:
        raise ProjectError(f"project schema {schema} is not one this app knows (1 to {SCHEMA})")
    for key, kind in (("media", list), ("timeline", dict)):
        if not isinstance(data.get(key), kind):
            raise ProjectError(f"project document: '{key}' is missing or not a {kind.__name__}")
    records = validate_generations(data)
    for i, m in enumerate(_list(data["media"], "media")):
        if not isinstance(m, dict) or not isinstance(m.get("path"), str) or "info" not in m:
            raise ProjectError("project document: a media entry has no path or info")
        _media(m, f"media[{i}]")
        _reference(m, records, f"media[{i}]")
    validate_timeline(data["timeline"], records)
    for key in ("masks", "mask_meta", "mask_tracks"):
        if not isinstance(data.get(key, {}), dict):
            raise ProjectError(f"project document: '{key}' must be an object")
    for key in ("masks", "mask_tracks"):
        for mid, rel in data.get(key, {}).items():
            _path(rel, f"{key}[{mid!r}]")
    for mid, meta in data.get("mask_meta", {}).items():
        _kind(meta, dict, f"mask_meta[{mid!r}]")
        _int(meta.get("from_frame", 0), f"mask_meta[{mid!r}].from_frame")
        _motion_hints(meta, f"mask_meta[{mid!r}]")
    for key in ("in_point", "out_point"):
        if data.get(key) is not None:
            _int(data[key], key)
    for i, entry in enumerate(_list(data.get("history", []), "history")):
        if schema < 3:  # a copy of the job
            _kind(entry, dict, f"history[{i}]")
        elif _kind(entry, str, f"history[{i}]") not in records:
            _fail(f"history[{i}]", f"names no generation record ({_short(entry)})")


MAX_HINTS = 1000  # motion arrows, pins, or freeze strokes, on one media item
MAX_STROKE_POINTS = 10_000  # points of one freeze stroke


def _motion_hints(meta: dict[str, Any], where: str) -> None:
    """A cinemagraph's arrows [x0, y0, x1, y1], pins [x, y] and freeze strokes [radius, x0,
    y0, ...]: finite source pixels."""
    for key, size in (("arrows", 4), ("pins", 2), ("freeze", 0)):
        hints = _kind(meta.get(key, []), list, f"{where}.{key}")
        if len(hints) > MAX_HINTS:
            _fail(f"{where}.{key}", f"has {len(hints)} entries (at most {MAX_HINTS})")
        for i, hint in enumerate(hints):
            at = f"{where}.{key}[{i}]"
            if size == 0:  # a stroke: its radius, then x, y for each of 1 to N points
                if not isinstance(hint, list) or not 3 <= len(hint) <= 1 + 2 * MAX_STROKE_POINTS:
                    _fail(at, f"must be a radius then 1 to {MAX_STROKE_POINTS} points")
                if len(hint) % 2 == 0:
                    _fail(at, "must be a radius then x, y pairs (an odd count of numbers)")
                if _number(hint[0], at, 0, MAX_SIDE) == 0:
                    _fail(at, "has a radius of 0")
            elif not isinstance(hint, list) or len(hint) != size:
                _fail(at, f"must be a list of {size} numbers, got {_short(hint)}")
            for v in hint:
                _number(v, at, 0, MAX_SIDE)


MAX_ID = 64  # characters of a record id (the app makes 12)


def validate_generations(data: dict[str, Any]) -> Collection[str]:
    """The ids of the document's generation records, each record checked."""
    records: dict[str, Any] = _kind(data.get("generations", {}), dict, "generations")
    if len(records) > MAX_ITEMS:
        _fail("generations", f"has {len(records)} entries (at most {MAX_ITEMS})")
    for rid, record in records.items():
        where = f"generations[{_short(rid)}]"
        if not rid or len(rid) > MAX_ID:
            _fail(where, f"has an id of {len(rid)} characters (1 to {MAX_ID})")
        _kind(record, dict, where)
        if "job" not in record:
            _fail(where, "has no job")
        _kind(record["job"], dict, f"{where}.job")
        if record.get("id", rid) != rid:
            _fail(f"{where}.id", f"differs from its key ({_short(record['id'])})")
        for key in ("model_name", "model_hash", "created"):
            _optional(record, key, str, where)
        if record.get("path"):
            _path(record["path"], f"{where}.path")
        origin = record.get("origin")
        if origin is not None:
            _kind(origin, dict, f"{where}.origin")
            _path(origin.get("media"), f"{where}.origin.media")
            _int(origin.get("frame", 0), f"{where}.origin.frame")
        notes = _list(record.get("notes", []), f"{where}.notes")
        for n, note in enumerate(notes):
            _kind(note, str, f"{where}.notes[{n}]")
    return records.keys()


def _reference(entry: dict[str, Any], records: Collection[str] | None, where: str) -> None:
    """A bin item's or clip's `generation_id` names a record of the document."""
    _optional(entry, "generation_id", str, where)
    rid = entry.get("generation_id")
    if rid and records is not None and rid not in records:
        _fail(f"{where}.generation_id", f"names no generation record ({_short(rid)})")


def _media(m: dict[str, Any], where: str) -> None:
    _path(m["path"], f"{where}.path")
    info = _kind(m["info"], dict, f"{where}.info")
    if info.get("kind") not in ("video", "image"):
        _fail(f"{where}.info.kind", f"must be 'video' or 'image', got {_short(info.get('kind'))}")
    _area(info.get("width"), info.get("height"), f"{where}.info")
    _number(info.get("fps", 0), f"{where}.info.fps", 0, MAX_FPS)
    _int(info.get("frames", 1), f"{where}.info.frames")
    _number(info.get("duration", 0), f"{where}.info.duration", 0, MAX_FRAME)
    rotation = info.get("rotation", 0)
    if rotation not in (0, 90, 180, 270):
        _fail(f"{where}.info.rotation", f"must be 0, 90, 180 or 270, got {_short(rotation)}")
    if info.get("kind") == "video" and not info.get("fps"):
        _fail(f"{where}.info.fps", "must be above 0 for a video")
    for key, kind in (
        ("id", str),
        ("name", str),
        ("generated", bool),
        ("job", dict),
        ("model_name", str),
        ("model_hash", str),
    ):
        _optional(m, key, kind, where)
    _optional(info, "has_audio", bool, f"{where}.info")
    _optional(info, "codec", str, f"{where}.info")


def validate_timeline(tl: Any, records: Collection[str] | None = None) -> None:
    """The timeline part alone (what `export` reads); clips may name only the generation
    records in `records`, when given."""
    _kind(tl, dict, "timeline")
    if "rate" in tl:
        _rate(tl["rate"], "timeline.rate")
    else:  # schema 1
        _number(tl.get("fps", 24.0), "timeline.fps", 1e-3, MAX_FPS)
    _area(tl.get("width", 1920), tl.get("height", 1080), "timeline")
    _optional(tl, "background", str, "timeline")
    _optional(tl, "settled", bool, "timeline")
    rate = _rate_value(tl["rate"]) if "rate" in tl else float(tl.get("fps", 24.0))
    last_frame = MAX_SECONDS * rate  # where a clip may end, in the sequence's frames
    tracks = _list(tl.get("tracks", []), "timeline.tracks")
    total = sum(len(t.get("clips", [])) for t in tracks if isinstance(t, dict))
    if total > MAX_ITEMS:
        _fail("timeline", f"has {total} clips (at most {MAX_ITEMS})")
    for t, track in enumerate(tracks):
        where = f"timeline.tracks[{t}]"
        _kind(track, dict, where)
        _optional(track, "name", str, where)
        if track.get("kind", "video") not in ("video", "audio"):
            _fail(f"{where}.kind", f"must be 'video' or 'audio', got {_short(track.get('kind'))}")
        for c, clip in enumerate(_list(track.get("clips", []), f"{where}.clips")):
            _clip(_kind(clip, dict, f"{where}.clips[{c}]"), f"{where}.clips[{c}]")
            _reference(clip, records, f"{where}.clips[{c}]")
            if "duration" in clip:  # schema 2 on; schema 1's frames are checked on migration
                _ends_in_time(clip["start"] + clip["duration"], last_frame, f"{where}.clips[{c}]")


def _ends_in_time(end: int, last_frame: float, where: str) -> None:
    if end > last_frame:
        _fail(where, f"ends past {MAX_SECONDS // 3600} hours in (a timeline lasts at most that)")


def _area(width: Any, height: Any, where: str) -> None:
    w = _int(width, f"{where}.width", 1, MAX_SIDE)
    h = _int(height, f"{where}.height", 1, MAX_SIDE)
    if w * h > MAX_AREA:
        _fail(where, f"is {w}x{h} pixels, more than {MAX_AREA} a frame")


def _rate(value: Any, where: str) -> None:
    """A frame rate as the timeline writes it ("30000/1001", "25") or a plain number."""
    if (
        isinstance(value, bool)
        or not isinstance(value, str | int | float)
        or (isinstance(value, str) and len(value) > 40)
    ):
        _fail(where, f"must be a frame rate, got {_short(value)}")
    try:
        rate = _rate_value(value)
    except (ValueError, ZeroDivisionError):
        _fail(where, f"must be a frame rate, got {_short(value)}")
    _number(rate, where, 1e-3, MAX_FPS)


@functools.lru_cache(maxsize=256)
def _rate_value(value: str | int | float) -> float:
    """A rate's value; a timeline of 100,000 clips names a handful of rates, parsed once each."""
    from fractions import Fraction

    return float(Fraction(value)) if not isinstance(value, float) else value


def _clip(clip: dict[str, Any], where: str) -> None:
    _path(clip.get("media"), f"{where}.media")
    first = _int(clip.get("source_in"), f"{where}.source_in")
    if "source_out" in clip:  # schema 1: source frames shown frame for frame
        _int(clip.get("source_out"), f"{where}.source_out", first + 1)
    else:
        _int(clip.get("duration"), f"{where}.duration", 1)
        if clip.get("rate"):
            _rate(clip["rate"], f"{where}.rate")
        _optional(clip, "rate", str, where)
        if clip.get("fit", "fit") not in ("fit", "fill", "stretch", "none"):
            _fail(f"{where}.fit", f"must be fit, fill, stretch or none, got {_short(clip['fit'])}")
        _number(clip.get("scale", 1.0), f"{where}.scale", 1e-3, 1000.0)
        for key in ("x", "y"):
            _number(clip.get(key, 0.0), f"{where}.{key}", -MAX_SIDE * 100, MAX_SIDE * 100)
        _int(clip.get("source_offset", 0), f"{where}.source_offset", 0, MAX_FRAME * 100)
    _int(clip.get("start"), f"{where}.start")
    for key, kind in (
        ("name", str),
        ("generated", bool),
        ("edited_real", bool),
        ("job", dict),
        ("model_name", str),
        ("model_hash", str),
        ("id", str),
    ):
        _optional(clip, key, kind, where)
