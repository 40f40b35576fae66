from __future__ import annotations

import json

import numpy as np
import pytest
from testkit.media import make_clip

from engine.media.probe import probe
from engine.project_schema import SCHEMA
from engine.timeline import Timeline
from lumiere_studio.model.masks import Mask
from lumiere_studio.model.project import DOC_NAME, MediaItem, Project, ProjectError


def _project_with_clip(tmp_path) -> Project:
    clip = make_clip(tmp_path / "src.mp4", frames=12)
    p = Project()
    info = probe(clip)
    p.media.append(MediaItem(path=str(clip), info=info.to_dict(), name="src.mp4", id="m1"))
    from engine.timeline import TimelineClip

    p.timeline.tracks[0].clips.append(TimelineClip(str(clip), 2, 8, 0, "24", "src", id="c1"))
    p.masks["m1"] = Mask(np.zeros((48, 64), np.uint8))
    p.masks["m1"].dab(10, 10, 5, 1.0, erase=False)
    return p


def test_save_and_reopen_round_trip(tmp_path):
    p = _project_with_clip(tmp_path)
    folder = tmp_path / "proj"
    p.save(folder)
    data = json.loads((folder / DOC_NAME).read_text())
    assert data["schema"] == SCHEMA
    # The export engineer reads exactly this key with Timeline.from_dict.
    tl = Timeline.from_dict(data["timeline"])
    assert tl.tracks[0].clips[0].source_in == 2
    assert (folder / "masks" / "m1.png").is_file()
    q = Project.load(folder)
    assert q.state() == p.state()
    assert np.array_equal(q.masks["m1"].pixels, p.masks["m1"].pixels)


def test_motion_arrows_and_pins_are_saved_and_read_back(tmp_path):
    from lumiere_studio.model.project import MaskMeta

    p = _project_with_clip(tmp_path)
    p.mask_meta["m1"] = MaskMeta(from_frame=3, arrows=[[1.5, 2.0, 30.0, 4.0]], pins=[[8.0, 9.5]])
    p.save(tmp_path / "proj")
    q = Project.load(tmp_path / "proj")
    meta = q.mask_meta["m1"]
    assert (meta.from_frame, meta.arrows, meta.pins) == (3, [[1.5, 2.0, 30.0, 4.0]], [[8.0, 9.5]])
    old = json.loads((tmp_path / "proj" / DOC_NAME).read_text())
    old["mask_meta"]["m1"]["freeze"] = [[3.0, 1.0, 2.0, 8.0, 2.0]]
    (tmp_path / "proj" / DOC_NAME).write_text(json.dumps(old))
    assert Project.load(tmp_path / "proj").mask_meta["m1"].freeze == [[3.0, 1.0, 2.0, 8.0, 2.0]]
    for bad in ([[3.0, 1.0, 2.0, 8.0]], [[0, 1.0, 2.0]], [[3.0]], [[3.0, -1, 2.0]]):
        old["mask_meta"]["m1"]["freeze"] = bad
        (tmp_path / "proj" / DOC_NAME).write_text(json.dumps(old))
        with pytest.raises(ProjectError, match=r"freeze\[0\]"):
            Project.load(tmp_path / "proj")
    old["mask_meta"]["m1"] = {"from_frame": 2}  # saved before motion hints: none
    (tmp_path / "proj" / DOC_NAME).write_text(json.dumps(old))
    assert Project.load(tmp_path / "proj").mask_meta["m1"].arrows == []


def test_generated_media_is_copied_into_the_project_and_made_relative(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    gen = make_clip(scratch / "gen.mp4", frames=8)
    p = Project()
    p.media.append(MediaItem(str(gen), probe(gen).to_dict(), name="gen", generated=True))
    folder = tmp_path / "proj"
    p.save(folder, scratch=scratch)
    assert p.media[0].path == "generated/gen.mp4"
    assert (folder / "generated" / "gen.mp4").is_file()
    assert gen.is_file()  # the original stays


def test_save_and_save_as_keep_the_provenance_sidecars(tmp_path):
    from engine.jobs import Job
    from engine.media.credentials import read_credentials
    from engine.media.provenance import manifest_path, verify_manifest
    from engine.outputs import save_result
    from engine.pipeline import Result

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    frames = np.full((4, 64, 64, 3), 90, np.uint8)
    gen = save_result(
        Result(frames, 8, Job(prompt="a fox"), "tiny", "ab" * 32, 0.1), scratch / "gen.mp4"
    )
    p = Project()
    p.media.append(MediaItem(str(gen), probe(gen).to_dict(), name="gen", generated=True))
    p.save(tmp_path / "proj", scratch=scratch)
    copied = tmp_path / "proj" / "generated" / "gen.mp4"
    assert manifest_path(copied).is_file() and verify_manifest(copied) is True
    assert read_credentials(copied).ai  # the C2PA manifest travels inside the file
    scratch_gen = tmp_path / "elsewhere"
    p.media[0].path = str(gen)  # Save As into another folder from the app's scratch folder
    p.save(scratch_gen, scratch=scratch)
    assert verify_manifest(scratch_gen / "generated" / "gen.mp4") is True


def _hostile_project(folder, secret_path: str):
    """A document that marks a private file as generated media."""
    folder.mkdir(parents=True, exist_ok=True)
    info = {
        "path": secret_path,
        "kind": "video",
        "width": 64,
        "height": 48,
        "fps": 8.0,
        "frames": 8,
        "duration": 1.0,
    }
    doc = {
        "schema": 1,
        "app": "lumiere-studio",
        "timeline": {
            "tracks": [
                {
                    "clips": [
                        {
                            "media": secret_path,
                            "source_in": 0,
                            "source_out": 8,
                            "start": 0,
                            "generated": True,
                        }
                    ]
                }
            ]
        },
        "media": [{"path": secret_path, "info": info, "generated": True, "id": "m1"}],
    }
    (folder / DOC_NAME).write_text(json.dumps(doc))


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink"])
def test_a_project_file_cannot_make_a_save_copy_a_file_from_elsewhere(tmp_path, how):
    secret = tmp_path / "home" / ".ssh" / "id_rsa"
    secret.parent.mkdir(parents=True)
    secret.write_text("PRIVATE KEY")
    folder = tmp_path / "proj"
    if how == "absolute":
        named = str(secret)
    elif how == "dotdot":
        named = "generated/../../home/.ssh/id_rsa"
    else:
        (folder / "generated").mkdir(parents=True)
        (folder / "generated" / "id_rsa").symlink_to(secret)
        named = "generated/id_rsa"
    _hostile_project(folder, named)
    p = Project.load(folder)
    assert p.outside_media() == [named]  # what the app shows the user on open
    p.save()
    p.save(tmp_path / "shared")  # Save As
    copies = [f for f in (tmp_path / "shared").rglob("*") if f.is_file() and not f.is_symlink()]
    assert all("PRIVATE" not in f.read_text(errors="replace") for f in copies)
    assert not (tmp_path / "shared" / "generated").exists()
    assert secret.read_text() == "PRIVATE KEY"


def test_save_as_copies_generated_media_from_the_projects_own_folder(tmp_path):
    folder = tmp_path / "proj"
    (folder / "generated").mkdir(parents=True)
    gen = make_clip(folder / "generated" / "gen.mp4", frames=8)
    p = Project(folder)
    p.media.append(MediaItem("generated/gen.mp4", probe(gen).to_dict(), generated=True))
    p.save(tmp_path / "copy")
    assert (tmp_path / "copy" / "generated" / "gen.mp4").read_bytes() == gen.read_bytes()
    assert p.media[0].path == "generated/gen.mp4" and p.outside_media() == []


def test_a_failed_save_leaves_the_project_in_memory_as_it_was(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    gen = make_clip(scratch / "gen.mp4", frames=8)
    p = Project()
    p.media.append(MediaItem(str(gen), probe(gen).to_dict(), name="gen", generated=True))
    before = p.state()

    def full_disk(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("lumiere_studio.model.project.atomic_write_bytes", full_disk)
    with pytest.raises(OSError):
        p.save(tmp_path / "proj", scratch=scratch)
    assert p.folder is None and p.state() == before


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "could not be read"),
        ('{"app": "lumiere-studio", "schema": 99, "media": [], "timeline": {}}', "newer"),
        ('{"app": "other", "schema": 1}', "not a Lumiere"),
        ('{"app": "lumiere-studio", "schema": 1, "media": {}, "timeline": {}}', "media"),
        ("[1, 2]", "JSON object"),
    ],
)
def test_bad_documents_are_refused_with_a_reason(tmp_path, text, words):
    (tmp_path / DOC_NAME).write_text(text)
    with pytest.raises(ProjectError, match=words):
        Project.load(tmp_path)
    assert (tmp_path / DOC_NAME).read_text() == text


def test_not_a_project_folder(tmp_path):
    with pytest.raises(ProjectError, match="not a Lumiere Studio project"):
        Project.load(tmp_path)


def test_mask_brush_math():
    m = Mask(np.zeros((40, 40), np.uint8))
    m.stroke([(5, 20), (35, 20)], radius=3, hardness=1.0, erase=False)
    assert m.pixels[20, 5:35].min() == 255  # a solid line
    assert m.pixels[5, 20] == 0 and m.pixels[35, 20] == 0
    m.stroke([(20, 20)], radius=2, hardness=1.0, erase=True)
    assert m.pixels[20, 20] == 0 and m.pixels[20, 10] == 255
    soft = Mask(np.zeros((40, 40), np.uint8))
    soft.dab(20, 20, 10, hardness=0.0, erase=False)
    assert 0 < soft.pixels[20, 27] < 255  # feathered edge
    m.invert()
    assert m.pixels[20, 10] == 0 and m.pixels[0, 0] == 255
    assert Mask.from_png_bytes(m.to_png_bytes()).pixels.tolist() == m.pixels.tolist()


def test_schema_1_project_opens_with_its_clips_lasting_their_time(tmp_path):
    clip = make_clip(tmp_path / "g.mp4", frames=16, fps=8)
    info = probe(clip).to_dict()
    doc = {
        "app": "lumiere-studio",
        "schema": 1,
        "media": [{"path": "g.mp4", "info": info}],
        "timeline": {
            "fps": 25.0,
            "width": 64,
            "height": 48,
            "tracks": [
                {
                    "name": "V1",
                    "clips": [
                        {"media": "g.mp4", "source_in": 4, "source_out": 16, "start": 3, "id": "c1"}
                    ],
                }
            ],
        },
    }
    (tmp_path / DOC_NAME).write_text(json.dumps(doc))
    p = Project.load(tmp_path)
    c = p.timeline.tracks[0].clips[0]
    assert (c.source_in, c.start, c.duration, c.rate) == (4, 3, 38, "8")  # 12 frames = 1.5 s
    assert c.source_out(p.timeline.rate) == 16
    p.save(tmp_path)
    assert json.loads((tmp_path / DOC_NAME).read_text())["schema"] == SCHEMA


def _project_with_mask_id(folder, tmp_path, mask_id: str, media_id: str = "m1") -> None:
    """A saved project whose mask (and optionally bin item) id is `mask_id`."""
    p = _project_with_clip(tmp_path)
    p.save(folder)
    doc = json.loads((folder / DOC_NAME).read_text())
    doc["media"][0]["id"] = media_id
    doc["masks"] = {mask_id: "masks/m1.png"}
    doc["mask_meta"] = {mask_id: {"from_frame": 0}}
    (folder / DOC_NAME).write_text(json.dumps(doc))


@pytest.mark.parametrize("how", ["dotdot", "absolute", "slash", "dot"])
def test_a_mask_id_that_is_a_path_is_refused_and_save_writes_nothing_outside(tmp_path, how):
    victim = tmp_path / "victim.png"
    victim.write_bytes(b"the user's picture")
    folder = tmp_path / "proj"
    ids = {
        "dotdot": "../../victim",
        "absolute": str(tmp_path / "victim"),
        "slash": "a/b",
        "dot": "..",
    }
    _project_with_mask_id(folder, tmp_path, ids[how], media_id=ids[how])
    before = sorted(p for p in tmp_path.rglob("*") if not p.is_relative_to(folder))
    p = Project.load(folder)
    assert ids[how] not in p.masks and ids[how] not in p.mask_meta
    assert all(m.id != ids[how] for m in p.media)  # the bin item got a plain id
    assert any("refused" in note and ids[how] in note for note in p.notes)  # shown on open
    for mid in list(p.masks) + [m.id for m in p.media]:
        p.mask_for(mid).clear()  # an empty mask: Save deletes its file
    p.save()
    p.save(tmp_path / "shared")
    assert victim.read_bytes() == b"the user's picture"
    after = sorted(
        p
        for p in tmp_path.rglob("*")
        if not p.is_relative_to(folder) and not p.is_relative_to(tmp_path / "shared")
    )
    assert after == before  # nothing created or removed outside the two project folders


def test_a_masks_folder_that_is_a_symlink_is_never_written_through(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "m1.png").write_bytes(b"keep me")
    folder = tmp_path / "proj"
    _project_with_mask_id(folder, tmp_path, "m1")
    import shutil

    shutil.rmtree(folder / "masks")
    (folder / "masks").symlink_to(elsewhere)
    p = Project.load(folder)
    mask = p.mask_for("m1")
    mask.dab(5, 5, 4, 1.0, erase=False)
    with pytest.raises(ProjectError, match="outside"):
        p.save()
    assert (elsewhere / "m1.png").read_bytes() == b"keep me"
    mask.clear()  # an empty mask: the save would delete the file through the link
    with pytest.raises(ProjectError, match="outside"):
        p.save()
    assert (elsewhere / "m1.png").read_bytes() == b"keep me"


def _tracked_bytes(length: int = 12, tracked_at: int = 4) -> bytes:
    from engine.mask_track import MaskTrack, to_bytes

    track = MaskTrack(width=64, height=48, length=length)
    key = np.zeros((48, 64), bool)
    key[5:15, 5:15] = True
    track.set_keyframe(0, key)
    moved = np.zeros((48, 64), bool)
    moved[10:20, 30:40] = True
    track.put_tracked([(tracked_at, moved)])
    track.arrows = [[1.0, 2.0, 30.0, 2.0]]
    return to_bytes(track)


def test_mask_tracks_are_listed_in_the_document_and_read_back(tmp_path):
    p = _project_with_clip(tmp_path)
    data = _tracked_bytes()
    p.collect_tracks = lambda project: {"m1": data}  # as the app's tracking service gives
    folder = tmp_path / "proj"
    (folder / "masks" / "tracks").mkdir(parents=True)
    (folder / "masks" / "tracks" / "gone.masktrack").write_bytes(b"a removed media's")
    p.save(folder)
    doc = json.loads((folder / DOC_NAME).read_text())
    assert doc["mask_tracks"] == {"m1": "masks/tracks/m1.masktrack"}
    assert sorted(f.name for f in (folder / "masks" / "tracks").iterdir()) == ["m1.masktrack"]
    q = Project.load(folder)
    assert q.tracks == {"m1": data} and q.notes == []
    p.collect_tracks = lambda project: {}  # the mask cleared and its track with it
    p.save(folder)
    assert not (folder / "masks" / "tracks" / "m1.masktrack").exists()
    assert json.loads((folder / DOC_NAME).read_text())["mask_tracks"] == {}


def test_opening_a_project_from_before_tracks_makes_each_mask_a_one_keyframe_track(tmp_path):
    from engine.mask_track import from_bytes
    from lumiere_studio.model.project import MaskMeta

    p = _project_with_clip(tmp_path)
    p.mask_meta["m1"] = MaskMeta(from_frame=3, pins=[[4.0, 5.0]])
    folder = tmp_path / "proj"
    p.save(folder)
    doc = json.loads((folder / DOC_NAME).read_text())
    del doc["mask_tracks"]  # as saved before the document listed tracks
    (folder / DOC_NAME).write_text(json.dumps(doc))
    for f in (folder / "masks" / "tracks").iterdir():
        f.unlink()
    q = Project.load(folder)
    track = from_bytes(q.tracks["m1"])
    painted = p.masks["m1"].pixels >= 128
    assert sorted(track.keyframes) == [3] and track.tracked == {} and track.length == 12
    assert track.raw(2) is None  # before its first frame: no mask, as before
    assert all(np.array_equal(track.raw(i), painted) for i in range(3, 12))
    assert track.pins == [[4.0, 5.0]]  # the motion hints go with it
    q.save(folder)  # and it is written the next time the project is saved
    assert json.loads((folder / DOC_NAME).read_text())["mask_tracks"] == {
        "m1": "masks/tracks/m1.masktrack"
    }


def test_an_unlisted_track_file_of_an_older_save_is_read(tmp_path):
    p = _project_with_clip(tmp_path)
    folder = tmp_path / "proj"
    p.save(folder)
    doc = json.loads((folder / DOC_NAME).read_text())
    del doc["mask_tracks"]  # saved when tracks were kept beside the document, unlisted
    (folder / DOC_NAME).write_text(json.dumps(doc))
    (folder / "masks" / "tracks" / "m1.masktrack").write_bytes(_tracked_bytes())
    assert Project.load(folder).tracks["m1"] == _tracked_bytes()


@pytest.mark.parametrize(
    ("content", "listed", "note"),
    [
        (b"damaged", "masks/tracks/m1.masktrack", "cannot be read"),
        (None, "masks/tracks/m1.masktrack", "is missing"),
        ("small", "masks/tracks/m1.masktrack", "not its media's 64x48"),
        (b"x", "../outside.masktrack", "outside the project folder"),
        (None, "/etc/hostname", "outside the project folder"),
    ],
)
def test_a_track_that_cannot_be_used_is_a_note_and_the_mask_stays(tmp_path, content, listed, note):
    from engine.mask_track import MaskTrack, from_bytes, to_bytes

    p = _project_with_clip(tmp_path)
    folder = tmp_path / "proj"
    p.save(folder)
    doc = json.loads((folder / DOC_NAME).read_text())
    doc["mask_tracks"] = {"m1": listed}
    (folder / DOC_NAME).write_text(json.dumps(doc))
    target = folder / listed
    if listed.startswith("/"):  # an absolute path is never read, let alone removed
        target = tmp_path / "unused"
    target.unlink(missing_ok=True)
    if content == "small":
        content = to_bytes(MaskTrack(width=32, height=48, length=12))
    if content is not None:
        target.write_bytes(content)
    q = Project.load(folder)
    assert any(note in n for n in q.notes), q.notes
    assert q.masks["m1"].any() and sorted(from_bytes(q.tracks["m1"]).keyframes) == [0]


def test_a_tracks_folder_that_links_elsewhere_is_neither_written_nor_emptied(tmp_path):
    """A received project whose masks/tracks is a link: Save must not write or delete
    .masktrack files wherever it points."""
    victim = tmp_path / "elsewhere"
    victim.mkdir()
    (victim / "keep.masktrack").write_bytes(b"the user's")
    folder = tmp_path / "received"
    (folder / "masks").mkdir(parents=True)
    (folder / "masks" / "tracks").symlink_to(victim)
    p = _project_with_clip(tmp_path)
    with pytest.raises(ProjectError, match="not saved"):
        p.save(folder)
    assert sorted(f.name for f in victim.iterdir()) == ["keep.masktrack"]
    assert (victim / "keep.masktrack").read_bytes() == b"the user's"


def test_a_track_file_that_links_elsewhere_is_not_read_and_not_written_through(tmp_path):
    """A received project whose listed track file is a link to a file of the user's: Open
    does not read it (a note), and Save refuses rather than write through the link."""
    outside = tmp_path / "outside.masktrack"
    outside.write_bytes(b"the user's")
    p = _project_with_clip(tmp_path)
    folder = tmp_path / "proj"
    p.save(folder)
    listed = folder / "masks" / "tracks" / "m1.masktrack"
    listed.unlink(missing_ok=True)
    listed.parent.mkdir(parents=True, exist_ok=True)
    listed.symlink_to(outside)
    doc = json.loads((folder / DOC_NAME).read_text())
    doc["mask_tracks"] = {"m1": "masks/tracks/m1.masktrack"}
    (folder / DOC_NAME).write_text(json.dumps(doc))
    q = Project.load(folder)
    assert any("outside the project folder" in n for n in q.notes), q.notes
    with pytest.raises(ProjectError, match="symbolic link"):
        q.save(folder)
    assert outside.read_bytes() == b"the user's"
