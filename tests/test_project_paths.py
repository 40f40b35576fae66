"""Paths from document data: plain ids and names only, and proven inside their folder."""

from __future__ import annotations

import pytest

from engine.project_paths import OutsidePathError, is_plain_id, is_plain_name, path_in


@pytest.mark.parametrize("good", ["m1", "0a1b2c3d4e5f", "clip_2-b"])
def test_plain_ids_pass(good):
    assert is_plain_id(good)


@pytest.mark.parametrize("bad", ["", "..", "../../x", "/abs", "a/b", "a\\b", "-x", "a" * 65, 3])
def test_ids_that_could_be_paths_are_refused(bad):
    assert not is_plain_id(bad)


@pytest.mark.parametrize("bad", ["", ".", "..", "a/b", "a\\b", "a\0b", "x" * 256])
def test_names_that_are_not_one_file_name_are_refused(tmp_path, bad):
    assert not is_plain_name(bad)
    with pytest.raises(OutsidePathError):
        path_in(tmp_path, "masks", bad)


def test_a_path_through_a_folder_link_that_leads_outside_is_refused(tmp_path):
    project, elsewhere = tmp_path / "proj", tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    (project / "masks").symlink_to(elsewhere)
    with pytest.raises(OutsidePathError, match="outside"):
        path_in(project, "masks", "m1.png")
    (project / "generated").mkdir()
    (project / "generated" / "x.mp4").symlink_to(elsewhere / "x.mp4")  # a planted file link
    with pytest.raises(OutsidePathError):
        path_in(project, "generated", "x.mp4")
    assert path_in(project, "generated", "y.mp4") == project / "generated" / "y.mp4"
