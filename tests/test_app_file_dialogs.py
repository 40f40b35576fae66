"""The File menu's questions with the dialogs answered by the test: save first?, where to save,
which timeline, and the folder each dialog starts in and remembers."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from lumiere_studio.controllers.projects import ProjectController
from lumiere_studio.model.document import Document
from lumiere_studio.model.settings import AppSettings
from lumiere_studio.ui import file_dialogs
from lumiere_studio.ui.file_dialogs import FileDialogs, SaveFolderDialog, fill_recent_menu

Button = QMessageBox.StandardButton


@pytest.fixture
def dialogs(qtbot, tmp_path):
    parent = QWidget()
    qtbot.addWidget(parent)
    settings = AppSettings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
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
    monkeypatch.setattr(file_dialogs, "ask_save_folder", lambda *a: str(chosen))
    assert dialogs.confirm_discard() and not dialogs.projects.doc.dirty  # saved there
    assert (chosen / "project.lumiere.json").is_file()
    assert dialogs.projects.dialog_folder() == str(chosen.parent)  # where projects are kept


def test_save_as_cancelled_saves_nothing(dialogs, monkeypatch):
    dialogs.projects.doc.set_in_out(in_point=3)
    monkeypatch.setattr(file_dialogs, "ask_save_folder", lambda *a: "")
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


def test_the_save_folder_dialog_makes_a_new_folder_and_takes_an_existing_one(qtbot, tmp_path):
    (tmp_path / "old").mkdir()
    for name in ("new project", "old"):
        dialog = SaveFolderDialog(None, "Save project in folder", str(tmp_path))
        qtbot.addWidget(dialog)
        dialog.selectFile(name)  # what typing the name in the dialog does
        dialog.accept()
        assert dialog.result() == QFileDialog.DialogCode.Accepted, name
        assert Path(dialog.selectedFiles()[0]) == tmp_path / name
        assert (tmp_path / name).is_dir()


def test_a_new_folder_inside_a_missing_one_is_refused(qtbot, tmp_path, monkeypatch):
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    dialog = SaveFolderDialog(None, "Save project in folder", str(tmp_path))
    qtbot.addWidget(dialog)
    dialog.selectFile(str(tmp_path / "missing" / "p1"))
    dialog.accept()
    assert dialog.result() != QFileDialog.DialogCode.Accepted
    assert warned and "cannot be made" in warned[0] and not (tmp_path / "missing").exists()
