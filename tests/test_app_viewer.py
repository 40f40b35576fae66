"""The viewer: frames asked for and shown, timecodes, zoom, the sequence's gaps, and mouse
drags that paint the mask in source pixels as one undo step."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from lumiere_studio.ui.viewer import SequenceView, Viewer, timecode


@pytest.fixture
def viewer(qtbot, still_document, fake_frames):
    doc, _ = still_document
    v = Viewer(doc, fake_frames)
    qtbot.addWidget(v)
    v.resize(320, 240)  # a 32x24 source fits exactly 10x
    v.show()
    return v


def test_timecode_is_smpte_and_drop_frame_at_29_97():
    assert timecode(25, 24) == "00:00:01:01"
    assert timecode(1800, 30000 / 1001) == "00:01:00;02"  # frames 0 and 1 of minute 1 dropped
    assert timecode(5, 0) == timecode(5, None) == "--:--:--:--"


def test_showing_a_source_asks_for_the_frame_and_shows_only_its_own(viewer, still_document):
    _, media_id = still_document
    shown = []
    viewer.frame_shown.connect(shown.append)
    viewer.show_media(media_id, frame=7)  # a still has one frame: clamped to it
    path = viewer.path
    assert viewer.frames.requests == [(path, 0, 0, True)]
    assert viewer.timecode_text() == "still  [1/1]"
    other = np.zeros((24, 32, 3), np.uint8)
    viewer.frames.frame_ready.emit("/elsewhere.png", 0, other, True)
    assert viewer.image is None and shown == []  # another file's frame is not ours
    picture = np.full((24, 32, 3), 200, np.uint8)
    viewer.frames.frame_ready.emit(path, 0, picture, True)
    assert (viewer.image.width(), viewer.image.height()) == (32, 24)
    assert viewer.image.pixelColor(5, 5).red() == 200
    assert shown == [0]
    viewer.show_media(None)
    assert viewer.path is None and viewer.image is None and viewer.timecode_text() == ""


def test_fit_zoom_and_widget_to_source_coordinates(viewer, still_document):
    _, media_id = still_document
    viewer.show_media(media_id)
    r = viewer.image_rect()
    assert (r.x(), r.y(), r.width(), r.height()) == (0, 0, 320, 240)
    assert viewer.to_source(QPointF(160, 120)) == (16, 12)
    viewer.zoom_by(0.5)
    assert viewer.zoom == pytest.approx(5.0)
    r = viewer.image_rect()
    assert (r.x(), r.y(), r.width(), r.height()) == (80, 60, 160, 120)  # centred
    assert viewer.to_source(QPointF(80, 60)) == (0, 0)
    viewer.set_zoom(1000)
    assert viewer.zoom == 16.0  # clamped
    viewer.set_zoom(None)
    assert viewer.image_rect().width() == 320


def test_a_gap_in_the_sequence_shows_the_background(viewer):
    viewer.show_sequence(SequenceView(None, 48, (40, 20), 24, "#ff0000"), None, 0)
    assert viewer.media_id is None and viewer.path is None
    assert (viewer.image.width(), viewer.image.height()) == (40, 20)
    assert viewer.image.pixelColor(3, 3).name() == "#ff0000"
    assert viewer.timecode_text() == "SEQ 00:00:02:00"


def test_a_brush_drag_paints_the_mask_in_source_pixels_as_one_undo_step(
    qtbot, viewer, still_document
):
    doc, media_id = still_document
    viewer.show_media(media_id)
    viewer.brush.enabled, viewer.brush.size, viewer.brush.hardness = True, 4.0, 1.0
    assert viewer.tool_badge() == "BRUSH"
    steps = doc.undo_stack.count()  # the import
    qtbot.mousePress(viewer, Qt.MouseButton.LeftButton, pos=QPoint(55, 55))  # source (5.5, 5.5)
    qtbot.mouseMove(viewer, QPoint(255, 55))  # source (25.5, 5.5)
    qtbot.mouseRelease(viewer, Qt.MouseButton.LeftButton, pos=QPoint(255, 55))
    pixels = doc.project.mask_for(media_id).pixels
    assert pixels.shape == (24, 32)
    assert pixels[5, 5:26].min() == 255  # along the stroke
    assert pixels[15:, :].max() == 0 and pixels[:, 30:].max() == 0  # nowhere else
    assert doc.undo_stack.count() == steps + 1 and doc.undo_stack.text(steps) == "Paint mask"
    doc.undo_stack.undo()
    assert doc.project.mask_for(media_id).pixels.max() == 0
    viewer.brush.erase = True
    assert viewer.tool_badge() == "ERASER"
    viewer.brush.enabled = False
    assert viewer.tool_badge() == ""


def test_an_arrow_drag_adds_one_arrow_in_source_pixels_as_one_undo_step(
    qtbot, viewer, still_document
):
    doc, media_id = still_document
    viewer.show_media(media_id)
    viewer.motion_tool = "arrow"
    assert viewer.tool_badge().startswith("ARROW")
    steps = doc.undo_stack.count()
    qtbot.mousePress(viewer, Qt.MouseButton.LeftButton, pos=QPoint(55, 65))  # source (5.5, 6.5)
    qtbot.mouseMove(viewer, QPoint(255, 105))
    qtbot.mouseRelease(viewer, Qt.MouseButton.LeftButton, pos=QPoint(255, 105))
    assert viewer.motion_hints() == ([[5.5, 6.5, 25.5, 10.5]], [])
    assert doc.undo_stack.count() == steps + 1 and doc.undo_stack.text(steps) == "Add motion arrow"
    # a drag past the picture's edge ends on it: the engine refuses points outside the still
    qtbot.mousePress(viewer, Qt.MouseButton.LeftButton, pos=QPoint(55, 65))
    qtbot.mouseRelease(viewer, Qt.MouseButton.LeftButton, pos=QPoint(319, 239))
    assert viewer.motion_hints()[0][1][2:] == [31.0, 23.0]
    # a click without a drag adds nothing
    qtbot.mouseClick(viewer, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    assert len(viewer.motion_hints()[0]) == 2
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert viewer.motion_hints() == ([], [])
    assert not doc.project.mask_for(media_id, create=False)  # no mask was painted


def test_a_pin_click_adds_a_pin_and_a_right_click_removes_the_nearest(
    qtbot, viewer, still_document
):
    doc, media_id = still_document
    viewer.show_media(media_id)
    viewer.motion_tool = "pin"
    qtbot.mouseClick(viewer, Qt.MouseButton.LeftButton, pos=QPoint(105, 205))  # (10.5, 20.5)
    qtbot.mouseClick(viewer, Qt.MouseButton.LeftButton, pos=QPoint(205, 35))  # (20.5, 3.5)
    assert viewer.motion_hints() == ([], [[10.5, 20.5], [20.5, 3.5]])
    steps = doc.undo_stack.count()
    qtbot.mouseClick(viewer, Qt.MouseButton.RightButton, pos=QPoint(100, 40))  # near neither
    assert doc.undo_stack.count() == steps and len(viewer.motion_hints()[1]) == 2
    qtbot.mouseClick(viewer, Qt.MouseButton.RightButton, pos=QPoint(200, 40))  # 0.7 px off
    assert viewer.motion_hints() == ([], [[10.5, 20.5]])
    assert doc.undo_stack.text(steps) == "Remove anchor pin"
    doc.undo_stack.undo()
    assert viewer.motion_hints() == ([], [[10.5, 20.5], [20.5, 3.5]])


def test_a_freeze_drag_adds_one_stroke_drawn_over_the_picture_and_undoable(
    qtbot, viewer, still_document, fake_frames
):
    doc, media_id = still_document
    viewer.show_media(media_id)
    fake_frames.frame_ready.emit(viewer.path, 0, np.zeros((24, 32, 3), np.uint8), True)
    viewer.motion_tool, viewer.brush.size = "freeze", 4.0  # radius 2 source pixels
    assert viewer.tool_badge().startswith("FREEZE")
    steps = doc.undo_stack.count()
    qtbot.mousePress(viewer, Qt.MouseButton.LeftButton, pos=QPoint(50, 120))  # (5, 12)
    for x in range(60, 260, 10):
        qtbot.mouseMove(viewer, QPoint(x, 120))
    qtbot.mouseRelease(viewer, Qt.MouseButton.LeftButton, pos=QPoint(250, 120))
    strokes = viewer.freeze_strokes()
    assert len(strokes) == 1 and strokes[0][:3] == [2.0, 5.0, 12.0]
    assert strokes[0][-2:] == [25.0, 12.0] and set(strokes[0][2::2]) == {12.0}
    assert len(strokes[0]) == 1 + 2 * 21  # the 21 source pixels it crossed, once each
    assert doc.undo_stack.count() == steps + 1 and doc.undo_stack.text(steps) == "Freeze brush"
    shot = viewer.grab().toImage()
    on, off = shot.pixelColor(150, 130), shot.pixelColor(150, 170)  # 1 px and 5 px off the line
    assert on.blue() > 100 and on.red() > 50 and off.name() == "#000000"
    qtbot.mouseClick(viewer, Qt.MouseButton.RightButton, pos=QPoint(150, 140))  # on its edge
    assert viewer.freeze_strokes() == []
    assert doc.undo_stack.text(steps + 1) == "Remove freeze stroke"
    doc.undo_stack.undo()
    assert len(viewer.freeze_strokes()) == 1  # the removal undone: the stroke is back
    doc.undo_stack.undo()
    assert viewer.freeze_strokes() == [] and doc.undo_stack.index() == steps


def test_arrows_and_pins_are_drawn_over_the_picture(qtbot, viewer, still_document, fake_frames):
    doc, media_id = still_document
    viewer.show_media(media_id)
    fake_frames.frame_ready.emit(viewer.path, 0, np.zeros((24, 32, 3), np.uint8), True)
    doc.add_arrow(media_id, 2, 12, 28, 12)
    doc.add_pin(media_id, 16, 4)
    shot = viewer.grab().toImage()
    assert shot.pixelColor(150, 120).name() == "#ffd60a"  # on the arrow's shaft
    assert shot.pixelColor(160, 40).name() == "#40c8ff"  # the pin's dot
    assert shot.pixelColor(150, 200).name() == "#000000"  # the picture elsewhere
