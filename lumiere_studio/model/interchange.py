"""A timeline file from another editor (OpenTimelineIO, FCP 7 XML, CMX 3600 EDL) as a new,
untitled project: its media linked by path (nothing copied), its rates and ranges kept, and
each generated file's labels (model, prompt, seed, task) made into a generation record."""

from __future__ import annotations

from pathlib import Path

from engine.api import InterchangeError, ProbeError, probe
from engine.api import read_timeline_file as read
from lumiere_studio.model.project import MediaItem, Project, ProjectError, new_id


def project_from_timeline_file(path: Path | str) -> tuple[Project, list[str]]:
    """(project, what could not be used: missing or unreadable media, said in words)."""
    path = Path(path)
    try:
        result = read(path)
    except InterchangeError as e:
        raise ProjectError(str(e)) from e
    project = Project()
    problems = [f"missing: {m}" for m in result.missing] + result.left_out
    usable = set()
    for media in result.media:
        try:
            info = probe(media)
        except ProbeError as e:
            problems.append(str(e))
            continue
        project.media.append(MediaItem(path=str(media), info=info.to_dict(), name=media.name))
        usable.add(str(media))
    for track in result.timeline.tracks:
        track.clips = [c for c in track.clips if c.media in usable]
        for clip in track.clips:
            clip.id = clip.id or new_id()
    project.timeline = result.timeline
    project.adopt_clip_copies()
    return project, problems
