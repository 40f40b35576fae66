"""Time to open an OTIO timeline of N clips, as the app and `export` read it (issue 29 #8: 16,000
clips took 46 s and 100,000 timed out, because each clip's place was found by walking its track).

Prints, for each N, the CPU and wall seconds of `otio_file.read` and the seconds per 1,000
clips, so linear growth shows as a flat last column; the goal is 100,000 clips in under 10 s.

    python bench/timeline_read.py [--counts 1000,16000,100000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from testkit.media import make_clip

from engine.export import otio_file


def timeline_text(media: Path, clips: int) -> str:
    """An OTIO timeline of `clips` half-second clips of `media`, back to back, as other editors
    write them (no metadata of ours)."""

    def time_of(value: float) -> dict[str, object]:
        return {"OTIO_SCHEMA": "RationalTime.1", "rate": 25.0, "value": value}

    clip = {
        "OTIO_SCHEMA": "Clip.2",
        "name": "shot",
        "source_range": {
            "OTIO_SCHEMA": "TimeRange.1",
            "start_time": time_of(0.0),
            "duration": time_of(12.0),  # 100,000 of them: 13 h, within a day
        },
        "media_references": {
            "DEFAULT_MEDIA": {"OTIO_SCHEMA": "ExternalReference.1", "target_url": str(media)}
        },
        "active_media_reference_key": "DEFAULT_MEDIA",
    }
    track = {"OTIO_SCHEMA": "Track.1", "name": "V1", "kind": "Video", "children": [clip] * clips}
    stack = {"OTIO_SCHEMA": "Stack.1", "children": [track]}
    return json.dumps({"OTIO_SCHEMA": "Timeline.1", "tracks": stack})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="1000,16000,100000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        media = make_clip(folder / "shot.mp4", frames=25, size=(32, 24))
        print(f"{'clips':>8} {'cpu s':>8} {'wall s':>8} {'wall s / 1000 clips':>20}")
        for count in (int(c) for c in args.counts.split(",")):
            path = folder / f"cut{count}.otio"
            path.write_text(timeline_text(media, count))
            cpu, wall = time.process_time(), time.perf_counter()
            read = otio_file.read(path)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            assert len(read.timeline.tracks[0].clips) == count
            print(f"{count:>8} {cpu:>8.2f} {wall:>8.2f} {wall / count * 1000:>20.3f}")


if __name__ == "__main__":
    main()
