"""Write a Timeline as an OpenTimelineIO file whose clips point at exported media, with the
AI labels in each generated clip's metadata. FCP XML / EDL go through OTIO's adapters when
those plugins are installed (`available_formats` says which)."""

from __future__ import annotations

import os
from pathlib import Path

from engine.media import provenance as pv
from engine.tempfiles import create_temp_beside, replace
from engine.timeline import Timeline

ADAPTERS = {".otio": "otio_json", ".xml": "fcp_xml", ".fcpxml": "fcpx_xml", ".edl": "cmx_3600"}


def available_formats() -> list[str]:
    import opentimelineio as otio

    names = set(otio.adapters.available_adapter_names())
    return [suffix for suffix, name in ADAPTERS.items() if name in names]


def build(timeline: Timeline, media: dict[str, str], labels: dict[str, pv.Provenance | None],
          name: str = "Lumiere Studio export"):  # fmt: skip
    """`media` maps each clip's media (as in the timeline) to the URL the OTIO clip points at."""
    import opentimelineio as otio

    rate = float(timeline.fps)
    tl = otio.schema.Timeline(name=name)
    tl.global_start_time = otio.opentime.RationalTime(0, rate)
    tl.metadata["lumiere"] = {"width": timeline.width, "height": timeline.height}
    for track in timeline.tracks:
        kind = otio.schema.TrackKind.Audio if track.kind == "audio" else otio.schema.TrackKind.Video
        ot = otio.schema.Track(name=track.name, kind=kind)
        cursor = 0
        for clip in sorted(track.clips, key=lambda c: c.start):
            if clip.start > cursor:
                ot.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(
                    otio.opentime.RationalTime(0, rate),
                    otio.opentime.RationalTime(clip.start - cursor, rate))))  # fmt: skip
            ref = otio.schema.ExternalReference(target_url=media.get(clip.media, clip.media))
            oc = otio.schema.Clip(
                name=clip.name or Path(clip.media).stem, media_reference=ref,
                source_range=otio.opentime.TimeRange(
                    otio.opentime.RationalTime(clip.source_in, rate),
                    otio.opentime.RationalTime(clip.duration, rate)),
            )  # fmt: skip
            prov = labels.get(clip.media)
            if prov is not None:
                oc.metadata["lumiere"] = {
                    "ai_generated": True, "digital_source_type": pv.IPTC + prov.source_type,
                    **prov.to_dict(),
                }  # fmt: skip
            ot.append(oc)
            cursor = clip.end
        tl.tracks.append(ot)
    return tl


def write_pending(tl, out: Path) -> Path:
    """The complete file under a temporary name beside `out` (`.NAME.PID-XXXX.tmp`), with the
    adapter that the suffix names; renaming it to `out` is the caller's commit."""
    import opentimelineio as otio

    adapter = ADAPTERS.get(out.suffix.lower())
    if adapter is None or out.suffix.lower() not in available_formats():
        raise ValueError(f"{out.suffix} needs an OTIO adapter that is not installed; "
                         f"available: {', '.join(available_formats())}")  # fmt: skip
    tmp = create_temp_beside(out, f".{out.name}.{os.getpid()}-")
    try:
        otio.adapters.write_to_file(tl, str(tmp), adapter_name=adapter)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write(tl, out: Path) -> Path:
    """Atomic write with the adapter that the suffix names."""
    tmp = write_pending(tl, out)
    try:
        replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out
