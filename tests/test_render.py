"""render_frames: each sequence frame shows the nearest source frame in time, whatever the
clip's rate; old (schema 1) project documents are migrated when exported."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np

from engine.export.render import load_project, render_frames
from engine.media.encode import VideoSettings, write_video
from engine.timeline import Timeline, TimelineClip, Track

NTSC = Fraction(30000, 1001)


def numbered(path, frames: int, fps) -> None:
    """Frame k is flat grey 8 * k, so a rendered frame says which source frame it shows."""
    video = np.repeat(np.arange(frames, dtype=np.uint8)[:, None, None, None] * 8, 16, 1)
    write_video(np.repeat(np.repeat(video, 16, 2), 3, 3), path, VideoSettings(fps=fps))


def shown(frame: np.ndarray) -> int:
    return int(round(frame.mean() / 8))


def test_a_2997_clip_on_a_25_sequence_shows_the_nearest_frame(tmp_path):
    numbered(tmp_path / "a.mov", 30, NTSC)
    clip = TimelineClip("a.mov", 2, 20, 3, "30000/1001")
    tl = Timeline(rate=25, width=16, height=16, tracks=[Track(clips=[clip])])
    frames = list(render_frames(tl, tmp_path))
    assert len(frames) == 23
    assert all(shown(f) == 0 and f.max() == 0 for f in frames[:3])  # the gap is background
    for f in range(3, 23):
        expected = 2 + round((f - 3) * 30000 / 1001 / 25)
        assert shown(frames[f]) == expected, f


def test_an_8fps_clip_lasts_its_time_at_25(tmp_path):
    numbered(tmp_path / "g.mov", 16, 8)
    tl = Timeline(rate=25, width=16, height=16)
    tl.tracks[0].clips.append(TimelineClip("g.mov", 0, tl.frames_for(16, Fraction(8)), 0, "8"))
    frames = [shown(f) for f in render_frames(tl, tmp_path)]
    assert len(frames) == 50  # 2.0 s, not 16 frames (0.64 s)
    assert frames[0] == 0 and frames[25] == 8 and frames[-1] == 15


def test_schema_1_project_is_migrated_on_export(tmp_path):
    numbered(tmp_path / "g.mov", 16, 8)
    doc = {
        "app": "lumiere-studio",
        "schema": 1,
        "media": [{"path": "g.mov", "info": {"kind": "video", "fps": 8.0, "frames": 16}}],
        "timeline": {
            "fps": 25.0,
            "width": 16,
            "height": 16,
            "tracks": [
                {
                    "name": "V1",
                    "clips": [{"media": "g.mov", "source_in": 0, "source_out": 16, "start": 0}],
                }
            ],
        },
    }
    (tmp_path / "project.lumiere.json").write_text(json.dumps(doc))
    tl, base = load_project(tmp_path)
    assert base == tmp_path and tl.rate == 25 and tl.tracks[0].clips[0].duration == 50


def test_a_clip_of_a_frame_folder_decodes_only_the_frames_it_shows(tmp_path, monkeypatch):
    """A 2-frame clip of a 300-frame folder reads those 2 files, not all 300 (issue 29 #10)."""
    from PIL import Image

    import engine.export.render as render

    folder = tmp_path / "frames"
    folder.mkdir()
    for k in range(300):
        Image.fromarray(np.full((8, 8, 3), k % 32 * 8, np.uint8)).save(folder / f"{k:05d}.png")
    opened: list[str] = []
    real = render.iter_frames

    def counting(path, limit=None):
        opened.append(str(path))
        return real(path, limit)

    monkeypatch.setattr(render, "iter_frames", counting)
    tl = Timeline(rate=24, width=8, height=8)
    tl.tracks[0].clips.append(TimelineClip("frames", 40, 2, 0, "24"))
    frames = [shown(f) for f in render_frames(tl, tmp_path)]
    assert frames == [40 % 32, 41 % 32]
    assert sorted(opened) == [str(folder / "00040.png"), str(folder / "00041.png")]
