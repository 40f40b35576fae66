"""Playback: play state, J/K/L shuttle speed and the playhead of what the viewer follows (a
source from the bin, or the sequence on the timeline). No widgets: each of the two playheads is
reached through the small `Playhead` interface, so the clock arithmetic is testable alone."""

from __future__ import annotations

import time
from collections.abc import Callable
from fractions import Fraction
from typing import Literal, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

Mode = Literal["source", "timeline"]
MAX_SPEED = 8  # J/L pressed again doubles the speed, up to this


class Playhead(Protocol):
    """One thing the transport moves: a source's frame, or the sequence's playhead."""

    def position(self) -> int: ...

    def rate(self) -> Fraction: ...

    def end(self) -> int:
        """Playback stops before this frame."""
        ...

    def play_to(self, frame: int, forward: bool) -> None:
        """Show `frame` while playing (a proxy frame is enough)."""
        ...

    def seek(self, frame: int) -> None:
        """Show `frame` at rest (a step, Home/End); the playhead clamps it to its range."""
        ...


class Transport(QObject):
    stopped = Signal()  # playback stopped: the frame at rest may be shown in full resolution

    def __init__(self, source: Playhead, timeline: Playhead, parent: QObject | None = None):
        super().__init__(parent)
        self.playheads: dict[Mode, Playhead] = {"source": source, "timeline": timeline}
        self.mode: Mode = "source"  # the viewer follows the bin ("source") or the timeline
        self.clock: Callable[[], float] = time.monotonic  # a test may give another clock
        self.direction = 0
        self.speed = 1
        self._origin = (0, 0.0)  # (frame, clock) where playback started
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.tick)

    @property
    def current(self) -> Playhead:
        return self.playheads[self.mode]

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def position(self) -> int:
        return self.current.position()

    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.shuttle(1, reset=True)

    def shuttle(self, direction: int, reset: bool = False) -> None:
        """J/L: play backwards/forwards; pressing the same key again doubles the speed."""
        if reset or direction != self.direction or not self.playing:
            self.speed = 1
        else:
            self.speed = min(MAX_SPEED, self.speed * 2)
        self.direction = direction
        # Playback follows the clock, not the timer's whole milliseconds (33 ms a frame would
        # play 29.97 fps 1 % fast): the timer only wakes twice a frame to look.
        self._origin = (self.position(), self.clock())
        self.timer.start(max(1, int(500 / float(self.current.rate()))))

    def pause(self) -> None:
        was_playing = self.playing
        self.timer.stop()
        self.direction = 0
        if was_playing:
            self.stopped.emit()

    def tick(self) -> None:
        origin, started = self._origin
        head = self.current
        frames = int((self.clock() - started) * head.rate())  # whole frames since play began
        target = origin + self.direction * self.speed * frames
        delta = target - head.position()
        if delta == 0:
            return
        nxt = head.position() + delta
        if nxt < 0 or nxt >= head.end():
            self.pause()
            return
        head.play_to(nxt, forward=delta > 0)

    def step(self, delta: int) -> None:
        self.pause()
        self.go_to(self.position() + delta)

    def go_to(self, frame: int) -> None:
        self.current.seek(frame)
