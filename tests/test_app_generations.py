"""Generation records: the bin item, its clip and its history entry name one record; a saved
project keeps it and the references; an older project's copies of each job become records."""

from __future__ import annotations

import json

from testkit.media import make_clip

from engine.export.render import load_project
from engine.media.probe import probe
from engine.project_schema import SCHEMA
from lumiere_studio.model.document import Document
from lumiere_studio.model.generations import GenerationRecord, records_from_copies
from lumiere_studio.model.project import DOC_NAME, MediaItem, Project

JOB = {"task": "t2v", "prompt": "a red fox in snow", "seed": 7, "steps": 4}
INFO = {"kind": "video", "width": 32, "height": 32, "fps": 8.0, "frames": 16, "duration": 2.0}


def _generate(doc: Document, path, job=JOB) -> GenerationRecord:
    item = MediaItem(str(path), probe(path).to_dict(), name=path.name, generated=True)
    record = GenerationRecord(
        dict(job), "tiny", "ab" * 32, str(path), None, ["upscaled"], "2026-11-29T17:00:00+00:00"
    )
    doc.add_generated(item, record)
    return record


def test_the_item_its_clip_and_the_history_entry_name_one_record(qtbot, tmp_path):
    doc = Document()
    record = _generate(doc, make_clip(tmp_path / "g.mp4", frames=16, size=(32, 32), fps=8))
    p = doc.project
    clip = p.timeline.tracks[0].clips[0]
    assert p.media[0].generation_id == clip.generation_id == p.history[0] == record.id
    assert p.generations[record.id] == record and p.job_of(clip) is p.job_of(p.media[0])
    assert clip.job is None and "job" not in p.state()["media"][0]  # no copies
    assert p.history_jobs() == [JOB]
    doc.undo_stack.undo()
    assert p.generations == {} and p.history == [] and p.media == []
    doc.undo_stack.redo()
    assert p.generations[record.id].job == JOB


def test_save_and_load_keep_the_record_and_the_references(qtbot, tmp_path):
    doc = Document()
    record = _generate(doc, make_clip(tmp_path / "g.mp4", frames=16, size=(32, 32), fps=8))
    doc.project.save(tmp_path / "proj", scratch=tmp_path)
    saved = json.loads((tmp_path / "proj" / DOC_NAME).read_text())
    assert saved["schema"] == SCHEMA == 3 and saved["history"] == [record.id]
    assert saved["generations"][record.id]["path"] == saved["media"][0]["path"]
    assert saved["generations"][record.id]["path"] == "generated/g.mp4"  # adopted, relative
    again = Project.load(tmp_path / "proj")
    assert again.generations == doc.project.generations
    assert again.media[0].generation_id == record.id
    assert again.timeline.tracks[0].clips[0].generation_id == record.id
    clip = load_project(tmp_path / "proj")[0].tracks[0].clips[0]  # what export reads
    assert (clip.job, clip.model_name, clip.model_hash) == (JOB, "tiny", "ab" * 32)


def test_save_as_keeps_the_records_paths_on_their_files(qtbot, tmp_path):
    first = tmp_path / "first"
    (first / "generated").mkdir(parents=True)
    source = make_clip(first / "src.mp4", frames=16, size=(32, 32), fps=8)
    doc = Document(Project(first))
    (real,) = doc.import_media([probe(source)])
    gen = make_clip(first / "generated" / "g.mp4", frames=16, size=(32, 32), fps=8)
    item = MediaItem("generated/g.mp4", probe(gen).to_dict(), name="g.mp4", generated=True)
    origin = {"media": real.path, "frame": 4}
    removed = GenerationRecord(dict(JOB), path="generated/old.mp4")  # its item was removed
    doc.add_generated(item, GenerationRecord(dict(JOB), path=item.path, origin=origin))
    doc.project.generations[removed.id] = removed
    assert real.path == "src.mp4"
    doc.project.save(tmp_path / "second")
    p = Project.load(tmp_path / "second")
    record = p.record(p.media[1].generation_id)
    assert record.path == p.media[1].path == "generated/g.mp4"  # copied along, relative
    assert record.origin == {"media": p.media[0].path, "frame": 4}
    assert p.media[0].path == str(source.absolute())  # left in the first folder
    assert p.record(removed.id).path == str((first / "generated" / "old.mp4").absolute())


def _schema_2_project() -> dict:
    """A project as the schema-2 app saved it: each generation's job and model copied into its
    bin item, its clip and its history entry."""
    variation = {**JOB, "seed": 8}
    item = {"path": "generated/a.mp4", "info": INFO, "id": "m1", "name": "a.mp4"}
    media = [
        {**item, "generated": True, "job": JOB, "model_name": "tiny", "model_hash": "ab" * 32},
        {**item, "path": "generated/b.mp4", "id": "m2", "generated": True, "job": variation},
        {**item, "path": "real.mp4", "id": "m3", "generated": False, "job": None},
    ]

    def clip(path: str, start: int) -> dict:
        return {"media": path, "source_in": 0, "duration": 16, "start": start, "rate": "8"}

    clips = [clip("generated/a.mp4", 0), clip("generated/b.mp4", 16), clip("real.mp4", 32)]
    clips[0].update(generated=True, job=JOB, model_name="tiny", model_hash="ab" * 32)
    clips[1].update(generated=True, job=variation)
    timeline = {"rate": "8", "width": 32, "height": 32, "tracks": [{"name": "V1", "clips": clips}]}
    history = [JOB, variation, {**JOB, "seed": 99}]  # the last one's file was removed
    return {
        "schema": 2,
        "app": "lumiere-studio",
        "media": media,
        "timeline": timeline,
        "history": history,
    }


def test_an_old_project_opens_with_each_generated_item_showing_its_job(tmp_path):
    text = json.dumps(_schema_2_project())
    (tmp_path / DOC_NAME).write_text(text)
    p = Project.load(tmp_path)
    a, b, real = p.media
    clip_a, clip_b, clip_real = p.timeline.tracks[0].clips
    assert p.job_of(a) == JOB and p.record(a.generation_id).model_hash == "ab" * 32
    assert p.job_of(b) == {**JOB, "seed": 8} and real.generation_id == ""
    assert clip_a.generation_id == a.generation_id and clip_b.generation_id == b.generation_id
    assert clip_a.job is None and p.job_of(clip_real) is None
    assert p.history[:2] == [a.generation_id, b.generation_id]
    assert p.history_jobs() == [JOB, {**JOB, "seed": 8}, {**JOB, "seed": 99}]
    assert p.record(p.history[2]).path == "" and len(p.generations) == 3
    assert p.record(a.generation_id).path == "generated/a.mp4"
    assert (tmp_path / DOC_NAME).read_text() == text  # opening never rewrites the file
    p.save(tmp_path)
    saved = json.loads((tmp_path / DOC_NAME).read_text())
    assert saved["schema"] == SCHEMA and "job" not in saved["media"][0]
    assert Project.load(tmp_path).history_jobs() == p.history_jobs()


def test_migration_leaves_its_input_alone_and_matches_equal_jobs_once():
    old = _schema_2_project()
    old["history"] = [JOB, JOB]  # the same settings run twice: two entries, two records
    before = json.dumps(old)
    new = records_from_copies(old)
    assert json.dumps(old) == before
    first, second = new["history"]
    assert first == new["media"][0]["generation_id"] and second != first
    assert new["generations"][second]["job"] == JOB


def test_clips_carrying_their_own_job_are_given_records_on_open():
    """A clip read from another editor's timeline (or a project saved before records held
    those) names a record instead; clips of one file share it, others are left alone."""
    from engine.api import TimelineClip

    kept = GenerationRecord(dict(JOB), "tiny", "cd" * 32, "mine.mp4")
    a = TimelineClip("made.mp4", 0, 4, 0, "8", generated=True, job=dict(JOB), model_name="m")
    b = TimelineClip("made.mp4", 4, 4, 4, "8", generated=True, job=dict(JOB), model_name="m")
    own = TimelineClip("mine.mp4", 0, 4, 8, "8", generated=True, generation_id=kept.id)
    real = TimelineClip("real.mp4", 0, 4, 12, "8")
    p = Project()
    p.generations = {kept.id: kept}
    p.media = [MediaItem("made.mp4", dict(INFO)), MediaItem("real.mp4", dict(INFO))]
    p.timeline.tracks[0].clips = [a, b, own, real]

    again = Project.from_dict(p.to_dict(), None)  # as opening the saved document does

    made, mine, plain = again.timeline.tracks[0].clips[0], *again.timeline.tracks[0].clips[2:]
    new = again.record(made.generation_id)
    assert new is not None and new.id != kept.id and (new.job, new.model_name) == (JOB, "m")
    assert again.timeline.tracks[0].clips[1].generation_id == new.id
    assert made.job is None and made.model_name == ""
    assert mine.generation_id == kept.id and len(again.generations) == 2
    assert plain.generation_id == "" and again.job_of(plain) is None
    assert again.media[0].generation_id == new.id and again.media[0].generated
    assert again.media[1].generation_id == "" and not again.media[1].generated
