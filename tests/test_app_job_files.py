"""A saved project's jobs point at masks in its own masks/ folder, never at a scratch folder."""

from __future__ import annotations

import json

from engine.api import TimelineClip
from lumiere_studio.model.generations import GenerationRecord
from lumiere_studio.model.job_files import adopt_job_files, jobs_of
from lumiere_studio.model.project import DOC_NAME, Project


def test_scratch_masks_are_copied_in_and_jobs_point_there(tmp_path):
    scratch, own = tmp_path / "scratch", tmp_path / "photos"
    scratch.mkdir()
    own.mkdir()
    (scratch / "mask-a.png").write_bytes(b"mask")
    (scratch / "still-b.png").write_bytes(b"still")
    (own / "me.png").write_bytes(b"mine")
    p = Project()
    job = {"task": "inpaint", "mask": str(scratch / "mask-a.png"), "image": None}
    records = [
        GenerationRecord(job),
        GenerationRecord({"task": "i2v", "image": str(scratch / "still-b.png")}),
        GenerationRecord({"task": "i2v", "image": str(own / "me.png")}),
    ]
    p.generations = {r.id: r for r in records}
    p.history = [r.id for r in records]
    p.timeline.tracks[0].clips.append(
        TimelineClip("gen.mp4", 0, 8, 0, "8", generated=True, job=dict(job))
    )  # a clip from another editor's timeline carries its own job: it becomes a record
    p.adopt_clip_copies()
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
    record = GenerationRecord({"task": "inpaint", "mask": "masks/mask-c.png"})
    p.generations, p.history = {record.id: record}, [record.id]
    new = tmp_path / "new"
    adopt_job_files(p, new, [old])
    p.save(new)
    saved = json.loads((new / DOC_NAME).read_text())
    assert saved["generations"][saved["history"][0]]["job"]["mask"] == "masks/mask-c.png"
    assert (new / "masks" / "mask-c.png").read_bytes() == b"c"


def test_the_window_saves_an_untitled_projects_masks_into_the_project(window, tmp_path):
    scratch_mask = window.projects.scratch / "mask-x.png"
    scratch_mask.write_bytes(b"m")
    record = GenerationRecord({"task": "inpaint", "mask": str(scratch_mask)})

    def remember(p: Project) -> None:
        p.generations[record.id] = record
        p.history.append(record.id)

    window.doc.edit("job", remember)
    folder = tmp_path / "saved"
    assert window.projects.save_to(folder)
    text = (folder / DOC_NAME).read_text()
    assert str(window.projects.scratch) not in text and "masks/mask-x.png" in text
    assert (folder / "masks" / "mask-x.png").is_file()
