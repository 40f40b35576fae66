"""Screenshots of the real main window, for docs/screenshots/. Run under a virtual X server:

    xvfb-run -s "-screen 0 1440x900x24" python bench/screenshot.py docs/screenshots
    xvfb-run -s "-screen 0 1440x900x24" python bench/screenshot.py docs/screenshots --generated

`main_window.png`: an imported clip on the timeline (with its filmstrip), a painted mask, and a
text-to-video job in progress with its preview. With --generated, also `generated.png`: a
finished generation, in the bin, on the timeline and in the viewer. Uses the bundled model
(resources/models/lumiere-mini) when it exists, otherwise a small untrained model (its output
is noise; the file name says so).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from testkit.media import make_clip

from lumiere_studio.ui.main_window import MainWindow
from lumiere_studio.ui.theme import apply_dark_theme

BUNDLED = Path(__file__).resolve().parent.parent / "resources/models/lumiere-mini"
PROMPT = "waves crashing on a rocky shore at sunset, slow camera pan"


def scratch_window(prefix: str) -> tuple[QApplication, MainWindow, Path]:
    """The app, and a dark-themed 1440x900 main window on a throwaway folder (also returned):
    its own settings, recovery files and user data and cache (queue, proxies, thumbnails), so
    a screenshot run never touches the user's."""
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_dark_theme(app)
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["XDG_DATA_HOME"] = str(tmp / "user-data")
    os.environ["XDG_CACHE_HOME"] = str(tmp / "user-cache")
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, recovery_root=tmp / "recovery")
    w.resize(1440, 900)
    return app, w, tmp


def pump(app: QApplication, seconds: float, until=lambda: False) -> bool:
    """Run the event loop for up to `seconds`; True as soon as `until()` holds."""
    end = time.time() + seconds
    while time.time() < end:
        app.processEvents()
        if until():
            return True
        time.sleep(0.01)
    return until()


def model_folder(tmp: Path) -> Path:
    if (BUNDLED / "config.json").is_file():
        return BUNDLED
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ui_latency import tiny_model  # an untrained model, when none is bundled yet

    print("no bundled model yet: using an untrained model (the preview will be noise)")
    return tiny_model(tmp)


def queue_job(w: MainWindow) -> int:
    jid = w.generation.generate()
    if jid is None:
        sys.exit(f"the job could not be queued: {getattr(w, 'last_error', '?')}")
    return jid


def save(w: MainWindow, target: Path, note: str) -> None:
    w.grab().save(str(target))
    print(f"wrote {target} ({note})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path, help="folder for the PNGs")
    ap.add_argument("--generated", action="store_true", help="also wait for a finished job")
    ap.add_argument("--timeout", type=float, default=900, help="seconds to wait for the job")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    app, w, tmp = scratch_window("lumiere-shot-")
    clip = make_clip(tmp / "beach.mp4", frames=120, size=(640, 360), fps=24, gop=48)
    model = model_folder(tmp)
    w.show()
    w.import_paths([str(clip)])
    w.add_selected_to_timeline()
    mid = w.doc.project.media[0].id
    pump(app, 20, lambda: str(clip) in w.thumbs.strips)
    w.bin.select_media(mid)
    w.viewer.seek(40)
    pump(app, 5, lambda: w.viewer.image is not None and w.viewer.frame == 40)

    # A mask painted the way a stroke with the brush paints it, as one undoable step.
    from lumiere_studio.model.masks import Patch

    mask = w.doc.project.mask_for(mid, create=True)
    points = [(380, 120), (470, 170), (520, 260), (430, 300)]
    rect = mask.stroke_rect(points, 45)
    before = mask.copy_rect(rect)
    mask.stroke(points, 45, 0.7, False)
    w.doc.commit_mask_patch(mid, "Paint mask", Patch(rect, before, mask.copy_rect(rect)))
    w.mask_tools.set_tool("brush")
    w.timeline.set_playhead(40, emit=False)

    w.prompt.set_model_path(str(model))
    w.prompt.prompt.setPlainText(PROMPT)
    default_steps = w.prompt.steps.value()
    w.prompt.steps.setValue(400)  # long enough to be caught in progress
    jid = queue_job(w)
    entry = w.queue.entries[jid]
    if not pump(app, args.timeout, lambda: entry.preview is not None and entry.step >= 2):
        sys.exit(f"no job progress in time: {entry.state} {entry.message}")
    pump(app, 0.5)
    save(w, args.out / "main_window.png", f"job #{jid} {entry.state}: {entry.message}")
    w.queue.cancel(jid)
    pump(app, 30, lambda: entry.state != "running")

    if args.generated:
        w.prompt.steps.setValue(default_steps)
        w.mask_tools.set_tool("off")  # no brush cursor over the result
        jid = queue_job(w)
        entry = w.queue.entries[jid]
        ended = ("done", "failed", "cancelled")
        if not pump(app, args.timeout, lambda: entry.state in ended) or entry.state != "done":
            sys.exit(f"the job did not finish: {entry.state} {entry.message}")
        pump(app, 1)
        item = w.doc.project.media[-1]
        gen = next(c for t in w.doc.project.timeline.tracks for c in t.clips if c.generated)
        w.timeline.selected_clip = gen.id
        w.timeline.rebuild()
        w.timeline.set_playhead(gen.start + (gen.end - gen.start) // 2)
        path = str(w.doc.project.resolve(item.path))
        pump(app, 15, lambda: path in w.thumbs.strips and w.viewer.image is not None)
        pump(app, 1.5)
        save(w, args.out / "generated.png", item.name)
    w.shutdown()


if __name__ == "__main__":
    main()
