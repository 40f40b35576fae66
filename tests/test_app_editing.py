"""The editing controller without widgets: edits that act on the bin's and the timeline's
selection and on the transport's position."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import pytest
from testkit.media import make_clip

from engine.media.probe import probe
from lumiere_studio.controllers.editing import EditController
from lumiere_studio.controllers.transport import Transport
from lumiere_studio.model.document import Document


class Head:
    def __init__(self) -> None:
        self.frame = 0

    def position(self) -> int:
        return self.frame

    def rate(self) -> Fraction:
        return Fraction(24)

    def end(self) -> int:
        return 100

    def play_to(self, frame: int, forward: bool) -> None:
        self.frame = frame

    def seek(self, frame: int) -> None:
        self.frame = frame


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("edit") / "c.mp4", frames=24, size=(64, 48))


@pytest.fixture
def parts(qapp, clip):
    doc = Document()
    (item,) = doc.import_media([probe(clip)])
    timeline = SimpleNamespace(selected_clip=None, playhead=0)
    media = SimpleNamespace(current_media_id=lambda: None)
    source, sequence = Head(), Head()
    transport = Transport(source, sequence)
    return EditController(doc, transport, timeline, media), doc, item.id, timeline, media, sequence


def test_the_selected_media_goes_to_the_end_of_the_timeline(parts):
    ed, doc, mid, _timeline, media, _head = parts
    ed.add_selected_to_timeline()  # nothing selected: nothing happens
    assert doc.project.timeline.duration == 0
    media.current_media_id = lambda: mid
    ed.add_selected_to_timeline()
    ed.add_selected_to_timeline()
    starts = [c.start for c in doc.project.timeline.tracks[0].clips]
    assert starts == [0, 24]


def test_split_cuts_the_selected_clip_else_the_first_under_the_playhead(parts):
    ed, doc, mid, timeline, _media, _head = parts
    first = doc.add_to_timeline(mid)
    above = doc.add_to_timeline(mid, start=0, track=1)
    timeline.playhead = 10
    timeline.selected_clip = above
    ed.split_at_playhead()
    assert [c.duration for c in doc.project.timeline.tracks[1].clips] == [10, 14]
    assert [c.duration for c in doc.project.timeline.tracks[0].clips] == [24]
    timeline.selected_clip = None
    ed.split_at_playhead()
    assert [c.duration for c in doc.project.timeline.tracks[0].clips] == [10, 14]
    assert doc.project.timeline.tracks[0].clips[0].id == first
    timeline.playhead = 0  # on a cut, not inside a clip: no split
    ed.split_at_playhead()
    assert len(doc.project.timeline.tracks[0].clips) == 2


def test_fit_and_delete_act_on_the_selected_clip_only(parts):
    ed, doc, mid, timeline, _media, _head = parts
    cid = doc.add_to_timeline(mid)
    ed.set_selected_fit("fill")  # nothing selected
    assert doc.find_clip(cid)[1].fit != "fill"
    timeline.selected_clip = cid
    ed.set_selected_fit("fill")
    assert doc.find_clip(cid)[1].fit == "fill"
    ed.delete_selected_clip()
    assert doc.find_clip(cid) is None and timeline.selected_clip is None


def test_in_and_out_points_are_at_the_transports_position(parts):
    ed, doc, _mid, _timeline, _media, head = parts
    ed.transport.mode = "timeline"
    head.frame = 5
    ed.set_in()
    head.frame = 9
    ed.set_out()
    assert (doc.project.in_point, doc.project.out_point) == (5, 10)  # out: after the frame
    ed.clear_in_out()
    assert (doc.project.in_point, doc.project.out_point) == (None, None)
    doc.undo_stack.undo()
    assert doc.project.out_point == 10


def test_remove_takes_the_selected_media_and_its_clips_out_in_one_undo_step(parts, clip):
    ed, doc, mid, timeline, media, _head = parts
    (twin,) = doc.import_media([probe(clip)])  # the same file again: a second bin item
    kept = doc.add_to_timeline(twin.id)
    ed.remove_selected_media()  # nothing selected: nothing happens
    assert len(doc.project.media) == 2
    media.current_media_id = lambda: twin.id
    ed.remove_selected_media()
    assert [m.id for m in doc.project.media] == [mid]
    assert doc.find_clip(kept) is not None  # the file is still in the bin through `mid`
    doc.undo_stack.undo()
    assert [m.id for m in doc.project.media] == [mid, twin.id]
    cid = doc.add_to_timeline(mid)
    timeline.selected_clip = cid
    media.current_media_id = lambda: mid
    doc.remove_media(twin.id)
    ed.remove_selected_media()
    assert doc.project.media == [] and doc.project.timeline.duration == 0
    assert timeline.selected_clip is None  # its clip went with it
    doc.undo_stack.undo()
    assert [m.id for m in doc.project.media] == [mid] and doc.find_clip(cid) is not None
