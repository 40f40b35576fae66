"""Hostile project documents: wrong versions, huge numbers, NaN, huge or deep JSON, odd types
and masks are refused with a message that names the value (or repaired with a note), in
bounded memory, and the user's file is never rewritten."""

from __future__ import annotations

import copy
import json
import struct
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest

from engine.export.render import load_project
from engine.export.sources import SourceError
from engine.project_schema import MAX_DOC_BYTES, ProjectError, validate
from lumiere_studio.model.masks import Mask
from lumiere_studio.model.project import DOC_NAME, Project

INFO = {
    "path": "c.mp4",
    "kind": "video",
    "width": 64,
    "height": 48,
    "fps": 24.0,
    "frames": 8,
    "duration": 0.33,
}
GOOD = {
    "schema": 1,
    "app": "lumiere-studio",
    "media": [{"path": "c.mp4", "info": INFO, "id": "m1", "name": "c"}],
    "timeline": {
        "fps": 24.0,
        "width": 64,
        "height": 48,
        "tracks": [
            {
                "name": "V1",
                "clips": [
                    {"media": "c.mp4", "source_in": 0, "source_out": 8, "start": 0, "id": "c1"}
                ],
            }
        ],
    },
}


def _doc(change) -> dict:
    doc = copy.deepcopy(GOOD)
    change(doc)
    return doc


def _clip(doc) -> dict:
    return doc["timeline"]["tracks"][0]["clips"][0]


BAD = [
    (lambda d: d.update(schema=0), "schema 0"),
    (lambda d: d.update(schema=-3), "schema -3"),
    (lambda d: d.update(schema=1.0), "no schema"),
    (lambda d: d.update(schema="1"), "no schema"),
    (lambda d: d.update(schema=True), "no schema"),
    (lambda d: d.update(schema=10**40), "newer"),
    (lambda d: d["timeline"].update(fps=0), "timeline.fps"),
    (lambda d: d["timeline"].update(fps=1e308), "timeline.fps"),
    (lambda d: d["timeline"].update(width=10**12), "timeline.width"),
    (lambda d: d["timeline"].update(width=16384, height=16384), "pixels"),
    (lambda d: d["timeline"].update(height="1080"), "timeline.height"),
    (lambda d: d["timeline"].update(tracks={"a": 1}), "timeline.tracks"),
    (lambda d: d["timeline"]["tracks"][0].update(kind="subtitle"), "kind"),
    (lambda d: _clip(d).update(start=10**30), "start"),
    (lambda d: _clip(d).update(start=-1), "start"),
    (lambda d: _clip(d).update(source_out=0), "source_out"),
    (lambda d: _clip(d).update(source_in=2.5), "source_in"),
    (lambda d: _clip(d).update(media=None), "media"),
    (lambda d: _clip(d).update(media="a\0b"), "media"),
    (lambda d: _clip(d).update(generated="yes"), "generated"),
    (lambda d: d["media"][0]["info"].update(width=10**9), "info.width"),
    (lambda d: d["media"][0]["info"].update(frames=-1), "info.frames"),
    (lambda d: d["media"][0]["info"].update(rotation=45), "rotation"),
    (lambda d: d["media"][0]["info"].update(kind="hologram"), "kind"),
    (lambda d: d["media"][0]["info"].update(fps=0), "fps"),
    (lambda d: d["media"][0].update(job=[1]), "job"),
    (lambda d: d.update(in_point=-5), "in_point"),
    (lambda d: d.update(out_point=10**20), "out_point"),
    (lambda d: d.update(mask_meta={"m1": {"from_frame": "x"}}), "from_frame"),
    # a cinemagraph's motion hints: lists of 4 (arrows) or 2 (pins) finite source pixels
    (lambda d: d.update(mask_meta={"m1": {"arrows": [[0, 0, 5]]}}), "arrows\\[0\\]"),
    (lambda d: d.update(mask_meta={"m1": {"arrows": [[0, 0, 5, 1e9]]}}), "arrows\\[0\\]"),
    (lambda d: d.update(mask_meta={"m1": {"arrows": [[0, 0, 5, "1"]]}}), "arrows\\[0\\]"),
    (lambda d: d.update(mask_meta={"m1": {"pins": [[-1, 2]]}}), "pins\\[0\\]"),
    (lambda d: d.update(mask_meta={"m1": {"pins": {"x": 1}}}), "pins"),
    (lambda d: d.update(mask_meta={"m1": {"pins": [[1, 1]] * 1001}}), "at most 1000"),
    (lambda d: d.update(masks={"m1": 5}), "masks"),
    (lambda d: d.update(history={"a": 1}), "history"),
]


# Schema 3: a generation record that the bin item, its clip and the history name by id.
RECORD = {
    "id": "g1",
    "job": {"task": "t2v", "prompt": "a fox", "seed": 3},
    "model_name": "tiny",
    "model_hash": "ab" * 32,
    "path": "c.mp4",
    "origin": None,
    "notes": ["upscaled"],
    "created": "2026-11-29T17:00:00+00:00",
}
GOOD3 = {
    "schema": 3,
    "app": "lumiere-studio",
    "media": [
        {"path": "c.mp4", "info": INFO, "id": "m1", "generated": True, "generation_id": "g1"}
    ],
    "generations": {"g1": RECORD},
    "history": ["g1"],
    "timeline": {
        "rate": "24",
        "width": 64,
        "height": 48,
        "tracks": [
            {
                "name": "V1",
                "clips": [
                    {
                        "media": "c.mp4",
                        "source_in": 0,
                        "duration": 8,
                        "start": 0,
                        "rate": "24",
                        "generated": True,
                        "generation_id": "g1",
                    }
                ],
            }
        ],
    },
}


def _doc3(change) -> dict:
    doc = copy.deepcopy(GOOD3)
    change(doc)
    return doc


BAD3 = [
    (lambda d: d.update(generations=[RECORD]), "generations"),
    (lambda d: d["generations"].update(g1=5), "generations\\['g1'\\]"),
    (lambda d: d["generations"]["g1"].update(job="t2v"), "g1'\\]\\.job"),
    (lambda d: d["generations"]["g1"].pop("job"), "g1'\\] has no job"),
    (lambda d: d["generations"]["g1"].update(model_hash=12), "model_hash"),
    (lambda d: d["generations"]["g1"].update(path="a\0b"), "path"),
    (lambda d: d["generations"]["g1"].update(origin={"media": "c.mp4", "frame": -1}), "frame"),
    (lambda d: d["generations"]["g1"].update(origin="c.mp4"), "origin"),
    (lambda d: d["generations"]["g1"].update(notes=[1]), "notes"),
    (lambda d: d["generations"]["g1"].update(id="g2"), "differs from its key"),
    (lambda d: d["generations"].update({"x" * 65: RECORD}), "characters"),
    (lambda d: d["media"][0].update(generation_id="gone"), "media\\[0\\].generation_id"),
    (lambda d: d["media"][0].update(generation_id=7), "generation_id"),
    (lambda d: _clip(d).update(generation_id="gone"), "clips\\[0\\].generation_id"),
    (lambda d: d.update(history=["gone"]), "history\\[0\\] names no generation record"),
    (lambda d: d.update(history=[{"task": "t2v"}]), "history\\[0\\]"),
]


def test_export_refuses_a_clip_naming_no_record_and_reads_the_job_through_one(tmp_path):
    (tmp_path / DOC_NAME).write_text(json.dumps(_doc3(lambda d: d["generations"].clear())))
    with pytest.raises(SourceError, match="generation_id"):
        load_project(tmp_path)
    (tmp_path / DOC_NAME).write_text(json.dumps(GOOD3))
    clip = load_project(tmp_path)[0].tracks[0].clips[0]
    assert (clip.job, clip.model_hash) == (RECORD["job"], "ab" * 32)


def test_the_good_schema_3_document_loads_with_its_record(tmp_path):
    (tmp_path / DOC_NAME).write_text(json.dumps(GOOD3))
    project = Project.load(tmp_path)
    assert project.generations["g1"].job == RECORD["job"] and project.history == ["g1"]
    assert project.job_of(project.media[0]) == RECORD["job"]


# Schema 3's records too: a malformed generations block, or an id that names no record.
REFUSED = [(_doc, *bad) for bad in BAD] + [(_doc3, *bad) for bad in BAD3]


@pytest.mark.parametrize(("document", "change", "words"), REFUSED)
def test_out_of_bounds_documents_are_refused_and_left_as_they_were(
    tmp_path, document, change, words
):
    text = json.dumps(document(change))
    (tmp_path / DOC_NAME).write_text(text)
    with pytest.raises(ProjectError, match=words):
        Project.load(tmp_path)
    assert (tmp_path / DOC_NAME).read_text() == text


def test_the_good_document_loads(tmp_path):
    (tmp_path / DOC_NAME).write_text(json.dumps(GOOD))
    assert Project.load(tmp_path).timeline.duration == 8


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(tmp_path, constant):
    text = json.dumps(GOOD).replace('"fps": 24.0, "width": 64', f'"fps": {constant}, "width": 64')
    (tmp_path / DOC_NAME).write_text(text)
    with pytest.raises(ProjectError, match=constant.lstrip("-")):
        Project.load(tmp_path)


def test_a_100_mb_document_is_refused_without_reading_it(tmp_path):
    with Path(tmp_path / DOC_NAME).open("wb") as f:
        f.truncate(100 << 20)
    tracemalloc.start()
    with pytest.raises(ProjectError, match="100 MB"):
        Project.load(tmp_path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1 << 20 and MAX_DOC_BYTES < 100 << 20


def test_deep_nesting_is_refused(tmp_path):
    (tmp_path / DOC_NAME).write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(ProjectError, match="nested too deeply|could not be read"):
        Project.load(tmp_path)


def test_export_reads_a_project_with_the_same_checks(tmp_path):
    (tmp_path / DOC_NAME).write_text(json.dumps(_doc(lambda d: _clip(d).update(start=10**30))))
    with pytest.raises(SourceError, match="start"):
        load_project(tmp_path)


def _png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height (its pixels are not there)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0"))


def test_masks_are_read_only_from_the_project_bounded_and_of_the_media_size(tmp_path):
    masks = tmp_path / "masks"
    masks.mkdir()
    for (w, h), words in (((20_000, 100), "larger than any media"), ((10**5, 10**5), "bomb")):
        (masks / "big.png").write_bytes(_png_header_claiming(w, h))
        doc = _doc(lambda d: d.update(masks={"m1": "masks/big.png"}))
        (tmp_path / DOC_NAME).write_text(json.dumps(doc))
        with pytest.raises(ProjectError, match=words):  # refused from the header alone
            Project.load(tmp_path)

    (masks / "small.png").write_bytes(Mask(np.zeros((10, 10), np.uint8)).to_png_bytes())
    for path, note in (("/dev/zero", "outside the project"), ("masks/small.png", "10x10")):
        doc = _doc(lambda d, p=path: d.update(masks={"m1": p}))
        (tmp_path / DOC_NAME).write_text(json.dumps(doc))
        project = Project.load(tmp_path)
        assert project.masks == {} and note in " ".join(project.notes)


def test_media_that_is_not_a_regular_file_is_noted(tmp_path):
    doc = _doc(lambda d: d["media"][0].update(path="/dev/zero"))
    (tmp_path / DOC_NAME).write_text(json.dumps(doc))
    project = Project.load(tmp_path)
    assert "/dev/zero is not a regular file" in project.notes[0]
    assert project.outside_media() == ["/dev/zero"]


def test_what_save_writes_open_reads_and_what_open_refuses_save_does_not_write(tmp_path):
    """Issue 29 #11: 50,000 clips saved to 21 MB, over the 16 MB Open read; a NaN scale or a
    scale of 0 from an imported timeline was saved and then refused on open."""
    from engine.timeline import TimelineClip

    project = Project.from_dict(copy.deepcopy(GOOD), None)
    project.timeline.tracks[0].clips = [
        TimelineClip("c.mp4", 0, 1, k, "24", id=f"c{k}") for k in range(50_000)
    ]
    project.save(tmp_path / "big")
    assert len(Project.load(tmp_path / "big").timeline.tracks[0].clips) == 50_000
    for bad in (float("nan"), 0.0, 1e6):
        project.timeline.tracks[0].clips[0].scale = bad
        before = (tmp_path / "big" / DOC_NAME).read_bytes()
        with pytest.raises(ProjectError, match="not saved"):
            project.save(tmp_path / "big")
        assert (tmp_path / "big" / DOC_NAME).read_bytes() == before  # nothing written


@pytest.mark.parametrize(
    "rate,start,refused",
    [("24", 24 * 3600 * 25, True), ("1/1000", 10**6, True), ("24", 24 * 3600 * 23, False)],
)
def test_a_timeline_ends_within_a_day_at_any_rate(rate, start, refused):
    """Issue 29 #9: frame bounds alone let a 1/1000 fps sequence run for centuries, and its
    export allocate the sound of all of them."""
    doc = copy.deepcopy(GOOD3)
    doc["timeline"]["rate"] = rate
    doc["timeline"]["tracks"][0]["clips"][0]["start"] = start
    if refused:
        with pytest.raises(ProjectError, match="hours in"):
            validate(doc)
    else:
        validate(doc)
