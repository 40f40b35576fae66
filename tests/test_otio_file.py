"""OTIO, FCP 7 XML and CMX 3600 EDL: a timeline written to each reads back with the same rates,
source ranges, places and names, its clips pointing at the original media (nothing re-encoded,
sound on audio tracks, AI labels on generated clips); a timeline file renders headlessly."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest
from testkit import processes

from engine.cli import main
from engine.export import otio_file
from engine.export.render import load_project
from engine.export.run import export_timeline
from engine.media.audio import AudioClip
from engine.media.encode import VideoSettings, write_video
from engine.timeline import Timeline, TimelineClip, Track

NTSC = Fraction(30000, 1001)


@pytest.fixture
def media(tmp_path):
    """A 29.97 clip with sound, a silent generated 8 fps clip and a still."""
    t = np.arange(48000 * 2) / 48000
    tone = np.tile(0.3 * np.sin(2 * np.pi * 440 * t), (2, 1)).astype(np.float32)
    write_video(
        np.full((60, 16, 16, 3), 90, np.uint8),
        tmp_path / "a.mov",
        VideoSettings(fps=NTSC, audio=AudioClip(tone, 48000, "stereo")),
    )
    write_video(np.full((16, 16, 16, 3), 200, np.uint8), tmp_path / "g.mp4", VideoSettings(fps=8))
    from PIL import Image

    Image.new("RGB", (20, 10), "red").save(tmp_path / "s.png")
    return tmp_path


def cut(rate) -> Timeline:
    return Timeline(
        rate=rate,
        width=320,
        height=240,
        tracks=[
            Track(
                clips=[
                    TimelineClip("a.mov", 5, 40, 0, "30000/1001", name="real"),
                    TimelineClip(
                        "g.mp4",
                        3,
                        40,
                        40,
                        "8",
                        name="gen",
                        generated=True,
                        fit="fill",
                        model_name="tiny",
                        model_hash="ab" * 32,
                    ),
                    TimelineClip("s.png", 0, 30, 95, name="still"),
                ]
            )
        ],
    )


def summary(tl: Timeline) -> list[tuple]:
    return [
        (c.name, c.start, c.duration, c.source_in, c.rate, Path(c.media).name)
        for t in tl.tracks
        for c in t.clips
    ]


@pytest.mark.parametrize("rate", [Fraction(25), NTSC])
@pytest.mark.parametrize("suffix,fmt", [(".otio", "otio"), (".xml", "fcpxml"), (".edl", "edl")])
def test_round_trip_keeps_rates_ranges_and_names(media, rate, suffix, fmt):
    tl = cut(rate)
    out = export_timeline(tl, media, fmt, media / f"cut{suffix}", timecode="01:00:00:00")
    back = otio_file.read(out)
    assert back.missing == [] and back.timeline.rate == rate
    assert summary(back.timeline) == summary(tl) and back.media == [
        media / "a.mov",
        media / "g.mp4",
        media / "s.png",
    ]
    if fmt != "edl":  # an EDL holds neither the frame size nor a start
        assert (back.timeline.width, back.timeline.height) == (320, 240)
        assert back.start == round(3600 * rate)
        gen = back.timeline.tracks[0].clips[1]
        assert gen.generated and gen.fit == "fill"


def test_otio_references_the_original_media_with_sound_and_labels(media):
    out = export_timeline(cut(Fraction(25)), media, "otio", media / "cut.otio")
    tl = otio.adapters.read_from_file(str(out))
    video, audio = tl.video_tracks(), tl.audio_tracks()
    assert len(video) == 1 and len(audio) == 1
    assert [c.name for c in audio[0].find_clips()] == ["real"]  # only media with sound
    clips = list(video[0].find_clips())
    assert clips[0].media_reference.target_url == (media / "a.mov").as_uri()
    assert clips[0].source_range.start_time == otio.opentime.RationalTime(5, float(NTSC))
    assert clips[1].metadata["lumiere"]["digital_source_type"].endswith("trainedAlgorithmicMedia")
    assert not clips[0].metadata["lumiere"].get("ai_generated")
    assert sorted(p.name for p in media.iterdir()) == ["a.mov", "cut.otio", "g.mp4", "s.png"]


def test_an_edl_holds_one_video_track_and_missing_media_is_refused(media):
    tl = cut(Fraction(25))
    tl.tracks.append(Track("V2", [TimelineClip("g.mp4", 0, 10, 0, "8")]))
    with pytest.raises(ValueError, match="one video track"):
        export_timeline(tl, media, "edl", media / "two.edl")
    tl.tracks[0].clips[0].media = "gone.mov"
    with pytest.raises(ValueError, match="gone.mov does not exist"):
        export_timeline(tl, media, "otio", media / "x.otio")


def test_bad_timeline_files_say_why(tmp_path):
    bad = tmp_path / "bad.otio"
    bad.write_text("{not json")
    with pytest.raises(otio_file.InterchangeError, match="could not be read"):
        otio_file.read(bad)
    with pytest.raises(otio_file.InterchangeError, match="open .otio"):
        otio_file.read(tmp_path / "cut.aaf")


def test_cli_renders_an_otio_timeline_headlessly(media, capsys):
    timeline = export_timeline(
        cut(Fraction(25)), media, "otio", media / "cut.otio", timecode="00:00:10:00"
    )
    out = media / "render.mp4"
    assert main(["export", str(timeline), "--format", "h264", "--out", str(out)]) == 0
    import av

    with av.open(str(out)) as c:
        v = c.streams.video[0]
        assert (v.codec_context.width, v.codec_context.height, v.average_rate) == (320, 240, 25)
        assert v.metadata.get("timecode") == "00:00:10:00"  # the file's own start
        assert sum(1 for _ in c.decode(video=0)) == 125 and c.streams.audio
    assert (
        main(
            [
                "export",
                str(media / "nothing.otio"),
                "--format",
                "h264",
                "--out",
                str(media / "n.mp4"),
            ]
        )
        == 2
    )
    assert "does not exist" in capsys.readouterr().err


def test_only_installed_adapters_are_offered():
    assert ".otio" in otio_file.available_formats()
    if "fcp_xml" not in otio.adapters.available_adapter_names():
        assert ".xml" not in otio_file.available_formats()


def test_a_failed_forced_otio_export_keeps_the_earlier_one(project, tmp_path):
    out = tmp_path / "cut.otio"
    assert main(["export", str(project), "--format", "otio", "--out", str(out)]) == 0
    before = out.read_bytes()
    timeline, base = load_project(project)

    def fail(done, total):
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        export_timeline(timeline, base, "otio", out, force=True, progress=fail)
    assert out.read_bytes() == before  # the earlier export, as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.otio", "proj"]  # no temp left
    assert main(["export", str(project), "--format", "otio", "--out", str(out)]) == 2  # --force
    assert main(["export", str(project), "--format", "otio", "--out", str(out), "--force"]) == 0
    for c in otio.adapters.read_from_file(str(out)).find_clips():
        assert Path(c.media_reference.target_url.removeprefix("file://")).is_file()


def test_the_temporary_file_of_a_killed_export_is_swept_by_the_next(media):
    import sys

    gone = processes.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = media / f".cut.otio.{gone.stdout.strip()}-x1y2.tmp"  # a killed writer's, half done
    stale.write_text("{")
    out = export_timeline(cut(Fraction(25)), media, "otio", media / "cut.otio")
    assert not stale.exists() and otio_file.read(out).missing == []


FULL_DISK_EXPORT = """
import resource, signal, sys
from fractions import Fraction
from pathlib import Path
sys.path[:0] = [sys.argv[2], str(Path(sys.argv[2]).parent / "bench")]  # the tests, testkit
from test_otio_file import cut
from engine.export.run import export_timeline
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))  # as if the disk filled after 64 bytes
media = Path(sys.argv[1])
try:
    export_timeline(cut(Fraction(25)), media, "otio", media / "cut.otio", force=True)
except OSError as e:
    print(e)
"""


def test_a_full_disk_is_a_message_and_keeps_the_earlier_export(media, tmp_path):
    """otio's own write_to_file leaves an empty file and no error on a full disk; renamed over
    the earlier export, that lost it while the export said it succeeded."""
    import sys

    out = export_timeline(cut(Fraction(25)), media, "otio", media / "cut.otio")
    before = out.read_bytes()
    said = processes.run(
        [sys.executable, "-c", FULL_DISK_EXPORT, str(media), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert said.startswith(f"not enough space in {media} for cut.otio")
    assert out.read_bytes() == before
    assert not [p.name for p in media.iterdir() if p.name.startswith(".")]


def _otio_text(clip_meta=None, rate=25.0, duration=10.0, seq_meta=None, url="a.mov", n=1):
    """An OTIO JSON timeline of `n` clips of `url`, with the given values written in."""
    import json

    clip = {
        "OTIO_SCHEMA": "Clip.2",
        "name": "c",
        "metadata": {"lumiere": clip_meta} if clip_meta else {},
        "source_range": {
            "OTIO_SCHEMA": "TimeRange.1",
            "start_time": {"OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": 0.0},
            "duration": {"OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": duration},
        },
        "media_references": {
            "DEFAULT_MEDIA": {"OTIO_SCHEMA": "ExternalReference.1", "target_url": url}
        },
        "active_media_reference_key": "DEFAULT_MEDIA",
    }
    track = {"OTIO_SCHEMA": "Track.1", "name": "V1", "kind": "Video", "children": [clip] * n}
    stack = {"OTIO_SCHEMA": "Stack.1", "children": [track]}
    doc = {"OTIO_SCHEMA": "Timeline.1", "metadata": {"lumiere": seq_meta or {}}, "tracks": stack}
    return json.dumps(doc, allow_nan=True)


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    "values",
    [
        {"rate": 0.0},
        {"rate": -25.0},
        {"rate": 1e-300},
        {"rate": NAN},
        {"duration": NAN},
        {"duration": INF},
        {"duration": 1e15},
        {"seq_meta": {"width": "1e3", "height": 100}},
        {"seq_meta": {"width": 10**9, "height": 10**9}},
        {"seq_meta": {"rate": "1/0"}},
        {"seq_meta": {"rate": "0"}},
        {"clip_meta": {"scale": NAN}},
        {"clip_meta": {"scale": 0}},
        {"clip_meta": {"scale": 1e6}},
        {"clip_meta": {"x": INF}},
        {"clip_meta": {"source_offset": -5}},
    ],
    ids=repr,
)
def test_a_timeline_file_with_unusable_values_is_refused_by_name(media, values):
    """Issue 29 #8/#11: each of these raised RateError, OverflowError or ValueError in the app,
    or opened and was then saved as a project that could not be opened again."""
    path = media / "bad.otio"
    path.write_text(_otio_text(**values))
    with pytest.raises(otio_file.InterchangeError) as e:
        otio_file.read(path)
    assert str(e.value).startswith("bad.otio")
    assert "integer ratio" not in str(e.value) and "invalid literal" not in str(e.value)


def test_what_a_timeline_file_opens_as_is_a_project_that_saves_and_opens(media):
    from engine.project_schema import validate_timeline

    path = media / "ok.otio"
    path.write_text(_otio_text(clip_meta={"scale": 2.5, "x": -40.0}, n=3))
    read = otio_file.read(path)
    assert [c.start for c in read.timeline.tracks[0].clips] == [0, 10, 20]
    validate_timeline(read.timeline.to_dict())  # raises if a saved project would not reopen


def test_a_path_no_system_can_look_up_is_missing_not_an_error(media):
    path = media / "long.otio"
    path.write_text(_otio_text(url="x" * 5000 + ".mov"))
    read = otio_file.read(path)
    assert read.timeline.tracks[0].clips == [] and len(read.missing) == 1
    assert len(read.missing[0]) < 300  # the message names it, shortened


def test_an_edl_with_an_endless_line_is_refused_before_the_adapter(tmp_path):
    edl = tmp_path / "long.edl"
    event = "001  AX       V     C        00:00:00:00 00:00:01:00 00:00:00:00 00:00:01:00\n"
    edl.write_text(
        "TITLE: x\nFCM: NON-DROP FRAME\n\n" + event + "* FROM CLIP NAME: " + "a" * 100_000
    )
    with pytest.raises(otio_file.InterchangeError, match="line 5 is 100018 characters"):
        otio_file.read(edl)
    edl.write_text("TITLE: x @ 1/0 fps\nFCM: NON-DROP FRAME\n\n" + event)
    with pytest.raises(otio_file.InterchangeError, match="not a frame rate"):
        otio_file.read(edl)


def test_a_nested_stack_is_named_as_left_out_not_dropped_silently(media):
    clip = otio.schema.Clip(
        name="inner",
        media_reference=otio.schema.ExternalReference(target_url=str(media / "a.mov")),
        source_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(0, 25), otio.opentime.RationalTime(10, 25)
        ),
    )
    inner = otio.schema.Stack(name="compound", children=[otio.schema.Track(children=[clip])])
    tl = otio.schema.Timeline(tracks=[otio.schema.Track(name="V1", children=[inner])])
    path = media / "nested.otio"
    otio.adapters.write_to_file(tl, str(path))
    read = otio_file.read(path)
    assert read.left_out and "compound" in read.left_out[0]
    out = media / "n.mp4"
    assert main(["export", str(path), "--format", "h264", "--out", str(out)]) == 2
    assert not out.exists()


def _nested_stack_file(media: Path) -> Path:
    """A timeline whose only track holds a nested sequence (a Stack) with one clip in it."""
    rate = 8.0
    clip = otio.schema.Clip(
        name="g",
        media_reference=otio.schema.ExternalReference(target_url=(media / "g.mp4").as_uri()),
        source_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(8, rate)
        ),
    )
    inner = otio.schema.Stack(name="nested seq", children=[otio.schema.Track(children=[clip])])
    tl = otio.schema.Timeline(name="cut", tracks=otio.schema.Stack(children=[]))
    tl.tracks.append(otio.schema.Track(name="V1", children=[inner]))
    path = media / "nested.otio"
    otio.adapters.write_to_file(tl, str(path))
    return path


def test_a_nested_sequence_is_named_as_left_out_not_dropped_silently(media, capsys):
    read = otio_file.read(_nested_stack_file(media))
    assert any("nested seq" in note and "1 clip" in note for note in read.left_out), read.left_out
    out = media / "render.mp4"
    assert main(["export", str(media / "nested.otio"), "--format", "h264", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "nested seq" in err and "left out" in err
