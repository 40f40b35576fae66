from __future__ import annotations

import numpy as np

from lumiere_studio.model.autosave import (
    discard,
    find_recoveries,
    recovery_path,
    restore,
    write_recovery,
)
from lumiere_studio.model.masks import Mask
from lumiere_studio.model.project import MediaItem, Project


def _project() -> Project:
    p = Project()
    info = {
        "path": "/x/a.mp4",
        "kind": "video",
        "width": 8,
        "height": 8,
        "fps": 24.0,
        "frames": 10,
        "duration": 0.4,
    }
    p.media.append(MediaItem("/x/a.mp4", info, id="m1", name="a.mp4"))
    p.masks["m1"] = Mask(np.zeros((8, 8), np.uint8))
    p.masks["m1"].fill()
    return p


def test_crash_then_restore(tmp_path):
    p = _project()
    path = recovery_path(p, "s1", root=tmp_path)
    write_recovery(p, path)  # ... and the app "crashes" here: the file stays
    found = find_recoveries(tmp_path)
    assert [r.path for r in found] == [path]
    assert "unsaved" in found[0].describe()
    q = restore(found[0])
    assert q.state() == p.state()
    assert q.masks["m1"].pixels.min() == 255


def test_decline_discards(tmp_path):
    p = _project()
    write_recovery(p, recovery_path(p, "s2", root=tmp_path))
    discard(find_recoveries(tmp_path)[0])
    assert find_recoveries(tmp_path) == []


def test_damaged_recovery_files_are_ignored(tmp_path):
    (tmp_path / "junk.lumiere-recovery.json").write_text("{broken")
    assert find_recoveries(tmp_path) == []
    p = _project()
    good = recovery_path(p, "s3", root=tmp_path)
    write_recovery(p, good)
    assert [r.path for r in find_recoveries(tmp_path)] == [good]  # the junk beside it is skipped


def test_a_recovery_file_with_a_mask_id_that_is_a_path_restores_without_it(tmp_path):
    """A recovery folder anyone's tools can write: its mask ids become masks/<id>.png on Save."""
    import json

    p = _project()
    path = recovery_path(p, "s1", root=tmp_path)
    write_recovery(p, path)
    data = json.loads(path.read_text())
    data["mask_png"]["../../victim"] = data["mask_png"]["m1"]
    path.write_text(json.dumps(data))
    q = restore(find_recoveries(tmp_path)[0])
    assert list(q.masks) == ["m1"]
    assert any("refused" in note and "../../victim" in note for note in q.notes)


def test_mask_tracks_travel_in_the_recovery_file(tmp_path):
    """A crash loses no track: the recovery file holds each track's file, as the app's
    tracking service gives it at the autosave; one from before tracks gets the migration."""
    import json

    from engine.mask_track import MaskTrack, from_bytes, to_bytes

    p = _project()
    track = MaskTrack(width=8, height=8, length=10)
    track.set_keyframe(0, np.ones((8, 8), bool))
    moved = np.zeros((8, 8), bool)
    moved[2:5, 2:5] = True
    track.put_tracked([(6, moved)])
    data = to_bytes(track)
    p.collect_tracks = lambda project: {"m1": data}
    path = recovery_path(p, "s3", root=tmp_path)
    write_recovery(p, path)
    q = restore(find_recoveries(tmp_path)[0])
    assert q.tracks == {"m1": data} and q.notes == []
    saved = json.loads(path.read_text())
    del saved["mask_tracks"]  # a recovery file written before tracks
    path.write_text(json.dumps(saved))
    old = restore(find_recoveries(tmp_path)[0])
    assert sorted(from_bytes(old.tracks["m1"]).keyframes) == [0]  # the painted mask, held
    saved["mask_tracks"] = {"m1": "not base64!"}
    path.write_text(json.dumps(saved))
    bad = restore(find_recoveries(tmp_path)[0])
    assert any("damaged" in n for n in bad.notes)
