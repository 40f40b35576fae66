"""A screenshot of the cinemagraph motion tools in the real main window (issue 28 item 4),
for docs/screenshots/:

    xvfb-run -s "-screen 0 1440x900x24" python bench/motion_screenshot.py docs/screenshots

`motion_arrows.png`: a still (scikit-learn's china.jpg) whose lake and trees are painted as
the region with the Brush, three arrows dragged in the viewer with the Arrow tool, two pins
clicked with the Pin tool and two freeze strokes painted with the Freeze tool (the island,
the near shore's trees), as a user would.
`motion_preview.png`: the same with Preview motion on (a frame of the loop, with the still
enlarged to 1280x720 first), and the seconds from an arrow added to its loop playing.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from screenshot import pump, save, scratch_window

REGION = [[(x0, y), (1275, y)] for x0, y in ((760, 420), (720, 490), (690, 560), (660, 640))]
REGION_SIZE = 90  # the mask brush's size (diameter) in the still's pixels
ARROWS = [((720, 470), (980, 455)), ((760, 650), (1000, 610)), ((1000, 560), (1200, 545))]
PINS = [(1180, 470), (1220, 640)]
FREEZE = [[(860, 395), (930, 392), (1000, 396)], [(1090, 600), (1120, 680)]]
FREEZE_SIZE = 36


def main() -> None:
    from sklearn.datasets import load_sample_image

    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app, w, tmp = scratch_window("lumiere-motion-shot-")
    still = tmp / "china.png"
    Image.fromarray(load_sample_image("china.jpg")).resize((1280, 720)).save(still)
    w.show()
    w.import_paths([str(still)])
    mid = w.doc.project.media[0].id
    w.bin.select_media(mid)
    pump(app, 10, lambda: w.viewer.image is not None)
    v, tools = w.viewer, w.mask_tools

    def at(x: float, y: float) -> QPoint:  # a still pixel's place in the viewer
        return v.from_source(x, y).toPoint()

    def drag(stroke: list[tuple[int, int]]) -> None:
        QTest.mousePress(v, Qt.MouseButton.LeftButton, pos=at(*stroke[0]))
        for (ax, ay), (bx, by) in zip(stroke, stroke[1:], strict=False):
            for i in range(1, 11):  # a drag: many small moves, as a hand makes
                QTest.mouseMove(v, at(ax + (bx - ax) * i / 10, ay + (by - ay) * i / 10))
        QTest.mouseRelease(v, Qt.MouseButton.LeftButton, pos=at(*stroke[-1]))

    tools.set_tool("brush")
    tools.brush_size.setValue(REGION_SIZE)
    for stroke in REGION:
        drag(stroke)
    tools.set_tool("arrow")
    for a, b in ARROWS:
        QTest.mousePress(v, Qt.MouseButton.LeftButton, pos=at(*a))
        QTest.mouseMove(v, at(*b))
        QTest.mouseRelease(v, Qt.MouseButton.LeftButton, pos=at(*b))
    tools.set_tool("pin")
    for p in PINS:
        QTest.mouseClick(v, Qt.MouseButton.LeftButton, pos=at(*p))
    tools.set_tool("freeze")
    tools.brush_size.setValue(FREEZE_SIZE)
    for stroke in FREEZE:
        drag(stroke)
    pump(app, 0.5)
    arrows, pins = v.motion_hints()
    strokes = v.freeze_strokes()
    note = f"{len(arrows)} arrows, {len(pins)} pins, {len(strokes)} freeze strokes: {arrows}"
    save(w, args.out / "motion_arrows.png", note)

    tools.preview_motion.setChecked(True)
    pump(app, 30, v.previewing)
    seconds = []
    for _ in range(3):  # an edit, then the time until its loop plays
        w.doc.undo_stack.undo()  # the last freeze stroke off...
        start = time.perf_counter()
        w.doc.undo_stack.redo()  # ...and on again: a new preview is asked for
        v.set_preview(None)
        pump(app, 30, v.previewing)
        seconds.append(time.perf_counter() - start)
    pump(app, 0.3)
    note = f"edit to loop: {', '.join(f'{t:.2f}' for t in seconds)} s; {tools.track_status.text()}"
    save(w, args.out / "motion_preview.png", note)
    w.shutdown()


if __name__ == "__main__":
    main()
