"""Projects: new, open (a project folder or a timeline file), save, the recent list, the folder
file dialogs start in, autosave and crash recovery, and the scratch folder an untitled
project's files live in. No widgets: questions come in as callables, problems go out as
`error` and `status` signals."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from engine.api import OutsidePathError, ProjectError
from lumiere_studio.model import autosave
from lumiere_studio.model.document import Document
from lumiere_studio.model.history import RecoveredWork
from lumiere_studio.model.project import Project
from lumiere_studio.model.scratch import Scratch
from lumiere_studio.model.settings import AppSettings

AUTOSAVE_MS = 60_000
TIMELINE_SUFFIXES = (".otio", ".xml", ".edl")
PROJECT_FILE = "project.lumiere.json"


class ProjectController(QObject):
    error = Signal(str, str)  # title, text
    status = Signal(str, int)  # message, milliseconds
    replaced = Signal()  # another project is open (new, opened, recovered)
    saved = Signal(object)  # the folder a save just wrote (a Path)
    recent_changed = Signal()

    def __init__(
        self,
        doc: Document,
        settings: AppSettings,
        recovery_root: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.doc, self.settings, self.recovery_root = doc, settings, recovery_root
        self.session = uuid.uuid4().hex[:8]
        self.scratches = Scratch.create()
        self.scratch = self.scratches.folder
        self.autosave_timer = QTimer(self)
        self.autosave_timer.timeout.connect(self.autosave_now)
        self.autosave_timer.start(AUTOSAVE_MS)

    # --- open ----------------------------------------------------------------------------
    def set_project(self, project: Project) -> None:
        self.discard_recovery()
        self.doc.project = project
        self.doc.undo_stack.clear()
        self.doc.changed.emit()
        for mid in project.masks:
            self.doc.mask_changed.emit(mid)
        self.replaced.emit()

    def open_project(self, folder: Path) -> bool:
        try:
            project = Project.load(folder)
        except ProjectError as e:
            self.error.emit("The project could not be opened", str(e))
            return False
        self.set_project(project)
        missing = [m.path for m in project.media if not project.resolve(m.path).exists()]
        if missing:
            self.error.emit("Missing media", "These files are gone:\n" + "\n".join(missing))
        if project.notes:
            self.error.emit("The project was opened with changes", "\n".join(project.notes))
        outside = [p for p in project.outside_media() if p not in missing]
        if outside:  # a project file can name any path: the user sees what it reads
            self.error.emit(
                "Media outside the project folder",
                (
                    f"This project uses {len(outside)} file(s) outside {folder}. They are read "
                    f"where they are and never copied into the project:\n" + "\n".join(outside)
                ),
            )
        self.add_recent(folder)
        return True

    def open_timeline(self, path: Path) -> bool:
        """An OTIO / FCP 7 XML / EDL file as a new untitled project, media linked by path."""
        from lumiere_studio.model.interchange import project_from_timeline_file

        try:
            project, problems = project_from_timeline_file(path)
        except ProjectError as e:
            self.error.emit("The timeline could not be opened", str(e))
            return False
        self.set_project(project)
        if problems:
            self.error.emit("Some clips could not be used", "\n".join(problems))
        self.status.emit(f"opened {path.name}: {len(project.media)} media", 8000)
        return True

    # --- save ----------------------------------------------------------------------------
    def save_to(self, folder: Path) -> bool:
        from lumiere_studio.model.job_files import adopt_job_files

        # The recovery file goes only once the save has succeeded, and is brought up to date
        # first: a crash during the save, or a failed save, loses no edit.
        recovery = self.recovery_path()  # keyed by the folder the project had
        if self.doc.dirty:
            self.write_recovery()
        old = self.doc.project.folder
        try:
            owned = self.scratches.folders
            adopt_job_files(self.doc.project, folder, owned + ([old] if old else []))
            self.doc.project.save(folder, scratch=owned)
        except (OSError, ProjectError, OutsidePathError) as e:
            self.error.emit(
                "The project could not be saved",
                f"{e}\nThe unsaved work is kept in the recovery file until a save succeeds.",
            )
            return False
        recovery.unlink(missing_ok=True)
        self.discard_recovery()
        self.doc.undo_stack.setClean()
        self.doc.changed.emit()
        self.add_recent(folder)
        self.saved.emit(folder)
        self.status.emit(f"saved {folder}", 4000)
        return True

    # --- recent projects and dialog folders ----------------------------------------------
    def recent(self) -> list[str]:
        return self.settings.recent

    def add_recent(self, folder: Path) -> None:
        first = str(folder.absolute())
        recent = [first] + [r for r in self.recent() if r != first]
        self.settings.recent = recent
        self.recent_changed.emit()

    def dialog_folder(self) -> str:
        """Where a file dialog opens: the folder last used in one, else the project's, else
        the home folder (never the folder the app was started from)."""
        last = self.settings.last_folder
        if last and Path(last).is_dir():
            return last
        folder = self.doc.project.folder
        return str(folder if folder is not None and folder.is_dir() else Path.home())

    def remember_folder(self, folder: Path) -> None:
        self.settings.last_folder = str(folder)

    # --- autosave and recovery -----------------------------------------------------------
    def recovery_path(self) -> Path:
        return autosave.recovery_path(self.doc.project, self.session, self.recovery_root)

    def autosave_now(self) -> None:
        if self.doc.dirty and (self.doc.take_autosave_dirty() or not self.recovery_path().exists()):
            self.write_recovery()

    def write_recovery(self) -> None:
        try:
            autosave.write_recovery(self.doc.project, self.recovery_path())
        except OSError as e:
            self.status.emit(f"autosave failed: {e}", 8000)

    def discard_recovery(self) -> None:
        self.recovery_path().unlink(missing_ok=True)

    def offer_recovery(self, ask: Callable[[str], bool]) -> bool:
        """After a crash: offer each recovery file; `ask(description)` is the question.
        Declined files are deleted."""
        for rec in autosave.find_recoveries(self.recovery_root):
            if ask(rec.describe()):
                try:
                    project = autosave.restore(rec)
                except ProjectError as e:
                    self.error.emit("Recovery failed", str(e))
                    continue
                self.set_project(project)
                self.doc.undo_stack.resetClean()
                self.doc.undo_stack.push(RecoveredWork())  # restored work is unsaved work
                autosave.discard(rec)
                self.autosave_now()
                return True
            autosave.discard(rec)
        return False

    def sweep_scratch(self, queue_texts: Iterable[str]) -> None:
        """At start: the scratch folders of dead runs that a recovery file or the queue
        (`queue_texts`: its jobs as text) still names are adopted, so Save copies a resumed
        job's clip and masks into the project; the other dead ones are deleted."""
        texts = list(queue_texts)
        for rec in autosave.find_recoveries(self.recovery_root):
            try:
                texts.append(rec.path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue
        self.scratches.sweep(texts)

    def shutdown(self) -> None:
        """A clean exit: no recovery file is left. An untitled project's scratch files
        (generations, masks, stills) go too, with the dead runs' folders it adopted; saving
        copied what the project uses into its folder. After a crash they stay for the
        recovery file (and the next run adopts them)."""
        self.discard_recovery()
        self.scratches.remove()
        self.autosave_timer.stop()
