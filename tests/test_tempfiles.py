"""Temporary files for atomic writes get the usual new-file mode (umask applied), not 0600."""

import os
import stat

import numpy as np
import pytest

from engine.checkpoints import atomic_write_text
from engine.media.encode import write_png_sequence
from engine.tempfiles import atomic_write_bytes, create_temp_beside, create_temp_dir_beside


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_temps_follow_the_umask(tmp_path, umask_022):
    target = tmp_path / "clip.mp4"
    file = create_temp_beside(target, ".clip.mp4.", ".mp4")
    folder = create_temp_dir_beside(target, ".clip.mp4.")
    assert file.parent == tmp_path and file.name.startswith(".clip.mp4.") and file.suffix == ".mp4"
    assert file.stat().st_size == 0 and folder.is_dir() and folder != file
    assert mode(file) == 0o644 and mode(folder) == 0o755
    os.umask(0o077)
    assert mode(create_temp_beside(target, "x")) == 0o600


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_atomic_writes_leave_readable_results(tmp_path, umask_022):
    atomic_write_text(tmp_path / "config.json", "{}")
    frames = np.zeros((2, 8, 8, 3), np.uint8)
    write_png_sequence(frames, tmp_path / "frames")
    assert mode(tmp_path / "config.json") == 0o644
    assert mode(tmp_path / "frames") == 0o755
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "frames"]


def test_names_never_collide(tmp_path):
    names = {create_temp_beside(tmp_path / "a", ".a.") for _ in range(200)}
    assert len(names) == 200 and all(p.exists() for p in names)


def test_a_failed_write_keeps_the_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "project.json"
    atomic_write_bytes(target, b"old")

    def refuse(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["project.json"]
    atomic_write_text(target, "héllo")  # text is stored as UTF-8 on every platform
    assert target.read_bytes() == "héllo".encode()
