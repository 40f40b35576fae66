"""Mask tools for the viewer: brush / eraser, size, hardness, overlay opacity, invert / clear /
fill, the frame the mask applies from; the box tool (click to mask) and tracking the mask
through the clip (forward, backward, both; progress and cancel), both run by the tracking
service's worker thread."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QWidget,
)

from lumiere_studio.model.document import Document
from lumiere_studio.model.masks import Patch
from lumiere_studio.services.frames import qimage_to_array
from lumiere_studio.services.mask_tracking import MaskTracking, TrackRun
from lumiere_studio.services.motion_preview import MotionPreview
from lumiere_studio.ui.theme import ACCENT
from lumiere_studio.ui.viewer import Viewer

TOOLS = ("off", "brush", "eraser", "box", "arrow", "pin", "freeze")
Point = tuple[int, int]
GrabInput = tuple[str | None, int, tuple[int, int, int, int] | None, list[Point], list[Point]]


def _changed(run: TrackRun) -> bool:
    return run.keys_before != run.keys_after or any(
        run.before[f] is not run.after[f] for f in run.before
    )


class TrackCommand(QUndoCommand):
    """A tracking run as one undo step: undo puts back the frames and keyframes it changed."""

    def __init__(self, tracking: MaskTracking, run: TrackRun, text: str) -> None:
        super().__init__(text)
        self.tracking, self.run = tracking, run
        self._done = True  # pushed after the run: the first redo has nothing to do

    def undo(self) -> None:
        self.tracking.restore(self.run.media_id, self.run.before, self.run.keys_before)

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self.tracking.restore(self.run.media_id, self.run.after, self.run.keys_after)


class MaskTools(QWidget):
    def __init__(
        self,
        viewer: Viewer,
        doc: Document,
        parent: QWidget | None = None,
        tracking: MaskTracking | None = None,
    ) -> None:
        super().__init__(parent)
        self.viewer, self.doc = viewer, doc
        self.tracking = tracking or MaskTracking(self)
        viewer.tracking = self.tracking
        self.off = QPushButton("Off")
        self.brush = QPushButton("Brush (B)")
        self.eraser = QPushButton("Eraser (E)")
        self.box = QPushButton("Box (G)")
        self.box.setToolTip("Drag a box around an object: GrabCut masks it (click to mask)")
        self.arrow = QPushButton("Arrow")
        self.arrow.setToolTip(
            "Cinemagraph motion: drag from a point to where its pixels go over the loop "
            "(right-click an arrow to remove it)"
        )
        self.pin = QPushButton("Pin")
        self.pin.setToolTip("Cinemagraph: click what must hold still (right-click to remove)")
        self.freeze = QPushButton("Freeze")
        self.freeze.setToolTip(
            "Cinemagraph: paint strokes where nothing moves, at the brush's size "
            "(right-click a stroke to remove it)"
        )
        self.buttons = {
            "off": self.off,
            "brush": self.brush,
            "eraser": self.eraser,
            "box": self.box,
            "arrow": self.arrow,
            "pin": self.pin,
            "freeze": self.freeze,
        }
        self.group = QButtonGroup(self)
        for i, b in enumerate(self.buttons.values()):
            b.setCheckable(True)
            self.group.addButton(b, i)
        self.off.setChecked(True)
        # The tool in use must be plain to see: the checked button in the accent colour.
        accent = ACCENT.name()
        for b in (self.brush, self.eraser, self.box, self.arrow, self.pin, self.freeze):
            b.setStyleSheet(
                f"QPushButton:checked {{ background: {accent}; color: white; "
                f"font-weight: bold; border: 1px solid white; }}"
            )
        self.group.idClicked.connect(lambda i: self.set_tool(TOOLS[i]))
        self.brush_size = QSpinBox()  # not self.size: that would hide QWidget.size()
        self.brush_size.setRange(1, 2000)
        self.brush_size.setSuffix(" px")
        self.brush_size.setValue(int(viewer.brush.size))
        self.brush_size.valueChanged.connect(self._size_changed)
        self.hardness = self._slider(int(viewer.brush.hardness * 100), self._hardness_changed)
        self.opacity = self._slider(int(viewer.brush.opacity * 100), self._opacity_changed)
        self.from_frame = QSpinBox()
        self.from_frame.setRange(0, 10**7)
        self.from_frame.setToolTip(
            "The mask applies from this frame of the clip on (0 = whole clip)"
        )
        self.from_frame.editingFinished.connect(self._from_frame_changed)
        self.from_here = QPushButton("From current frame")
        self.from_here.clicked.connect(self._from_current)
        ops = QHBoxLayout()
        for op in ("invert", "clear", "fill"):
            b = QPushButton(op.capitalize())
            b.clicked.connect(lambda _=False, op=op: self.operation(op))
            ops.addWidget(b)
        tools = QHBoxLayout()
        for b in (self.off, self.brush, self.eraser, self.box):
            tools.addWidget(b)
        motion_row = QHBoxLayout()
        self.clear_motion = QPushButton("Clear motion")
        self.clear_motion.setToolTip(
            "Remove every arrow, pin and freeze stroke of this clip (undoable)"
        )
        self.clear_motion.clicked.connect(self._clear_motion)
        self.preview_motion = QPushButton("Preview motion")
        self.preview_motion.setCheckable(True)
        self.preview_motion.setStyleSheet(self.brush.styleSheet())  # on: plain to see
        self.preview_motion.setToolTip(
            "Play the still moved by the arrows, pins and freeze strokes alone, in a loop "
            "(a reduced copy)"
        )
        self.preview_motion.toggled.connect(self._preview_toggled)
        self.motion = MotionPreview(self)
        self.motion.ready.connect(self._preview_ready)
        self.motion.failed.connect(self._preview_failed)
        viewer.preview_stopped.connect(lambda: self.preview_motion.setChecked(False))
        doc.changed.connect(self._refresh_preview)  # an arrow or pin added or removed
        doc.mask_changed.connect(lambda _mid: self._refresh_preview())
        for b in (self.arrow, self.pin, self.freeze, self.clear_motion):
            motion_row.addWidget(b)
        self.track_buttons = {}
        track_row = QHBoxLayout()
        for direction, text in (
            ("backward", "Track ◀"),
            ("both", "Track ◀▶"),
            ("forward", "Track ▶"),
        ):
            b = QPushButton(text)
            b.setToolTip(
                f"Carry the mask shown through the clip, {direction}, from this frame "
                "(it becomes a keyframe; a run stops at the next keyframe)"
            )
            b.clicked.connect(lambda _=False, d=direction: self.track(d))
            self.track_buttons[direction] = b
            track_row.addWidget(b)
        self.cancel_track = QPushButton("Cancel")
        self.cancel_track.setEnabled(False)
        self.cancel_track.clicked.connect(self.tracking.cancel)
        track_row.addWidget(self.cancel_track)
        self.clear_track = QPushButton("Clear track")
        self.clear_track.clicked.connect(self._clear_track)
        self.grow_px = QSpinBox()
        self.grow_px.setRange(-500, 500)
        self.grow_px.setSuffix(" px")
        self.grow_px.setToolTip("Grow (or, negative, shrink) the mask on every frame")
        self.feather_px = QSpinBox()
        self.feather_px.setRange(0, 500)
        self.feather_px.setSuffix(" px")
        self.feather_px.setToolTip("A soft edge this wide, centred on the mask's edge")
        self.onion = QCheckBox("Onion skin")
        self.onion.setToolTip("Also show the previous frame's tracked mask, in blue")
        self.onion.toggled.connect(self._onion_toggled)
        self.invert_mask = QCheckBox("Invert")
        for spin in (self.grow_px, self.feather_px):
            spin.editingFinished.connect(self._edges_changed)
        self.invert_mask.toggled.connect(lambda _on: self._edges_changed())
        edges_row = QHBoxLayout()
        for label, widget in (("Grow", self.grow_px), ("Feather", self.feather_px)):
            edges_row.addWidget(QLabel(label))
            edges_row.addWidget(widget)
        edges_row.addWidget(self.invert_mask)
        self.track_status = QLabel("")
        self.track_status.setWordWrap(True)
        self.tracking.progress.connect(self._track_progress)
        self.tracking.finished.connect(self._track_done)
        self.tracking.failed.connect(self._track_failed)
        self.tracking.grabbed.connect(self._grabbed)
        self.tracking.tracked_changed.connect(viewer.on_tracking_changed)
        viewer.box_drawn.connect(self.grab_box)
        viewer.point_clicked.connect(self.grab_point)
        # (media id, frame, box, include clicks, exclude clicks) of the last click to mask
        self._grab_input: GrabInput = (None, 0, None, [], [])
        form = QFormLayout(self)
        form.addRow(tools)
        form.addRow("Motion", motion_row)
        form.addRow(self.preview_motion)
        form.addRow("Size ([ ])", self.brush_size)
        form.addRow("Hardness", self.hardness)
        form.addRow("Overlay", self.opacity)
        form.addRow(ops)
        form.addRow("Applies from frame", self.from_frame)
        form.addRow(self.from_here)
        form.addRow(edges_row)
        form.addRow(track_row)
        form.addRow(self.clear_track)
        form.addRow(self.onion)
        form.addRow(self.track_status)
        self.hint = QLabel("White (painted) = the region to change.")
        self.hint.setWordWrap(True)
        form.addRow(self.hint)
        doc.changed.connect(self.refresh)

    def _slider(self, value: int, slot: Callable[[int], None]) -> QSlider:
        s = QSlider(Qt.Orientation.Horizontal)
        s.setRange(0, 100)
        s.setValue(value)
        s.valueChanged.connect(slot)
        return s

    def set_tool(self, tool: str) -> None:
        self.viewer.brush.enabled = tool in ("brush", "eraser")
        self.viewer.brush.erase = tool == "eraser"
        self.viewer.box_mode = tool == "box"
        self.viewer.motion_tool = tool if tool in ("arrow", "pin", "freeze") else None
        self.buttons[tool].setChecked(True)
        self.viewer.setCursor(
            Qt.CursorShape.CrossCursor if tool != "off" else Qt.CursorShape.ArrowCursor
        )
        self.viewer.update()

    def grow(self, factor: float) -> None:
        self.brush_size.setValue(max(1, round(self.brush_size.value() * factor)))

    def _size_changed(self, v: int) -> None:
        self.viewer.brush.size = float(v)
        self.viewer.update()

    def _hardness_changed(self, v: int) -> None:
        self.viewer.brush.hardness = v / 100

    def _opacity_changed(self, v: int) -> None:
        self.viewer.brush.opacity = v / 100
        self.viewer.update()

    def operation(self, op: str) -> None:
        if self.viewer.media_id:
            self.doc.mask_operation(self.viewer.media_id, op)

    def _from_frame_changed(self) -> None:
        if self.viewer.media_id:
            self.doc.set_mask_from_frame(self.viewer.media_id, self.from_frame.value())

    def _from_current(self) -> None:
        self.from_frame.setValue(self.viewer.frame)
        self._from_frame_changed()

    # --- click to mask and tracking (engine work on the tracking service's worker) -----
    def _source(self) -> tuple[str, str, bool] | None:
        """(media id, file, is a still) of the source shown, or None."""
        v = self.viewer
        item = self.doc.project.media_by_id(v.media_id) if v.media_id else None
        if item is None or v.path is None:
            return None
        return item.id, v.path, item.media_info.frames <= 1

    def grab_box(self, box: tuple[int, int, int, int]) -> None:
        """A new box: the clicks made for the last one are forgotten."""
        self._grab_input = (self.viewer.media_id, self.viewer.frame, box, [], [])
        self._grab()

    def grab_point(self, x: int, y: int, include: bool) -> None:
        """An include (Shift) or exclude (Alt) click: GrabCut again with it, and with the box
        and clicks made before on this frame."""
        media_id, frame, box, inc, exc = self._grab_input
        if (media_id, frame) != (self.viewer.media_id, self.viewer.frame):
            box, inc, exc = None, [], []
        (inc if include else exc).append((x, y))
        if box is None and not inc:
            self.track_status.setText("drag a box or Shift+click on the object first")
            return
        self._grab_input = (self.viewer.media_id, self.viewer.frame, box, inc, exc)
        self._grab()

    def _grab(self) -> None:
        source = self._source()
        if source is None:
            return
        media_id, path, still = source
        _, frame, box, inc, exc = self._grab_input
        self.track_status.setText("finding the object...")
        self.tracking.grab(media_id, path, frame, still, box, inc, exc)

    def _grabbed(self, media_id: str, found: np.ndarray) -> None:
        mask = self.doc.project.mask_for(media_id)
        if mask is None or found.shape != mask.pixels.shape:
            self.track_status.setText("the object's mask does not fit this clip's mask")
            return
        rect = mask.full_rect()
        before = mask.copy_rect(rect)
        mask.put_rect(rect, found)
        self.doc.commit_mask_patch(media_id, "Click to mask", Patch(rect, before, found.copy()))
        self.doc.mask_changed.emit(media_id)
        share = 100 * float((found >= 128).mean())
        self.track_status.setText(f"masked {share:.1f} % of the frame: correct it with the brush")

    def track(self, direction: str) -> None:
        source = self._source()
        if source is None:
            return
        media_id, path, still = source
        if still:
            self.track_status.setText("a still has one frame: nothing to track")
            return
        mask = self.doc.project.mask_for(media_id, create=False)
        shown = self.viewer.raw_mask()
        if shown is None or mask is None:
            self.track_status.setText("paint or box the object on this frame first")
            return
        keyframe = shown >= 128
        if self.tracking.track(
            media_id, path, self.viewer.frame, self.viewer.frame_count, keyframe, direction
        ):
            for b in self.track_buttons.values():
                b.setEnabled(False)
            self.cancel_track.setEnabled(True)
            self.track_status.setText(f"tracking {direction}...")

    def _onion_toggled(self, on: bool) -> None:
        self.viewer.onion_skin = on
        if self.viewer.media_id:
            self.viewer.on_tracking_changed(self.viewer.media_id)

    def _edges_changed(self) -> None:
        if self.viewer.media_id:
            self.tracking.set_edges(
                self.viewer.media_id,
                self.grow_px.value(),
                self.feather_px.value(),
                self.invert_mask.isChecked(),
            )

    def _track_progress(self, media_id: str, done: int, total: int) -> None:
        self.track_status.setText(f"tracking: {done}/{total} frames")

    def _track_finished_ui(self) -> None:
        for b in self.track_buttons.values():
            b.setEnabled(True)
        self.cancel_track.setEnabled(False)

    def _track_done(self, media_id: str, text: str) -> None:
        self._track_finished_ui()
        self.track_status.setText(text)
        run = self.tracking.last_run
        if run is not None and run.media_id == media_id and _changed(run):
            self.doc.undo_stack.push(TrackCommand(self.tracking, run, text.capitalize()))

    def _track_failed(self, media_id: str, message: str) -> None:
        self._track_finished_ui()
        self.track_status.setText(f"could not track: {message}")

    def _clear_motion(self) -> None:
        if self.viewer.media_id:
            self.doc.clear_motion(self.viewer.media_id)

    # --- the motion preview (computed by the preview service's worker) -------------------
    def _preview_toggled(self, on: bool) -> None:
        if on:
            self._refresh_preview()
        else:
            self.motion.cancel()
            self.viewer.set_preview(None)

    def _refresh_preview(self) -> None:
        """Ask for the preview of what is shown now (the newest request wins)."""
        if not self.preview_motion.isChecked():
            return
        v = self.viewer
        arrows, pins = v.motion_hints()
        if v.media_id is None or v.image is None or v.sequence is not None:
            self.track_status.setText("show a still or clip from the Media bin to preview")
            return
        if not arrows:
            v.set_preview(None)
            self.track_status.setText("draw an arrow (Arrow tool) to preview its motion")
            return
        if not v.image_full:
            self.track_status.setText("the full frame is still being decoded; try again")
            return
        still = qimage_to_array(v.image)
        mask = v.shown_mask()
        region = None if mask is None else mask >= 128  # no mask: the whole picture moves
        self.motion.request(v.media_id, still, region, arrows, pins, v.freeze_strokes())
        self.track_status.setText("computing the motion preview...")

    def _preview_ready(self, media_id: str, loop: np.ndarray) -> None:
        if media_id != self.viewer.media_id or not self.preview_motion.isChecked():
            return
        self.viewer.set_preview(loop)
        t, h, w = loop.shape[:3]
        self.track_status.setText(f"motion preview: {t} frames at {w}x{h}, looping")

    def _preview_failed(self, media_id: str, message: str) -> None:
        self.viewer.set_preview(None)
        self.track_status.setText(f"no motion preview: {message}")

    def _clear_track(self) -> None:
        if self.viewer.media_id:
            self.tracking.clear(self.viewer.media_id)
            self.track_status.setText("")

    def refresh(self) -> None:
        grow, feather, invert = self.tracking.edges.get(self.viewer.media_id or "", (0, 0, False))
        for widget, value in ((self.grow_px, grow), (self.feather_px, feather)):
            widget.blockSignals(True)
            widget.setValue(value)
            widget.blockSignals(False)
        self.invert_mask.blockSignals(True)
        self.invert_mask.setChecked(invert)
        self.invert_mask.blockSignals(False)
        meta = self.doc.project.mask_meta.get(self.viewer.media_id or "")
        self.from_frame.blockSignals(True)
        self.from_frame.setValue(meta.from_frame if meta else 0)
        self.from_frame.blockSignals(False)
        self.viewer.update()
