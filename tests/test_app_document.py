"""Document: clips placed by time (their real duration at the sequence rate), stills at the
default still length, and which clip may decide the sequence's size and rate."""

from __future__ import annotations

from fractions import Fraction

import pytest
from testkit.media import make_clip

from engine.media.probe import probe
from lumiere_studio.model.document import Document
from lumiere_studio.model.generations import GenerationRecord
from lumiere_studio.model.project import MediaItem


def _import(doc, path, generated=False):
    item = MediaItem(str(path), probe(path).to_dict(), name=path.name, generated=generated)
    doc.edit("import", lambda p: p.media.append(item))
    return item


def test_a_generated_clip_placed_first_decides_nothing_and_lasts_its_time(qtbot, tmp_path):
    doc = Document()
    gen = _import(doc, make_clip(tmp_path / "g.mp4", frames=16, size=(32, 32), fps=8), True)
    doc.add_to_timeline(gen.id)
    tl = doc.project.timeline
    assert (tl.width, tl.height, tl.rate, tl.settled) == (1920, 1080, 24, False)
    assert tl.tracks[0].clips[0].duration == 48  # 2 s at 24
    real = _import(doc, make_clip(tmp_path / "r.mp4", frames=25, size=(64, 48), fps=25))
    doc.add_to_timeline(real.id)
    tl = doc.project.timeline  # each edit is a new snapshot
    assert (tl.width, tl.height, tl.rate, tl.settled) == (64, 48, 25, True)
    gen_clip, real_clip = tl.tracks[0].clips
    assert (gen_clip.duration, real_clip.start, real_clip.duration) == (50, 48, 25)
    doc.undo_stack.undo()
    assert (doc.project.timeline.rate, doc.project.timeline.settled) == (24, False)


def test_a_still_gets_the_default_length_and_trims_to_any(qtbot, tmp_path):
    from PIL import Image

    Image.new("RGB", (40, 30), "red").save(tmp_path / "s.png")
    doc = Document()
    doc.still_seconds = 5
    doc.project.timeline.rate = Fraction(30000, 1001)
    doc.project.timeline.settled = True
    still = _import(doc, tmp_path / "s.png")
    cid = doc.add_to_timeline(still.id)
    clip = doc.find_clip(cid)[1]
    assert clip.is_still and clip.duration == 150  # 5 s at 29.97
    doc.trim_clip(cid, 0, 100000)
    assert doc.find_clip(cid)[1].duration == 100000


def test_sequence_settings_are_one_undoable_step_that_keeps_clips_in_time(qtbot, tmp_path):
    doc = Document()
    real = _import(doc, make_clip(tmp_path / "r.mp4", frames=25, size=(64, 48), fps=25))
    cid = doc.add_to_timeline(real.id, start=50)
    doc.set_in_out(in_point=25)
    before = doc.project.state()
    doc.set_sequence(1080, 1920, Fraction(30000, 1001), "#102030")
    tl = doc.project.timeline
    assert (tl.width, tl.height, tl.rate, tl.background) == (
        1080,
        1920,
        Fraction(30000, 1001),
        "#102030",
    )
    clip = doc.find_clip(cid)[1]
    assert (clip.start, clip.duration, doc.project.in_point) == (60, 30, 30)  # same seconds
    doc.undo_stack.undo()
    assert doc.project.state() == before
    with pytest.raises(ValueError, match="frame size"):
        doc.set_sequence(8, 8, Fraction(25), "#000000")


def test_a_result_is_placed_over_the_source_range_it_replaces(qtbot, tmp_path):
    doc = Document()
    real = _import(doc, make_clip(tmp_path / "r.mp4", frames=50, size=(64, 48), fps=25))
    doc.add_to_timeline(real.id, start=10)
    origin = {"media": real.path, "frame": 20}
    job = {"task": "inpaint", "video": real.path, "video_start_frame": 20}

    def generated(name):
        path = make_clip(tmp_path / name, frames=16, size=(32, 32), fps=8)
        return MediaItem(str(path), probe(path).to_dict(), name=name, generated=True)

    def record():
        return GenerationRecord(dict(job), origin=dict(origin))

    at_end = doc.add_generated(generated("a.mp4"), record(), over=False)
    assert (at_end.start, at_end.source_offset) == (60, 20)
    assert doc.find_clip(at_end.id)[0] is doc.project.timeline.tracks[0]
    over = doc.add_generated(generated("b.mp4"), record(), over=True)
    assert (over.start, over.duration, over.edited_real) == (30, 50, True)
    assert doc.find_clip(over.id)[0] is doc.project.timeline.tracks[1]
    again = doc.add_generated(generated("c.mp4"), record(), over=True)
    assert doc.find_clip(again.id)[0] is doc.project.timeline.tracks[2]  # V2 was taken
    doc.undo_stack.undo()
    assert len(doc.project.timeline.tracks) == 2


def test_a_freeze_stroke_is_thinned_kept_and_removed_by_its_painted_area(still_document):
    doc, media_id = still_document
    points = [(float(x) / 4, 10.0) for x in range(0, 81)]  # 0..20 px every 0.25 px
    doc.add_freeze(media_id, 4.0, points)
    stroke = doc.project.mask_meta[media_id].freeze[0]
    assert stroke[0] == 4.0 and stroke[1:3] == [0.0, 10.0] and stroke[-2:] == [20.0, 10.0]
    assert len(stroke) == 1 + 2 * 21  # one point a radius / 4 = 1 px
    doc.add_freeze(media_id, 4.0, [])  # nothing painted: nothing stored
    assert len(doc.project.mask_meta[media_id].freeze) == 1
    assert not doc.remove_motion_near(media_id, 10, 20, 4.0)  # 10 px off: 6 past the brush
    assert doc.remove_motion_near(media_id, 10, 17, 4.0)  # 3 px past the brush's edge
    assert doc.project.mask_meta[media_id].freeze == []
    doc.undo_stack.undo()
    doc.clear_motion(media_id)
    assert doc.project.mask_meta[media_id].freeze == []
    doc.undo_stack.undo()
    assert doc.project.mask_meta[media_id].freeze == [stroke]


def test_motion_hints_are_undo_steps_and_removal_finds_the_nearest(still_document):
    doc, media_id = still_document
    doc.add_arrow(media_id, 0, 10, 20, 10)
    doc.add_arrow(media_id, 0, 20, 20, 20)
    doc.set_mask_from_frame(media_id, 4)  # keeps the arrows
    meta = doc.project.mask_meta[media_id]
    assert meta.from_frame == 4 and len(meta.arrows) == 2
    assert not doc.remove_motion_near(media_id, 10, 15.5, 4.0)  # too far from both shafts
    assert doc.remove_motion_near(media_id, 12, 17, 4.0)  # mid-shaft, 3 px from the second
    assert doc.project.mask_meta[media_id].arrows == [[0.0, 10.0, 20.0, 10.0]]
    doc.undo_stack.undo()
    assert len(doc.project.mask_meta[media_id].arrows) == 2
    doc.add_pin(media_id, 5, 5)
    assert doc.undo_stack.text(doc.undo_stack.index() - 1) == "Add anchor pin"
    doc.add_pin("no-such-id", 5, 5)  # no such media: nothing stored
    assert "no-such-id" not in doc.project.mask_meta


def test_only_a_task_that_composites_into_footage_marks_its_clip_edited_real(qtbot, tmp_path):
    doc = Document()
    path = make_clip(tmp_path / "g.mp4", frames=8, size=(32, 32), fps=8)
    marks = {}
    for task in ("t2v", "i2v", "cinemagraph", "inpaint", "v2v", "a-task-from-a-newer-version"):
        item = MediaItem(str(path), probe(path).to_dict(), name=task, generated=True)
        marks[task] = doc.add_generated(item, GenerationRecord({"task": task}), over=False)
    edited = {task for task, clip in marks.items() if clip.edited_real}
    assert edited == {"inpaint", "v2v"}
