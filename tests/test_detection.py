"""How the parts of the evidence add up to one verdict, how it is reported, and the centre crop
that bounds the watermark detector's work. (The parts themselves, read from real files, are
tested through the `detect` command in test_detect_command.py.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.detection import (
    AI_MADE,
    NOT_MARKED,
    TAMPERED,
    UNREADABLE,
    Findings,
    Part,
    centre_crop,
    verdict,
)


def _clean_pixels() -> Part:
    return Part("watermark", present=True, summary="no mark")


def test_altered_beats_ai_made_beats_not_marked():
    tags = Part("tags", present=True, ai=True, summary="labelled")
    altered = Part("c2pa", present=True, ai=True, tampered=True, summary="hash mismatch")
    assert verdict([_clean_pixels()]) == NOT_MARKED
    assert verdict([tags, _clean_pixels()]) == AI_MADE
    assert verdict([altered, tags, _clean_pixels()]) == TAMPERED


def test_unreadable_only_when_nothing_says_ai_and_the_pixels_could_not_be_read():
    broken = Part("watermark", error="cannot decode", summary="unreadable")
    assert verdict([broken]) == UNREADABLE
    assert verdict([]) == UNREADABLE  # no pixel evidence at all: never "not marked"
    assert verdict([Part("tags", present=True, ai=True), broken]) == AI_MADE


def test_findings_name_the_parts_behind_the_verdict():
    parts = [
        Part("c2pa", summary="none"),
        Part("tags", present=True, ai=True, summary="labelled AI-generated"),
        Part("watermark", present=True, ai=True, summary="mark found", details={"clip": 5}),
    ]
    found = Findings(Path("clip.mp4"), parts)
    assert found.code == AI_MADE
    assert found.lines() == [
        "clip.mp4: AI-made (from: tags, watermark)",
        "  c2pa: none",
        "  tags: labelled AI-generated",
        "  watermark: mark found",
    ]
    d = found.to_dict()
    assert (d["verdict"], d["exit_code"], d["path"]) == ("AI-made", 0, "clip.mp4")
    assert d["parts"]["watermark"] == {
        "present": True,
        "ai": True,
        "signed": False,
        "tampered": False,
        "summary": "mark found",
        "error": None,
        "clip": 5,
    }
    altered = Findings(Path("x.mov"), [Part("sidecar", ai=True, tampered=True), parts[1]])
    assert altered.lines()[0] == "x.mov: altered after signing (from: sidecar); AI-made by its tags"


def test_centre_crop_keeps_the_64px_grid_and_leaves_small_frames_whole():
    frame = np.arange(3000 * 2500).reshape(3000, 2500)
    crop = centre_crop(frame, 2048)
    assert crop.shape == (2048, 2048)
    top, left = np.argwhere(frame == crop[0, 0])[0]
    assert top % 64 == 0 and left % 64 == 0  # the mark's tiles stay aligned
    assert abs((3000 - 2048) / 2 - top) < 64 and abs((2500 - 2048) / 2 - left) < 64  # centred
    small = np.zeros((100, 80, 3))
    assert centre_crop(small, 2048).shape == (100, 80, 3)
