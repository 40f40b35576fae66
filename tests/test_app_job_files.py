"""A saved project's jobs point at masks in its own masks/ folder, never at a scratch folder."""

from __future__ import annotations

import json

from lumiere_studio.model.job_files import adopt_job_files, jobs_of
from lumiere_studio.model.project import DOC_NAME, MediaItem, Project


def test_scratch_masks_are_copied_in_and_jobs_point_there(tmp_path):
    scratch, own = tmp_path / "scratch", tmp_path / "photos"
    scratch.mkdir()
    own.mkdir()
    (scratch / "mask-a.png").write_bytes(b"mask")
    (scratch / "still-b.png").write_bytes(b"still")
    (own / "me.png").write_bytes(b"mine")
    p = Project()
    job = {"task": "inpaint", "mask": str(scratch / "mask-a.png"), "image": None}
    p.history = [
        job,
        {"task": "i2v", "image": str(scratch / "still-b.png")},
        {"task": "i2v", "image": str(own / "me.png")},
    ]
    p.media.append(MediaItem("gen.mp4", {}, name="gen", generated=True, job=dict(job)))
    folder = tmp_path / "proj"
    copies = adopt_job_files(p, folder, [scratch])
    assert sorted(c.name for c in copies) == ["mask-a.png", "still-b.png"]
    assert (folder / "masks" / "mask-a.png").read_bytes() == b"mask"
    files = [j.get("mask") or j.get("image") for j in jobs_of(p)]
    assert files == [
        "masks/mask-a.png",
        "masks/still-b.png",
        str(own / "me.png"),
        "masks/mask-a.png",
    ]
    assert (scratch / "mask-a.png").exists()  # copied, not moved: undo may still need it


def test_save_as_brings_the_old_folders_masks_along(tmp_path):
    old = tmp_path / "old"
    (old / "masks").mkdir(parents=True)
    (old / "masks" / "mask-c.png").write_bytes(b"c")
    p = Project(old)
    p.history = [{"task": "inpaint", "mask": "masks/mask-c.png"}]
    new = tmp_path / "new"
    adopt_job_files(p, new, [old])
    p.save(new)
    saved = json.loads((new / DOC_NAME).read_text())
    assert saved["history"][0]["mask"] == "masks/mask-c.png"
    assert (new / "masks" / "mask-c.png").read_bytes() == b"c"


def test_the_window_saves_an_untitled_projects_masks_into_the_project(window, tmp_path):
    scratch_mask = window.projects.scratch / "mask-x.png"
    scratch_mask.write_bytes(b"m")
    window.doc.edit(
        "job", lambda p: p.history.append({"task": "inpaint", "mask": str(scratch_mask)})
    )
    folder = tmp_path / "saved"
    assert window.projects.save_to(folder)
    text = (folder / DOC_NAME).read_text()
    assert str(window.projects.scratch) not in text and "masks/mask-x.png" in text
    assert (folder / "masks" / "mask-x.png").is_file()
