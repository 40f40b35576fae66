"""Opening another editor's timeline as a new project: its media linked where they are, clips
of missing or unreadable files left out and said in words, a broken file refused."""

from __future__ import annotations

import numpy as np
import opentimelineio as otio
import pytest

from engine.media.encode import VideoSettings, write_video
from lumiere_studio.model.interchange import project_from_timeline_file
from lumiere_studio.model.project import Project, ProjectError


def _clip(path, first: int, count: int) -> otio.schema.Clip:
    rate = 24
    return otio.schema.Clip(
        name=path.stem,
        media_reference=otio.schema.ExternalReference(target_url=path.as_uri()),
        source_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(first, rate), otio.opentime.RationalTime(count, rate)
        ),
    )


def test_usable_media_are_linked_the_rest_reported(tmp_path):
    real = tmp_path / "real.mp4"
    write_video(np.full((12, 32, 48, 3), 90, np.uint8), real, VideoSettings(fps=24))
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\0" * 2048)
    missing = tmp_path / "gone.mp4"
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    track.extend([_clip(real, 2, 6), _clip(missing, 0, 4), _clip(broken, 0, 4), _clip(real, 0, 3)])
    timeline = otio.schema.Timeline(name="cut", tracks=[track])
    path = tmp_path / "cut.otio"
    otio.adapters.write_to_file(timeline, str(path))

    project, problems = project_from_timeline_file(path)

    assert [m.path for m in project.media] == [str(real)]  # linked where it is, not copied
    assert project.media[0].media_info.frames == 12 and project.media[0].name == "real.mp4"
    assert any(p.startswith("missing: ") and "gone.mp4" in p for p in problems)
    assert any("broken.mp4" in p for p in problems) and len(problems) == 2
    clips = project.timeline.tracks[0].clips
    assert [(c.media, c.source_in, c.duration) for c in clips] == [
        (str(real), 2, 6),
        (str(real), 0, 3),
    ]
    assert all(c.id for c in clips) and len({c.id for c in clips}) == 2
    assert project.folder is None  # a new, untitled project


@pytest.mark.parametrize("seed", [7, "7"])  # FCP XML hands every label back as text
def test_a_generated_clips_labels_become_one_generation_record(tmp_path, seed):
    made = tmp_path / "made.mp4"
    write_video(np.full((12, 32, 48, 3), 40, np.uint8), made, VideoSettings(fps=24))
    labels = {
        "ai_generated": True,
        "model_name": "lumiere-mini",
        "model_hash": "ab12",
        "prompt": "the water ripples",
        "seed": seed,
        "task": "cinemagraph",
    }
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    for first in (0, 6):  # two clips of one generated file
        clip = _clip(made, first, 4)
        clip.metadata["lumiere"] = dict(labels)
        track.append(clip)
    path = tmp_path / "cut.otio"
    otio.adapters.write_to_file(otio.schema.Timeline(name="cut", tracks=[track]), str(path))

    project, problems = project_from_timeline_file(path)

    assert problems == [] and len(project.generations) == 1
    record = next(iter(project.generations.values()))
    assert (record.model_name, record.model_hash) == ("lumiere-mini", "ab12")
    assert record.path == str(made)
    assert record.job == {"task": "cinemagraph", "prompt": "the water ripples", "seed": 7}
    clips = project.timeline.tracks[0].clips
    assert [c.generation_id for c in clips] == [record.id, record.id]
    assert all(c.job is None and not c.model_name and c.generated for c in clips)
    assert project.media[0].generation_id == record.id and project.media[0].generated
    assert project.job_of(clips[1]) == record.job
    project.save(tmp_path / "project")  # the record travels with the document
    again = Project.load(tmp_path / "project")
    assert again.job_of(again.timeline.tracks[0].clips[0]) == record.job


def test_a_file_that_is_no_timeline_is_refused_with_a_message(tmp_path):
    path = tmp_path / "cut.otio"
    path.write_text("{ this is not OTIO")
    with pytest.raises(ProjectError, match="cut.otio could not be read as a timeline"):
        project_from_timeline_file(path)
