"""The Export dialog and the progress dialog: the format chosen in the dialog decides the
file's suffix and codec, an empty timeline opens no progress dialog, progress moves the bar."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget
from testkit.media import make_clip

from engine.media.probe import probe
from lumiere_studio.controllers.exporting import ExportController
from lumiere_studio.controllers.projects import ProjectController
from lumiere_studio.model.document import Document
from lumiere_studio.model.settings import AppSettings
from lumiere_studio.ui.export_progress import ExportProgress
from lumiere_studio.ui.file_dialogs import FileDialogs


@pytest.fixture
def progress(qtbot, tmp_path):
    parent = QWidget()
    qtbot.addWidget(parent)
    settings = AppSettings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    doc = Document()
    projects = ProjectController(doc, settings, recovery_root=tmp_path / "rec")
    yield ExportProgress(ExportController(doc), FileDialogs(parent, projects), parent)
    projects.shutdown()


def test_the_chosen_format_decides_the_files_suffix_and_codec(
    qtbot, progress, tmp_path, monkeypatch
):
    doc = progress.exporting.doc
    (item,) = doc.import_media([probe(make_clip(tmp_path / "c.mp4", frames=4))])
    doc.add_to_timeline(item.id)
    chosen = (str(tmp_path / "cut.mp4"), "ProRes 422 HQ MOV (*.mov)")  # typed .mp4, chose MOV
    monkeypatch.setattr(progress.files, "save_file", lambda *a: chosen)
    with qtbot.waitSignal(progress.exporting.done, timeout=30000):
        progress.ask()
    info = probe(tmp_path / "cut.mov")
    assert info.codec == "prores" and info.frames == 4
    monkeypatch.setattr(progress.files, "save_file", lambda *a: ("", ""))
    dialog = progress.dialog
    progress.ask()  # cancelled: no export starts, no new progress dialog
    assert progress.dialog is dialog
    assert [p.name for p in tmp_path.glob("cut*")] == ["cut.mov"]  # and no cut.mp4 ever


def test_progress_moves_the_bar_and_the_end_closes_it(qtbot, progress, tmp_path):
    assert progress.export_to(tmp_path / "empty.mp4") is None and progress.dialog is None
    doc = progress.exporting.doc
    (item,) = doc.import_media([probe(make_clip(tmp_path / "c.mp4", frames=10))])
    doc.add_to_timeline(item.id)
    worker, thread, dialog = progress.export_to(tmp_path / "out.mp4")
    assert dialog.maximum() == 10 and dialog.labelText() == "Exporting out.mp4"
    with qtbot.waitSignal(progress.exporting.done, timeout=30000):
        pass
    thread.wait(5000)
    assert dialog.value() in (-1, 0)  # reset when done
    progress.exporting.progress.emit(4, 10)
    assert dialog.value() == 4
