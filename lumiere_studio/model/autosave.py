"""Autosave and crash recovery. While a project has unsaved edits, its full state (masks
included, as PNG in base64, and mask tracks, as their files' bytes in base64) is written
atomically to a recovery file in the platformdirs data dir. A clean save or close removes
it; a recovery file found at start-up means the last session did not end cleanly, so the app
offers to restore it."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from engine.api import atomic_write_bytes, is_plain_id, read_document, user_paths
from lumiere_studio.model.masks import Mask
from lumiere_studio.model.project import Project, ProjectError, validate

SUFFIX = ".lumiere-recovery.json"


def recovery_dir() -> Path:
    return user_paths.recovery_dir()


@dataclass
class Recovery:
    path: Path
    project_folder: Path | None
    saved_at: float

    def describe(self) -> str:
        where = str(self.project_folder) if self.project_folder else "an unsaved project"
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.saved_at))
        return f"{where} (autosaved {when})"


def recovery_path(project: Project, session: str, root: Path | None = None) -> Path:
    """One file per project folder (or per session for an unsaved project)."""
    key = str(project.folder.absolute()) if project.folder else f"untitled-{session}"
    digest = hashlib.sha1(key.encode()).hexdigest()[:16]
    return (root or recovery_dir()) / f"{digest}{SUFFIX}"


def write_recovery(project: Project, path: Path) -> None:
    project.refresh_tracks()  # the tracks as they are now: a crash loses none
    data = {
        "project_folder": str(project.folder) if project.folder else None,
        "saved_at": time.time(),
        "document": project.to_dict(),
        "mask_png": {
            mid: base64.b64encode(m.to_png_bytes()).decode()
            for mid, m in project.masks.items()
            if m.any()
        },
        "mask_tracks": {mid: base64.b64encode(t).decode() for mid, t in project.tracks.items()},
    }
    atomic_write_bytes(path, json.dumps(data).encode())


def find_recoveries(root: Path | None = None) -> list[Recovery]:
    folder = root or recovery_dir()
    found = []
    for path in sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []:
        try:
            data = read_document(path)  # bounded: the folder is writable by anyone's tools
            pf = data.get("project_folder")
            found.append(Recovery(path, Path(pf) if pf else None, float(data["saved_at"])))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # unreadable leftovers are ignored, not fatal
    return found


def restore(recovery: Recovery) -> Project:
    try:
        data = read_document(recovery.path)
        document = data["document"]
        validate(document)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ProjectError(f"the recovery file {recovery.path} is damaged: {e}") from e
    # masks and tracks come from the recovery file itself, not from the project's folder
    files: dict[str, dict[str, str]] = {"masks": {}, "mask_tracks": {}}
    project = Project.from_dict({**document, **files}, recovery.project_folder)
    for mid, b64 in data.get("mask_png", {}).items():
        if not is_plain_id(mid):  # saved as masks/<id>.png: an id that is a path is refused
            project.notes.append(f"refused the mask {mid!r} (its id is not a plain name)")
            continue
        project.masks[mid] = Mask.from_png_bytes(base64.b64decode(b64))
    tracks = data.get("mask_tracks", {})
    if not isinstance(tracks, dict):
        raise ProjectError(f"the recovery file {recovery.path} is damaged: its mask tracks")
    for mid, b64 in tracks.items():
        try:
            track = base64.b64decode(b64, validate=True)
        except (ValueError, TypeError):
            project.notes.append(f"the recovered mask track of {mid!r} is damaged; not used")
            continue
        project.adopt_track(mid, track, f"of {mid!r} (recovered)")
    project.migrate_single_masks()  # a recovery file from before tracks: its painted masks
    return project


def discard(recovery: Recovery) -> None:
    recovery.path.unlink(missing_ok=True)
