"""The viewer bound to bin, timeline and transport, in the real window: a bin selection shows the
source, a playhead move shows the sequence, an edit re-shows it, a stop refines the frame."""

from __future__ import annotations

from fractions import Fraction

from testkit.media import make_clip

from lumiere_studio.model.project import Project


def _choose_task(window, key: str) -> None:
    window.prompt.task.setCurrentIndex(window.prompt.task.findData(key))


def test_bin_and_timeline_take_turns_and_the_source_line_follows(qtbot, window, tmp_path):
    _choose_task(window, "v2v")  # a task made from a source
    clip = make_clip(tmp_path / "c.mp4", frames=12, size=(64, 48))
    (item,) = window.import_paths([str(clip)])
    window.doc.add_to_timeline(item.id)
    view = window.view
    view.show_source(item.id)
    assert window.transport.mode == "source" and window.viewer.sequence is None
    assert window.prompt.source_label.text() == "source: c.mp4, frame 0, no mask"
    window.timeline.set_playhead(5)  # (what follows is bound synchronously: no wait)
    assert window.transport.mode == "timeline" and window.viewer.sequence.frame == 5
    assert window.prompt.source_label.text() == "source: c.mp4, frame 5, no mask"
    window.doc.set_sequence(100, 60, Fraction(24), "#000000")  # an edit: shown again
    assert window.viewer.sequence.size == (100, 60)
    window.timeline.set_playhead(40)  # a gap: the background, no source
    assert window.viewer.media_id is None
    assert window.prompt.source_label.text().startswith("source: none yet: select a clip")


def test_stopping_playback_asks_for_the_full_resolution_frame(window, tmp_path):
    clip = make_clip(tmp_path / "c.mp4", frames=12, size=(64, 48))
    (item,) = window.import_paths([str(clip)])
    window.view.show_source(item.id)
    asked: list[tuple[int, bool]] = []
    window.viewer.seek = lambda f, read_ahead=0, refine=True: asked.append((f, refine))
    window.transport.stopped.emit()
    assert asked == [(window.viewer.frame, True)]


def test_the_source_line_follows_the_task_and_a_new_project(window, tmp_path):
    clip = make_clip(tmp_path / "c.mp4", frames=12, size=(64, 48))
    (item,) = window.import_paths([str(clip)])
    window.view.show_source(item.id)
    label = window.prompt.source_label
    _choose_task(window, "t2v")  # text to video reads no source, whatever the viewer shows
    assert label.text() == "source: none (text to video needs none)"
    _choose_task(window, "v2v")
    assert label.text() == "source: c.mp4, frame 0, no mask"
    window.projects.set_project(Project())  # File > New Project
    assert label.text() == "source: none yet: select a clip in the Media bin or on the timeline"
    assert window.viewer.media_id is None


def test_the_viewer_hint_says_to_pick_a_clip_once_the_project_has_some(window, tmp_path):
    viewer = window.viewer
    assert viewer.placeholder_text().startswith("Import a clip")
    clip = make_clip(tmp_path / "c.mp4", frames=12, size=(64, 48))
    window.import_paths([str(clip)])
    viewer.show_media(None)
    assert viewer.image is None
    assert viewer.placeholder_text() == "Select a clip in the Media bin, or click the timeline"
