"""The transport alone, over fake playheads and a fake clock: exact-rate playback, J/K/L speeds,
stopping at either end, steps, and which playhead the mode moves."""

from __future__ import annotations

from fractions import Fraction

import pytest

from lumiere_studio.controllers.transport import MAX_SPEED, Transport


class FakePlayhead:
    def __init__(self, rate: Fraction, end: int, position: int = 0) -> None:
        self._rate, self._end, self.frame = rate, end, position
        self.played: list[tuple[int, bool]] = []
        self.seeks: list[int] = []

    def position(self) -> int:
        return self.frame

    def rate(self) -> Fraction:
        return self._rate

    def end(self) -> int:
        return self._end

    def play_to(self, frame: int, forward: bool) -> None:
        self.played.append((frame, forward))
        self.frame = frame

    def seek(self, frame: int) -> None:
        self.seeks.append(frame)
        self.frame = max(0, min(frame, self._end - 1))


@pytest.fixture
def parts(qapp):
    source = FakePlayhead(Fraction(24), 100)
    timeline = FakePlayhead(Fraction(30000, 1001), 10**6)
    transport = Transport(source, timeline)
    now = [50.0]
    transport.clock = lambda: now[0]
    yield transport, source, timeline, now
    transport.pause()


def test_playback_counts_whole_frames_of_the_exact_rate(parts):
    transport, source, timeline, now = parts
    transport.mode = "timeline"
    transport.shuttle(1, reset=True)
    assert transport.playing and transport.timer.interval() == 16  # twice a 29.97 fps frame
    now[0] += 1.0
    transport.tick()
    assert timeline.frame == 29  # 1 s of 29.97 fps
    transport.tick()  # no time passed: nothing moves
    assert len(timeline.played) == 1
    now[0] += 599.0
    transport.tick()
    assert timeline.frame == 17982 and timeline.played[-1] == (17982, True)
    assert source.played == []  # the other playhead never moves


def test_same_key_doubles_up_to_the_limit_and_the_other_key_starts_over(parts):
    transport, source, _timeline, now = parts
    source.frame = 50
    speeds = []
    for _ in range(6):
        transport.shuttle(1)
        speeds.append(transport.speed)
    assert speeds == [1, 2, 4, MAX_SPEED, MAX_SPEED, MAX_SPEED]
    transport.shuttle(-1)
    assert (transport.direction, transport.speed) == (-1, 1)
    transport.shuttle(-1)
    now[0] += 0.5  # 12 frames at 24 fps, backwards at double speed
    transport.tick()
    assert source.frame == 50 - 24 and source.played[-1] == (26, False)


def test_playback_stops_at_either_end_and_says_so(parts):
    transport, source, _timeline, now = parts
    stops: list[bool] = []
    transport.stopped.connect(lambda: stops.append(True))
    source.frame = 95
    transport.toggle_play()
    now[0] += 0.25  # 6 frames: past the last (99)
    transport.tick()
    assert not transport.playing and source.frame == 95 and stops == [True]
    transport.shuttle(-1)
    now[0] += 10.0
    transport.tick()
    assert not transport.playing and source.frame == 95 and stops == [True, True]
    transport.pause()  # not playing: nothing to stop, no signal
    assert stops == [True, True]


def test_toggle_play_pauses_and_restarts_at_normal_speed(parts):
    transport, _source, _timeline, _now = parts
    transport.shuttle(1)
    transport.shuttle(1)
    assert transport.speed == 2
    transport.toggle_play()
    assert not transport.playing and transport.direction == 0
    transport.toggle_play()
    assert transport.playing and (transport.direction, transport.speed) == (1, 1)


def test_step_and_go_to_pause_and_move_the_current_playhead(parts):
    transport, source, timeline, _now = parts
    source.frame = 10
    transport.toggle_play()
    transport.step(-1)
    assert not transport.playing and source.seeks == [9]
    transport.mode = "timeline"
    timeline.frame = 40
    transport.step(5)
    transport.go_to(0)
    assert timeline.seeks == [45, 0] and source.seeks == [9]
    assert transport.position() == 0
