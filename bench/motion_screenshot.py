"""A screenshot of the cinemagraph motion tools in the real main window (issue 28 item 4),
for docs/screenshots/:

    xvfb-run -s "-screen 0 1440x900x24" python bench/motion_screenshot.py docs/screenshots

`motion_arrows.png`: a still (scikit-learn's china.jpg) with three arrows dragged in the
viewer with the Arrow tool and two pins clicked with the Pin tool, as a user would.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from screenshot import pump, save

from lumiere_studio.ui.main_window import MainWindow
from lumiere_studio.ui.theme import apply_dark_theme

ARROWS = [((90, 330), (250, 300)), ((200, 380), (380, 360)), ((420, 350), (600, 340))]
PINS = [(320, 240), (520, 200)]


def main() -> None:
    from sklearn.datasets import load_sample_image

    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication([])
    apply_dark_theme(app)
    tmp = Path(tempfile.mkdtemp(prefix="lumiere-motion-shot-"))
    still = tmp / "china.png"
    Image.fromarray(load_sample_image("china.jpg")).save(still)
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, recovery_root=tmp / "recovery")
    w.resize(1440, 900)
    w.show()
    w.import_paths([str(still)])
    mid = w.doc.project.media[0].id
    w.bin.select_media(mid)
    pump(app, 10, lambda: w.viewer.image is not None)
    v, tools = w.viewer, w.mask_tools

    def at(x: float, y: float) -> QPoint:  # a still pixel's place in the viewer
        return v.from_source(x, y).toPoint()

    tools.set_tool("arrow")
    for a, b in ARROWS:
        QTest.mousePress(v, Qt.MouseButton.LeftButton, pos=at(*a))
        QTest.mouseMove(v, at(*b))
        QTest.mouseRelease(v, Qt.MouseButton.LeftButton, pos=at(*b))
    tools.set_tool("pin")
    for p in PINS:
        QTest.mouseClick(v, Qt.MouseButton.LeftButton, pos=at(*p))
    pump(app, 0.5)
    arrows, pins = v.motion_hints()
    save(w, args.out / "motion_arrows.png", f"{len(arrows)} arrows, {len(pins)} pins: {arrows}")
    w.shutdown()


if __name__ == "__main__":
    main()
