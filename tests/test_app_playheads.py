"""The transport's two playheads over stand-ins for the viewer and the timeline view: what
each reports and how each moves (proxy frames and read-ahead while playing, clamping at rest)."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

from lumiere_studio.model.document import Document
from lumiere_studio.ui.playheads import READ_AHEAD, SequencePlayhead, SourcePlayhead


class FakeViewer:
    def __init__(self, fps: float, frames: int) -> None:
        self.frame, self.fps, self.frame_count = 0, fps, frames
        self.seeks: list[tuple[int, int, bool]] = []

    def seek(self, frame: int, read_ahead: int = 0, refine: bool = True) -> None:
        self.seeks.append((frame, read_ahead, refine))
        self.frame = frame


def test_source_playhead_reads_ahead_forwards_only_and_refines_at_rest():
    viewer = FakeViewer(29.97, 50)
    head = SourcePlayhead(viewer)
    assert head.rate() == Fraction(30000, 1001) and head.end() == 50
    head.play_to(4, forward=True)
    head.play_to(3, forward=False)
    head.seek(7)
    assert viewer.seeks == [(4, READ_AHEAD, False), (3, 0, False), (7, 0, True)]
    assert head.position() == 7
    viewer.fps = 0  # a still: counted at 24 fps
    assert head.rate() == 24


def test_sequence_playhead_stops_at_the_out_point_and_clamps_seeks(qapp, tmp_path):
    from testkit.media import make_clip

    from engine.media.probe import probe

    doc = Document()
    (item,) = doc.import_media([probe(make_clip(tmp_path / "c.mp4", frames=12))])
    doc.add_to_timeline(item.id)
    moved: list[int] = []
    timeline = SimpleNamespace(playhead=0)
    timeline.set_playhead = lambda f: (moved.append(f), setattr(timeline, "playhead", f))
    head = SequencePlayhead(doc, timeline)
    assert head.end() == 12 and head.rate() == 24
    doc.set_in_out(2, 8)
    assert head.end() == 8
    head.play_to(5, forward=True)
    head.seek(10**9)  # End: the last frame of the sequence, whatever the out point
    head.seek(3)
    assert moved == [5, 11, 3] and head.position() == 3
