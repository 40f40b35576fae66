"""The main window: viewer in the middle; media bin, prompt panel, jobs panel, mask tools and
timeline as docks (layout kept in QSettings); menus, shortcuts, playback, projects, autosave
and the glue between the engine thread and the document."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np
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
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from engine.jobs import JobError
from engine.media.probe import ProbeError, probe
from engine.media.proxy import PROXY_MIN_PIXELS, needs_proxy
from engine.tempfiles import atomic_write_bytes
from engine.timeline import STILL_SECONDS, Timeline
from lumiere_studio.controllers.projects import TIMELINE_SUFFIXES, ProjectController
from lumiere_studio.controllers.transport import Transport
from lumiere_studio.engine_thread import JobQueue, open_queue_store
from lumiere_studio.model.document import Document
from lumiere_studio.model.project import MediaItem
from lumiere_studio.ui.clip_dialog import FIT_LABELS
from lumiere_studio.ui.file_dialogs import FileDialogs, fill_recent_menu
from lumiere_studio.ui.frames import FrameServer
from lumiere_studio.ui.jobs_panel import JOBS_DOCK_HEIGHT, JobsPanel
from lumiere_studio.ui.mask_tools import MaskTools
from lumiere_studio.ui.media_bin import MediaBin
from lumiere_studio.ui.playheads import SequencePlayhead, SourcePlayhead
from lumiere_studio.ui.prompt_panel import NEEDS_IMAGE, PromptPanel
from lumiere_studio.ui.proxies import ProxyManager
from lumiere_studio.ui.thumbnails import Thumbnailer
from lumiere_studio.ui.timeline_view import TimelineView
from lumiere_studio.ui.viewer import Viewer


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, recovery_root: Path | None = None):
        super().__init__()
        self._export: tuple | None = None  # (worker, thread, progress dialog) of the export
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
        self._job_sources: dict[int, dict | None] = {}  # job id -> the source it was made from
        self._origin: dict | None = None

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
        self._action(f, "&Export...", self.export_dialog, "Ctrl+E")
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
        self._action(g, "&Generate", self.generate, "Ctrl+G")
        self._action(g, "&Cancel Running Job", self.cancel_running, "Ctrl+.")
        g.addSeparator()
        self.place_over = QAction("Place Results Over Their Source (else at the End)", self)
        self.place_over.setCheckable(True)
        self.place_over.setChecked(self.settings.value("generate/place_over", False, bool))
        self.place_over.toggled.connect(lambda on: self.settings.setValue("generate/place_over",
                                                                          on))  # fmt: skip
        g.addAction(self.place_over)

        h = mb.addMenu("&Help")
        self._action(h, "&About Lumiere Studio", self.about)
        self._update_recent_menu()

    def _connect(self) -> None:
        self.bin.media_selected.connect(self._bin_selected)
        self.bin.media_activated.connect(lambda mid: self.doc.add_to_timeline(mid))
        self.timeline.playhead_changed.connect(self._playhead_moved)
        self.transport.stopped.connect(lambda: self.viewer.seek(self.viewer.frame))
        self.prompt.generate_requested.connect(self.generate)
        self.queue.job_done.connect(self._job_done)
        self.queue.job_failed.connect(self._job_failed)
        self.queue.changed.connect(self._job_changed)
        self.jobs.edit_requested.connect(self.edit_queued_job)
        self.jobs.variations_requested.connect(self.queue_variations)
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
        from engine.checkpoints import scan_models

        try:
            self.models, broken = scan_models()
        except Exception as e:  # a malformed models folder must not stop the app
            self.models, broken = [], []
            self.statusBar().showMessage(f"models could not be listed: {e}")
        if broken:  # each broken folder is named with its reason; the others still work
            self.statusBar().showMessage("; ".join(f"model {b.name} is broken: {b.reason}"
                                                   for b in broken))  # fmt: skip
        self.prompt.set_models(self.models)
        if not self.models:
            self.statusBar().showMessage(
                "No model installed: generation is off. Put a model folder in resources/models/ "
                "or set LUMIERE_STUDIO_MODELS (see Help > About)."
            )

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

    # --- generation ----------------------------------------------------------------------
    def _output_dir(self) -> Path:
        folder = self.doc.project.folder
        out = (folder / "generated") if folder else (self.projects.scratch / "generated")
        out.mkdir(parents=True, exist_ok=True)
        return out

    def _update_source_label(self) -> None:
        item = self.doc.project.media_by_id(self.viewer.media_id or "")
        text = "source: none (text to video needs none)"
        if item is not None:
            mask = self.doc.project.masks.get(item.id)
            has_mask = "with mask" if mask is not None and mask.any() else "no mask"
            text = f"source: {item.name}, frame {self.viewer.frame}, {has_mask}"
        self.prompt.set_source_text(text)

    def _write_png(self, pixels: np.ndarray, name: str) -> str:
        import io

        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(pixels).save(buf, format="PNG")
        path = self._output_dir().parent / "masks" / name if self.doc.project.folder else (
            self.projects.scratch / name)  # fmt: skip
        atomic_write_bytes(path, buf.getvalue())
        return str(path)

    def build_job(self):
        """The job for the prompt panel's settings and the current clip, range and mask."""
        item = self.doc.project.media_by_id(self.viewer.media_id or "")
        task = self.prompt.task_key()
        self._origin = None
        source = kind = None
        start = self.viewer.frame
        count = None
        mask_png = None
        from_frame = 0
        if item is not None:
            source = str(self.doc.project.resolve(item.path))
            kind = item.media_info.kind
            pin, pout = self.doc.project.in_point, self.doc.project.out_point
            in_source = self.transport.mode == "source"
            if in_source and pin is not None and pout is not None and pout > pin:
                start, count = pin, pout - pin
            if task != "t2v":
                self._origin = {"media": item.path, "frame": start}
            if task in NEEDS_IMAGE and kind == "video" and self.viewer.image is not None:
                if not self.viewer.image_full:
                    raise JobError(
                        "The full-resolution frame is still being decoded "
                        "(the viewer shows a proxy); try again in a moment."
                    )
                from lumiere_studio.ui.frames import qimage_to_array

                source = self._write_png(qimage_to_array(self.viewer.image),
                                         f"still-{uuid.uuid4().hex[:8]}.png")  # fmt: skip
            mask = self.doc.project.masks.get(item.id)
            if mask is not None and mask.any():
                mask_png = self._write_png(
                    mask.pixels, f"mask-{item.id}-{uuid.uuid4().hex[:6]}.png"
                )
                meta = self.doc.project.mask_meta.get(item.id)
                from_frame = max(0, (meta.from_frame if meta else 0) - start)
        job = self.prompt.build_job(source, start, count if task != "t2v" else None,
                                    mask_png, from_frame)  # fmt: skip
        auto = not (self.prompt.out_width.value() or self.prompt.out_height.value())
        return fit_to_sequence(job, self.sequence_defaults(), auto)

    def sequence_defaults(self) -> dict:
        """What a new generation defaults to so that it fits the sequence: its frame size and
        exact rate (the prompt panel's output-size control defaults to these)."""
        tl = self.doc.project.timeline
        return {"width": tl.width, "height": tl.height, "rate": tl.rate,
                "settled": tl.settled}  # fmt: skip

    def generate(self) -> int | None:
        try:
            job = self.build_job()
        except JobError as e:
            self.error("Cannot generate", str(e))
            return None
        out = self._output_dir() / f"gen-{job.task}-{job.seed}-{uuid.uuid4().hex[:6]}.mp4"
        jid = self.queue.submit(job, out)
        self._job_sources[jid] = self._origin
        self.docks["Jobs"].raise_()
        self.statusBar().showMessage(f"job #{jid} queued", 4000)
        return jid

    def queue_variations(self, specs: list[str] | None = None) -> list[int]:
        """Queue the prompt panel's job over the product of sweep values (a dialog asks for
        them unless `specs` are given), as `lumiere-studio batch --sweep` does."""
        from engine.batch.jobfile import BatchError
        from engine.batch.sweep import expand
        from lumiere_studio.ui.variations_dialog import VariationsDialog

        try:
            job = self.build_job()
            if specs is None:
                dialog = VariationsDialog(job, self)
                if not dialog.exec():
                    return []
                specs = dialog.lines()
            jobs = expand(job, specs)
        except (JobError, BatchError) as e:
            self.error("Cannot queue variations", str(e))
            return []
        ids = [self.queue.submit(j, self._output_dir() / f"gen-{j.task}-{j.seed}-"
                                 f"{uuid.uuid4().hex[:6]}.mp4") for j in jobs]  # fmt: skip
        self.docks["Jobs"].raise_()
        self.statusBar().showMessage(f"{len(ids)} variations queued", 4000)
        return ids

    def edit_queued_job(self, job_id: int) -> None:
        """A queued job's settings go back to the prompt panel; the job leaves the queue
        (cancelled, so it can still be retried) and Generate queues the edited one."""
        entry = self.queue.entries.get(job_id)
        if entry is None:
            return
        self.prompt.apply_job(entry.job.to_dict())
        self.queue.cancel(job_id, message="taken out to edit; Generate queues the edited job")
        self.docks["Prompt"].raise_()

    def cancel_running(self) -> None:
        running = self.queue.running
        if running is not None:
            self.queue.cancel(running.id)

    def _job_changed(self, job_id: int) -> None:
        entry = self.queue.entries.get(job_id)
        if entry is not None and entry.state == "running":
            self.statusBar().showMessage(f"job #{job_id}: {entry.message}", 3000)

    def _job_done(self, job_id: int) -> None:
        entry = self.queue.entries[job_id]
        path = entry.result["path"]
        try:
            info = probe(path)
        except ProbeError as e:
            self.error("The generated file could not be read", str(e))
            return
        item = MediaItem(
            path=self.doc.project.relative(path), info=info.to_dict(), name=Path(path).name,
            generated=True, job=entry.job.to_dict(), model_name=entry.result["model_name"],
            model_hash=entry.result["model_hash"],
        )  # fmt: skip
        origin = self._job_sources.pop(job_id, None)
        self.doc.add_generated(item, entry.job.to_dict(), origin, self.place_over.isChecked())
        self._prepare_media(item)
        notes = "; ".join(entry.result.get("notes", []))
        self.statusBar().showMessage(f"job #{job_id} done: {item.name} {notes}", 8000)

    def _job_failed(self, job_id: int, message: str) -> None:
        self.statusBar().showMessage(f"job #{job_id} failed: {message}", 15000)

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
    def export_dialog(self) -> None:
        from lumiere_studio.export import EXPORT_FORMATS, format_for_filter, target_path

        filters = ";;".join(text for _fmt, text, _suffix in EXPORT_FORMATS)
        path, chosen = self.files.save_file("Export timeline", "timeline.mp4", filters)
        if path:
            fmt, suffix = format_for_filter(chosen)
            self.export_to(target_path(path, suffix), fmt=fmt)

    def export_to(self, out: Path, fmt: str = "h264"):
        from lumiere_studio.export import ExportWorker, start_export

        tl = self.doc.project.timeline
        if not tl.duration:
            self.error("Nothing to export", "The timeline is empty.")
            return None
        first = self.doc.project.in_point or 0
        last = self.doc.project.out_point or tl.duration
        base = self.doc.project.folder or Path.cwd()  # relative media paths need a folder
        from lumiere_studio.ui.preferences import mark_composites, sign_options

        worker = ExportWorker(_detached(tl), base, out, first, last, fmt,
                              sign=sign_options(self.settings),
                              mark_composites=mark_composites(self.settings))  # fmt: skip
        dialog = QProgressDialog(f"Exporting {out.name}", "Cancel", 0, last - first, self)
        # Not modal: the export works on a detached copy of the timeline, so editing can go on
        # (and a modal QProgressDialog would run the event loop inside every setValue()).
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setMinimumDuration(500)
        dialog.canceled.connect(worker.cancel.set)
        # Bound methods of this window (not lambdas) so Qt queues the calls onto the GUI
        # thread: a lambda would run on the export thread and touch widgets from there.
        worker.progress.connect(self._export_progress)
        worker.finished.connect(self._export_finished)
        worker.failed.connect(self._export_failed)
        worker.cancelled.connect(self._export_cancelled)
        self._export = (worker, start_export(worker), dialog)
        return self._export

    def _export_progress(self, done: int, total: int) -> None:
        if self._export:
            self._export[2].setValue(done)

    def _export_finished(self, path: str) -> None:
        if self._export:
            self._export[2].reset()
        self.statusBar().showMessage(f"exported {path}", 8000)

    def _export_failed(self, message: str) -> None:
        if self._export:
            self._export[2].reset()
        self.error("Export failed", message)

    def _export_cancelled(self) -> None:
        self.statusBar().showMessage("export cancelled", 5000)

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


def fit_to_sequence(job, sequence: dict, size_is_auto: bool = True):
    """Generation fits the sequence: a text-to-video job the prompt panel left without an output
    size is made at the largest size of the model's aspect that fits the sequence's frame (so
    the clip fills it, or is letterboxed, and is never stretched), through SSR, once the
    sequence has a size of its own (a real clip or the settings chose it). Jobs from a source
    keep the source's size; the rate stays the model's, since the timeline places the result by
    time whatever its rate. `size_is_auto`: the prompt panel's size control is on auto (its own
    auto, the model's largest untiled size, applies until the sequence has a size)."""
    if job.task != "t2v" or not sequence["settled"] or not size_is_auto:
        return job
    from engine.checkpoints import ModelError, list_models, read_model_info

    try:
        info = read_model_info(Path(job.model)) if job.model else next(iter(list_models()))
    except (ModelError, OSError, StopIteration):
        return job
    w, h = fitted_size(info.native_width, info.native_height, sequence["width"],
                       sequence["height"])  # fmt: skip
    job.width, job.height = w, h
    job.validate()
    return job


def fitted_size(model_w: int, model_h: int, frame_w: int, frame_h: int,
                largest: int = 4096) -> tuple[int, int]:  # fmt: skip
    """The largest even size of the model's aspect inside the frame (and the engine's limit)."""
    scale = min(frame_w / model_w, frame_h / model_h, largest / max(model_w, model_h))
    return max(8, int(model_w * scale) // 2 * 2), max(8, int(model_h * scale) // 2 * 2)


def _detached(tl: Timeline) -> Timeline:
    """A copy, so edits made during an export do not change what is being written."""
    return Timeline.from_dict(tl.to_dict())


