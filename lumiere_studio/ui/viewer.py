"""The viewer: draws the current frame with QPainter (fit or zoom), timecodes, and the mask
overlay, and turns mouse drags into mask brush strokes when the brush is on.

It shows either a source (a media item from the bin, at its own size) or the sequence (the
timeline under the playhead): then the clip's picture is placed in the sequence's frame by
`engine.export.geometry.sequence_frame`, the function every export uses, so the viewer shows
the exported pixels. Mask strokes map back through the same placement to source pixels."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from engine.api import Placement, TimelineClip, clip_placement, exact_rate, sequence_frame
from engine.api import timecode as smpte
from lumiere_studio.model.document import Document, source_offset
from lumiere_studio.model.masks import Patch
from lumiere_studio.services.frames import FrameServer, to_qimage
from lumiere_studio.services.mask_tracking import MaskTracking
from lumiere_studio.ui.theme import ACCENT, ERASER_COLOR, MASK_COLOR, ONION_COLOR

ARROW_COLOR = QColor(255, 214, 10)  # motion arrows: yellow, apart from the red mask
PIN_COLOR = QColor(64, 200, 255)  # anchor pins: cyan
FREEZE_COLOR = QColor(150, 110, 255, 120)  # freeze strokes: translucent violet, apart from both


def timecode(frame: int, fps) -> str:
    """SMPTE timecode of a frame at a rate (drop-frame at 29.97 and 59.94)."""
    if not fps or fps <= 0:
        return "--:--:--:--"
    return smpte(frame, exact_rate(fps))


def _tinted(pixels: np.ndarray, colour: QColor) -> QImage:
    """An RGBA image of `colour` whose alpha is the uint8 mask `pixels`."""
    h, w = pixels.shape
    rgba = np.empty((h, w, 4), np.uint8)
    rgba[..., 0], rgba[..., 1], rgba[..., 2] = colour.red(), colour.green(), colour.blue()
    rgba[..., 3] = pixels
    return QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


def _draw_arrow(p: QPainter, a: QPointF, b: QPointF) -> None:
    """A motion arrow from a to b (widget), dark-outlined so it reads on any picture."""
    d = b - a
    n = max(float(np.hypot(d.x(), d.y())), 1e-6)
    u = QPointF(d.x() / n, d.y() / n)
    side = QPointF(-u.y(), u.x())
    head = min(14.0, n * 0.5)
    wing1 = b - u * head + side * head * 0.5
    wing2 = b - u * head - side * head * 0.5
    for colour, width in ((QColor(0, 0, 0, 200), 5.0), (ARROW_COLOR, 2.5)):
        p.setPen(QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.drawLine(a, b)
        p.drawLine(b, wing1)
        p.drawLine(b, wing2)


class SequenceView:
    """What the viewer needs to show the sequence at a frame: the clip there (None: a gap),
    the frame's number, and the sequence's size, rate and background."""

    def __init__(
        self, clip: TimelineClip | None, frame: int, size: tuple[int, int], rate, background: str
    ) -> None:
        self.clip, self.frame, self.size = clip, frame, size
        self.rate, self.background = rate, background


class BrushSettings:
    def __init__(self) -> None:
        self.enabled = False
        self.erase = False
        self.size = 40.0  # diameter in source pixels
        self.hardness = 0.7
        self.opacity = 0.5


class Viewer(QWidget):
    frame_shown = Signal(int)
    message = Signal(str)
    box_drawn = Signal(object)  # (x, y, w, h) in source pixels: the box tool's drag
    point_clicked = Signal(int, int, bool)  # x, y in source pixels, include (False: exclude)
    preview_stopped = Signal()  # another source is shown: its motion preview ended

    def __init__(self, doc: Document, frames: FrameServer, parent: QWidget | None = None):
        super().__init__(parent)
        self.doc = doc
        self.frames = frames
        self.brush = BrushSettings()
        self.media_id: str | None = None
        self.path: str | None = None
        self.frame = 0
        self.frame_count = 0
        self.fps = 24.0
        self.sequence: SequenceView | None = None  # None: the viewer shows a source
        self.source_offset = 0  # source timecode of the media's frame 0 (generated clips)
        self.zoom: float | None = None  # None = fit
        self.image: QImage | None = None
        self.image_full = False  # False: `image` is a proxy frame (smaller than the source)
        self._display_size: tuple[int, int] | None = None
        self._overlay: QImage | None = None
        self._stroke: list[tuple[float, float]] = []
        self._stroke_before: np.ndarray | None = None
        self.box_mode = False  # the box tool (click to mask) instead of the brush
        self._box: tuple[QPointF, QPointF] | None = None  # the drag, in widget coordinates
        self.tracking: MaskTracking | None = None  # tracked masks shown frame by frame
        self._overlay_tracked = False  # the overlay shows a tracked mask (not the painted one)
        self.onion_skin = False  # also show the previous frame's tracked mask, faintly
        # "arrow" (drag), "pin" (click) or "freeze" (paint strokes): a cinemagraph's motion hints
        self.motion_tool: str | None = None
        self._freeze: list[tuple[float, float]] = []  # the freeze stroke being painted (source)
        self._arrow: tuple[QPointF, QPointF] | None = None  # the arrow being dragged (widget)
        self._preview: list[QImage] = []  # the motion preview's frames, played in a loop
        self._preview_at = 0
        self._preview_timer = QTimer(self)
        self._preview_timer.timeout.connect(self._next_preview_frame)
        self._onion: QImage | None = None
        self.setMinimumSize(320, 180)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        frames.frame_ready.connect(self._on_frame)
        frames.error.connect(lambda path, msg: self.message.emit(msg))
        doc.mask_changed.connect(self._on_mask_changed)
        doc.changed.connect(self.update)  # motion hints live in the document's state

    # --- source --------------------------------------------------------------------------
    def show_sequence(
        self, view: SequenceView, media_id: str | None, frame: int, refine: bool = True
    ) -> None:
        """Show the sequence at `view.frame`: source frame `frame` of `media_id` placed in the
        sequence's frame as `view.clip` says (a gap: the background alone)."""
        self.sequence = view
        self.source_offset = view.clip.source_offset if view.clip else 0
        if view.clip is None or media_id is None:
            self.media_id = self.path = None
            self._overlay = None
            self._display_size = None
            self.image = to_qimage(sequence_frame(None, None, None, view.size, view.background))
            self.image_full = True
            self.update()
            return
        self._show(media_id, frame, refine)

    def show_media(self, media_id: str | None, frame: int = 0, refine: bool = True) -> None:
        """Show a source on its own (the bin's selection)."""
        if self.sequence is not None:
            self.sequence, self.image = None, None
        item = self.doc.project.media_by_id(media_id) if media_id else None
        self.source_offset = source_offset(self.doc.project.job_of(item)) if item is not None else 0
        self._show(media_id, frame, refine)

    def _show(self, media_id: str | None, frame: int, refine: bool) -> None:
        item = self.doc.project.media_by_id(media_id) if media_id else None
        if item is None:
            self.media_id = self.path = None
            self.image = self._overlay = None
            self.frame_count = 0
            self._display_size = None
            self.update()
            return
        if media_id != self.media_id:
            if self._preview:
                self.set_preview(None)
                self.preview_stopped.emit()
            self.media_id = media_id
            self.path = str(self.doc.project.resolve(item.path))
            info = item.media_info
            self.frame_count = info.frames
            self._display_size = info.display_size
            self.fps = info.fps  # 0 for a still
            self._rebuild_overlay()
        self.seek(frame, refine=refine)

    def seek(self, frame: int, read_ahead: int = 0, refine: bool = True) -> None:
        """Ask for a frame. `refine=False` (playback): a proxy frame is enough."""
        if self.path is None:
            return
        new = int(np.clip(frame, 0, max(0, self.frame_count - 1)))
        if new != self.frame and self.tracking and self.media_id:
            self.frame = new
            if self._overlay_tracked or self.tracking.tracked_frames(self.media_id):
                self._rebuild_overlay()  # a tracked mask follows the frame
        self.frame = new
        self.frames.request(self.path, self.frame, read_ahead, refine)
        self.update()

    def step(self, delta: int) -> None:
        self.seek(self.frame + delta)

    def _on_frame(self, path: str, n: int, frame: np.ndarray, full: bool) -> None:
        if path != self.path or (full and n != self.frame and not self.image_full):
            return  # a full-resolution refine that the playhead has already left
        if self.sequence is not None:  # the same function as every export
            seq = self.sequence
            frame = sequence_frame(frame, seq.clip, self._display_size, seq.size, seq.background)
        self.image = to_qimage(frame)
        self.image_full = full
        if self._overlay is None:
            self._rebuild_overlay()
        self.update()
        self.frame_shown.emit(n)

    # --- motion preview ------------------------------------------------------------------
    def set_preview(self, loop: np.ndarray | None, fps: float = 24.0) -> None:
        """Play uint8 (T, h, w, 3) `loop` over the source in a loop (None: stop)."""
        self._preview = [] if loop is None else [to_qimage(f) for f in loop]
        self._preview_at = 0
        if self._preview:
            self._preview_timer.start(round(1000 / fps))
        else:
            self._preview_timer.stop()
        self.update()

    def previewing(self) -> bool:
        return bool(self._preview)

    def _next_preview_frame(self) -> None:
        self._preview_at = (self._preview_at + 1) % max(1, len(self._preview))
        self.update()

    # --- mask overlay --------------------------------------------------------------------
    def _mask(self, create: bool = False):
        return self.doc.project.mask_for(self.media_id, create=create) if self.media_id else None

    def _on_mask_changed(self, media_id: str) -> None:
        if media_id == self.media_id:
            self._rebuild_overlay()
            self.update()

    def on_tracking_changed(self, media_id: str) -> None:
        if media_id == self.media_id:
            self._rebuild_overlay()
            self.update()

    def raw_mask(self) -> np.ndarray | None:
        """uint8 (H, W) mask of this frame before the edge controls (tracked, else painted)."""
        if self.tracking is not None and self.media_id:
            tracked = self.tracking.mask_at(self.media_id, self.frame)
            if tracked is not None:
                return tracked
        mask = self._mask()
        return mask.pixels if mask is not None and mask.any() else None

    def shown_mask(self) -> np.ndarray | None:
        """uint8 (H, W) mask the overlay shows at this frame: the tracked one where the frame
        has one, else the painted one, under the edge controls (what a job receives); None
        for none."""
        self._overlay_tracked = False
        if self.tracking is not None and self.media_id:
            tracked = self.tracking.mask_at(self.media_id, self.frame)
            if tracked is not None:
                self._overlay_tracked = True
                return self.tracking.finish_edges(self.media_id, tracked)
        mask = self._mask()
        if mask is None or not mask.any():
            return None
        if self.tracking is not None and self.media_id:
            return self.tracking.finish_edges(self.media_id, mask.pixels)
        return mask.pixels

    def _rebuild_overlay(self) -> None:
        pixels = self.shown_mask()
        self._overlay = None if pixels is None else _tinted(pixels, MASK_COLOR)
        self._onion = None
        if self.onion_skin and self.tracking is not None and self.media_id and self.frame > 0:
            before = self.tracking.mask_at(self.media_id, self.frame - 1)
            if before is not None:  # the last frame's mask, faint: does the track jump?
                self._onion = _tinted(before, ONION_COLOR)

    def mask_applies(self) -> bool:
        if self._overlay_tracked:
            return True
        meta = self.doc.project.mask_meta.get(self.media_id or "")
        return meta is None or self.frame >= meta.from_frame

    # --- geometry ------------------------------------------------------------------------
    def _source_size(self) -> tuple[int, int]:
        """The source's size as displayed: masks and brush use it, whatever the size of the
        picture being drawn (a proxy frame is smaller)."""
        if self._display_size is not None:
            return self._display_size
        if self.image is not None:
            return self.image.width(), self.image.height()
        mask = self._mask()
        return mask.size if mask else (16, 9)

    def _canvas_size(self) -> tuple[int, int]:
        """The size of the picture drawn: the sequence's frame, or the source's."""
        return self.sequence.size if self.sequence is not None else self._source_size()

    def image_rect(self) -> QRectF:
        """Where the drawn picture (sequence frame or source) lies in the widget."""
        cw, ch = self._canvas_size()
        scale = min(self.width() / cw, self.height() / ch) if self.zoom is None else self.zoom
        w, h = cw * scale, ch * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def placement(self) -> Placement | None:
        """The source picture's rectangle in the sequence's frame (None: showing a source)."""
        seq = self.sequence
        if seq is None or seq.clip is None:
            return None
        return clip_placement(seq.clip, self._source_size(), seq.size)

    def source_rect(self) -> QRectF:
        """Where the source picture lies in the widget (the mask overlay goes there)."""
        r, place = self.image_rect(), self.placement()
        if place is None:
            return r
        k = r.width() / self._canvas_size()[0]
        return QRectF(
            r.x() + place.left * k, r.y() + place.top * k, place.width * k, place.height * k
        )

    def to_source(self, pos: QPointF) -> tuple[float, float]:
        r = self.source_rect()
        sw, sh = self._source_size()
        return ((pos.x() - r.x()) * sw / r.width(), (pos.y() - r.y()) * sh / r.height())

    def from_source(self, x: float, y: float) -> QPointF:
        """A source pixel's place in the widget (the inverse of `to_source`)."""
        r = self.source_rect()
        sw, sh = self._source_size()
        return QPointF(r.x() + x * r.width() / sw, r.y() + y * r.height() / sh)

    def _inside(self, pos: QPointF) -> tuple[float, float]:
        """The source pixel under `pos`, clamped into the source (hints must lie inside it)."""
        x, y = self.to_source(pos)
        sw, sh = self._source_size()
        return float(np.clip(x, 0, sw - 1)), float(np.clip(y, 0, sh - 1))

    def set_zoom(self, zoom: float | None) -> None:
        self.zoom = None if zoom is None else float(np.clip(zoom, 0.05, 16.0))
        self.update()

    def zoom_by(self, factor: float) -> None:
        r = self.image_rect()
        current = r.width() / self._canvas_size()[0]
        self.set_zoom(current * factor)

    # --- painting ------------------------------------------------------------------------
    def placeholder_text(self) -> str:
        """What the viewer says while it has no picture."""
        if self.path:
            return "decoding..."
        if self.doc.project.media:
            return "Select a clip in the Media bin, or click the timeline"
        return "Import a clip (File > Import, or drop files here)"

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(12, 12, 14))
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        rect = self.image_rect()
        if self._preview and self.sequence is None:  # the motion preview instead of the still
            p.drawImage(self.source_rect(), self._preview[self._preview_at])
        elif self.image is not None:
            p.drawImage(rect, self.image)
        else:
            p.setPen(QColor(140, 140, 145))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder_text())
        if self._onion is not None and self.brush.opacity > 0:
            p.save()
            p.setClipRect(rect)
            p.setOpacity(self.brush.opacity * 0.5)
            p.drawImage(self.source_rect(), self._onion)
            p.restore()
        if self._overlay is not None and self.brush.opacity > 0:
            p.save()
            p.setClipRect(rect)  # a cropped (fill) picture's mask stops at the frame's edge
            p.setOpacity(self.brush.opacity if self.mask_applies() else self.brush.opacity * 0.3)
            p.drawImage(self.source_rect(), self._overlay)
            p.restore()
        self._paint_motion(p, rect)
        if self._box is not None:
            pen = QPen(QColor(255, 255, 255, 230), 1.5, Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawRect(QRectF(self._box[0], self._box[1]).normalized())
        text = self.timecode_text()
        if text:
            p.setFont(QFont("monospace", 11))
            p.setPen(QColor(0, 0, 0, 160))
            p.drawText(QPointF(13, self.height() - 11), text)
            p.setPen(QColor(235, 235, 240))
            p.drawText(QPointF(12, self.height() - 12), text)
        badge = self.tool_badge()
        if badge:  # the active mask tool, where the eye is
            p.setFont(QFont("sans", 10, QFont.Weight.Bold))
            box = QRectF(10, 10, p.fontMetrics().horizontalAdvance(badge) + 16, 22)
            p.fillRect(box, ERASER_COLOR if self.brush.erase else ACCENT)
            p.setPen(QColor(255, 255, 255))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, badge)
        if (self.brush.enabled or self.motion_tool == "freeze") and self.underMouse():
            pos = self.mapFromGlobal(self.cursor().pos())
            radius = self.brush.size / 2 * self.source_rect().width() / self._source_size()[0]
            pen = QPen(QColor(255, 255, 255, 220), 1.5)
            if self.brush.erase:
                pen.setStyle(Qt.PenStyle.DashLine)  # the eraser's outline is dashed
            p.setPen(pen)
            p.drawEllipse(QPointF(pos), radius, radius)
        p.end()

    def freeze_strokes(self) -> list[list[float]]:
        """The freeze-brush strokes of the source shown ([radius, x0, y0, ...], its pixels)."""
        meta = self.doc.project.mask_meta.get(self.media_id or "")
        return meta.freeze if meta is not None else []

    def motion_hints(self) -> tuple[list[list[float]], list[list[float]]]:
        """(arrows, pins) of the source shown, in its pixels."""
        meta = self.doc.project.mask_meta.get(self.media_id or "")
        return (meta.arrows, meta.pins) if meta is not None else ([], [])

    def _paint_motion(self, p: QPainter, rect: QRectF) -> None:
        """Freeze strokes (translucent), arrows (with heads) and pins (dots) over the picture,
        and the arrow being dragged or the stroke being painted."""
        arrows, pins = self.motion_hints()
        strokes = list(self.freeze_strokes())
        if self._freeze:
            strokes.append([self.brush.size / 2] + [v for pt in self._freeze for v in pt])
        if not (arrows or pins or strokes or self._arrow):
            return
        p.save()
        p.setClipRect(rect)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        scale = self.source_rect().width() / max(self._source_size()[0], 1)
        for stroke in strokes:
            self._paint_freeze(p, stroke, scale)
        lines = [(self.from_source(a[0], a[1]), self.from_source(a[2], a[3])) for a in arrows]
        if self._arrow is not None:
            lines.append(self._arrow)
        for a, b in lines:
            _draw_arrow(p, a, b)
        for x, y in pins:
            c = self.from_source(x, y)
            p.setPen(QPen(QColor(0, 0, 0, 200), 2.0))
            p.setBrush(PIN_COLOR)
            p.drawEllipse(c, 6.0, 6.0)
        p.restore()

    def _paint_freeze(self, p: QPainter, stroke: list[float], scale: float) -> None:
        """One freeze stroke as the brush painted it: a round-capped band 2 x radius wide."""
        points = [self.from_source(x, y) for x, y in zip(stroke[1::2], stroke[2::2], strict=True)]
        path = QPainterPath(points[0])
        for point in points[1:]:
            path.lineTo(point)
        if len(points) == 1:
            path.lineTo(points[0] + QPointF(0.01, 0))  # a dab: a zero-length line, round caps
        pen = QPen(FREEZE_COLOR, max(1.0, 2 * stroke[0] * scale))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)

    def tool_badge(self) -> str:
        """The mask tool in use, shown over the picture ("" when the brush is off)."""
        if self._preview and self.sequence is None:
            return "MOTION PREVIEW (REDUCED): ARROWS, PINS, FREEZE ONLY"
        if self.motion_tool == "arrow":
            return "ARROW: DRAG WHERE IT MOVES  (RIGHT-CLICK: REMOVE)"
        if self.motion_tool == "pin":
            return "PIN: CLICK WHAT HOLDS STILL  (RIGHT-CLICK: REMOVE)"
        if self.motion_tool == "freeze":
            return "FREEZE: PAINT WHAT MUST NOT MOVE  (RIGHT-CLICK: REMOVE)"
        if self.box_mode:
            return "BOX: DRAG AROUND THE OBJECT  (SHIFT+CLICK: ADD, ALT+CLICK: REMOVE)"
        if not self.brush.enabled:
            return ""
        return "ERASER" if self.brush.erase else "BRUSH"

    def timecode_text(self) -> str:
        """Sequence timecode (and the source's, for the clip under the playhead) when showing
        the sequence; the source's own timecode when showing a source."""
        source = ""
        if self.path:
            rate = self.fps if self.fps > 0 else None
            tc = timecode(self.source_offset + self.frame, rate) if rate else "still"
            source = f"{tc}  [{self.frame + 1}/{self.frame_count}]"
        if self.sequence is None:
            return source
        seq = timecode(self.sequence.frame, self.sequence.rate)
        return f"SEQ {seq}" + (f"   SRC {source}" if source else "")

    # --- brush ---------------------------------------------------------------------------
    def mousePressEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        if self.motion_tool and self.media_id:
            self._motion_press(e)
            return None
        if self.box_mode and self.media_id and e.button() == Qt.MouseButton.LeftButton:
            self._box = (e.position(), e.position())
            return None
        if not (self.brush.enabled and self.media_id and e.button() == Qt.MouseButton.LeftButton):
            return super().mousePressEvent(e)
        if self._overlay_tracked:
            self.begin_correction()
        mask = self._mask(create=True)
        if mask is None:
            return None
        self._stroke_before = mask.pixels.copy()
        self._stroke = [self.to_source(e.position())]
        self._paint_stroke(self._stroke[-1:])
        return None

    def mouseMoveEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        if self._freeze:
            self._freeze.append(self._inside(e.position()))
            self.update()
            return
        if self._arrow is not None:
            self._arrow = (self._arrow[0], e.position())
            self.update()
            return
        if self._box is not None:
            self._box = (self._box[0], e.position())
            self.update()
            return
        if self._stroke_before is not None:
            prev = self._stroke[-1]
            self._stroke.append(self.to_source(e.position()))
            self._paint_stroke([prev, self._stroke[-1]])
        elif self.brush.enabled:
            self.update()

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        if self._freeze:
            points, self._freeze = self._freeze, []
            if self.media_id:
                self.doc.add_freeze(self.media_id, self.brush.size / 2, points)
            self.update()
            return
        if self._arrow is not None:
            start = self._arrow[0]
            self._arrow = None
            self.update()
            (x0, y0), (x1, y1) = self._inside(start), self._inside(e.position())
            if self.media_id and np.hypot(x1 - x0, y1 - y0) >= 1.0:  # a click draws none
                self.doc.add_arrow(self.media_id, x0, y0, x1, y1)
            return
        if self._box is not None:
            start, end = self._box
            self._box = None
            self.update()
            box = self.source_box(start, e.position())
            if box is not None:
                self.box_drawn.emit(box)
            elif e.modifiers() & (
                Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.AltModifier
            ):
                # A click, not a drag: Shift adds the pixel to the object, Alt takes it out.
                x, y = self.to_source(e.position())
                sw, sh = self._source_size()
                if 0 <= x < sw and 0 <= y < sh:
                    include = not e.modifiers() & Qt.KeyboardModifier.AltModifier
                    self.point_clicked.emit(int(x), int(y), include)
            return
        if self._stroke_before is None or self.media_id is None:
            return
        mask = self._mask()
        rect = mask.stroke_rect(self._stroke, self.brush.size / 2)
        x0, y0, x1, y1 = rect
        before = self._stroke_before[y0:y1, x0:x1].copy()
        self._stroke_before = None
        label = "Erase mask" if self.brush.erase else "Paint mask"
        self.doc.commit_mask_patch(self.media_id, label, Patch(rect, before, mask.copy_rect(rect)))
        self._stroke = []

    def _motion_press(self, e: QMouseEvent) -> None:
        """Arrow: start a drag; pin: place one; freeze: start a stroke; right button: remove
        the hint nearest."""
        assert self.media_id is not None
        if e.button() == Qt.MouseButton.RightButton:
            x, y = self.to_source(e.position())
            reach = 12 * self._source_size()[0] / max(self.source_rect().width(), 1e-6)
            if not self.doc.remove_motion_near(self.media_id, x, y, reach):
                self.message.emit("no arrow or pin there to remove")
        elif e.button() == Qt.MouseButton.LeftButton:
            if self.motion_tool == "arrow":
                self._arrow = (e.position(), e.position())
            elif self.motion_tool == "freeze":
                self._freeze = [self._inside(e.position())]
                self.update()
            else:
                self.doc.add_pin(self.media_id, *self._inside(e.position()))

    def begin_correction(self) -> bool:
        """Make the tracked mask of this frame the painted mask (one undoable step), so the
        brush corrects what is shown; tracking from here then makes it a keyframe."""
        if self.tracking is None or not self.media_id:
            return False
        tracked = self.tracking.take_for_correction(self.media_id, self.frame)  # no edges
        mask = self._mask(create=True)
        if tracked is None or mask is None or tracked.shape != mask.pixels.shape:
            return False
        rect = mask.full_rect()
        before = mask.copy_rect(rect)
        mask.put_rect(rect, tracked)
        self.doc.commit_mask_patch(
            self.media_id, "Correct tracked mask", Patch(rect, before, tracked.copy())
        )
        self._rebuild_overlay()
        self.update()
        return True

    def source_box(self, a: QPointF, b: QPointF) -> tuple[int, int, int, int] | None:
        """The drag from a to b (widget) as (x, y, w, h) in source pixels, inside the source;
        None when it leaves less than 4x4 pixels."""
        (ax, ay), (bx, by) = self.to_source(a), self.to_source(b)
        sw, sh = self._source_size()
        x0, x1 = sorted((int(np.clip(ax, 0, sw)), int(np.clip(bx, 0, sw))))
        y0, y1 = sorted((int(np.clip(ay, 0, sh)), int(np.clip(by, 0, sh))))
        if x1 - x0 < 4 or y1 - y0 < 4:
            return None
        return (x0, y0, x1 - x0, y1 - y0)

    def _paint_stroke(self, points: list[tuple[float, float]]) -> None:
        mask = self._mask(create=True)
        mask.stroke(points, self.brush.size / 2, self.brush.hardness, self.brush.erase)
        self._rebuild_overlay()
        self.update()

    def wheelEvent(self, e: QWheelEvent) -> None:  # noqa: N802
        if e.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(1.15 if e.angleDelta().y() > 0 else 1 / 1.15)
        elif self.brush.enabled:
            self.brush.size = float(
                np.clip(self.brush.size * (1.1 if e.angleDelta().y() > 0 else 1 / 1.1), 1, 2000)
            )
            self.update()
        else:
            self.step(-1 if e.angleDelta().y() > 0 else 1)
