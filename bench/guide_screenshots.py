"""Screenshots of the real window for the user guide's walkthroughs (docs/screenshots/guide_*).
Run under a virtual X server (not the offscreen platform: the export dialog is its own window):

    xvfb-run -s "-screen 0 1440x900x24" python bench/guide_screenshots.py docs/screenshots

guide_cinemagraph.png: a still in the viewer with its water painted as the mask and the
Cinemagraph task chosen. guide_inpainting.png: a clip on the timeline with a mask painted over
the moving shape from frame 40 and the inpainting task chosen; guide_inpainting_result.png: its
result on the bundled model, placed over the stretch it replaces. guide_export.png: File > Export's
dialog with its list of formats open. Each is saved as a 256-colour PNG to stay small.
bench/screenshot.py takes the README's two (a job in progress, a finished generation).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QComboBox, QFileDialog
from screenshot import model_folder, pump, scratch_window
from testkit.media import make_clip

from lumiere_studio.model.masks import Patch
from lumiere_studio.ui.main_window import MainWindow


def lake_still(path: Path, w: int = 640, h: int = 360) -> Path:
    """A sky over a dark ridge over a lake: something with an obvious region to animate."""
    y = np.linspace(0, 1, h)[:, None, None]
    x = np.linspace(0, 1, w)[None, :, None]
    sky = np.array([90, 140, 210]) * (1 - y) + np.array([240, 200, 150]) * y
    img = np.broadcast_to(sky, (h, w, 3)).copy()
    ridge = (0.45 + 0.08 * np.sin(9 * x[..., 0]) + 0.04 * np.sin(23 * x[..., 0])) * h
    rows = np.arange(h)[:, None]
    img[np.broadcast_to(rows > ridge, (h, w))] = (40, 55, 45)
    water = np.broadcast_to(rows > 0.62 * h, (h, w))
    stripes = 12 * np.sin(rows * 0.9 + 3 * x[..., 0])
    lake = np.stack([30 + stripes, 70 + stripes, 120 + 1.5 * stripes], -1)
    img[water] = lake[water]
    Image.fromarray(img.clip(0, 255).astype(np.uint8)).save(path)
    return path


def paint(w: MainWindow, media_id: str, points: list[tuple[int, int]], radius: int) -> None:
    """A brush stroke as the Mask dock paints one: one undoable step."""
    mask = w.doc.project.mask_for(media_id, create=True)
    rect = mask.stroke_rect(points, radius)
    before = mask.copy_rect(rect)
    mask.stroke(points, radius, 0.9, False)
    w.doc.commit_mask_patch(media_id, "Paint mask", Patch(rect, before, mask.copy_rect(rect)))


def choose_task(w: MainWindow, key: str, prompt: str) -> None:
    w.prompt.task.setCurrentIndex(w.prompt.task.findData(key))
    w.prompt.prompt.setPlainText(prompt)


def save_small(image: QImage, target: Path) -> None:
    tmp = target.with_suffix(".full.png")
    image.save(str(tmp))
    with Image.open(tmp) as im:
        im.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
    tmp.unlink()
    print(f"wrote {target} ({target.stat().st_size // 1024} KB)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path, help="folder for the PNGs")
    ap.add_argument("--timeout", type=float, default=900, help="seconds to wait for the job")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    app, w, tmp = scratch_window("lumiere-guide-shot-")
    w.show()
    w.prompt.set_model_path(str(model_folder(tmp)))

    # Cinemagraph: a still, its lake painted.
    still = lake_still(tmp / "lake.png")
    w.import_paths([str(still)])
    sid = w.doc.project.media[-1].id
    w.bin.select_media(sid)
    pump(app, 5, lambda: w.viewer.image is not None)
    for y in (250, 290, 330):
        paint(w, sid, [(20, y), (220, y + 5), (420, y - 5), (620, y)], 40)
    w.mask_tools.set_tool("brush")
    choose_task(w, "cinemagraph", "the lake's water ripples in the wind")
    pump(app, 1.5)
    save_small(w.grab().toImage(), args.out / "guide_cinemagraph.png")

    # Inpainting: a clip on the timeline, the moving shape painted from frame 40 on.
    clip = make_clip(tmp / "street.mp4", frames=96, size=(640, 360), fps=24, gop=48)
    w.import_paths([str(clip)])
    w.add_selected_to_timeline()
    cid = w.doc.project.media[-1].id
    pump(app, 20, lambda: str(clip) in w.thumbs.strips)
    w.bin.select_media(cid)
    w.viewer.seek(40)
    pump(app, 5, lambda: w.viewer.image is not None and w.viewer.frame == 40)
    paint(w, cid, [(300, 150), (360, 180), (340, 230)], 60)
    w.mask_tools.from_frame.setValue(40)
    choose_task(w, "inpaint", "a blue ball")
    w.timeline.set_playhead(40, emit=False)
    pump(app, 1.5)
    save_small(w.grab().toImage(), args.out / "guide_inpainting.png")

    # Its result, placed over the stretch it replaces (Generate > Place Results Over...).
    w.place_over.setChecked(True)
    w.mask_tools.set_tool("off")  # no brush cursor over the result
    jid = w.generation.generate()
    if jid is None:
        raise SystemExit(f"the inpainting job could not be queued: {getattr(w, 'last_error', '?')}")
    entry = w.queue.entries[jid]
    if not pump(app, args.timeout, lambda: entry.state in ("done", "failed", "cancelled")):
        raise SystemExit(f"the inpainting job did not finish: {entry.state}")
    if entry.state != "done":
        raise SystemExit(f"the inpainting job ended {entry.state}: {entry.message}")
    gen = next(c for t in w.doc.project.timeline.tracks for c in t.clips if c.generated)
    w.timeline.selected_clip = gen.id
    w.timeline.rebuild()
    w.timeline.set_playhead(gen.start + (gen.end - gen.start) // 2)
    pump(app, 15, lambda: w.viewer.image is not None)
    pump(app, 1.5)
    save_small(w.grab().toImage(), args.out / "guide_inpainting_result.png")

    # Export: the dialog File > Export opens, its list of formats unfolded.
    w.mask_tools.set_tool("off")
    shot: dict[str, QImage] = {}

    def unfold() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QFileDialog):
            combo = dialog.findChild(QComboBox, "fileTypeCombo")
            if combo is not None:
                combo.showPopup()

    def take() -> None:
        shot["screen"] = app.primaryScreen().grabWindow(0).toImage()
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QFileDialog):
            dialog.reject()

    QTimer.singleShot(1500, unfold)
    QTimer.singleShot(2500, take)
    w.export_progress.ask()
    if "screen" not in shot:
        raise SystemExit("the export dialog did not open")
    save_small(shot["screen"], args.out / "guide_export.png")
    w.shutdown()
    time.sleep(0.2)


if __name__ == "__main__":
    main()
