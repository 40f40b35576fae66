"""The timeline: tracks of clips (with filmstrips) in a QGraphicsView. Drag a clip to move
it (across tracks too; the empty lane above the top track makes a new one), drag its edges to
trim, click or drag the ruler to scrub. As in other editors V1 is the bottom track and higher
tracks are drawn above it, matching what covers what in the rendered frame. Moves and trims
snap to clip edges and the playhead. Every change is committed to the Document on release (one
undo step).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QMouseEvent, QPainter, QPen, QWheelEvent
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from engine.api import TimelineClip
from lumiere_studio.model.document import Document, trim_limits
from lumiere_studio.services.thumbnails import Thumbnailer

RULER_H = 24
TRACK_H = 64
NEW_LANE_H = 22  # the strip above the top track: drop a clip there for a new track
EDGE = 6  # pixels at each clip end that trim instead of move
SNAP_PX = 8


def tile_lefts(
    first: float, right: float, step: float, shown_left: float, shown_right: float
) -> list[float]:
    """Left edges of a clip's filmstrip tiles (every `step` from `first` while before `right`)
    that overlap the part of the scene on screen: a clip a day long is millions of pixels wide,
    and drawing all its tiles on every paint froze the window."""
    step = max(step, 1.0)
    k0 = max(0, math.floor((shown_left - first) / step) - 1)
    end = min(right, shown_right + step)
    lefts, x = [], first + k0 * step
    while x < end:
        lefts.append(x)
        x += step
    return lefts


class ClipItem(QGraphicsRectItem):
    def __init__(self, view: TimelineView, clip: TimelineClip, track: int) -> None:
        super().__init__()
        self.view, self.clip, self.track = view, clip, track
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self._mode = ""
        self._press_x = 0.0
        self._orig = (clip.start, clip.duration)
        self._target_track = track
        self.place()

    def place(self, start=None, duration=None, track=None) -> None:
        s = self.clip.start if start is None else start
        d = self.clip.duration if duration is None else duration
        t = self.track if track is None else track
        ppf = self.view.px_per_frame
        self.setRect(QRectF(s * ppf, self.view.track_y(t) + 3, d * ppf, TRACK_H - 6))

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        r = self.rect()
        base = QColor(128, 84, 160) if self.clip.generated else QColor(58, 104, 150)
        p.fillRect(r, base.darker(130) if not self.isSelected() else base)
        path = self.view.resolve(self.clip.media)
        strip = self.view.thumbs.strip(path)
        thumb: QImage | None = self.view.thumbs.get(path) if strip is None else strip.tiles[0]
        if thumb is not None and not thumb.isNull():
            h = r.height() - 18
            w = thumb.width() * h / max(1, thumb.height())
            ppf, rate = self.view.px_per_frame, self.view.doc.project.timeline.rate
            shown = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
            p.save()
            p.setClipRect(r)
            for x in tile_lefts(r.x() + 2, r.right(), w + 2, shown.left(), shown.right()):
                # Each tile shows the source frame under its middle (the thumbnail until the
                # filmstrip is ready), so a trimmed clip shows its own part of the media.
                frame = self.clip.source_frame(int((x + w / 2) / ppf), rate)
                tile = strip.tile_for(frame) if strip is not None else thumb
                p.drawImage(QRectF(x, r.y() + 16, w, h), tile)
            p.restore()
        p.setPen(QPen(QColor(250, 250, 250) if self.isSelected() else base.lighter(150), 1.5))
        p.drawRect(r)
        p.setFont(QFont("sans", 8))
        label = ("AI  " if self.clip.generated else "") + (self.clip.name or self.clip.media)
        p.drawText(r.adjusted(4, 1, -4, 0), Qt.AlignmentFlag.AlignLeft, label)

    def _edge(self, x: float) -> str:
        r = self.rect()
        if x - r.left() < EDGE:
            return "trim_in"
        if r.right() - x < EDGE:
            return "trim_out"
        return "move"

    def hoverMoveEvent(self, e) -> None:  # noqa: N802
        mode = self._edge(e.pos().x())
        shape = Qt.CursorShape.SizeHorCursor if mode != "move" else Qt.CursorShape.OpenHandCursor
        self.setCursor(shape)

    def mousePressEvent(self, e: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        self.view.scene().clearSelection()
        self.setSelected(True)
        self.view.clip_selected.emit(self.clip.id)
        self._mode = self._edge(e.pos().x())
        self._press_x = e.scenePos().x()
        self._orig = (self.clip.start, self.clip.duration)
        self._preview = self._orig
        self._target_track = self.track

    def mouseMoveEvent(self, e: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        df = round((e.scenePos().x() - self._press_x) / self.view.px_per_frame)
        start, duration = self._orig
        if self._mode == "move":
            start = self.view.snap(max(0, start + df), self.clip.id, length=duration)
            self._target_track = self.view.track_at(e.scenePos().y())
        else:
            earliest, latest = trim_limits(self.view.doc.project, self.clip)
            end = start + duration
            if self._mode == "trim_in":
                start = min(max(self.view.snap(start + df, self.clip.id), earliest), end - 1)
            else:
                end = max(self.view.snap(end + df, self.clip.id), start + 1)
                end = end if latest is None else min(end, latest)
            duration = end - start
        self._preview = (start, duration)
        self.place(*self._preview, track=self._target_track)

    def mouseReleaseEvent(self, e: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self._preview == self._orig and self._target_track == self.track:
            return
        start, duration = self._preview
        if self._mode == "move":
            track = None if self._target_track == self.track else self._target_track
            self.view.doc.move_clip(self.clip.id, start, track)
        else:
            self.view.doc.trim_clip(self.clip.id, start, duration)


class TimelineView(QGraphicsView):
    playhead_changed = Signal(int)
    clip_selected = Signal(str)

    def __init__(self, doc: Document, thumbs: Thumbnailer, parent: QWidget | None = None):
        super().__init__(parent)
        self.doc, self.thumbs = doc, thumbs
        self.px_per_frame = 4.0
        self.playhead = 0
        self.selected_clip: str | None = None
        self._scrubbing = False
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setBackgroundBrush(QBrush(QColor(24, 24, 27)))
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setMinimumHeight(RULER_H + NEW_LANE_H + TRACK_H + 8)
        doc.changed.connect(self.rebuild)
        # A bound method, not a lambda: Qt drops the connection when the view is destroyed.
        thumbs.ready.connect(self._thumbnail_ready)
        self.clip_selected.connect(self._remember_selection)
        self.rebuild()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(800, RULER_H + NEW_LANE_H + 2 * TRACK_H + 8)  # two tracks in view

    def resolve(self, path: str) -> str:
        return str(self.doc.project.resolve(path))

    def _remember_selection(self, clip_id: str) -> None:
        self.selected_clip = clip_id

    def _thumbnail_ready(self, path: object, image: QImage) -> None:
        self.viewport().update()

    # --- model -> items ------------------------------------------------------------------
    def rebuild(self) -> None:
        scene = self.scene()
        scene.clear()
        tl = self.doc.project.timeline
        for ti, track in enumerate(tl.tracks):
            for clip in track.clips:
                item = ClipItem(self, clip, ti)
                scene.addItem(item)
                if clip.id == self.selected_clip:
                    item.setSelected(True)
        width = (max(tl.duration, self.playhead) + 10 * tl.fps) * self.px_per_frame
        scene.setSceneRect(0, 0, width, RULER_H + NEW_LANE_H + len(tl.tracks) * TRACK_H + 4)
        self.viewport().update()

    def track_y(self, track: int) -> float:
        """Top of a track's lane (V1 lowest; the new-track strip sits under the ruler)."""
        tracks = len(self.doc.project.timeline.tracks)
        return RULER_H + NEW_LANE_H + (tracks - 1 - track) * TRACK_H

    def track_at(self, y: float) -> int:
        """The track under scene height y; at or above the new-track strip, a new track."""
        tracks = len(self.doc.project.timeline.tracks)
        if y < RULER_H + NEW_LANE_H:
            return tracks
        return min(tracks - 1, max(0, tracks - 1 - int((y - RULER_H - NEW_LANE_H) // TRACK_H)))

    def clip_items(self) -> list[ClipItem]:
        return [i for i in self.scene().items() if isinstance(i, ClipItem)]

    def snap(self, frame: int, clip_id: str, length: int = 0) -> int:
        """Snap a frame (or, for a move, either end of the moved clip) to nearby edges."""
        edges = [self.playhead, 0]
        for track in self.doc.project.timeline.tracks:
            for c in track.clips:
                if c.id != clip_id:
                    edges += [c.start, c.end]
        tolerance = SNAP_PX / self.px_per_frame
        best, best_d = frame, tolerance + 1
        for e in edges:
            for candidate, anchor in ((e, frame), (e - length, frame + length)):
                d = abs(anchor - e)
                if length == 0 and anchor != frame:
                    continue
                if d <= tolerance and d < best_d:
                    best, best_d = candidate, d
        return max(0, int(best))

    # --- playhead ------------------------------------------------------------------------
    def set_playhead(self, frame: int, emit: bool = True) -> None:
        frame = max(0, int(frame))
        if frame == self.playhead and not emit:
            return
        self.playhead = frame
        self.viewport().update()
        self.ensureVisible(QRectF(frame * self.px_per_frame, 0, 1, RULER_H), 40, 0)
        if emit:
            self.playhead_changed.emit(frame)

    def frame_at(self, pos) -> int:
        return max(0, round(self.mapToScene(pos).x() / self.px_per_frame))

    def mousePressEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        if self.mapToScene(e.position().toPoint()).y() < RULER_H:
            self._scrubbing = True
            self.set_playhead(self.frame_at(e.position().toPoint()))
            return
        super().mousePressEvent(e)

    def mouseMoveEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        if self._scrubbing:
            self.set_playhead(self.frame_at(e.position().toPoint()))
            return
        super().mouseMoveEvent(e)

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        self._scrubbing = False
        super().mouseReleaseEvent(e)

    def wheelEvent(self, e: QWheelEvent) -> None:  # noqa: N802
        if e.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(1.25 if e.angleDelta().y() > 0 else 0.8)
        else:
            super().wheelEvent(e)

    def zoom(self, factor: float) -> None:
        self.px_per_frame = min(64.0, max(0.05, self.px_per_frame * factor))
        self.rebuild()

    # --- drawing -------------------------------------------------------------------------
    def drawBackground(self, p: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802
        super().drawBackground(p, rect)
        tl = self.doc.project.timeline
        for ti in range(len(tl.tracks)):
            y = self.track_y(ti)
            p.fillRect(
                QRectF(rect.left(), y, rect.width(), TRACK_H - 1),
                QColor(32, 32, 36) if ti % 2 == 0 else QColor(36, 36, 40),
            )
            p.setPen(QColor(90, 90, 96))
            p.setFont(QFont("sans", 7))
            p.drawText(QPointF(rect.left() + 4, y + TRACK_H - 6), tl.tracks[ti].name)
        p.setPen(QColor(80, 80, 86))
        p.drawText(
            QRectF(rect.left() + 4, RULER_H, 400, NEW_LANE_H),
            Qt.AlignmentFlag.AlignVCenter,
            "drop a clip here for a new track",
        )

    def drawForeground(self, p: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802
        tl = self.doc.project.timeline
        fps = max(1.0, tl.fps)
        p.fillRect(QRectF(rect.left(), 0, rect.width(), RULER_H), QColor(48, 48, 53))
        ppf = self.px_per_frame
        pin, pout = self.doc.project.in_point, self.doc.project.out_point
        if pin is not None or pout is not None:
            a = (pin or 0) * ppf
            b = (pout if pout is not None else tl.duration) * ppf
            p.fillRect(QRectF(a, 0, max(1.0, b - a), RULER_H), QColor(86, 156, 214, 90))
        step_s = 1
        while step_s * fps * ppf < 60:
            step_s *= 2 if step_s < 8 else 5
        p.setPen(QColor(170, 170, 175))
        p.setFont(QFont("sans", 7))
        sec = int(rect.left() / ppf / fps)
        sec -= sec % step_s
        while sec * fps * ppf < rect.right():
            x = sec * fps * ppf
            p.drawLine(QPointF(x, RULER_H - 8), QPointF(x, RULER_H))
            p.drawText(QPointF(x + 3, RULER_H - 10), f"{sec // 60}:{sec % 60:02d}")
            sec += step_s
        x = self.playhead * ppf
        p.setPen(QPen(QColor(255, 80, 80), 1.5))
        p.drawLine(QPointF(x, 0), QPointF(x, rect.bottom()))
        p.setBrush(QColor(255, 80, 80))
        p.drawPolygon([QPointF(x - 5, 0), QPointF(x + 5, 0), QPointF(x, 8)])
