"""The Export dialog and the progress dialog: the format chosen in the dialog decides the
file's suffix, an empty timeline opens no progress dialog, progress moves the bar."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget
from testkit.media import make_clip

from engine.media.probe import probe
from lumiere_studio.controllers.exporting import ExportController
from lumiere_studio.controllers.projects import ProjectController
from lumiere_studio.model.document import Document
from lumiere_studio.ui.export_progress import ExportProgress
from lumiere_studio.ui.file_dialogs import FileDialogs


@pytest.fixture
def progress(qtbot, tmp_path):
    parent = QWidget()
    qtbot.addWidget(parent)
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    doc = Document()
    projects = ProjectController(doc, settings, recovery_root=tmp_path / "rec")
    yield ExportProgress(ExportController(doc), FileDialogs(parent, projects), parent)
    projects.shutdown()


def test_the_chosen_format_sets_the_suffix_and_nothing_runs_on_an_empty_timeline(
    progress, tmp_path, monkeypatch
):
    started: list[tuple[Path, str]] = []
    monkeypatch.setattr(progress, "export_to", lambda out, fmt: started.append((out, fmt)))
    chosen = (str(tmp_path / "cut.mp4"), "ProRes 422 HQ MOV (*.mov)")
    monkeypatch.setattr(progress.files, "save_file", lambda *a: chosen)
    progress.ask()
    assert started == [(tmp_path / "cut.mov", "prores")]
    monkeypatch.setattr(progress.files, "save_file", lambda *a: ("", ""))
    progress.ask()  # cancelled
    assert len(started) == 1


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
