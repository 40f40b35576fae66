"""The questions the File menu asks a person (which folder, which file, save first?, recover?),
each handing its answer to a controller. Dialogs open in the folder the projects controller
keeps (the last one used, else the project's)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from engine.api import MEDIA_SUFFIXES
from lumiere_studio.controllers.projects import TIMELINE_SUFFIXES, ProjectController
from lumiere_studio.model.project import Project


class FileDialogs:
    def __init__(self, parent: QWidget, projects: ProjectController) -> None:
        self.parent, self.projects = parent, projects

    def confirm_discard(self) -> bool:
        """True when the open project may be replaced: saved, or the person said so."""
        if not self.projects.doc.dirty:
            return True
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.parent,
            "Unsaved changes",
            "The project has unsaved changes. Save them first?",
            buttons.Save | buttons.Discard | buttons.Cancel,
        )
        if answer == buttons.Save:
            return self.save()
        return answer == buttons.Discard

    def ask_recover(self, description: str) -> bool:
        return (
            QMessageBox.question(
                self.parent,
                "Recover unsaved work?",
                f"Lumiere Studio did not close cleanly. Restore the autosaved state of "
                f"{description}?",
            )
            == QMessageBox.StandardButton.Yes
        )

    def new_project(self) -> None:
        if self.confirm_discard():
            self.projects.set_project(Project())

    def open_project(self) -> None:
        folder = self._folder("Open project folder")
        if folder and self.confirm_discard():
            self.projects.open_project(folder)

    def open_recent(self, folder: Path) -> None:
        if self.confirm_discard():
            self.projects.open_project(folder)

    def open_timeline(self) -> None:
        pattern = " ".join(f"*{s}" for s in TIMELINE_SUFFIXES)
        path = self.open_files("Open timeline", f"Timelines ({pattern})", many=False)
        if path and self.confirm_discard():
            self.projects.open_timeline(Path(path[0]))

    def save(self) -> bool:
        folder = self.projects.doc.project.folder
        return self.save_as() if folder is None else self.projects.save_to(folder)

    def save_as(self) -> bool:
        chosen = ask_save_folder(
            self.parent, "Save project in folder", self.projects.dialog_folder()
        )
        if not chosen:
            return False
        folder = Path(chosen)
        self.projects.remember_folder(folder.parent)  # where projects are kept
        return self.projects.save_to(folder)

    def media_files(self) -> list[str]:
        pattern = " ".join(f"*{s}" for s in MEDIA_SUFFIXES)
        return self.open_files("Import media", f"Media ({pattern})")

    def open_files(self, title: str, name_filter: str, many: bool = True) -> list[str]:
        start = self.projects.dialog_folder()
        if many:
            paths, _ = QFileDialog.getOpenFileNames(self.parent, title, start, name_filter)
        else:
            path, _ = QFileDialog.getOpenFileName(self.parent, title, start, name_filter)
            paths = [path] if path else []
        if paths:
            self.projects.remember_folder(Path(paths[0]).parent)
        return paths

    def save_file(self, title: str, name: str, filters: str) -> tuple[str, str]:
        """(path, chosen filter); an empty path when the person cancelled."""
        start = str(Path(self.projects.dialog_folder()) / name)
        path, chosen = QFileDialog.getSaveFileName(self.parent, title, start, filters)
        if path:
            self.projects.remember_folder(Path(path).parent)
        return path, chosen

    def _folder(self, title: str) -> Path | None:
        folder = QFileDialog.getExistingDirectory(self.parent, title, self.projects.dialog_folder())
        if not folder:
            return None
        self.projects.remember_folder(Path(folder).parent)  # where projects are kept
        return Path(folder)


class SaveFolderDialog(QFileDialog):
    """Choose the folder to save a project in, or name a new one: a name that does not exist
    yet is made inside the folder shown (Qt's own folder dialog refuses it)."""

    def __init__(self, parent: QWidget | None, title: str, start: str) -> None:
        super().__init__(parent, title, start)
        self.setFileMode(QFileDialog.FileMode.Directory)
        self.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        self.setOptions(
            QFileDialog.Option.ShowDirsOnly | QFileDialog.Option.DontUseNativeDialog
        )  # the native dialogs' folder mode cannot be told to accept a new name
        self.setLabelText(QFileDialog.DialogLabel.Accept, "Save")

    def accept(self) -> None:
        chosen = self.selectedFiles()
        folder = Path(chosen[0]) if chosen else None
        if folder is not None and not folder.exists():
            try:
                folder.mkdir()  # its parent must exist: a typo two levels deep is not made
            except OSError as e:
                QMessageBox.warning(self, self.windowTitle(), f"{folder} cannot be made: {e}")
                return
        super().accept()


def ask_save_folder(parent: QWidget | None, title: str, start: str) -> str:
    """The folder chosen or named (made if new), or "" when the person cancelled."""
    dialog = SaveFolderDialog(parent, title, start)
    if dialog.exec() != QFileDialog.DialogCode.Accepted or not dialog.selectedFiles():
        return ""
    return dialog.selectedFiles()[0]


def fill_recent_menu(menu: QMenu, recent: list[str], open_folder: Callable[[Path], None]) -> None:
    menu.clear()
    for r in recent:
        menu.addAction(r).triggered.connect(lambda _=False, r=r: open_folder(Path(r)))
