"""The generation controller without widgets or an engine: selection + settings -> job, the
input files it writes (still, mask) where the project keeps them, what is queued, and a
finished job landing in the bin, on the timeline and in the history from one record."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QObject, Signal
from testkit.media import make_clip

from engine.jobs import Job, JobError
from engine.media.probe import probe
from engine.run import RunResult
from lumiere_studio.controllers.generation import (
    GenerationController,
    Selection,
    fit_to_sequence,
)
from lumiere_studio.model.document import Document
from lumiere_studio.model.project import MaskMeta


class FakeQueue(QObject):
    job_done = Signal(int)
    job_failed = Signal(int, str)
    changed = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[int, Any] = {}
        self.cancelled: list[tuple[int, str]] = []
        self.running: Any = None

    def submit(self, job: Job, output: Path) -> int:
        jid = len(self.entries) + 1
        self.entries[jid] = SimpleNamespace(id=jid, job=job, output=output, state="queued")
        return jid

    def cancel(self, job_id: int, message: str = "cancelled") -> None:
        self.cancelled.append((job_id, message))


class FakeSettings:
    def __init__(self, task: str = "t2v") -> None:
        self.task, self.calls, self.auto = task, [], True

    def task_key(self) -> str:
        return self.task

    def needs_still(self) -> bool:
        return self.task in ("i2v", "cinemagraph")

    def build_job(
        self, source, start_frame, frame_count, mask_png, mask_from_frame, motion=(None, None)
    ) -> Job:
        self.calls.append((source, start_frame, frame_count, mask_png, mask_from_frame))
        self.motion = motion
        return Job(task=self.task, prompt="a red ball", seed=7)

    def size_is_auto(self) -> bool:
        return self.auto


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return make_clip(tmp_path_factory.mktemp("gen") / "clip.mp4", frames=20, size=(64, 48))


@pytest.fixture
def parts(qapp, tmp_path):
    doc, queue, settings = Document(), FakeQueue(), FakeSettings()
    sel = Selection(None, 0)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    c = GenerationController(doc, queue, scratch, settings, lambda: sel)
    c.errors = []
    c.error.connect(lambda title, text: c.errors.append((title, text)))
    return c, doc, queue, settings, sel


def _import(doc: Document, clip: Path) -> str:
    (item,) = doc.import_media([probe(clip)])
    return item.id


def test_text_to_video_needs_no_source_and_writes_nothing(parts):
    c, _doc, queue, settings, _sel = parts
    jid = c.generate()
    assert settings.calls == [(None, 0, None, None, 0)]
    assert c.requests[jid].origin is None and c.requests[jid].inputs == []
    out = queue.entries[jid].output
    assert out.parent == c.scratch / "generated" and out.name.startswith("gen-t2v-7-")
    assert [p.name for p in c.scratch.iterdir()] == ["generated"]


def test_a_task_with_no_source_takes_nothing_from_the_selected_clip(parts, clip):
    """Text to video (with a style or not) has no origin on the timeline and no frame count
    from the clip's in/out range, whatever clip is selected."""
    c, doc, _queue, settings, sel = parts
    sel.media_id, sel.frame = _import(doc, clip), 12
    doc.set_in_out(4, 10)
    request = c.build_request()
    assert request.origin is None and settings.calls[-1][2] is None


def test_the_in_out_range_is_the_sources_only_in_source_mode(parts, clip):
    c, doc, _queue, settings, sel = parts
    settings.task = "v2v"
    sel.media_id, sel.frame = _import(doc, clip), 12
    doc.set_in_out(4, 10)
    request = c.build_request()
    assert settings.calls[-1] == (str(clip), 4, 6, None, 0)
    assert request.origin is not None and request.origin.to_dict() == {
        "media": str(clip),
        "frame": 4,
    }
    sel.in_sequence = True  # the in/out points then are the sequence's, not the source's
    c.build_request()
    assert settings.calls[-1] == (str(clip), 12, None, None, 0)


def test_a_still_from_a_video_frame_is_written_where_the_project_keeps_it(parts, clip, tmp_path):
    c, doc, _queue, settings, sel = parts
    settings.task = "i2v"
    pixels = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    sel.media_id, sel.frame, sel.picture = _import(doc, clip), 3, lambda: pixels
    request = c.build_request()
    (still,) = request.inputs
    assert Path(still).parent == c.scratch and settings.calls[-1][0] == still
    assert np.array_equal(np.asarray(Image.open(still)), pixels)  # lossless, as shown
    doc.project.folder = tmp_path / "proj"  # a saved project keeps it in its masks/ folder
    (still,) = c.build_request().inputs
    assert Path(still).parent == tmp_path / "proj" / "masks"
    sel.picture_full = False  # only the proxy is decoded: not good enough for a job
    with pytest.raises(JobError, match="still being decoded"):
        c.build_request()
    assert c.generate() is None and c.errors[-1][0] == "Cannot generate"


def test_the_clips_arrows_and_pins_go_to_the_job_as_text(parts, clip):
    c, doc, _queue, settings, sel = parts
    settings.task = "cinemagraph"
    pixels = np.zeros((48, 64, 3), np.uint8)
    sel.media_id, sel.frame, sel.picture = _import(doc, clip), 0, lambda: pixels
    c.build_request()
    assert settings.motion == (None, None, None)  # none drawn
    doc.add_arrow(sel.media_id, 1.26, 2, 40.5, 2)
    doc.add_arrow(sel.media_id, 5, 6, 7, 8)
    doc.add_pin(sel.media_id, 30, 40.04)
    doc.add_freeze(sel.media_id, 3, [(10, 10), (20, 10)])
    c.build_request()
    assert settings.motion == ("1.3,2,40.5,2;5,6,7,8", "30,40", "3,10,10,20,10")
    doc.clear_motion(sel.media_id)
    c.build_request()
    assert settings.motion == (None, None, None)


def test_the_mask_is_written_and_its_start_counts_from_the_first_frame_used(parts, clip):
    c, doc, _queue, settings, sel = parts
    settings.task = "inpaint"
    mid = sel.media_id = _import(doc, clip)
    doc.mask_operation(mid, "fill")
    doc.project.mask_meta[mid] = MaskMeta(from_frame=9)
    doc.set_in_out(4, 12)
    request = c.build_request()
    source, start, count, mask_png, from_frame = settings.calls[-1]
    assert (start, count, from_frame) == (4, 8, 5) and request.inputs == [mask_png]
    assert np.asarray(Image.open(mask_png)).min() == 255
    doc.set_in_out(10, 12)  # the range starts after the mask's first frame: from its start
    c.build_request()
    assert settings.calls[-1][1:3] == (10, 2) and settings.calls[-1][4] == 0


def test_a_tracked_mask_goes_to_the_job_as_a_mask_track_file(parts, clip):
    from engine.mask_track import load
    from lumiere_studio.services.mask_tracking import MaskTracking, TrackedClip

    c, doc, _queue, settings, sel = parts
    settings.task = "inpaint"
    mid = sel.media_id = _import(doc, clip)
    mask = doc.project.mask_for(mid)
    mask.pixels[10:20, 10:20] = 255  # the painted keyframe on frame 2
    doc.project.mask_meta[mid] = MaskMeta(from_frame=2)
    c.tracking = tracking = MaskTracking()
    moved = np.zeros((48, 64), bool)
    moved[12:22, 30:40] = True
    tracking.clips[mid] = TrackedClip((64, 48), {2}, {5: moved})
    request = c.build_request()
    mask_file = settings.calls[-1][3]
    assert mask_file.endswith(".masktrack") and request.inputs == [mask_file]
    track = load(mask_file)
    assert track.raw(1) is None and np.array_equal(track.final(2) > 0, mask.pixels > 0)
    assert np.array_equal(track.final(5) > 0, moved) and np.array_equal(track.raw(6), track.raw(2))
    tracking.clear(mid)  # nothing tracked: the PNG as before
    c.build_request()
    assert settings.calls[-1][3].endswith(".png")
    tracking.set_edges(mid, 3, 0, False)  # edge controls: a track file carrying them
    c.build_request()
    edged = load(settings.calls[-1][3])
    assert edged.edges.grow == 3 and (edged.final(4) > 0).sum() > (mask.pixels > 0).sum()
    tracking.shutdown()


def test_a_finished_job_lands_in_bin_timeline_and_history_over_its_source(parts, clip):
    c, doc, queue, settings, sel = parts
    settings.task = "v2v"
    sel.media_id = _import(doc, clip)
    doc.add_to_timeline(sel.media_id)
    doc.set_in_out(5, 15)
    c.place_over = True
    added: list[Any] = []
    c.added.connect(added.append)
    jid = c.generate()
    queue.entries[jid].result = RunResult(
        "done", path=str(clip), model_name="tiny", model_hash="ab" * 32, notes=("upscaled",)
    )
    queue.job_done.emit(jid)
    item = doc.project.media[-1]
    record = doc.project.generations[item.generation_id]
    assert added == [item] and item.generated and record.model_name == "tiny"
    assert record.job == queue.entries[jid].job.to_dict() == doc.project.history_jobs()[-1]
    assert record.notes == ["upscaled"] and record.path == item.path and record.created
    over = doc.project.timeline.tracks[1].clips[0]  # a track above the source
    assert over.media == item.path and over.start == 5 and over.source_offset == 5
    assert over.generation_id == record.id == doc.project.history[-1]
    assert record.origin == {"media": doc.project.media[0].path, "frame": 5}
    assert record.model_hash == "ab" * 32 and jid not in c.requests


def test_an_unreadable_result_is_an_error_and_adds_nothing(parts, tmp_path):
    c, doc, queue, _settings, _sel = parts
    jid = c.generate()
    (tmp_path / "bad.mp4").write_bytes(b"not a video")
    queue.entries[jid].result = RunResult(
        "done", path=str(tmp_path / "bad.mp4"), model_name="m", model_hash="0"
    )
    queue.job_done.emit(jid)
    assert doc.project.media == [] and not doc.dirty
    assert c.errors[-1][0] == "The generated file could not be read"


def test_variations_take_back_and_cancel(parts):
    c, _doc, queue, _settings, _sel = parts
    assert c.queue_variations() == [] and queue.entries == {}  # asked, and cancelled
    c.ask_specs = lambda job: ["seed=1..2", "guidance=3,4"]
    ids = c.queue_variations()
    assert [(queue.entries[i].job.seed, queue.entries[i].job.guidance) for i in ids] == [
        (1, 3.0),
        (1, 4.0),
        (2, 3.0),
        (2, 4.0),
    ]
    assert c.queue_variations(["colour=red"]) == [] and "colour" in c.errors[-1][1]
    taken: list[dict[str, Any]] = []
    c.taken_back.connect(taken.append)
    c.take_back(ids[2])
    assert taken == [queue.entries[ids[2]].job.to_dict()] and queue.cancelled[0][0] == ids[2]
    c.take_back(999)  # gone meanwhile: nothing happens
    assert len(taken) == 1
    queue.running = queue.entries[ids[0]]
    c.cancel_running()
    assert queue.cancelled[-1] == (ids[0], "cancelled")


def test_the_source_line_names_the_source_frame_and_mask(parts, clip):
    c, doc, _queue, settings, sel = parts
    settings.task = "inpaint"
    assert c.source_text() == "source: none yet: select a clip in the Media bin or on the timeline"
    sel.media_id, sel.frame = _import(doc, clip), 6
    assert c.source_text() == "source: clip.mp4, frame 6, no mask"
    doc.mask_operation(sel.media_id, "fill")
    assert c.source_text() == "source: clip.mp4, frame 6, with mask"
    settings.task = "t2v"  # a task that reads no source names none, whatever is shown
    assert c.source_text() == "source: none (text to video needs none)"


def test_only_an_auto_sized_text_to_video_job_on_a_settled_sequence_is_refitted(tiny_model):
    job = Job(task="t2v", width=40, height=40, model=str(tiny_model))
    settled = {"width": 64, "height": 48, "settled": True}
    assert fit_to_sequence(job, {**settled, "settled": False}).width == 40
    assert fit_to_sequence(job, settled, size_is_auto=False).width == 40
    assert fit_to_sequence(Job(task="v2v", width=40), settled).width == 40
    fitted = fit_to_sequence(job, settled)  # the square model's largest square in 64x48
    assert (fitted.width, fitted.height) == (48, 48)


def test_a_read_only_queue_refuses_plainly(parts):
    from lumiere_studio.model.queue_store import QueueStoreError

    c, _doc, queue, _settings, _sel = parts

    def refuse(job, output):
        raise QueueStoreError("this window shows another instance's queue read-only")

    queue.submit = refuse
    assert c.generate() is None and c.requests == {}
    assert c.queue_variations(["seed=1,2"]) == []
    assert [title for title, _text in c.errors] == ["Cannot queue", "Cannot queue variations"]
    assert "read-only" in c.errors[0][1]
