"""Every way a file gets into the program, as one function each, for the fuzz bench and test.

An entry takes (file, work folder, fixtures) and returns "ok" or "error: <message>" (a clean
refusal); anything else it raises is a defect. The CLI entries run the real command line
(`engine.cli.main`); the app entries run what the window runs on import and on opening a
project (probe, the document, thumbnails and filmstrip, the viewer's first and last frame,
the proxy) without a window.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FRAMES = "4"  # fuzz clips have 10 frames; the bundled model takes multiples of 4
STEPS = ("--steps", "1", "--ssr-steps", "1", "--prompt", "a red circle moving left")


@dataclass
class Fixtures:
    still: Path  # a good 32x24 PNG
    mask: Path  # a good 32x24 mask
    video: Path  # a good 10-frame 32x24 H.264 clip

    @classmethod
    def make(cls, folder: Path) -> Fixtures:
        from PIL import Image

        from testkit.media import make_clip

        folder.mkdir(parents=True, exist_ok=True)
        still, mask = folder / "still.png", folder / "mask.png"
        Image.fromarray(np.full((24, 32, 3), 90, np.uint8)).save(still)
        region = np.zeros((24, 32), np.uint8)
        region[6:18, 8:24] = 255
        Image.fromarray(region).save(mask)
        return cls(still, mask, make_clip(folder / "clip.mp4", frames=10, size=(32, 24)))


def cli(argv: list[str]) -> str:
    """Run the command line in-process; its exit status and last error line as the outcome."""
    from engine.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    found = re.search(r"^error:.*", err.getvalue().strip(), re.S | re.M)  # names hold newlines
    message = found.group(0) if found else ""
    if rc == 2 and not message:  # detect's "unreadable" verdict is its report, on stdout
        said = [line for line in out.getvalue().splitlines() if "unreadable" in line]
        message = f"error: {said[0].strip()}" if said else ""
    if rc in (0, 1) and not message:  # detect: 1 = no watermark found
        return "ok"
    return message or f"error: exit status {rc} without a message"


def _generate(task: str, *inputs: str) -> Callable[[Path, Path, Fixtures], str]:
    def run(path: Path, work: Path, fx: Fixtures) -> str:
        given = {"image": fx.still, "video": fx.video, "mask": fx.mask}
        args = [
            "generate",
            "--task",
            task,
            "--frames",
            FRAMES,
            *STEPS,
            "--out",
            str(work / "o.mp4"),
        ]
        for flag in inputs:
            name = flag.split("=")[0]
            args += [f"--{name}", str(path) if "=" in flag else str(given[name])]
        return cli(args)

    return run


def _inputs(task: str, *inputs: str) -> Callable[[Path, Path, Fixtures], str]:
    """What `generate` does with its input files before sampling (the fast test's stand-in for
    the whole command: no model)."""

    def run(path: Path, work: Path, fx: Fixtures) -> str:
        from engine.jobs import Job, JobError
        from engine.tasks.registry import task_for
        from engine.tasks.sizes import Geometry

        given = {"image": fx.still, "video": fx.video, "mask": fx.mask}
        files = {}
        for flag in inputs:
            name = flag.split("=")[0]
            files[name] = str(path) if "=" in flag else str(given[name])
        try:
            job = Job(task=task, prompt="x", **files)
            job.validate()  # as the engine does at its door, before a task reads a file
            task_for(task).prepare(job, int(FRAMES), Geometry(32, 32, 4))
        except JobError as e:
            return f"error: {e}"
        return "ok"

    return run


def detect(path: Path, work: Path, fx: Fixtures) -> str:
    return cli(["detect", str(path), "--max-frames", "8"])


def export_clip(path: Path, work: Path, fx: Fixtures) -> str:
    return cli(["export", str(path), "--format", "h264", "--out", str(work / "x.mp4")])


def project_with(path: Path, folder: Path) -> Path:
    """A project folder whose bin and timeline hold `path` (probed when it can be, else with
    the facts a project file could claim)."""
    from engine.media.probe import MediaInfo, ProbeError, probe

    try:
        info = probe(path).to_dict()
    except ProbeError:
        info = MediaInfo(str(path), "video", 32, 24, 8.0, 10, 1.25).to_dict()
    frames = max(1, int(info["frames"]))
    clip = {
        "media": str(path),
        "source_in": 0,
        "source_out": frames,
        "start": 0,
        "name": "clip",
        "id": "c1",
    }
    doc = {
        "schema": 1,
        "app": "lumiere-studio",
        "media": [{"path": str(path), "info": info, "id": "m1", "name": "clip"}],
        "timeline": {
            "fps": 8.0,
            "width": 32,
            "height": 24,
            "tracks": [{"name": "V1", "kind": "video", "clips": [clip]}],
        },
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "project.lumiere.json").write_text(json.dumps(doc))
    return folder


def export_project(path: Path, work: Path, fx: Fixtures) -> str:
    project = project_with(path, work / "project")
    return cli(["export", str(project), "--format", "h264", "--out", str(work / "x.mp4")])


def _show(path: Path, thumbs_root: Path) -> list[str]:
    """What the window does with a media file in the bin: thumbnail, filmstrip, the viewer's
    first and last frame, the proxy. Returns the messages of what was refused."""
    from engine.media.decode import DecodeError, FrameReader
    from engine.media.probe import ProbeError, probe
    from engine.media.proxy import ProxyError, ensure_proxy, needs_proxy
    from lumiere_studio.services.thumbnails import (
        UNEXPECTED,
        failure_message,
        make_filmstrip,
        make_thumbnail,
    )

    refused: list[str] = []
    thumbnail = lambda: make_thumbnail(str(path), 0, thumbs_root)  # noqa: E731
    filmstrip = lambda: make_filmstrip(str(path), thumbs_root)  # noqa: E731
    for make in (thumbnail, filmstrip):
        try:
            make()
        except Exception as e:  # noqa: BLE001 - sorted as the thumbnail worker sorts them
            refused.append(failure_message(e))
    for message in refused:
        if message.startswith(UNEXPECTED):  # the worker catches a defect to stop a spinner
            raise RuntimeError(f"thumbnail worker: {message}")
    try:
        with FrameReader(path, cache_bytes=1 << 20, size=(160, 90)) as reader:
            reader.frame(0)
            reader.frame(reader.frame_count - 1)
    except DecodeError as e:
        refused.append(str(e))
    try:
        info = probe(path)
        # min_pixels=1: every video goes through the proxy builder (the app's threshold
        # would skip the small fuzz files).
        if needs_proxy(info.kind, info.width, info.height, min_pixels=1):
            ensure_proxy(path, root=thumbs_root / "proxies")
    except (ProbeError, ProxyError) as e:
        refused.append(str(e))
    return refused


def app_import(path: Path, work: Path, fx: Fixtures) -> str:
    """The window's File > Import of one file (probe, into the document) and what follows."""
    from engine.media.probe import ProbeError, probe
    from lumiere_studio.model.document import Document

    doc = Document()
    try:
        info = probe(path)
    except ProbeError as e:
        return f"error: {e}"
    items = doc.import_media([info])
    refused = _show(doc.project.resolve(items[0].path), work / "cache")
    return f"error: {refused[0]}" if refused else "ok"


def project_open(path: Path, work: Path, fx: Fixtures) -> str:
    """Open a project that uses the file, as the window does (load, then each media item's
    thumbnails, viewer and proxy)."""
    from lumiere_studio.model.project import Project, ProjectError

    folder = project_with(path, work / "project")
    try:
        project = Project.load(folder)
    except ProjectError as e:
        return f"error: {e}"
    refused: list[str] = []
    for m in project.media:
        refused += _show(project.resolve(m.path), work / "cache")
    return f"error: {refused[0]}" if refused else "ok"


ENTRIES: dict[str, Callable[[Path, Path, Fixtures], str]] = {
    "generate i2v --image": _generate("i2v", "image="),
    "generate cinemagraph --image": _generate("cinemagraph", "image=", "mask"),
    "generate cinemagraph --mask": _generate("cinemagraph", "image", "mask="),
    "generate inpaint --video": _generate("inpaint", "video=", "mask"),
    "generate inpaint --mask": _generate("inpaint", "video", "mask="),
    "generate v2v --video": _generate("v2v", "video="),
    "detect": detect,
    "export (clip)": export_clip,
    "export (project)": export_project,
    "app import": app_import,
    "project open": project_open,
}


# In-process stand-ins for the generate entries (same input handling, no model): for the test.
INPUT_ENTRIES: dict[str, Callable[[Path, Path, Fixtures], str]] = {
    "inputs i2v --image": _inputs("i2v", "image="),
    "inputs cinemagraph --image": _inputs("cinemagraph", "image=", "mask"),
    "inputs cinemagraph --mask": _inputs("cinemagraph", "image", "mask="),
    "inputs inpaint --video": _inputs("inpaint", "video=", "mask"),
    "inputs v2v --video": _inputs("v2v", "video="),
}


def quiet_ffmpeg() -> None:
    """FFmpeg's own log lines would bury the table."""
    import av.logging

    av.logging.set_level(None)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
