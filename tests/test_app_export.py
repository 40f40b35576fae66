"""Export from the window: Cancel in the progress dialog stops the export and leaves no file."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from testkit.media import make_clip


def test_cancel_in_export_dialog_stops_and_leaves_no_file(qtbot, window, tmp_path):
    clip = make_clip(tmp_path / "long.mp4", frames=240, size=(128, 96), gop=48)
    window.import_paths([str(clip)])
    window.add_selected_to_timeline()
    out_dir = tmp_path / "export"
    out_dir.mkdir()
    out = out_dir / "timeline.mp4"
    messages: list[str] = []  # thumbnail progress may replace the message before we look
    window.statusBar().messageChanged.connect(messages.append)
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
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    clicked.set()
    # Waiting on the message, not with waitSignal(worker.cancelled): pytest-qt's blocker is no
    # QObject, so the export thread would call it directly and could quit its loop before the
    # loop runs (a hang). The message reaches this thread only after the worker said cancelled.
    qtbot.waitUntil(lambda: "export cancelled" in messages, timeout=10000)
    thread.wait(5000)
    assert progress[-1] < 240  # it stopped before the end
    assert list(out_dir.iterdir()) == []  # no file, no temporary


def test_dialog_filters_map_to_formats_and_suffixes():
    from lumiere_studio.services.export import EXPORT_FORMATS, format_for_filter, target_path

    fmts = {fmt for fmt, _, _ in EXPORT_FORMATS}
    assert fmts == {"h264", "prores", "prores4444", "png", "otio", "fcpxml", "edl"}
    assert format_for_filter("ProRes 422 HQ MOV (*.mov)") == ("prores", ".mov")
    assert format_for_filter("something else") == ("h264", ".mp4")
    assert target_path("/x/cut", ".mov").name == "cut.mov"
    assert target_path("/x/cut.MOV", ".mov").name == "cut.MOV"
    assert target_path("/x/timeline.mp4", ".mov").name == "timeline.mov"
    assert target_path("/x/take.v2", ".mov").name == "take.v2.mov"
    assert target_path("/x/cut.mp4", "").name == "cut"  # a PNG sequence is a folder


def test_window_exports_prores_with_the_clips_sound(qtbot, window, tmp_path):
    import av

    clip = make_clip(tmp_path / "talk.mp4", frames=30, size=(64, 48), audio=True)
    window.import_paths([str(clip)])
    window.add_selected_to_timeline()
    out = tmp_path / "cut.mov"
    worker, thread, _dialog = window.export_to(out, fmt="prores")
    with qtbot.waitSignal(worker.finished, timeout=30000):
        pass
    thread.wait(5000)
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.name == "prores"
        assert c.streams.audio[0].codec_context.name == "pcm_s24le"
        assert sum(1 for _ in c.decode(video=0)) == 30
