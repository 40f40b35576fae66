"""The projects controller without a window: open/save round trip, the recent list, the folder
dialogs start in, autosave only when there is something new, recovery (accepted, declined,
damaged) and the clean shutdown."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from engine.api import MediaInfo
from lumiere_studio.controllers.projects import ProjectController
from lumiere_studio.model import autosave
from lumiere_studio.model.document import Document
from lumiere_studio.model.generations import GenerationRecord
from lumiere_studio.model.project import DOC_NAME, MediaItem, Project
from lumiere_studio.model.scratch import LOCK_NAME, PREFIX
from lumiere_studio.model.settings import MAX_RECENT, AppSettings


@pytest.fixture
def controller(qapp, tmp_path):
    settings = AppSettings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    c = ProjectController(Document(), settings, recovery_root=tmp_path / "rec")
    c.errors = []
    c.error.connect(lambda title, text: c.errors.append((title, text)))
    yield c
    c.shutdown()


def _edit(c: ProjectController, value: int = 5) -> None:
    c.doc.set_in_out(in_point=value)


def test_save_then_open_round_trips_and_lists_the_folder_first(controller, tmp_path):
    c = controller
    _edit(c)
    saved: list[bool] = []
    c.doc.changed.connect(lambda: saved.append(c.doc.dirty))
    assert c.save_to(tmp_path / "a") and saved == [False] and not c.doc.dirty
    assert c.doc.project.folder == tmp_path / "a"
    c.set_project(Project())
    assert c.doc.project.in_point is None and c.doc.undo_stack.count() == 0
    assert c.open_project(tmp_path / "a") and c.doc.project.in_point == 5
    assert c.recent() == [str((tmp_path / "a").absolute())]
    assert not c.open_project(tmp_path / "nothing-here")
    assert c.errors[-1][0] == "The project could not be opened"


def test_recent_list_has_no_repeats_newest_first_and_a_limit(controller, tmp_path):
    c = controller
    for i in range(MAX_RECENT + 2):
        c.add_recent(tmp_path / f"p{i}")
    c.add_recent(tmp_path / "p3")
    recent = c.recent()
    assert len(recent) == MAX_RECENT and recent[0].endswith("p3")
    assert len(set(recent)) == MAX_RECENT and not any(r.endswith("p0") for r in recent)


def test_dialogs_start_in_the_last_folder_else_the_projects_else_home(controller, tmp_path):
    c = controller
    assert c.dialog_folder() == str(Path.home())
    c.doc.project.folder = tmp_path
    assert c.dialog_folder() == str(tmp_path)
    c.remember_folder(tmp_path / "gone")  # a folder that no longer exists is skipped
    assert c.dialog_folder() == str(tmp_path)
    (tmp_path / "media").mkdir()
    c.remember_folder(tmp_path / "media")
    assert c.dialog_folder() == str(tmp_path / "media")


def test_autosave_writes_only_unsaved_work_and_again_only_after_new_edits(controller):
    c = controller
    c.autosave_now()
    assert not c.recovery_path().exists()  # nothing unsaved
    _edit(c)
    c.autosave_now()
    first = c.recovery_path().stat().st_mtime_ns
    c.autosave_now()  # no edit since: not rewritten
    assert c.recovery_path().stat().st_mtime_ns == first
    c.recovery_path().unlink()
    c.autosave_now()  # still unsaved and the file went missing: written again
    assert c.recovery_path().exists()


def test_recovery_restores_unsaved_work_and_a_declined_file_goes(qapp, controller, tmp_path):
    c = controller
    _edit(c, 7)
    c.autosave_now()
    state = c.doc.project.state()
    other = ProjectController(Document(), c.settings, recovery_root=tmp_path / "rec")
    asked: list[str] = []
    assert other.offer_recovery(lambda d: asked.append(d) or True)
    assert "an unsaved project" in asked[0]
    assert other.doc.project.state() == state and other.doc.dirty  # restored = unsaved
    assert other.recovery_path().exists()  # and autosaved again under the new session
    other.autosave_timer.stop()
    declined = ProjectController(Document(), c.settings, recovery_root=tmp_path / "rec")
    assert not declined.offer_recovery(lambda d: False)
    assert autosave.find_recoveries(tmp_path / "rec") == [] and not declined.doc.dirty
    for x in (other, declined):
        x.shutdown()


def test_a_damaged_recovery_file_is_reported_and_skipped(controller, tmp_path):
    c = controller
    _edit(c)
    c.autosave_now()
    c.recovery_path().write_text('{"saved_at": 1, "document": {"media": "nonsense"}}')
    assert not c.offer_recovery(lambda d: True)
    assert c.errors and c.errors[-1][0] == "Recovery failed"


def test_shutdown_removes_the_recovery_file_and_the_scratch_folder(controller):
    c = controller
    _edit(c)
    c.autosave_now()
    (c.scratch / "mask.png").write_bytes(b"x")
    c.shutdown()
    assert not c.recovery_path().exists() and not c.scratch.exists()
    assert not c.autosave_timer.isActive()


def test_an_unreadable_timeline_file_is_an_error_and_keeps_the_project(controller, tmp_path):
    c = controller
    _edit(c)
    before = c.doc.project
    (tmp_path / "cut.edl").write_text("this is not an edl\n")
    assert not c.open_timeline(tmp_path / "cut.edl")
    assert c.doc.project is before and c.errors[-1][0] == "The timeline could not be opened"


def _dead_run_folder(tmp: Path, name: str) -> Path:
    """A crashed run's scratch folder: its lock file is there and no process holds it."""
    folder = tmp / f"{PREFIX}{name}"
    (folder / "generated").mkdir(parents=True)
    (folder / LOCK_NAME).write_text("")
    return folder


def test_a_crashed_runs_generation_is_saved_into_the_project(qapp, tmp_path, monkeypatch):
    # unsaved project -> a job made a clip from a mask -> the app was killed -> relaunch ->
    # recover -> Save: the clip and the mask end up in the project, nothing points at temp
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    dead, unnamed = _dead_run_folder(tmp, "crashed1"), _dead_run_folder(tmp, "crashed2")
    clip, mask = dead / "generated" / "gen-inpaint-3-abc.mp4", dead / "mask-m-abc.png"
    clip.write_bytes(b"clip")
    mask.write_bytes(b"mask")
    crashed = Project()
    record = GenerationRecord({"task": "inpaint", "mask": str(mask)}, path=str(clip))
    info = MediaInfo(str(clip), "video", 32, 32, 8.0, 16, 2.0).to_dict()
    item = MediaItem(str(clip), info, name=clip.name, generated=True, generation_id=record.id)
    crashed.media.append(item)
    crashed.generations, crashed.history = {record.id: record}, [record.id]
    autosave.write_recovery(crashed, autosave.recovery_path(crashed, "old", tmp_path / "rec"))

    settings = AppSettings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    c = ProjectController(Document(), settings, recovery_root=tmp_path / "rec")
    c.error.connect(lambda title, text: pytest.fail(f"{title}: {text}"))
    c.sweep_scratch([])
    assert c.scratches.adopted == [dead] and not unnamed.exists()
    assert c.offer_recovery(lambda d: True)
    folder = tmp_path / "proj"
    assert c.save_to(folder)
    saved = c.doc.project
    assert saved.media[0].path == f"generated/{clip.name}"
    assert (folder / "generated" / clip.name).read_bytes() == b"clip"
    assert saved.generations[record.id].path == f"generated/{clip.name}"
    assert saved.generations[record.id].job["mask"] == f"masks/{mask.name}"
    assert (folder / "masks" / mask.name).read_bytes() == b"mask"
    assert saved.outside_media() == [] and str(tmp) not in (folder / DOC_NAME).read_text()
    c.shutdown()  # a clean exit: the adopted folder goes with the run's own
    assert not dead.exists() and not c.scratch.exists()
