"""The mask tools panel: which tool the viewer's brush is, its size, hardness and overlay,
the whole-mask operations as undo steps, and the frame the mask applies from."""

from __future__ import annotations

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
