"""The main window: viewer in the middle; media bin, prompt panel, jobs panel, mask tools and
timeline as docks (layout kept in QSettings); menus, shortcuts, playback, projects, autosave
and the glue between the engine thread and the document."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from engine.media.probe import ProbeError, probe
from engine.media.proxy import PROXY_MIN_PIXELS, needs_proxy
from engine.timeline import STILL_SECONDS
from lumiere_studio.controllers.exporting import ExportController
from lumiere_studio.controllers.generation import GenerationController, find_models
from lumiere_studio.controllers.projects import TIMELINE_SUFFIXES, ProjectController
from lumiere_studio.controllers.transport import Transport
from lumiere_studio.engine_thread import JobQueue, open_queue_store
from lumiere_studio.model.document import Document
from lumiere_studio.model.project import MediaItem
from lumiere_studio.ui.clip_dialog import FIT_LABELS
from lumiere_studio.ui.export_progress import ExportProgress
from lumiere_studio.ui.file_dialogs import FileDialogs, fill_recent_menu
from lumiere_studio.ui.frames import FrameServer
from lumiere_studio.ui.generation_binding import (
    PromptSettings,
    variations_asker,
    viewer_selection,
)
from lumiere_studio.ui.jobs_panel import JOBS_DOCK_HEIGHT, JobsPanel
from lumiere_studio.ui.mask_tools import MaskTools
from lumiere_studio.ui.media_bin import MediaBin
from lumiere_studio.ui.playheads import SequencePlayhead, SourcePlayhead
from lumiere_studio.ui.prompt_panel import PromptPanel
from lumiere_studio.ui.proxies import ProxyManager
from lumiere_studio.ui.thumbnails import Thumbnailer
from lumiere_studio.ui.timeline_view import TimelineView
from lumiere_studio.ui.viewer import Viewer


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, recovery_root: Path | None = None):
        super().__init__()
        self.settings = settings or QSettings("lumiere-studio", "Lumiere Studio")
        self.doc = Document()
        self.projects = ProjectController(self.doc, self.settings, recovery_root, self)
        self.files = FileDialogs(self, self.projects)
        store, queue_problem = open_queue_store()
        self.queue = JobQueue(self, store=store)
        self.frames = FrameServer(self)
        self.thumbs = Thumbnailer(self)
        self.proxies = ProxyManager(self)
        self.proxy_min_pixels = PROXY_MIN_PIXELS

        self.viewer = Viewer(self.doc, self.frames)
        self.setCentralWidget(self.viewer)
        self.bin = MediaBin(self.doc, self.thumbs)
        self.prompt = PromptPanel()
        self.jobs = JobsPanel(self.queue)
        if queue_problem:
            self.jobs.show_notice(queue_problem)
        self.timeline = TimelineView(self.doc, self.thumbs)
        self.mask_tools = MaskTools(self.viewer, self.doc)
        self.transport = Transport(SourcePlayhead(self.viewer),
                                   SequencePlayhead(self.doc, self.timeline), self)  # fmt: skip
        self.generation = GenerationController(
            self.doc, self.queue, self.projects.scratch, PromptSettings(self.prompt),
            lambda: viewer_selection(self.viewer, self.transport), self)  # fmt: skip
        self.generation.ask_specs = variations_asker(self)
        self.exporting = ExportController(self.doc, self.settings, self)
        self.export_progress = ExportProgress(self.exporting, self.files, self)
        self.docks: dict[str, QDockWidget] = {}
        self._dock("Media", self.bin, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("Mask", self.mask_tools, Qt.DockWidgetArea.LeftDockWidgetArea, scroll=True)
        self._dock("Prompt", self.prompt, Qt.DockWidgetArea.RightDockWidgetArea, scroll=True,
                   pinned=self.prompt.footer)  # fmt: skip
        self._dock("Jobs", self.jobs, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("Timeline", self.timeline, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.busy = QProgressBar()
        self.busy.setMaximumWidth(160)
        self.busy.setRange(0, 0)
        self.busy.hide()
        self.statusBar().addPermanentWidget(self.busy)
        self.sequence_label = QPushButton()
        self.sequence_label.setFlat(True)
        self.sequence_label.setToolTip("Sequence size and rate (click to change)")
        self.sequence_label.clicked.connect(lambda: self.sequence_settings())
        self.statusBar().addPermanentWidget(self.sequence_label)
        self.doc.still_seconds = float(self.settings.value("timeline/still_seconds",
                                                           STILL_SECONDS))  # fmt: skip


        self._build_menus()
        self._apply_preferences()
        self._connect()
        self.setAcceptDrops(True)
        self.resize(1440, 900)
        self._load_models()
        self._restore_layout()
        self._update_title()
        self._update_sequence_label()

    # --- construction --------------------------------------------------------------------
    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea,
              scroll: bool = False, pinned: QWidget | None = None) -> None:  # fmt: skip
        """`scroll`: a tall form scrolls instead of setting the window's minimum height;
        `pinned` stays below the scrolling part, always in view."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")
        if scroll:
            area_widget = QScrollArea()
            area_widget.setWidget(widget)
            area_widget.setWidgetResizable(True)
            area_widget.setFrameShape(QFrame.Shape.NoFrame)
            area_widget.setMinimumWidth(widget.minimumSizeHint().width() + 16)
            widget = area_widget
        if pinned is not None:
            holder = QWidget()
            column = QVBoxLayout(holder)
            column.setContentsMargins(9, 0, 9, 6)
            column.addWidget(widget, 1)
            column.addWidget(pinned)
            widget = holder
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[title] = dock

    def _action(self, menu, text: str, slot, shortcut=None, context_widget=False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        mb = self.menuBar()
        f = mb.addMenu("&File")
        K = QKeySequence.StandardKey  # noqa: N806
        self._action(f, "&New Project", self.files.new_project, K.New)
        self._action(f, "&Open Project...", self.files.open_project, K.Open)
        self._action(f, "Open &Timeline (OTIO, FCP XML, EDL)...", self.files.open_timeline)
        self.recent_menu = f.addMenu("Open &Recent")
        self._action(f, "&Save", self.files.save, K.Save)
        self._action(f, "Save &As...", self.files.save_as, K.SaveAs)
        f.addSeparator()
        self._action(f, "&Import Media...", self.import_dialog, "Ctrl+I")
        self._action(f, "&Export...", self.export_progress.ask, "Ctrl+E")
        f.addSeparator()
        self._action(f, "&Quit", self.close, K.Quit)

        e = mb.addMenu("&Edit")
        undo = self.doc.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(K.Undo)
        redo = self.doc.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts(redo_shortcuts(QKeySequence.keyBindings(K.Redo)))
        e.addAction(undo)
        e.addAction(redo)
        e.addSeparator()
        self._action(
            e, "Add Selected Media to Timeline", self.add_selected_to_timeline, "Ctrl+Return"
        )
        self._action(e, "&Split Clip at Playhead", self.split_at_playhead, "S")
        self._action(e, "&Delete Clip", self.delete_selected_clip, "Delete")
        self._action(e, "Set &In Point", self.set_in, "I")
        self._action(e, "Set &Out Point", self.set_out, "O")
        self._action(e, "Clear In/Out", lambda: self.doc.set_in_out(None, None), "Alt+X")
        self._action(e, "Se&quence Settings...", lambda: self.sequence_settings())
        fit_menu = e.addMenu("Clip &Fit")
        for fit, label in FIT_LABELS.items():
            self._action(fit_menu, label, lambda _=False, fit=fit: self.set_selected_fit(fit))
        self._action(e, "Clip &Geometry...", lambda: self.clip_geometry())
        e.addSeparator()
        self._action(e, "Mask &Brush", lambda: self.mask_tools.set_tool("brush"), "B")
        self._action(e, "Mask &Eraser", lambda: self.mask_tools.set_tool("eraser"), "E")
        self._action(e, "Smaller Brush", lambda: self.mask_tools.grow(1 / 1.25), "[")
        self._action(e, "Larger Brush", lambda: self.mask_tools.grow(1.25), "]")
        e.addSeparator()
        self._action(e, "&Preferences...", self.preferences_dialog, K.Preferences)

        v = mb.addMenu("&View")
        t = self.transport
        self._action(v, "Play / Pause", t.toggle_play, "Space")
        self._action(v, "Play Backwards (J)", lambda: t.shuttle(-1), "J")
        self._action(v, "Pause (K)", t.pause, "K")
        self._action(v, "Play Forwards (L)", lambda: t.shuttle(1), "L")
        self._action(v, "Previous Frame", lambda: t.step(-1), "Left")
        self._action(v, "Next Frame", lambda: t.step(1), "Right")
        self._action(v, "Go to Start", lambda: t.go_to(0), "Home")
        self._action(v, "Go to End", lambda: t.go_to(10**9), "End")
        v.addSeparator()
        self._action(v, "Zoom In", lambda: self.viewer.zoom_by(1.25), "Ctrl+=")
        self._action(v, "Zoom Out", lambda: self.viewer.zoom_by(0.8), "Ctrl+-")
        self._action(v, "Fit", lambda: self.viewer.set_zoom(None), "F")
        self._action(v, "Timeline Zoom In", lambda: self.timeline.zoom(1.25), "=")
        self._action(v, "Timeline Zoom Out", lambda: self.timeline.zoom(0.8), "-")
        v.addSeparator()
        for dock in self.docks.values():
            v.addAction(dock.toggleViewAction())
        self._action(v, "Reset Layout", self.reset_layout)

        g = mb.addMenu("&Generate")
        self._action(g, "&Generate", self.generation.generate, "Ctrl+G")
        self._action(g, "&Cancel Running Job", self.generation.cancel_running, "Ctrl+.")
        g.addSeparator()
        self.place_over = QAction("Place Results Over Their Source (else at the End)", self)
        self.place_over.setCheckable(True)
        self.place_over.toggled.connect(self._place_over)
        self.place_over.setChecked(self.settings.value("generate/place_over", False, bool))
        g.addAction(self.place_over)

        h = mb.addMenu("&Help")
        self._action(h, "&About Lumiere Studio", self.about)
        self._update_recent_menu()

    def _connect(self) -> None:
        self.bin.media_selected.connect(self._bin_selected)
        self.bin.media_activated.connect(lambda mid: self.doc.add_to_timeline(mid))
        self.timeline.playhead_changed.connect(self._playhead_moved)
        self.transport.stopped.connect(lambda: self.viewer.seek(self.viewer.frame))
        self.prompt.generate_requested.connect(self.generation.generate)
        self.jobs.edit_requested.connect(self.generation.take_back)
        self.jobs.variations_requested.connect(lambda: self.generation.queue_variations())
        self.generation.error.connect(self.error)
        self.exporting.error.connect(self.error)
        self.exporting.status.connect(self.statusBar().showMessage)
        self.generation.status.connect(self.statusBar().showMessage)
        self.generation.queued.connect(lambda _ids: self.docks["Jobs"].raise_())
        self.generation.added.connect(self._prepare_media)
        self.generation.taken_back.connect(self.prompt.apply_job)
        self.generation.taken_back.connect(lambda _job: self.docks["Prompt"].raise_())
        self.doc.dirty_changed.connect(lambda _d: self._update_title())
        self.doc.changed.connect(self._update_title)
        self.projects.error.connect(self.error)
        self.projects.status.connect(self.statusBar().showMessage)
        self.projects.replaced.connect(self._project_replaced)
        self.projects.recent_changed.connect(self._update_recent_menu)
        self.doc.changed.connect(lambda: self.prompt.set_history(self.doc.project.history))
        self.doc.changed.connect(self._update_sequence_label)
        self.doc.changed.connect(self._sequence_changed)
        self.viewer.message.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.thumbs.pending_changed.connect(lambda _n: self._background_pending())
        self.proxies.pending_changed.connect(lambda _n: self._background_pending())
        self.proxies.ready.connect(self.frames.set_proxy)
        self.proxies.failed.connect(
            lambda src, msg: self.statusBar().showMessage(f"no proxy, decoding the original: "
                                                          f"{msg}", 8000))  # fmt: skip
        self.proxies.progress.connect(
            lambda src, i, n: self.statusBar().showMessage(
                f"making proxy of {Path(src).name}: {i}/{n or '?'} frames", 2000))  # fmt: skip
        self.viewer.frame_shown.connect(lambda _n: self._update_source_label())
        self.doc.mask_changed.connect(lambda _m: self._update_source_label())

    def _load_models(self) -> None:
        self.models, notes = find_models()
        for note in notes:  # each replaces the one before: the last says the most
            self.statusBar().showMessage(note)
        self.prompt.set_models(self.models)

    # --- layout --------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        self._default_state = self.saveState()
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
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

    def _update_title(self) -> None:
        folder = self.doc.project.folder
        name = folder.name if folder else "Untitled"
        self.setWindowTitle(f"{name}{' *' if self.doc.dirty else ''} — Lumiere Studio")

    def _update_sequence_label(self) -> None:
        from lumiere_studio.ui.sequence_dialog import describe

        self.sequence_label.setText(describe(self.doc.project.timeline))

    def _sequence_changed(self) -> None:
        """An edit may move what the viewer shows of the sequence: show it again."""
        if self.transport.mode == "timeline":
            self._playhead_moved(self.timeline.playhead)

    def sequence_settings(self, dialog=None) -> bool:
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
        self.settings.setValue("timeline/still_seconds", self.doc.still_seconds)
        return True

    def _background_pending(self) -> None:
        thumbs, proxies = self.thumbs.pending_count(), len(self.proxies._pending)
        self.busy.setVisible(thumbs + proxies > 0)
        if thumbs:
            self.statusBar().showMessage(f"making thumbnails ({thumbs} left)", 2000)

    def _prepare_media(self, item: MediaItem) -> None:
        """Background work for a new media item: thumbnail, filmstrip, proxy."""
        path = str(self.doc.project.resolve(item.path))
        if not Path(path).is_file():  # gone, or a device or pipe a project file named
            return
        self.thumbs.get(path)
        info = item.media_info
        if needs_proxy(info.kind, info.width, info.height, self.proxy_min_pixels):
            self.proxies.request(path)

    # --- media ---------------------------------------------------------------------------
    def import_dialog(self) -> None:
        paths = self.files.media_files()
        if paths:
            self.import_paths(paths)

    def import_paths(self, paths: list[str]) -> list[MediaItem]:
        """Probe and import; broken or unsupported files are reported and skipped."""
        infos, errors = [], []
        for path in paths:
            try:
                infos.append(probe(path))
            except ProbeError as e:
                errors.append(str(e))
        items = self.doc.import_media(infos)
        for item in items:
            self._prepare_media(item)
        if items:
            self.bin.select_media(items[-1].id)
            self.statusBar().showMessage(f"imported {len(items)} file(s)", 5000)
        if errors:
            self.error("Some files could not be imported", "\n".join(errors))
        return items

    def dragEnterEvent(self, e: QDragEnterEvent) -> None:  # noqa: N802
        if e.mimeData().hasUrls():
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in e.mimeData().urls() if u.isLocalFile()]
        folders = [p for p in paths if (Path(p) / "project.lumiere.json").is_file()]
        timelines = [p for p in paths if Path(p).suffix.lower() in TIMELINE_SUFFIXES]
        if folders:
            self.projects.open_project(Path(folders[0]))
        elif timelines:
            self.projects.open_timeline(Path(timelines[0]))
        elif paths:
            self.import_paths(paths)

    def _bin_selected(self, media_id: str) -> None:
        self.transport.mode = "source"
        self.viewer.show_media(media_id, 0)
        self.mask_tools.refresh()
        self._update_source_label()

    def add_selected_to_timeline(self) -> None:
        mid = self.bin.current_media_id()
        if mid:
            self.doc.add_to_timeline(mid)

    # --- timeline & playback -------------------------------------------------------------
    def _playhead_moved(self, frame: int) -> None:
        """The viewer shows the sequence at the playhead: the top clip's picture placed in the
        sequence's frame, or the background over a gap."""
        from engine.export.render import clip_at
        from lumiere_studio.ui.viewer import SequenceView

        self.transport.mode = "timeline"
        tl = self.doc.project.timeline
        clip = clip_at(tl, frame)
        view = SequenceView(clip, frame, (tl.width, tl.height), tl.rate, tl.background)
        item = self.doc.project.media_by_path(clip.media) if clip is not None else None
        refine = not self.transport.playing  # playback: proxy frames are enough
        source_frame = clip.source_frame(frame, tl.rate) if clip is not None else 0
        self.viewer.show_sequence(view, item.id if item else None, source_frame, refine)
        self.mask_tools.refresh()
        self._update_source_label()

    def split_at_playhead(self) -> None:
        cid = self.timeline.selected_clip
        tl = self.doc.project.timeline
        ph = self.timeline.playhead
        candidates = [c for t in tl.tracks for c in t.clips if c.start < ph < c.end]
        target = next((c for c in candidates if c.id == cid), candidates[0] if candidates else None)
        if target is not None:
            self.doc.split_clip(target.id, ph)

    def set_selected_fit(self, fit: str) -> None:
        if self.timeline.selected_clip:
            self.doc.set_clip_geometry(self.timeline.selected_clip, fit=fit)

    def clip_geometry(self, dialog=None) -> bool:
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

    def delete_selected_clip(self) -> None:
        if self.timeline.selected_clip:
            self.doc.delete_clip(self.timeline.selected_clip)
            self.timeline.selected_clip = None

    def set_in(self) -> None:
        self.doc.set_in_out(in_point=self.transport.position())

    def set_out(self) -> None:
        self.doc.set_in_out(out_point=self.transport.position() + 1)

    def _update_source_label(self) -> None:
        self.prompt.set_source_text(self.generation.source_text())

    def _place_over(self, on: bool) -> None:
        self.generation.place_over = on
        self.settings.setValue("generate/place_over", on)

    # --- projects ------------------------------------------------------------------------
    def _project_replaced(self) -> None:
        project = self.doc.project
        self.viewer.show_media(project.media[0].id if project.media else None)
        for m in project.media:
            self._prepare_media(m)

    def _update_recent_menu(self) -> None:
        fill_recent_menu(self.recent_menu, self.projects.recent(), self.files.open_recent)

    def offer_recovery(self) -> bool:
        return self.projects.offer_recovery(self.files.ask_recover)

    # --- preferences ---------------------------------------------------------------------
    def preferences_dialog(self) -> None:
        from lumiere_studio.ui.preferences import PreferencesDialog

        if PreferencesDialog(self.settings, self).exec():
            self._apply_preferences()

    def _apply_preferences(self) -> None:
        from lumiere_studio.ui.preferences import sign_options

        self.queue.worker.sign = sign_options(self.settings)

    # --- export --------------------------------------------------------------------------
    def export_to(self, out: Path, fmt: str = "h264") -> tuple[Any, ...] | None:
        """Export the timeline to `out`: (worker, thread, progress dialog), None if empty."""
        return self.export_progress.export_to(out, fmt)

    # --- misc ----------------------------------------------------------------------------
    def error(self, title: str, text: str) -> None:
        """Errors go to the status bar and a non-modal box (tests read `last_error`)."""
        self.last_error = text
        self.statusBar().showMessage(f"{title}: {text.splitlines()[0]}", 15000)
        if os.environ.get("QT_QPA_PLATFORM") != "offscreen":
            box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self)
            box.setModal(False)
            box.show()

    def about(self) -> None:
        models = "\n".join(m.summary() for m in self.models) or (
            "No model installed. Generation needs a model folder (config.json + .safetensors) "
            "in resources/models/, the user data folder, or LUMIERE_STUDIO_MODELS."
        )
        from engine import __version__

        QMessageBox.about(self, "About Lumiere Studio", (
            f"Lumiere Studio {__version__}\n\nA video editor whose engine is a Space-Time "
            f"U-Net video diffusion model (after Lumiere, Bar-Tal et al. 2024).\n\n"
            f"Model(s):\n{models}\n\nGenerated clips are marked as AI-generated."
        ))  # fmt: skip

    def closeEvent(self, e: QCloseEvent) -> None:  # noqa: N802
        if os.environ.get("QT_QPA_PLATFORM") != "offscreen" and not self.files.confirm_discard():
            e.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.shutdown()
        e.accept()

    def shutdown(self) -> None:
        self.projects.shutdown()
        self.transport.pause()
        self.queue.shutdown()
        self.proxies.shutdown()
        self.frames.shutdown()
        self.thumbs.pool.waitForDone(5000)


def redo_shortcuts(platform: list[QKeySequence]) -> list[QKeySequence]:
    """The platform's Redo keys plus Ctrl+Shift+Z, each once: on X11 Redo already is
    Ctrl+Shift+Z, and a key bound twice to one action is 'ambiguous' and does nothing."""
    keys: list[QKeySequence] = []
    for key in [*platform, QKeySequence("Ctrl+Shift+Z")]:
        if not key.isEmpty() and all(key != k for k in keys):
            keys.append(key)
    return keys




