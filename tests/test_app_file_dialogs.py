"""The File menu's questions with the dialogs answered by the test: save first?, where to save,
which timeline, and the folder each dialog starts in and remembers."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from lumiere_studio.controllers.projects import ProjectController
from lumiere_studio.model.document import Document
from lumiere_studio.ui.file_dialogs import FileDialogs, fill_recent_menu

Button = QMessageBox.StandardButton


@pytest.fixture
def dialogs(qtbot, tmp_path):
    parent = QWidget()
    qtbot.addWidget(parent)
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    projects = ProjectController(Document(), settings, recovery_root=tmp_path / "rec")
    yield FileDialogs(parent, projects)
    projects.shutdown()


def test_unsaved_work_asks_and_save_discard_cancel_do_what_they_say(dialogs, tmp_path, monkeypatch):
    assert dialogs.confirm_discard()  # nothing unsaved: no question
    dialogs.projects.doc.set_in_out(in_point=3)
    for answer, expected in ((Button.Discard, True), (Button.Cancel, False)):
        monkeypatch.setattr(QMessageBox, "question", lambda *a, answer=answer: answer)
        assert dialogs.confirm_discard() is expected and dialogs.projects.doc.dirty
    monkeypatch.setattr(QMessageBox, "question", lambda *a: Button.Save)
    chosen = tmp_path / "projects" / "p1"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a: str(chosen))
    assert dialogs.confirm_discard() and not dialogs.projects.doc.dirty  # saved there
    assert (chosen / "project.lumiere.json").is_file()
    assert dialogs.projects.dialog_folder() == str(chosen.parent)  # where projects are kept


def test_save_as_cancelled_saves_nothing(dialogs, monkeypatch):
    dialogs.projects.doc.set_in_out(in_point=3)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a: "")
    assert not dialogs.save() and dialogs.projects.doc.dirty


def test_open_timeline_starts_in_the_last_folder_and_remembers_the_new_one(
    dialogs, tmp_path, monkeypatch
):
    (tmp_path / "cuts").mkdir()
    dialogs.projects.remember_folder(tmp_path)
    asked: list[str] = []

    def answer(parent, title, start, name_filter):
        asked.append(start)
        return str(tmp_path / "cuts" / "cut.edl"), name_filter

    monkeypatch.setattr(QFileDialog, "getOpenFileName", answer)
    opened: list[Path] = []
    monkeypatch.setattr(dialogs.projects, "open_timeline", opened.append)
    dialogs.open_timeline()
    assert asked == [str(tmp_path)] and opened == [tmp_path / "cuts" / "cut.edl"]
    assert dialogs.projects.dialog_folder() == str(tmp_path / "cuts")


def test_the_recent_menu_opens_the_folder_it_names(qtbot):
    menu = QMenu()
    opened: list[Path] = []
    fill_recent_menu(menu, ["/a/p1", "/b/p2"], opened.append)
    fill_recent_menu(menu, ["/b/p2", "/a/p1"], opened.append)  # refilled, not appended
    assert [a.text() for a in menu.actions()] == ["/b/p2", "/a/p1"]
    menu.actions()[1].trigger()
    assert opened == [Path("/a/p1")]
