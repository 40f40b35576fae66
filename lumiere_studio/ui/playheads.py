"""The transport's two playheads, bound to their widgets: the viewer's source frame and the
timeline's playhead over the sequence."""

from __future__ import annotations

from fractions import Fraction

from engine.api import exact_rate
from lumiere_studio.model.document import Document
from lumiere_studio.ui.timeline_view import TimelineView
from lumiere_studio.ui.viewer import Viewer

READ_AHEAD = 8  # frames the decoder reads ahead while playing forwards


class SourcePlayhead:
    """The frame of the source the viewer shows on its own (the bin's selection)."""

    def __init__(self, viewer: Viewer) -> None:
        self.viewer = viewer

    def position(self) -> int:
        return self.viewer.frame

    def rate(self) -> Fraction:
        return exact_rate(self.viewer.fps or 24)

    def end(self) -> int:
        return self.viewer.frame_count

    def play_to(self, frame: int, forward: bool) -> None:
        self.viewer.seek(frame, read_ahead=READ_AHEAD if forward else 0, refine=False)

    def seek(self, frame: int) -> None:
        self.viewer.seek(frame)


class SequencePlayhead:
    """The timeline's playhead; playback stops at the out point (else the sequence's end)."""

    def __init__(self, doc: Document, timeline: TimelineView) -> None:
        self.doc, self.timeline = doc, timeline

    def position(self) -> int:
        return self.timeline.playhead

    def rate(self) -> Fraction:
        return self.doc.project.timeline.rate

    def end(self) -> int:
        return self.doc.project.out_point or self.doc.project.timeline.duration

    def play_to(self, frame: int, forward: bool) -> None:
        self.timeline.set_playhead(frame)

    def seek(self, frame: int) -> None:
        last = max(0, self.doc.project.timeline.duration - 1)
        self.timeline.set_playhead(min(frame, last))
