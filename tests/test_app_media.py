"""The media controller without widgets: probing and importing, skipping a broken file with a
message, and which background work (thumbnail, proxy) each item asks for."""

from __future__ import annotations

import os

import pytest
from testkit.media import make_clip

from lumiere_studio.controllers.media import MediaController
from lumiere_studio.model.document import Document


@pytest.fixture
def media(qapp):
    thumbs: list[str] = []
    proxies: list[str] = []
    c = MediaController(Document(), thumbs.append, proxies.append)
    c.thumbs, c.proxies, c.events = thumbs, proxies, []
    c.error.connect(lambda title, text: c.events.append(("error", text)))
    c.imported.connect(lambda mid: c.events.append(("imported", mid)))
    return c


def test_import_probes_adds_one_undo_step_and_asks_for_a_thumbnail(media, tmp_path):
    clip = make_clip(tmp_path / "a.mp4", frames=4, size=(64, 48))
    items = media.import_paths([str(clip)])
    assert [m.name for m in items] == ["a.mp4"] and media.doc.project.media == items
    assert media.doc.undo_stack.count() == 1
    assert media.thumbs == [str(clip)] and media.proxies == []  # small: no proxy
    assert media.events == [("imported", items[0].id)]


def test_a_broken_file_is_skipped_with_its_name_and_the_others_imported(media, tmp_path):
    clip = make_clip(tmp_path / "good.mp4", frames=4, size=(64, 48))
    (tmp_path / "bad.mp4").write_bytes(b"\0" * 1000)
    items = media.import_paths([str(tmp_path / "bad.mp4"), str(clip)])
    assert [m.name for m in items] == ["good.mp4"]
    (kind, text) = media.events[-1]
    assert kind == "error" and "bad.mp4" in text and (tmp_path / "bad.mp4").stat().st_size == 1000


def test_only_nothing_importable_means_no_edit(media, tmp_path):
    (tmp_path / "bad.mp4").write_bytes(b"garbage")
    assert media.import_paths([str(tmp_path / "bad.mp4")]) == []
    assert media.doc.undo_stack.count() == 0 and not media.thumbs
    assert [k for k, _ in media.events] == ["error"]


def test_a_proxy_is_asked_for_above_the_size_limit(media, tmp_path):
    clip = make_clip(tmp_path / "a.mp4", frames=4, size=(64, 48))
    media.proxy_min_pixels = 64 * 48
    media.import_paths([str(clip)])
    assert media.proxies == [str(clip)]


def test_items_whose_file_is_gone_or_not_a_file_get_no_background_work(media, tmp_path):
    clip = make_clip(tmp_path / "a.mp4", frames=4, size=(64, 48))
    (item,) = media.import_paths([str(clip)])
    media.thumbs.clear()
    clip.unlink()
    os.mkfifo(clip)  # a pipe where the file was: reading it would block
    media.prepare_all()
    assert media.thumbs == [] and media.proxies == []


def test_an_imported_ai_labelled_file_counts_as_generated_and_sets_no_sequence_size(
    media, tmp_path
):
    """Issue 31 #5: an AI-labelled file from elsewhere, placed first, set the sequence's size
    and rate (a 32x32 8 fps draft made the export 32x32 at 8 fps)."""
    import numpy as np

    from engine.jobs import Job
    from engine.outputs import save_result
    from engine.pipeline import Result

    frames = np.full((8, 32, 32, 3), 120, np.uint8)
    made = save_result(
        Result(frames, 8, Job(prompt="x"), "tiny", "ab" * 32, 0.1), tmp_path / "made.mp4"
    )
    plain = make_clip(tmp_path / "plain.mp4", frames=4, size=(64, 48))
    ai, real = media.import_paths([str(made), str(plain)])
    assert ai.generated and not real.generated
    media.doc.add_to_timeline(ai.id)
    tl = media.doc.project.timeline
    assert (tl.width, tl.height, tl.settled) == (1920, 1080, False)
