"""Undo/redo of every edit kind, through the Document's QUndoStack."""

from __future__ import annotations

import pytest
from testkit.media import make_clip

from engine.media.probe import probe
from lumiere_studio.model.document import Document
from lumiere_studio.model.generations import GenerationRecord
from lumiere_studio.model.masks import Patch
from lumiere_studio.model.project import MediaItem


@pytest.fixture
def doc(qtbot, tmp_path):
    d = Document()
    d.import_media([probe(make_clip(tmp_path / "a.mp4", frames=20))])
    d.add_to_timeline(d.project.media[0].id)
    return d


def _clip(doc):
    return doc.project.timeline.tracks[0].clips[0]


def _check_undo_redo(doc, action):
    before = doc.project.state()
    action()
    after = doc.project.state()
    assert after != before
    doc.undo_stack.undo()
    assert doc.project.state() == before
    doc.undo_stack.redo()
    assert doc.project.state() == after


def test_import_and_add_are_undoable(doc):
    doc.undo_stack.undo()
    assert doc.project.timeline.tracks[0].clips == []
    doc.undo_stack.undo()
    assert doc.project.media == []
    doc.undo_stack.redo()
    doc.undo_stack.redo()
    assert len(doc.project.media) == 1 and len(doc.project.timeline.tracks[0].clips) == 1


def test_move_trim_split_delete_inout_remove(doc):
    cid = _clip(doc).id
    _check_undo_redo(doc, lambda: doc.move_clip(cid, 7))
    assert _clip(doc).start == 7
    _check_undo_redo(doc, lambda: doc.trim_clip(cid, 10, 12))  # head trimmed by 3 frames
    rate = doc.project.timeline.rate
    assert (_clip(doc).source_in, _clip(doc).source_out(rate), _clip(doc).start) == (3, 15, 10)
    _check_undo_redo(doc, lambda: doc.split_clip(cid, 14))
    left, right = doc.project.timeline.tracks[0].clips
    assert (left.source_out(rate), right.source_in, right.start) == (7, 7, 14)
    _check_undo_redo(doc, lambda: doc.delete_clip(right.id))
    _check_undo_redo(doc, lambda: doc.set_in_out(in_point=2))
    _check_undo_redo(doc, lambda: doc.set_in_out(out_point=9))
    assert (doc.project.in_point, doc.project.out_point) == (2, 9)
    _check_undo_redo(doc, lambda: doc.move_clip(cid, 0, track_index=1))
    assert len(doc.project.timeline.tracks) == 2
    _check_undo_redo(doc, lambda: doc.remove_media(doc.project.media[0].id))
    assert doc.project.media == []


def test_trim_is_clamped_to_the_media(doc):
    cid = _clip(doc).id
    doc.trim_clip(cid, -5, 999)
    rate = doc.project.timeline.rate
    assert (_clip(doc).source_in, _clip(doc).source_out(rate), _clip(doc).start) == (0, 20, 0)


def test_add_generated_and_mask_edits(doc, tmp_path):
    info = probe(make_clip(tmp_path / "g.mp4", frames=8))
    item = MediaItem(str(tmp_path / "g.mp4"), info.to_dict(), name="g.mp4", generated=True)
    record = GenerationRecord({"task": "t2v", "prompt": "x"})
    _check_undo_redo(doc, lambda: doc.add_generated(item, record))
    assert doc.project.history_jobs()[-1]["prompt"] == "x"
    gen_clip = doc.project.timeline.tracks[0].clips[-1]
    assert gen_clip.generated and gen_clip.start == 20

    mid = doc.project.media[0].id
    _check_undo_redo(doc, lambda: doc.set_mask_from_frame(mid, 5))
    mask = doc.project.mask_for(mid)
    for op, value in (("fill", 255), ("invert", 0), ("fill", 255), ("clear", 0)):
        prev = mask.pixels.copy()
        doc.mask_operation(mid, op)
        assert (mask.pixels == value).all()
        doc.undo_stack.undo()
        assert (mask.pixels == prev).all()
        doc.undo_stack.redo()
        assert (mask.pixels == value).all()
    # a live brush stroke, recorded after the fact
    rect = mask.stroke_rect([(10, 10), (30, 10)], 4)
    before = mask.copy_rect(rect)
    mask.stroke([(10, 10), (30, 10)], 4, 1.0, erase=False)
    doc.commit_mask_patch(mid, "Brush", Patch(rect, before, mask.copy_rect(rect)))
    assert mask.pixels[10, 20] == 255
    doc.undo_stack.undo()
    assert mask.pixels.max() == 0
    doc.undo_stack.redo()
    assert mask.pixels[10, 20] == 255


def test_clip_geometry_is_undoable_and_checked(doc):
    cid = _clip(doc).id
    _check_undo_redo(doc, lambda: doc.set_clip_geometry(cid, fit="fill", scale=1.5, x=4, y=-2))
    assert (_clip(doc).fit, _clip(doc).scale, _clip(doc).x, _clip(doc).y) == ("fill", 1.5, 4, -2)
    with pytest.raises(ValueError, match="fit must be"):
        doc.set_clip_geometry(cid, fit="zoom")
