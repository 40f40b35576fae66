"""The pure-data timeline shared by the app and export: rational time, clips mapped to their
own source rate, the schema-1 migration and retiming."""

from fractions import Fraction

import pytest

from engine.timeline import Timeline, TimelineClip, Track, clip_at, migrate_v1, retime, video_tracks

NTSC = Fraction(30000, 1001)


def test_round_trip_and_duration():
    tl = Timeline(
        rate=Fraction(24000, 1001),
        width=128,
        height=128,
        tracks=[
            Track(
                "V1",
                [
                    TimelineClip("media/a.mp4", 10, 30, 0, "24000/1001", name="a"),
                    TimelineClip("gen/b.mp4", 0, 16, 30, "8", generated=True, job={"seed": 3}),
                ],
            ),
            Track("V2", [TimelineClip("c.png", 0, 24, 5, fit="fill", scale=0.5, x=3.0)]),
        ],
    )
    assert tl.duration == 46
    data = tl.to_dict()
    assert data["rate"] == "24000/1001"
    back = Timeline.from_dict(data)
    assert back == tl and back.rate == Fraction(24000, 1001)


def test_malformed_timeline_is_a_value_error():
    with pytest.raises(ValueError, match="malformed"):
        Timeline.from_dict({"rate": "25", "tracks": [{"clips": [{"media": "x"}]}]})


def test_a_rate_written_as_a_decimal_is_the_exact_ntsc_rate():
    assert Timeline(rate=29.97).rate == NTSC
    assert Timeline.from_dict({"rate": "59.94", "tracks": []}).rate == Fraction(60000, 1001)


def test_no_drift_after_an_hour_of_2997_on_25():
    clip = TimelineClip("a.mov", 0, 25 * 3600 + 1, 0, "30000/1001")
    seq = Fraction(25)
    hour = 25 * 3600
    # one hour of sequence time shows the source frame one hour in, at 29.97
    assert clip.source_frame(hour, seq) == round(3600 * 30000 / 1001)
    for f in (1, 977, 25 * 61, hour // 2, hour - 1, hour):
        t_seq = Fraction(f, 25)
        t_src = Fraction(clip.source_frame(f, seq)) / NTSC
        assert abs(t_src - t_seq) <= Fraction(1, 2) / NTSC  # within half a source frame


def test_a_clip_lasts_its_real_duration_on_any_sequence():
    tl = Timeline(rate=25)
    assert tl.frames_for(16, Fraction(8)) == 50  # 2.0 s of 8 fps is 50 frames at 25
    assert tl.frames_for(30, NTSC) == 25  # ~1.001 s of 29.97 is 25 frames
    assert tl.frames_for(7, None) == 7  # a still keeps what it is given


def test_a_still_shows_its_one_picture_for_any_length():
    still = TimelineClip("a.png", 0, 500, 10)
    assert still.is_still and still.source_frame(400, Fraction(25)) == 0
    assert still.source_out(Fraction(25)) == 1


def test_schema_1_keeps_the_source_frames_and_lets_them_last_their_time():
    old = {
        "fps": 25.0,
        "width": 64,
        "height": 64,
        "tracks": [
            {
                "name": "V1",
                "clips": [
                    {"media": "gen.mp4", "source_in": 0, "source_out": 16, "start": 0},  # 8 fps
                    {
                        "media": "real.mov",
                        "source_in": 10,
                        "source_out": 40,
                        "start": 16,
                    },  # 29.97, abuts
                    {
                        "media": "still.png",
                        "source_in": 0,
                        "source_out": 25,
                        "start": 50,
                    },  # after a gap
                ],
            }
        ],
    }
    rates = {"gen.mp4": Fraction(8), "real.mov": NTSC, "still.png": None}
    tl = Timeline.from_dict(migrate_v1(old, rates.get))
    gen, real, still = tl.tracks[0].clips
    assert (gen.start, gen.duration, gen.rate) == (0, 50, "8")
    assert (real.start, real.source_in, real.duration) == (50, 10, 25)  # still abuts gen
    assert real.source_out(tl.rate) == 40
    assert (still.start, still.duration, still.is_still) == (50 + 25 + 4, 25, True)  # gap kept
    with pytest.raises(ValueError, match="migrate"):
        Timeline.from_dict(old)


def test_retime_keeps_clips_in_place_in_seconds():
    tl = Timeline(rate=25, tracks=[Track(clips=[TimelineClip("a.mov", 0, 50, 100, "25")])])
    assert retime(tl, NTSC, [25, None]) == [30, None]
    clip = tl.tracks[0].clips[0]
    assert tl.rate == NTSC and (clip.start, clip.duration) == (120, 60)


def test_clip_at_is_the_top_video_tracks_clip_and_none_in_a_gap():
    low = TimelineClip("low.mp4", 0, 20, 0, "24")
    high = TimelineClip("high.mp4", 0, 5, 10, "24")
    sound = TimelineClip("talk.wav", 0, 40, 0, "48000")
    tl = Timeline(tracks=[Track("V1", [low]), Track("V2", [high]), Track("A1", [sound], "audio")])
    assert video_tracks(tl) == tl.tracks[:2]
    assert clip_at(tl, 0) is low and clip_at(tl, 9) is low
    assert clip_at(tl, 10) is high and clip_at(tl, 14) is high  # later tracks sit on top
    assert clip_at(tl, 15) is low and clip_at(tl, 19) is low
    assert clip_at(tl, 20) is None  # only sound there: no picture
