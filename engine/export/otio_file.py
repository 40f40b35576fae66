"""OpenTimelineIO in and out: a Timeline as an OTIO timeline whose clips reference the original
media at their own rates (nothing re-encoded; each clip's sound rides on an audio track), and
an OTIO file (.otio, FCP 7 XML, CMX 3600 EDL through the `opentimelineio-plugins` adapters)
read back as a Timeline. Generated clips carry the AI labels in their metadata; the sequence's
size, background and each clip's geometry travel in "lumiere" metadata, which other editors
ignore and this reader restores."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from engine.errors import LumiereError
from engine.media import provenance as pv
from engine.project_schema import MAX_FRAME, ProjectError, validate_timeline
from engine.tempfiles import atomic_write_bytes
from engine.timebase import exact_rate, frames_between, nearest, rate_text
from engine.timeline import FIT_MODES, Timeline, TimelineClip, Track

if TYPE_CHECKING:
    import opentimelineio as otio

ADAPTERS = {".otio": "otio_json", ".xml": "fcp_xml", ".edl": "cmx_3600"}
GEOMETRY = ("fit", "scale", "x", "y", "source_offset")
MAX_PATH = 4096  # a referenced file's path, as a project holds it
MAX_EDL_LINE = 4096  # characters a line of an EDL (real ones are under 200)

# What a media file's probe says: its exact rate (None for a still) and display size.
MediaFacts = tuple[Fraction | None, tuple[int, int]]
ProbeRate = Callable[[Path], MediaFacts | None]


class InterchangeError(LumiereError, ValueError):
    """A timeline file that cannot be read or written; the message says why."""


def available_formats() -> list[str]:
    import opentimelineio as otio

    names = set(otio.adapters.available_adapter_names())
    return [suffix for suffix, name in ADAPTERS.items() if name in names]


def _time(frames: int | Fraction, rate: Fraction) -> otio.opentime.RationalTime:
    import opentimelineio as otio

    return otio.opentime.RationalTime(float(frames), float(rate))


def _url(path: Path) -> str:
    return path.absolute().as_uri()


def build(
    timeline: Timeline,
    media: dict[str, Path],
    labels: dict[str, pv.Provenance | None],
    name: str = "Lumiere Studio export",
    start: int = 0,
    sound: AbstractSet[str] = frozenset(),
    frames: dict[str, int] | None = None,
    rates: str = "own",
) -> otio.schema.Timeline:
    """`media` maps each clip's media (as in the timeline) to its file, `frames` to its length
    in its own frames (editors want each file's available range); `sound` names the media with
    audio, whose clips are repeated on an audio track under their video track. `rates`: "own"
    describes each clip at its media's rate; "smpte" (FCP XML, whose files count in timecode)
    does so where timecode can count at that rate and otherwise (a generated 8 fps clip) uses
    the sequence's rate, ranges converted by time; "sequence" (an EDL has one rate) always
    uses the sequence's. The real rate stays in the clip's "lumiere" metadata."""
    import opentimelineio as otio

    seq = timeline.rate
    tl = otio.schema.Timeline(name=name)
    tl.global_start_time = _time(start, seq)  # the start timecode
    tl.metadata["lumiere"] = {
        "width": timeline.width,
        "height": timeline.height,
        "rate": rate_text(seq),
        "background": timeline.background,
    }
    size = {"width": timeline.width, "height": timeline.height}
    tl.metadata["fcp_xml"] = {  # FCP XML keeps only its own namespace
        "media": {"video": {"format": {"samplecharacteristics": size}}},
        "lumiere": dict(tl.metadata["lumiere"]),
    }
    audio_tracks: list[otio.schema.Track] = []
    for track in (t for t in timeline.tracks if t.kind == "video"):
        video = otio.schema.Track(name=track.name, kind=otio.schema.TrackKind.Video)
        audio = otio.schema.Track(
            name=f"A{track.name.lstrip('V')}", kind=otio.schema.TrackKind.Audio
        )
        cursor = {"video": 0, "audio": 0}
        for clip in sorted(track.clips, key=lambda c: c.start):
            targets = [("video", video)] + ([("audio", audio)] if clip.media in sound else [])
            for kind, ot in targets:
                if clip.start > cursor[kind]:
                    ot.append(
                        otio.schema.Gap(
                            source_range=otio.opentime.TimeRange(
                                _time(0, seq), _time(clip.start - cursor[kind], seq)
                            )
                        )
                    )
                length = (frames or {}).get(clip.media)
                ot.append(
                    _clip(clip, media[clip.media], labels.get(clip.media), seq, length, rates)
                )
                cursor[kind] = clip.end
        tl.tracks.append(video)
        if len(audio):
            audio_tracks.append(audio)
    for audio in audio_tracks:
        tl.tracks.append(audio)
    return tl


def _clip(
    clip: TimelineClip,
    path: Path,
    prov: pv.Provenance | None,
    seq: Fraction,
    length: int | None,
    rates: str = "own",
) -> otio.schema.Clip:
    """The source range starts at the clip's first source frame at the media's own rate and
    lasts the clip's sequence frames (OTIO converts between the two rates exactly). A still is
    available for as long as the clip shows it."""
    import opentimelineio as otio

    rate = clip.source_rate or seq
    first = clip.source_in
    length = length if length and not clip.is_still else None
    countable = otio.opentime.RationalTime.is_valid_timecode_rate(float(rate))
    if rates == "sequence" or (rates == "smpte" and not countable):
        first = frames_between(first, rate, seq)
        length = frames_between(length, rate, seq) if length else None
        rate = seq
    available = otio.opentime.TimeRange(_time(0, rate), _time(length or clip.duration, rate))
    ref = otio.schema.ExternalReference(target_url=_url(path), available_range=available)
    oc = otio.schema.Clip(
        name=clip.name or path.stem,
        media_reference=ref,
        source_range=otio.opentime.TimeRange(
            _time(first, rate), _time(clip.duration, seq).rescaled_to(float(rate))
        ),
    )
    oc.metadata["lumiere"] = {
        "still": clip.is_still,
        "rate": clip.rate,
        **{k: getattr(clip, k) for k in GEOMETRY},
    }
    if prov is not None:
        oc.metadata["lumiere"].update(
            {
                "ai_generated": True,
                "digital_source_type": pv.IPTC + prov.source_type,
                **prov.to_dict(),
            }
        )
    oc.metadata["fcp_xml"] = {"lumiere": _xml_safe(oc.metadata["lumiere"])}
    return oc


def _xml_safe(meta: Mapping[str, Any]) -> dict[str, Any]:
    """FCP XML writes metadata as elements: plain values only (None and lists left out)."""
    return {k: v for k, v in meta.items() if isinstance(v, (str, int, float, bool))}


def write(tl: otio.schema.Timeline, out: Path) -> Path:
    """Atomic write (temp, fsync, rename) with the adapter that the suffix names."""
    import opentimelineio as otio

    adapter = ADAPTERS.get(out.suffix.lower())
    if adapter is None or out.suffix.lower() not in available_formats():
        raise InterchangeError(
            f"{out.suffix} needs an OTIO adapter that is not installed; "
            f"available: {', '.join(available_formats())}"
        )
    # Serialised here and written by our own writer, not by otio's write_to_file: that one
    # leaves an empty file and no error when the disk is full, and the rename would then put
    # it over the earlier export.
    atomic_write_bytes(out, otio.adapters.write_to_string(tl, adapter_name=adapter).encode())
    return out


# --- reading ------------------------------------------------------------------------------
@dataclass
class ReadTimeline:
    timeline: Timeline
    media: list[Path] = field(default_factory=list)  # every file the clips use, in order
    missing: list[str] = field(default_factory=list)  # referenced files that are not there
    start: int = 0  # the sequence's start timecode, in its frames
    left_out: list[str] = field(default_factory=list)  # what was not imported, and why


def media_target(ref: otio.core.MediaReference | None, folder: Path) -> Path | None:
    """The file an OTIO media reference points at (file URLs and plain paths; relative
    paths are relative to the timeline file's folder)."""
    url = getattr(ref, "target_url", None)
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme == "file":
        path = Path(unquote(parsed.path))
    elif parsed.scheme and len(parsed.scheme) > 1:
        return None  # http and the like: nothing to open
    else:
        path = Path(url)
    return path if path.is_absolute() else folder / path


def _short_path(file: Path) -> str:
    text = str(file)
    return text if len(text) <= 200 else f"{text[:120]}...{text[-60:]} ({len(text)} characters)"


def _exists(file: Path) -> bool:
    """Whether a referenced file is there; a name the system cannot even look up (too long,
    a NUL) is not."""
    if len(str(file)) > MAX_PATH or "\0" in str(file):
        return False
    try:
        return file.exists()
    except (OSError, ValueError):
        return False


def read(
    path: Path | str, probe_rate: ProbeRate | None = None, rate: Fraction | None = None
) -> ReadTimeline:
    """An OTIO file (or FCP 7 XML / CMX 3600 EDL) as a Timeline whose clips point at their
    files by absolute path. `probe_rate(path)` -> (Fraction rate or None for a still,
    (width, height)) or None when the file cannot be read; the media's own rate wins over the
    rate written in the file. An EDL does not say its rate: `rate`, else guessed
    (`edl_rate`).

    The timeline read is held to the bounds a project is (engine/project_schema.py), so what
    opens can be saved and opened again; a value outside them is an InterchangeError that
    names it, never another exception."""
    import opentimelineio as otio

    path = Path(path)
    adapter = ADAPTERS.get(path.suffix.lower())
    if adapter is None or path.suffix.lower() not in available_formats():
        raise InterchangeError(f"{path.name}: open .otio, FCP 7 .xml or CMX 3600 .edl files")
    probe_rate = probe_rate or media_rate_and_size
    data = _checked_bytes(path, adapter)
    options: dict[str, float] = {}
    try:
        if adapter == "cmx_3600":
            _check_edl_lines(path.name, data)
            options["rate"] = float(rate or edl_rate(path))
        try:
            if adapter == "otio_json":  # the bytes checked above, not the name opened again
                tl = otio.adapters.read_from_string(data.decode("utf-8"), adapter_name=adapter)
            else:
                tl = otio.adapters.read_from_file(str(path), adapter_name=adapter, **options)
        except Exception as e:  # the adapters raise many kinds; all mean "unreadable"
            raise InterchangeError(f"{path.name} could not be read as a timeline: {e}") from e
        if isinstance(tl, otio.schema.SerializableCollection):
            tl = next(iter(tl.find_children(descended_from_type=otio.schema.Timeline)), None)
        if not isinstance(tl, otio.schema.Timeline):
            raise InterchangeError(f"{path.name} holds no timeline")
        result = _convert(tl, path, probe_rate, options)
        validate_timeline(result.timeline.to_dict())
    except InterchangeError as e:
        if str(e).startswith(path.name):
            raise
        raise InterchangeError(f"{path.name}: {e}; not opened") from e
    except ProjectError as e:
        what = str(e).removeprefix("project document: ")
        raise InterchangeError(f"{path.name}: {what}; not opened") from e
    except (ArithmeticError, ValueError, TypeError) as e:  # RateError is a ValueError
        raise InterchangeError(f"{path.name} holds a value this app cannot use: {e}") from e
    return result


def _convert(
    tl: otio.schema.Timeline, path: Path, probe_rate: ProbeRate, options: dict[str, float]
) -> ReadTimeline:
    import opentimelineio as otio

    meta = _lumiere(tl.metadata)
    seq = exact_rate(options["rate"]) if "rate" in options else _sequence_rate(tl, meta)
    result = ReadTimeline(Timeline(rate=seq, tracks=[]))
    if tl.global_start_time is not None:
        result.start = max(0, _frames(tl.global_start_time, seq, "the start timecode"))
    probed: dict[Path, MediaFacts | None] = {}
    seen: dict[str, tuple[Path | None, bool]] = {}
    for child in tl.tracks:
        if not isinstance(child, otio.schema.Track):
            result.left_out.append(_nested_note(child, "the timeline"))
    for track in tl.video_tracks():
        out = Track(name=track.name or f"V{len(result.timeline.tracks) + 1}")
        ranges = track.range_of_all_children()  # one pass: range_in_parent is linear per clip
        for item in track:
            if isinstance(item, otio.core.Composition):  # a nested sequence: not imported
                result.left_out.append(_nested_note(item, f"track {out.name}"))
            if not isinstance(item, otio.schema.Clip):
                continue
            clip = _read_clip(
                item, ranges[item], path.parent, seq, probed, probe_rate, result, seen
            )
            if clip is not None:
                out.clips.append(clip)
        result.timeline.tracks.append(out)
    if not result.timeline.tracks:
        result.timeline.tracks.append(Track())
    _sequence_size(result, meta, probed, dict(tl.metadata.get("fcp_xml", {})))
    return result


def _frames(time: otio.opentime.RationalTime, rate: Fraction, what: str) -> int:
    """A time as whole frames at `rate`; a time that is no finite number is refused."""
    value, own = time.value, time.rate
    if not (math.isfinite(value) and math.isfinite(own) and own > 0):
        raise InterchangeError(f"{what} is not a usable time ({value} at {own} fps)")
    if own == _as_float(rate) and value.is_integer() and abs(value) <= MAX_FRAME * 1000:
        return int(value)  # the common case, without exact arithmetic (100,000 clips)
    frames = Fraction(value) * Fraction(rate) / Fraction(own)
    if abs(frames) > MAX_FRAME * 1000:  # far beyond what validation lets through
        raise InterchangeError(f"{what} is {float(frames):.3g} frames, more than this app can use")
    return nearest(frames)


@functools.lru_cache(maxsize=64)
def _as_float(rate: Fraction) -> float:
    return float(rate)


@functools.lru_cache(maxsize=64)
def _rate_text(rate: Fraction) -> str:
    return rate_text(rate)


def _check_edl_lines(name: str, data: bytes) -> None:
    """Refuse an EDL with a line no editor writes: the adapter's patterns take time that grows
    with the square of a line's length (100,000 characters: minutes)."""
    for number, line in enumerate(data.split(b"\n"), 1):
        if len(line) > MAX_EDL_LINE:
            raise InterchangeError(
                f"{name}: line {number} is {len(line)} characters long (an EDL line is at most "
                f"{MAX_EDL_LINE}); not read"
            )


def _nested_note(item: otio.core.Composable, where: str) -> str:
    """What a left-out nested sequence held, for the person importing it."""
    import opentimelineio as otio

    name = getattr(item, "name", "") or type(item).__name__.lower()
    clips = sum(1 for _ in item.find_clips()) if isinstance(item, otio.core.Composition) else 0
    return (
        f"{where}: the nested sequence {name!r} ({clips} clip{'s' if clips != 1 else ''}) was "
        f"left out; nested sequences are not imported (flatten it in the editor that made it)"
    )


def _checked_bytes(path: Path, adapter: str) -> bytes:
    """The file's bytes when it is a regular file of bounded size (a FIFO or /dev/zero
    would block or never end) and, for OTIO JSON, nested no deeper than a timeline is: the
    OTIO reader recurses in C++ and a file nested 200,000 deep crashes the process."""
    from engine.input_files import InputFileError, read_input
    from engine.json_depth import NestingError, check_depth

    try:
        data = read_input(path, "timeline")
        if adapter == "otio_json":
            check_depth(data, path.name)
    except (InputFileError, NestingError) as e:
        raise InterchangeError(str(e)) from None
    return data


def media_rate_and_size(path: Path) -> MediaFacts | None:
    """(exact rate, or None for a still; display size) of a media file, None if unreadable."""
    from engine.media.probe import ProbeError, probe

    try:
        info = probe(path)
    except ProbeError:
        return None
    return (exact_rate(info.fps) if info.kind == "video" else None), info.display_size


def edl_rate(path: Path) -> Fraction:
    """An EDL's rate, which the format leaves out: the one this app writes into its title
    ("... @ 25 fps"); else drop-frame timecode (";") means 29.97; else 24, the usual
    default (`read(rate=...)` overrides)."""
    text = _checked_bytes(path, "cmx_3600").decode(errors="replace")
    title = re.search(r"^TITLE:.*@ ([0-9./]+) fps\s*$", text, re.MULTILINE)
    if title:
        return exact_rate(title.group(1))
    if re.search(r"\d\d:\d\d:\d\d;\d\d", text):
        return Fraction(30000, 1001)
    return Fraction(24)


def _sequence_rate(tl: otio.schema.Timeline, meta: dict[str, Any]) -> Fraction:
    if meta.get("rate"):
        return exact_rate(meta["rate"])
    if tl.global_start_time is not None and tl.global_start_time.rate > 0:
        return exact_rate(tl.global_start_time.rate)
    for clip in tl.find_clips():
        if clip.source_range is not None:
            return exact_rate(clip.source_range.duration.rate)
    return Fraction(24)


def _read_clip(
    item: otio.schema.Clip,
    place: otio.opentime.TimeRange,
    folder: Path,
    seq: Fraction,
    probed: dict[Path, MediaFacts | None],
    probe_rate: ProbeRate,
    result: ReadTimeline,
    seen: dict[str, tuple[Path | None, bool]],
) -> TimelineClip | None:
    reference = item.media_reference
    url = getattr(reference, "target_url", None) or ""
    if url not in seen:  # clips of one file share its lookup (100,000 clips, a few files)
        target = media_target(reference, folder)
        seen[url] = (target, target is not None and _exists(target))
    file, exists = seen[url]
    name = item.name or (file.stem if file else "clip")
    if file is None or not exists:
        result.missing.append(_short_path(file) if file else name)
        return None
    if file not in probed:
        probed[file] = probe_rate(file)
        result.media.append(file)
    meta = _lumiere(item.metadata)
    info = probed[file]
    start = _frames(place.start_time, seq, f"the start of clip '{name}'")
    duration = max(1, _frames(place.duration, seq, f"the duration of clip '{name}'"))
    still = _true(meta["still"]) if "still" in meta else (info is not None and info[0] is None)
    own = info[0] if info is not None else None
    written = meta.get("rate") or item.source_range.start_time.rate
    rate = None if still else (own or exact_rate(written))
    source_in = 0
    if rate is not None and item.source_range is not None:
        first = item.source_range.start_time
        available = getattr(item.media_reference, "available_range", None)
        if available is not None:  # timecoded media: frames count from the media's start
            first = first - available.start_time
        source_in = max(0, _frames(first, rate, f"the first frame of clip '{name}'"))
    clip = TimelineClip(
        media=str(file),
        source_in=source_in,
        duration=duration,
        start=start,
        rate=_rate_text(rate) if rate else "",
        name=name,
    )
    for key in GEOMETRY:
        if key in meta:
            setattr(clip, key, _value_as(getattr(clip, key), meta[key], f"clip '{name}' {key}"))
    if clip.fit not in FIT_MODES:
        clip.fit = "fit"
    if _true(meta.get("ai_generated")):
        clip.generated = True
        clip.model_name, clip.model_hash = meta.get("model_name", ""), meta.get("model_hash", "")
        clip.edited_real = meta.get("source_type") == pv.COMPOSITE
        clip.job = _labelled_job(meta)
    return clip


def _labelled_job(meta: Mapping[str, Any]) -> dict[str, Any]:
    """What a generated clip's labels say of the job that made it (its prompt, seed, task):
    the labels an export writes from it again. Text values (FCP XML) are read back as such."""
    job: dict[str, Any] = {
        k: str(meta[k]) for k in ("task", "prompt", "negative_prompt") if meta.get(k)
    }
    seed = meta.get("seed")
    if isinstance(seed, int) or (isinstance(seed, str) and seed.lstrip("-").isdigit()):
        job["seed"] = int(seed)
    return job


def _lumiere(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """This app's metadata of an OTIO object, from OTIO JSON or from FCP XML (whose reader
    hands back every value as text)."""
    # OTIO's dictionary answers `in` and a missing key slowly (a raised KeyError inside), and
    # most clips of other editors carry no metadata: their empty dictionary is seen by its size
    if not len(metadata):
        return {}
    meta = _item(metadata, "lumiere")
    if not meta:
        fcp = _item(metadata, "fcp_xml")
        meta = _item(fcp, "lumiere") if isinstance(fcp, Mapping) else None
    return dict(meta or {})


def _value_as(like: Any, value: Any, what: str) -> Any:
    """`value` (as OTIO JSON holds it, or as text from FCP XML) as the type of `like`."""
    kind = type(like)
    try:
        if kind is int and not (isinstance(value, int) or str(value).strip().lstrip("-").isdigit()):
            raise ValueError
        out = kind(value)
    except (ValueError, TypeError, OverflowError):
        name = {int: "whole number", float: "number"}.get(kind, kind.__name__)
        raise InterchangeError(f"{what} is not a {name}: {str(value)[:40]!r}") from None
    if isinstance(out, float) and not math.isfinite(out):
        raise InterchangeError(f"{what} is not a finite number: {value!r}")
    return out


def _item(mapping: Mapping[str, Any], key: str) -> Any:
    try:
        return mapping[key]
    except KeyError:
        return None


def _true(value: object) -> bool:
    return str(value).lower() in ("true", "1", "yes")


def _sequence_size(
    result: ReadTimeline,
    meta: dict[str, Any],
    probed: dict[Path, MediaFacts | None],
    fcp: dict[str, Any],
) -> None:
    """The size written by this app, else FCP XML's sequence format, else the first clip's
    media's, else 1080p."""
    tl = result.timeline
    fcp_size = fcp.get("media", {}).get("video", {}).get("format", {})
    fcp_size = fcp_size.get("samplecharacteristics", {}) if isinstance(fcp_size, dict) else {}
    if meta.get("width") and meta.get("height"):
        tl.width = _value_as(0, meta["width"], "the sequence width")
        tl.height = _value_as(0, meta["height"], "the sequence height")
    elif fcp_size.get("width") and fcp_size.get("height"):
        tl.width = _value_as(0, fcp_size["width"], "the sequence width")
        tl.height = _value_as(0, fcp_size["height"], "the sequence height")
    else:
        sizes = [info[1] for info in probed.values() if info is not None]
        tl.width, tl.height = sizes[0] if sizes else (1920, 1080)
    tl.background = str(meta.get("background", "#000000"))
    tl.settled = True
