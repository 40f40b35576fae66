"""The mask tools panel: which tool the viewer's brush is, its size, hardness and overlay,
the whole-mask operations as undo steps, and the frame the mask applies from."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from lumiere_studio.ui.mask_tools import MaskTools
from lumiere_studio.ui.viewer import Viewer


@pytest.fixture
def tools(qtbot, still_document, fake_frames):
    doc, _ = still_document
    viewer = Viewer(doc, fake_frames)
    panel = MaskTools(viewer, doc)
    qtbot.addWidget(viewer)
    qtbot.addWidget(panel)
    return panel


def test_the_tool_buttons_set_the_brush_and_show_which_is_on(qtbot, tools):
    brush = tools.viewer.brush
    assert not brush.enabled and tools.off.isChecked()
    qtbot.mouseClick(tools.eraser, Qt.MouseButton.LeftButton)
    assert brush.enabled and brush.erase and tools.eraser.isChecked()
    assert tools.viewer.cursor().shape() == Qt.CursorShape.CrossCursor
    tools.set_tool("brush")  # the B shortcut
    assert brush.enabled and not brush.erase and tools.brush.isChecked()
    assert not tools.eraser.isChecked()  # one tool at a time
    qtbot.mouseClick(tools.off, Qt.MouseButton.LeftButton)
    assert not brush.enabled and tools.viewer.cursor().shape() == Qt.CursorShape.ArrowCursor


def test_size_hardness_and_overlay_reach_the_brush(tools):
    brush = tools.viewer.brush
    assert tools.brush_size.value() == int(brush.size)  # starts from the viewer's brush
    tools.brush_size.setValue(120)
    tools.hardness.setValue(25)
    tools.opacity.setValue(80)
    assert (brush.size, brush.hardness, brush.opacity) == (120.0, 0.25, 0.8)
    tools.grow(1.5)  # the ] key
    assert brush.size == 180.0
    tools.grow(1e-6)  # never below one pixel
    assert brush.size == 1.0


def test_fill_invert_clear_act_on_the_shown_media_as_undo_steps(tools, still_document):
    doc, media_id = still_document
    tools.operation("fill")  # nothing shown: nothing to act on
    assert media_id not in doc.project.masks
    tools.viewer.show_media(media_id)
    tools.operation("fill")
    mask = doc.project.mask_for(media_id)
    assert mask.pixels.min() == 255
    tools.operation("invert")
    assert mask.pixels.max() == 0
    doc.undo_stack.undo()
    assert mask.pixels.min() == 255
    tools.operation("clear")
    assert mask.pixels.max() == 0
    assert doc.undo_stack.text(doc.undo_stack.index() - 1) == "Mask clear"


def test_the_mask_applies_from_the_current_frame_and_follows_undo(tools, still_document):
    doc, media_id = still_document
    tools.viewer.show_media(media_id)
    tools.viewer.frame = 4  # as a seek would leave it (a still stays at 0)
    tools.from_here.click()
    assert doc.project.mask_meta[media_id].from_frame == 4
    assert tools.from_frame.value() == 4
    tools.from_frame.setValue(9)
    tools.from_frame.editingFinished.emit()
    assert doc.project.mask_meta[media_id].from_frame == 9
    doc.undo_stack.undo()
    assert doc.project.mask_meta[media_id].from_frame == 4
    assert tools.from_frame.value() == 4  # the panel shows the document, not its last edit


def test_the_box_tool_turns_a_drag_into_a_box_in_source_pixels(qtbot, tools, still_document):
    from PySide6.QtCore import QPoint

    doc, media_id = still_document
    viewer = tools.viewer
    viewer.resize(320, 240)
    viewer.show_media(media_id)
    tools.set_tool("box")
    assert viewer.box_mode and not viewer.brush.enabled and tools.box.isChecked()
    assert viewer.tool_badge().startswith("BOX")
    r = viewer.image_rect()  # the 32x24 still fills 320x240: 10 widget px a source px
    a = QPoint(round(r.x() + 40), round(r.y() + 30))
    b = QPoint(round(r.x() + 200), round(r.y() + 150))
    with qtbot.waitSignal(viewer.box_drawn) as drawn:
        qtbot.mousePress(viewer, Qt.MouseButton.LeftButton, pos=a)
        qtbot.mouseMove(viewer, b)
        qtbot.mouseRelease(viewer, Qt.MouseButton.LeftButton, pos=b)
    assert drawn.args[0] == (4, 3, 16, 12)
    assert media_id not in doc.project.masks  # a box paints nothing itself
    tools.set_tool("off")
    assert not viewer.box_mode


def test_a_grabbed_mask_is_one_undo_step(tools, still_document):
    doc, media_id = still_document
    tools.viewer.show_media(media_id)
    found = np.zeros((24, 32), np.uint8)
    found[5:15, 8:20] = 255
    tools._grabbed(media_id, found)
    mask = doc.project.mask_for(media_id)
    assert np.array_equal(mask.pixels, found) and doc.undo_stack.undoText() == "Click to mask"
    doc.undo_stack.undo()
    assert not mask.pixels.any()


def _tracked_on_frame_0(tools, media_id: str, side: int, keyframe: int) -> np.ndarray:
    """The still shown with a tracked square (side px) on frame 0 and a keyframe elsewhere."""
    from lumiere_studio.services.mask_tracking import TrackedClip

    tools.viewer.show_media(media_id)
    tracked = np.zeros((24, 32), bool)
    tracked[2 : 2 + side, 2 : 2 + side] = True
    tools.tracking.clips[media_id] = TrackedClip((32, 24), {keyframe}, {0: tracked})
    return tracked


def test_the_overlay_shows_a_tracked_mask_and_the_brush_corrects_it(tools, still_document):
    doc, media_id = still_document
    viewer = tools.viewer
    tracked = _tracked_on_frame_0(tools, media_id, 8, 1)
    viewer.on_tracking_changed(media_id)
    shown = viewer.shown_mask()
    assert shown is not None and np.array_equal(shown >= 128, tracked) and viewer._overlay_tracked
    assert viewer.begin_correction()  # what the brush's first press does on such a frame
    assert np.array_equal(doc.project.mask_for(media_id).pixels >= 128, tracked)
    assert tools.tracking.mask_at(media_id, 0) is None and not viewer._overlay_tracked
    assert doc.undo_stack.undoText() == "Correct tracked mask"
    doc.undo_stack.undo()
    assert not doc.project.mask_for(media_id).pixels.any()


def test_tracking_a_still_or_with_no_mask_says_why(tools, still_document):
    doc, media_id = still_document
    tools.viewer.show_media(media_id)
    tools.track("forward")
    assert "still" in tools.track_status.text()


def test_edge_controls_change_what_the_overlay_shows_not_the_painted_mask(tools, still_document):
    doc, media_id = still_document
    tools.viewer.show_media(media_id)
    mask = doc.project.mask_for(media_id)
    mask.pixels[8:16, 10:20] = 255
    tools.grow_px.setValue(2)
    tools._edges_changed()  # as editingFinished does
    assert tools.tracking.edges[media_id] == (2, 0, False)
    shown, raw = tools.viewer.shown_mask(), tools.viewer.raw_mask()
    assert (shown >= 128).sum() > (raw >= 128).sum() == 80
    assert shown[6, 15] == 255 and shown[3, 15] == 0  # 2 px above the top edge, not 5
    tools.invert_mask.setChecked(True)
    assert tools.viewer.shown_mask()[0, 0] == 255 and mask.pixels[0, 0] == 0
    tools.refresh()  # the panel shows the media's own settings
    assert tools.grow_px.value() == 2 and tools.invert_mask.isChecked()


def test_a_tracking_run_is_one_undo_step(qtbot, fake_frames, tmp_path, write_lossless_video):
    from engine.api import probe
    from lumiere_studio.model.document import Document

    frames = np.zeros((6, 24, 32, 3), np.uint8)
    for t in range(6):
        frames[t, 6:14, 4 + 2 * t : 12 + 2 * t] = (200, 60, 60)
    clip = write_lossless_video(tmp_path / "c.mkv", frames)
    doc = Document()
    (item,) = doc.import_media([probe(clip)])
    viewer = Viewer(doc, fake_frames)
    panel = MaskTools(viewer, doc)
    qtbot.addWidget(viewer)
    qtbot.addWidget(panel)
    viewer.show_media(item.id)
    doc.project.mask_for(item.id).pixels[6:14, 4:12] = 255
    with qtbot.waitSignal(panel.tracking.finished, timeout=60000):
        panel.track("forward")
    assert panel.tracking.tracked_frames(item.id) == 5
    assert doc.undo_stack.undoText() == "Tracked 5 frames forward"
    doc.undo_stack.undo()
    assert panel.tracking.tracked_frames(item.id) == 0
    assert panel.tracking.clips[item.id].keyframes == set()
    doc.undo_stack.redo()
    assert panel.tracking.tracked_frames(item.id) == 5
    assert panel.tracking.clips[item.id].keyframes == {0}
    panel.tracking.shutdown()


def test_onion_skin_shows_the_previous_frames_tracked_mask(tools, still_document):
    _doc, media_id = still_document
    viewer = tools.viewer
    _tracked_on_frame_0(tools, media_id, 6, 5)
    viewer.frame = 1
    viewer.on_tracking_changed(media_id)
    assert viewer._onion is None  # off by default
    tools.onion.setChecked(True)
    assert viewer.onion_skin and viewer._onion is not None
    assert (
        viewer._onion.pixelColor(4, 4).alpha() == 255
        and viewer._onion.pixelColor(20, 20).alpha() == 0
    )
    viewer.frame = 0  # no frame before
    viewer.on_tracking_changed(media_id)
    assert viewer._onion is None


def test_shift_and_alt_clicks_add_and_remove_with_the_last_box(qtbot, tools, still_document):
    from PySide6.QtCore import QPoint

    _doc, media_id = still_document
    viewer = tools.viewer
    viewer.resize(320, 240)
    viewer.show_media(media_id)
    tools.set_tool("box")
    calls = []
    tools.tracking.grab = lambda *args: calls.append(args)  # what would run on the worker
    r = viewer.image_rect()
    at = QPoint(round(r.x() + 55), round(r.y() + 45))  # source pixel (5, 4)
    with qtbot.waitSignal(viewer.point_clicked) as clicked:
        qtbot.mouseClick(viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, at)
    assert clicked.args == [5, 4, True]
    assert calls[-1][4:] == (None, [(5, 4)], [])  # no box yet: the click alone
    tools.grab_box((2, 2, 20, 16))
    assert calls[-1][4:] == ((2, 2, 20, 16), [], [])  # a new box forgets the clicks
    qtbot.mouseClick(viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.AltModifier, at)
    assert calls[-1][4:] == ((2, 2, 20, 16), [], [(5, 4)])
    n = len(calls)
    qtbot.mouseClick(viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    assert len(calls) == n  # a plain click is neither


def test_the_arrow_and_pin_tools_and_clear_motion(qtbot, tools, still_document):
    doc, media_id = still_document
    qtbot.mouseClick(tools.arrow, Qt.MouseButton.LeftButton)
    assert tools.viewer.motion_tool == "arrow" and not tools.viewer.brush.enabled
    tools.set_tool("pin")
    assert tools.viewer.motion_tool == "pin" and not tools.arrow.isChecked()
    qtbot.mouseClick(tools.freeze, Qt.MouseButton.LeftButton)
    assert tools.viewer.motion_tool == "freeze" and not tools.viewer.brush.enabled
    tools.set_tool("brush")
    assert tools.viewer.motion_tool is None and tools.viewer.brush.enabled
    tools.viewer.show_media(media_id)
    doc.add_arrow(media_id, 1, 1, 9, 9)
    doc.add_pin(media_id, 3, 3)
    doc.add_freeze(media_id, 2, [(4, 4)])
    steps = doc.undo_stack.count()
    qtbot.mouseClick(tools.clear_motion, Qt.MouseButton.LeftButton)
    assert tools.viewer.motion_hints() == ([], []) and tools.viewer.freeze_strokes() == []
    assert doc.undo_stack.count() == steps + 1
    doc.undo_stack.undo()
    assert tools.viewer.motion_hints() == ([[1.0, 1.0, 9.0, 9.0]], [[3.0, 3.0]])
    assert tools.viewer.freeze_strokes() == [[2.0, 4.0, 4.0]]


def test_preview_motion_plays_the_arrows_loop_in_the_viewer(qtbot, tools, still_document):
    doc, media_id = still_document
    v = tools.viewer
    v.show_media(media_id)
    still = np.random.default_rng(0).integers(0, 255, (24, 32, 3), dtype=np.uint8)
    v.frames.frame_ready.emit(v.path, 0, still, True)
    tools.preview_motion.setChecked(True)
    assert not v.previewing() and "draw an arrow" in tools.track_status.text()
    doc.add_arrow(media_id, 2, 12, 20, 12)  # an edit while on: the preview follows
    qtbot.waitUntil(v.previewing, timeout=10000)
    assert len(v._preview) == 24 and "24 frames at 32x24" in tools.track_status.text()
    shown = v._preview_at
    qtbot.waitUntil(lambda: v._preview_at != shown, timeout=2000)  # it plays
    tools.clear_motion.click()  # no arrow left: nothing to play
    assert not v.previewing()
    doc.undo_stack.undo()
    qtbot.waitUntil(v.previewing, timeout=10000)
    tools.preview_motion.setChecked(False)
    assert not v.previewing()
