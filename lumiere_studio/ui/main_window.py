"""The main window assembles the app: viewer in the middle; media bin, prompt panel, jobs panel,
mask tools and timeline as docks (layout kept in QSettings); the table of menu actions; and the
bindings between the widgets and the controllers (lumiere_studio/controllers/), which hold the
logic: transport, projects, media, editing, generation and exporting."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from lumiere_studio.controllers.editing import EditController
from lumiere_studio.controllers.exporting import ExportController
from lumiere_studio.controllers.generation import GenerationController, find_models
from lumiere_studio.controllers.media import MediaController
from lumiere_studio.controllers.projects import PROJECT_FILE, TIMELINE_SUFFIXES, ProjectController
from lumiere_studio.controllers.transport import Transport
from lumiere_studio.model.document import Document
from lumiere_studio.model.queue_lock import QueueHeld
from lumiere_studio.model.settings import AppSettings
from lumiere_studio.services.engine_log import EngineLog
from lumiere_studio.services.engine_thread import JobQueue, open_queue_store
from lumiere_studio.services.frames import FrameServer
from lumiere_studio.services.proxies import ProxyManager
from lumiere_studio.services.thumbnails import Thumbnailer
from lumiere_studio.ui.background_status import BackgroundStatus
from lumiere_studio.ui.clip_dialog import FIT_LABELS
from lumiere_studio.ui.export_progress import ExportProgress
from lumiere_studio.ui.file_dialogs import FileDialogs, fill_recent_menu
from lumiere_studio.ui.generation_binding import PromptSettings, variations_asker, viewer_selection
from lumiere_studio.ui.jobs_panel import JOBS_DOCK_HEIGHT, JobsPanel
from lumiere_studio.ui.mask_tools import MaskTools
from lumiere_studio.ui.media_bin import MediaBin
from lumiere_studio.ui.playheads import SequencePlayhead, SourcePlayhead
from lumiere_studio.ui.prompt_panel import PromptPanel
from lumiere_studio.ui.queue_choice import ask_queue_choice
from lumiere_studio.ui.timeline_view import TimelineView
from lumiere_studio.ui.viewer import Viewer
from lumiere_studio.ui.viewer_binding import ViewerBinding

# A menu entry: (text, slot, shortcut or None), a ready-made action or submenu, or None for a
# separator.
Entry = tuple[str, Callable[..., object], Any] | QAction | QMenu | None
Left, Right, Bottom = (
    Qt.DockWidgetArea.LeftDockWidgetArea,
    Qt.DockWidgetArea.RightDockWidgetArea,
    Qt.DockWidgetArea.BottomDockWidgetArea,
)


class MainWindow(QMainWindow):
    def __init__(
        self,
        settings: QSettings | None = None,
        recovery_root: Path | None = None,
        choose_queue: Callable[[QueueHeld], str] | None = None,
    ):
        """`settings`: where preferences are kept (default: the user's); `choose_queue`
        answers when another instance owns the render queue (default: ask the person; see
        open_queue_store)."""
        super().__init__()
        self.settings = AppSettings(settings)
        self.doc = Document()
        self.doc.still_seconds = self.settings.still_seconds
        store, queue_problem = open_queue_store(choose=choose_queue or ask_queue_choice)
        self.queue = JobQueue(self, store=store)
        self.frames = FrameServer(self)
        self.thumbs = Thumbnailer(self)
        self.proxies = ProxyManager(self)

        self.viewer = Viewer(self.doc, self.frames)
        self.bin = MediaBin(self.doc, self.thumbs)
        self.prompt = PromptPanel()
        self.jobs = JobsPanel(self.queue)
        if queue_problem:
            self.jobs.show_notice(queue_problem)
        self.timeline = TimelineView(self.doc, self.thumbs)
        self.mask_tools = MaskTools(self.viewer, self.doc)

        self.projects = ProjectController(self.doc, self.settings, recovery_root, self)
        self.projects.sweep_scratch(
            json.dumps(
                [str(e.output), e.job.to_dict(), e.result.to_dict() if e.result else {}],
                default=str,
            )
            for e in self.queue.entries.values()
        )
        self.files = FileDialogs(self, self.projects)
        self.media = MediaController(self.doc, self.thumbs.get, self.proxies.request, self)
        self.transport = Transport(
            SourcePlayhead(self.viewer), SequencePlayhead(self.doc, self.timeline), self
        )
        self.editing = EditController(self.doc, self.transport, self.timeline, self.bin)
        self.generation = GenerationController(
            self.doc,
            self.queue,
            self.projects.scratch,
            PromptSettings(self.prompt),
            lambda: viewer_selection(self.viewer, self.transport),
            self,
        )
        self.generation.tracking = self.mask_tools.tracking  # tracked masks go to jobs
        # the project saves and autosaves the tracks as the tracking service holds them
        self.doc.project.collect_tracks = self.mask_tools.tracking.project_tracks
        self.projects.replaced.connect(self._load_mask_tracks)
        self.generation.ask_specs = variations_asker(self)
        self.exporting = ExportController(self.doc, partial(export_options, self.settings), self)
        self.export_progress = ExportProgress(self.exporting, self.files, self)
        self.view = ViewerBinding(
            self.doc,
            self.viewer,
            self.bin,
            self.timeline,
            self.transport,
            self.mask_tools,
            self.prompt,
            self.generation,
        )
        self.background = BackgroundStatus(self.thumbs, self.proxies, self.statusBar().showMessage)
        # What other code (app.py, tests, benches) calls on the window, where it now lives.
        self.import_paths = self.media.import_paths
        self.add_selected_to_timeline = self.editing.add_selected_to_timeline
        self.export_to = self.export_progress.export_to

        self.setCentralWidget(self.viewer)
        self.docks = {
            "Media": dock(self, Left, "Media", self.bin),
            "Mask": dock(self, Left, "Mask", self.mask_tools, scroll=True),
            "Prompt": dock(self, Right, "Prompt", self.prompt, scroll=True, pin=self.prompt.footer),
            "Jobs": dock(self, Right, "Jobs", self.jobs),
            "Timeline": dock(self, Bottom, "Timeline", self.timeline),
        }
        self.statusBar().addPermanentWidget(self.background.busy)
        self.sequence_label = QPushButton()
        self.sequence_label.setFlat(True)
        self.sequence_label.setToolTip("Sequence size and rate (click to change)")
        self.sequence_label.clicked.connect(lambda: self.sequence_settings())
        self.statusBar().addPermanentWidget(self.sequence_label)

        self._build_menus()
        self._apply_preferences()
        self._connect()
        self.setAcceptDrops(True)
        self.resize(1440, 900)
        self.models, notes = find_models()
        for note in notes:  # each replaces the one before: the last says the most
            self.statusBar().showMessage(note)
        self.prompt.set_models(self.models)
        self._restore_layout()
        self._update_title()
        self._update_sequence_label()

    # --- construction --------------------------------------------------------------------
    def _build_menus(self) -> None:
        self.recent_menu = QMenu("Open &Recent", self)
        self.place_over = setting_action(
            "Place Results Over Their Source (else at the End)",
            self.settings.place_over,
            self._set_place_over,
            self,
        )
        for title, entries in action_table(self).items():
            fill_menu(self.menuBar().addMenu(title), entries, self)
        self._update_recent_menu()

    def _connect(self) -> None:
        show = self.statusBar().showMessage
        for c in (self.projects, self.media, self.generation, self.exporting):
            c.error.connect(self.error)
            c.status.connect(show)
        self.engine_log = EngineLog(self)  # what the engine logs along the way
        self.engine_log.message.connect(show)
        self.bin.media_activated.connect(lambda mid: self.doc.add_to_timeline(mid))
        remove = QAction("Remove from Project", self.bin)  # the bin's right-click menu
        remove.triggered.connect(self.editing.remove_selected_media)
        self.bin.addAction(remove)
        self.bin.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.media.imported.connect(self.bin.select_media)
        self.prompt.generate_requested.connect(self.generation.generate)
        self.jobs.edit_requested.connect(self.generation.take_back)
        self.jobs.variations_requested.connect(lambda: self.generation.queue_variations())
        self.generation.queued.connect(lambda _ids: self.docks["Jobs"].raise_())
        self.generation.added.connect(self.media.prepare)
        self.generation.taken_back.connect(self.prompt.apply_job)
        self.generation.taken_back.connect(lambda _job: self.docks["Prompt"].raise_())
        self.projects.replaced.connect(self.view.show_first_media)
        self.projects.replaced.connect(self.media.prepare_all)
        self.projects.recent_changed.connect(self._update_recent_menu)
        self.doc.dirty_changed.connect(lambda _d: self._update_title())
        self.doc.changed.connect(self._update_title)
        self.doc.changed.connect(lambda: self.prompt.set_history(self.doc.project.history_jobs()))
        self.doc.changed.connect(self._update_sequence_label)
        self.viewer.message.connect(lambda m: show(m, 8000))
        self.proxies.ready.connect(self.frames.set_proxy)

    # --- layout --------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        self._default_state = self.saveState()
        geometry, state = self.settings.window_geometry, self.settings.window_state
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        else:  # dock sizes need the window's real size: set them once it is shown
            QTimer.singleShot(0, self._default_dock_sizes)

    def _default_dock_sizes(self) -> None:
        """Two timeline tracks in view, and the prompt form (whole where the screen allows)
        above a jobs list that always shows one job in full; on a short screen the form scrolls
        rather than the jobs."""
        timeline_h = self.timeline.sizeHint().height() + 24
        self.resizeDocks([self.docks["Timeline"]], [timeline_h], Qt.Orientation.Vertical)
        prompt, jobs = self.docks["Prompt"], self.docks["Jobs"]
        column = prompt.height() + jobs.height()
        whole_form = self.prompt.sizeHint().height() + self.prompt.footer.sizeHint().height()
        form_h = min(whole_form + 30, column - JOBS_DOCK_HEIGHT)
        self.resizeDocks([prompt, jobs], [form_h, column - form_h], Qt.Orientation.Vertical)

    def reset_layout(self) -> None:
        self.restoreState(self._default_state)
        for dock in self.docks.values():
            dock.show()

    # --- bindings ------------------------------------------------------------------------
    def _update_title(self) -> None:
        folder = self.doc.project.folder
        name = folder.name if folder else "Untitled"
        self.setWindowTitle(f"{name}{' *' if self.doc.dirty else ''} — Lumiere Studio")

    def _update_sequence_label(self) -> None:
        from lumiere_studio.ui.sequence_dialog import describe

        self.sequence_label.setText(describe(self.doc.project.timeline))

    def _update_recent_menu(self) -> None:
        fill_recent_menu(self.recent_menu, self.projects.recent(), self.files.open_recent)

    def _apply_preferences(self) -> None:
        self.queue.worker.sign = self.settings.sign_options()

    def _set_place_over(self, on: bool) -> None:
        self.settings.place_over = on
        self.generation.place_over = on

    # --- dialogs -------------------------------------------------------------------------
    def import_dialog(self) -> None:
        paths = self.files.media_files()
        if paths:
            self.media.import_paths(paths)

    def sequence_settings(self, dialog: Any = None) -> bool:
        """The sequence settings dialog; OK applies them as one undoable step. `dialog` lets
        a test fill one in instead of a person."""
        from lumiere_studio.ui.sequence_dialog import SequenceDialog

        if dialog is None:
            dialog = SequenceDialog(self.doc.project.timeline, self.doc.still_seconds, self)
            if dialog.exec() != SequenceDialog.DialogCode.Accepted:
                return False
        try:
            self.doc.set_sequence(*dialog.values())
        except ValueError as e:
            self.error("Sequence settings", str(e))
            return False
        self.doc.still_seconds = dialog.still_seconds()
        self.settings.still_seconds = self.doc.still_seconds
        return True

    def clip_geometry(self, dialog: Any = None) -> bool:
        """Fit, scale and position of the selected clip; `dialog` lets a test fill one in."""
        from lumiere_studio.ui.clip_dialog import ClipDialog

        found = self.doc.find_clip(self.timeline.selected_clip or "")
        if found is None:
            self.statusBar().showMessage("select a clip on the timeline first", 4000)
            return False
        if dialog is None:
            dialog = ClipDialog(found[1], self)
            if dialog.exec() != ClipDialog.DialogCode.Accepted:
                return False
        self.doc.set_clip_geometry(found[1].id, **dialog.values())
        return True

    def preferences_dialog(self) -> None:
        from lumiere_studio.ui.preferences import PreferencesDialog

        if PreferencesDialog(self.settings, self).exec():
            self._apply_preferences()

    def error(self, title: str, text: str) -> None:
        """Errors go to the status bar and a non-modal box (tests read `last_error`)."""
        self.last_error = text
        self.statusBar().showMessage(f"{title}: {text.splitlines()[0]}", 15000)
        if os.environ.get("QT_QPA_PLATFORM") != "offscreen":
            box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self)
            box.setModal(False)
            box.show()

    def about(self) -> None:
        QMessageBox.about(self, "About Lumiere Studio", about_text(self.models))

    # --- drops and closing ---------------------------------------------------------------
    def dragEnterEvent(self, e: QDragEnterEvent) -> None:  # noqa: N802
        if e.mimeData().hasUrls():
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in e.mimeData().urls() if u.isLocalFile()]
        folders = [p for p in paths if (Path(p) / PROJECT_FILE).is_file()]
        timelines = [p for p in paths if Path(p).suffix.lower() in TIMELINE_SUFFIXES]
        if folders:
            self.projects.open_project(Path(folders[0]))
        elif timelines:
            self.projects.open_timeline(Path(timelines[0]))
        elif paths:
            self.media.import_paths(paths)

    def closeEvent(self, e: QCloseEvent) -> None:  # noqa: N802
        if os.environ.get("QT_QPA_PLATFORM") != "offscreen" and not self.files.confirm_discard():
            e.ignore()
            return
        self.settings.save_layout(self.saveGeometry(), self.saveState())
        self.shutdown()
        e.accept()

    def _load_mask_tracks(self) -> None:
        """Another project: its tracks (as it opened with them) go to the tracking service,
        which then gives them back for its saves and autosaves."""
        project = self.doc.project
        project.collect_tracks = self.mask_tools.tracking.project_tracks
        notes = self.mask_tools.tracking.load_from_project(project)
        if notes:
            self.projects.error.emit("Some mask tracks were not used", "\n".join(notes))

    def shutdown(self) -> None:
        self.mask_tools.tracking.shutdown()
        self.projects.shutdown()
        self.transport.pause()
        self.queue.shutdown()
        self.proxies.shutdown()
        self.frames.shutdown()
        self.thumbs.pool.waitForDone(5000)
        self.engine_log.close()


def action_table(w: MainWindow) -> dict[str, list[Entry]]:
    """The menus: each entry's text, what it does and its key."""
    K = QKeySequence.StandardKey  # noqa: N806
    t, ed, f, g, tools = w.transport, w.editing, w.files, w.generation, w.mask_tools
    undo = w.doc.undo_stack.createUndoAction(w, "&Undo")
    undo.setShortcut(K.Undo)
    redo = w.doc.undo_stack.createRedoAction(w, "&Redo")
    redo.setShortcuts(redo_shortcuts(QKeySequence.keyBindings(K.Redo)))
    fits: list[Entry] = [
        (label, lambda _=False, fit=fit: ed.set_selected_fit(fit), None)
        for fit, label in FIT_LABELS.items()
    ]
    return {
        "&File": [
            ("&New Project", f.new_project, K.New),
            ("&Open Project...", f.open_project, K.Open),
            ("Open &Timeline (OTIO, FCP XML, EDL)...", f.open_timeline, None),
            w.recent_menu,
            ("&Save", f.save, K.Save),
            ("Save &As...", f.save_as, K.SaveAs),
            None,
            ("&Import Media...", w.import_dialog, "Ctrl+I"),
            ("&Export...", w.export_progress.ask, "Ctrl+E"),
            None,
            ("&Quit", w.close, K.Quit),
        ],
        "&Edit": [
            undo,
            redo,
            None,
            ("Add Selected Media to Timeline", ed.add_selected_to_timeline, "Ctrl+Return"),
            ("&Remove Selected Media from Project", ed.remove_selected_media, "Shift+Delete"),
            ("&Split Clip at Playhead", ed.split_at_playhead, "S"),
            ("&Delete Clip", ed.delete_selected_clip, "Delete"),
            ("Set &In Point", ed.set_in, "I"),
            ("Set &Out Point", ed.set_out, "O"),
            ("Clear In/Out", ed.clear_in_out, "Alt+X"),
            ("Se&quence Settings...", lambda: w.sequence_settings(), None),
            fill_menu(QMenu("Clip &Fit", w), fits, w),
            ("Clip &Geometry...", lambda: w.clip_geometry(), None),
            None,
            ("Mask &Brush", lambda: tools.set_tool("brush"), "B"),
            ("Mask &Eraser", lambda: tools.set_tool("eraser"), "E"),
            ("Mask Bo&x (Click to Mask)", lambda: tools.set_tool("box"), "G"),
            ("Smaller Brush", lambda: tools.grow(1 / 1.25), "["),
            ("Larger Brush", lambda: tools.grow(1.25), "]"),
            None,
            ("&Preferences...", w.preferences_dialog, K.Preferences),
        ],
        "&View": [
            ("Play / Pause", t.toggle_play, "Space"),
            ("Play Backwards (J)", lambda: t.shuttle(-1), "J"),
            ("Pause (K)", t.pause, "K"),
            ("Play Forwards (L)", lambda: t.shuttle(1), "L"),
            ("Previous Frame", lambda: t.step(-1), "Left"),
            ("Next Frame", lambda: t.step(1), "Right"),
            ("Go to Start", lambda: t.go_to(0), "Home"),
            ("Go to End", lambda: t.go_to(10**9), "End"),
            None,
            ("Zoom In", lambda: w.viewer.zoom_by(1.25), "Ctrl+="),
            ("Zoom Out", lambda: w.viewer.zoom_by(0.8), "Ctrl+-"),
            ("Fit", lambda: w.viewer.set_zoom(None), "F"),
            ("Timeline Zoom In", lambda: w.timeline.zoom(1.25), "="),
            ("Timeline Zoom Out", lambda: w.timeline.zoom(0.8), "-"),
            None,
            *[d.toggleViewAction() for d in w.docks.values()],
            ("Reset Layout", w.reset_layout, None),
        ],
        "&Generate": [
            ("&Generate", g.generate, "Ctrl+G"),
            ("&Cancel Running Job", g.cancel_running, "Ctrl+."),
            None,
            w.place_over,
        ],
        "&Help": [("&About Lumiere Studio", w.about, None)],
    }


def export_options(settings: AppSettings) -> dict[str, Any]:
    """What each export takes from the preferences: signing and the composite marks."""
    return {"sign": settings.sign_options(), "mark_composites": settings.mark_composites}


def redo_shortcuts(platform: list[QKeySequence]) -> list[QKeySequence]:
    """The platform's Redo keys plus Ctrl+Shift+Z, each once: on X11 Redo already is
    Ctrl+Shift+Z, and a key bound twice to one action is 'ambiguous' and does nothing."""
    keys: list[QKeySequence] = []
    for key in [*platform, QKeySequence("Ctrl+Shift+Z")]:
        if not key.isEmpty() and all(key != k for k in keys):
            keys.append(key)
    return keys


def dock(
    window: QMainWindow,
    area: Qt.DockWidgetArea,
    title: str,
    widget: QWidget,
    scroll: bool = False,
    pin: QWidget | None = None,
) -> QDockWidget:
    """`widget` in a dock of `window` titled `title`, added in `area`. `scroll`: a tall form
    scrolls instead of setting the window's minimum height; `pin` stays below the scrolling
    part, always in view."""
    if scroll:
        scroller = QScrollArea()
        scroller.setWidget(widget)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setMinimumWidth(widget.minimumSizeHint().width() + 16)
        widget = scroller
    if pin is not None:
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(9, 0, 9, 6)
        column.addWidget(widget, 1)
        column.addWidget(pin)
        widget = holder
    dock = QDockWidget(title, window)
    dock.setObjectName(f"dock-{title.lower()}")  # the key of its place in the saved layout
    dock.setWidget(widget)
    window.addDockWidget(area, dock)
    return dock


def fill_menu(menu: QMenu, entries: list[Entry], owner: QWidget) -> QMenu:
    """Add the entries of the action table to `menu`; new actions belong to `owner`."""
    for entry in entries:
        if entry is None:
            menu.addSeparator()
        elif isinstance(entry, QMenu):
            menu.addMenu(entry)
        elif isinstance(entry, QAction):
            menu.addAction(entry)
        else:
            text, slot, shortcut = entry
            action = QAction(text, owner)
            if shortcut is not None:
                action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(slot)
            menu.addAction(action)
    return menu


def setting_action(
    text: str, checked: bool, apply: Callable[[bool], object], owner: QWidget
) -> QAction:
    """A checkable action starting `checked`; `apply` (which keeps the setting) gets the
    state at once and on every change."""
    action = QAction(text, owner)
    action.setCheckable(True)
    action.setChecked(checked)
    apply(checked)
    action.toggled.connect(apply)
    return action


NO_MODEL = (
    "No model installed. Generation needs a model folder (config.json + .safetensors) "
    "in resources/models/, the user data folder, or LUMIERE_STUDIO_MODELS."
)


def about_text(models: list[Any]) -> str:
    from engine.api import __version__

    listed = "\n".join(m.summary() for m in models) or NO_MODEL
    return (
        f"Lumiere Studio {__version__}\n\nA video editor whose engine is a Space-Time "
        f"U-Net video diffusion model (after Lumiere, Bar-Tal et al. 2024).\n\n"
        f"Model(s):\n{listed}\n\nGenerated clips are marked as AI-generated."
    )
