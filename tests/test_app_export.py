"""Export from the window: Cancel in the progress dialog stops the export and leaves no file."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from lumiere_studio.testing import make_clip


def test_cancel_in_export_dialog_stops_and_leaves_no_file(qtbot, window, tmp_path):
    clip = make_clip(tmp_path / "long.mp4", frames=240, size=(128, 96), gop=48)
    window.import_paths([str(clip)])
    window.add_selected_to_timeline()
    out_dir = tmp_path / "export"
    out_dir.mkdir()
    out = out_dir / "timeline.mp4"
    worker, thread, dialog = window.export_to(out)
    progress: list[int] = []
    clicked = threading.Event()

    def hold(i: int, n: int) -> None:  # runs on the export thread: wait for the click once
        progress.append(i)
        if len(progress) == 1:
            clicked.wait(10)

    worker.progress.connect(hold, Qt.ConnectionType.DirectConnection)
    qtbot.waitUntil(lambda: len(progress) > 0, timeout=10000)
    button = dialog.findChild(QPushButton)
    assert button is not None and button.text() == "Cancel"
    with qtbot.waitSignal(worker.cancelled, timeout=10000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        clicked.set()
    thread.wait(5000)
    assert progress[-1] < 240  # it stopped before the end
    assert list(out_dir.iterdir()) == []  # no file, no temporary
    assert "export cancelled" in window.statusBar().currentMessage()
