"""The pure-data timeline shared by the app and export."""

import pytest

from engine.timeline import Timeline, TimelineClip, Track


def test_round_trip_and_duration():
    tl = Timeline(fps=23.976, width=128, height=128, tracks=[
        Track("V1", [TimelineClip("media/a.mp4", 10, 40, 0, name="a"),
                     TimelineClip("gen/b.mp4", 0, 16, 30, generated=True, job={"seed": 3})]),
        Track("V2", [TimelineClip("c.png", 0, 24, 5)]),
    ])  # fmt: skip
    assert tl.duration == 46
    back = Timeline.from_dict(tl.to_dict())
    assert back == tl


def test_malformed_timeline_is_a_value_error():
    with pytest.raises(ValueError, match="malformed"):
        Timeline.from_dict({"tracks": [{"clips": [{"media": "x"}]}]})
