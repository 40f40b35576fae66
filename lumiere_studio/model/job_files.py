"""The files a job was made with that the app wrote for it (the mask PNG, the still taken from
a video frame) belong to the project: on save, those in a scratch folder (an untitled project's)
or in the project's previous folder (Save As) are copied into its `masks/` folder and the
saved jobs point there, relative to the project, so a saved project never refers to a
temporary folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.api import atomic_write_bytes, path_in
from lumiere_studio.model.project import Project, inside

JOB_FILE_KEYS = ("mask", "image")  # job fields that may hold a file the app wrote
MASKS = "masks"


def jobs_of(project: Project) -> list[dict[str, Any]]:
    """Every job dict the project keeps (its generation records')."""
    return [r.job for r in project.generations.values()]


def adopt_job_files(project: Project, folder: Path, owned: list[Path]) -> list[Path]:
    """Copy job files that live under one of the `owned` folders (scratch, the old project
    folder) into `folder/masks/` and point the jobs at them; returns the copies made. Files
    elsewhere (the user's own stills) are left where they are."""
    folder = Path(folder)
    copied: dict[Path, str] = {}
    for job in jobs_of(project):
        for key in JOB_FILE_KEYS:
            value = job.get(key)
            if not isinstance(value, str) or not value:
                continue
            path = Path(value) if Path(value).is_absolute() else (project.folder or folder) / value
            # Resolved (symlinks too): a hostile project's "mask" linking to a private file
            # outside the app's folders is never copied in.
            if not any(inside(path, root) for root in owned) or inside(path, folder):
                continue
            if path not in copied:
                target = path_in(folder, MASKS, path.name)  # never through a link
                if path.is_file() and not path.is_symlink() and not target.exists():
                    atomic_write_bytes(target, path.read_bytes())
                copied[path] = f"{MASKS}/{path.name}"
            job[key] = copied[path]
    return [folder / rel for rel in copied.values()]
