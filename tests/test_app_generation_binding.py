"""The generation controller's inputs bound to the real prompt panel and a stand-in viewer."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from PySide6.QtGui import QImage

from lumiere_studio.ui.generation_binding import PromptSettings, viewer_selection
from lumiere_studio.ui.prompt_panel import PromptPanel


def test_prompt_settings_report_the_task_the_still_and_the_size(qtbot):
    panel = PromptPanel()
    qtbot.addWidget(panel)
    settings = PromptSettings(panel)
    for key, still in (("t2v", False), ("i2v", True), ("cinemagraph", True), ("v2v", False)):
        panel.task.setCurrentIndex(panel.task.findData(key))
        assert settings.task_key() == key and settings.needs_still() is still
    assert settings.size_is_auto()
    panel.out_width.setValue(64)
    assert not settings.size_is_auto()
    panel.task.setCurrentIndex(panel.task.findData("t2v"))
    panel.prompt.setPlainText("a red ball")
    job = settings.build_job(None, 0, None, None, 0)
    assert job.prompt == "a red ball" and job.width == 64


def test_the_selection_is_what_the_viewer_shows(qapp):
    image = QImage(4, 2, QImage.Format.Format_RGB888)
    image.fill(0x336699)
    viewer = SimpleNamespace(media_id="m1", frame=9, image=image, image_full=False)
    transport = SimpleNamespace(mode="timeline")
    sel = viewer_selection(viewer, transport)
    assert (sel.media_id, sel.frame, sel.in_sequence, sel.picture_full) == ("m1", 9, True, False)
    assert sel.picture is not None
    pixels = sel.picture()
    assert pixels.shape == (2, 4, 3) and np.all(pixels == [0x33, 0x66, 0x99])
    viewer.image = None
    transport.mode = "source"
    sel = viewer_selection(viewer, transport)
    assert sel.picture is None and not sel.in_sequence
