"""Temporary files for atomic writes get the usual new-file mode (umask applied), not 0600."""

import os
import shutil
import stat
from pathlib import Path

import numpy as np
import pytest

from engine import tempfiles
from engine.checkpoints import atomic_write_text
from engine.media.encode import write_png_sequence
from engine.tempfiles import atomic_write_bytes, create_temp_beside, create_temp_dir_beside


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(Path(path).stat().st_mode)


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


def _killed_at(point: int, write) -> bool:
    """Run `write` in a forked child that SIGKILLs itself at fault point `point`; True if
    the kill happened (False: the write finished before reaching that point)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.environ[tempfiles.KILL_AT_ENV] = str(point)
        tempfiles.reset_fault_count()
        try:
            write()
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.WIFSIGNALED(status)


def _folder_at_every_kill(tmp_path, write, old: dict, new: dict):
    """Kill `write` at each fault point in turn; after recovery the folder must hold exactly
    the old or the new files and nothing hidden may be left beside it."""
    outcomes = []
    for point in range(1, 50):
        killed = _killed_at(point, write)
        tempfiles.recover_folder_swaps(tmp_path / "frames")
        from engine.media.encode import sweep_stale_temps

        sweep_stale_temps(tmp_path / "frames", ".tmp")
        now = {p.name: p.read_bytes() for p in (tmp_path / "frames").iterdir()}
        assert now in (old, new), f"kill at point {point}: neither old nor new"
        assert [p.name for p in tmp_path.iterdir()] == ["frames"], f"leftovers at {point}"
        outcomes.append("old" if now == old else "new")
        if not killed:
            return outcomes
        for name in set(now) - set(old):  # back to the old frames for the next try
            (tmp_path / "frames" / name).unlink()
        for name, data in old.items():
            (tmp_path / "frames" / name).write_bytes(data)
    raise AssertionError("the write never finished")


@pytest.mark.skipif(os.name != "posix", reason="fork and SIGKILL are POSIX")
def test_a_kill_at_any_rename_of_a_png_replace_is_recovered(tmp_path):
    new_frames = np.full((3, 8, 8, 3), 200, np.uint8)
    reference = write_png_sequence(new_frames, tmp_path / "reference")
    new = {p.name: p.read_bytes() for p in reference.iterdir()}
    shutil.rmtree(reference)
    old_folder = write_png_sequence(np.zeros((2, 8, 8, 3), np.uint8), tmp_path / "frames")
    old = {p.name: p.read_bytes() for p in old_folder.iterdir()}
    outcomes = _folder_at_every_kill(
        tmp_path,
        lambda: write_png_sequence(new_frames, tmp_path / "frames", replace=True),
        old,
        new,
    )
    # kills before the new folder's rename give the old frames, after it the new ones
    assert outcomes == ["old"] * 3 + ["new"] * 2


def test_an_interrupted_swap_of_a_live_process_is_left_alone(tmp_path):
    target = tmp_path / "frames"
    target.mkdir()
    aside = tmp_path / f".frames.{os.getpid()}-abcd.old"
    aside.mkdir()
    assert tempfiles.recover_folder_swaps(target) == [] and aside.exists()


def _pair(tmp_path):
    media = tmp_path / "cut_media"
    files = {p.name: p.read_bytes() for p in media.iterdir()} if media.exists() else None
    out = tmp_path / "cut.otio"
    return files, out.read_bytes() if out.exists() else None


@pytest.mark.skipif(os.name != "posix", reason="fork and SIGKILL are POSIX")
@pytest.mark.parametrize("earlier", [True, False])
def test_a_folder_and_its_file_are_replaced_together_at_every_kill(tmp_path, earlier):
    """An OTIO file and its media folder: after a kill and a recovery both are old or both
    are new, never new media under an old OTIO file (or no OTIO file at all)."""
    if earlier:
        (tmp_path / "cut_media").mkdir()
        (tmp_path / "cut_media" / "000_a.mov").write_bytes(b"old media")
        (tmp_path / "cut.otio").write_bytes(b"old otio")
    old = _pair(tmp_path)

    def export():
        new = create_temp_dir_beside(tmp_path / "cut_media", f".cut_media.{os.getpid()}-")
        (new / "000_a.mov").write_bytes(b"new media")
        pending = create_temp_beside(tmp_path / "cut.otio", f".cut.otio.{os.getpid()}-")
        pending.write_bytes(b"new otio")
        commit = lambda: tempfiles.replace(pending, tmp_path / "cut.otio")  # noqa: E731
        tempfiles.replace_folder(new, tmp_path / "cut_media", commit=commit, pending=pending)

    seen = []
    for point in range(1, 20):
        killed = _killed_at(point, export)
        from engine.media.encode import sweep_stale_temps

        for target in (tmp_path / "cut_media", tmp_path / "cut.otio"):
            tempfiles.recover_folder_swaps(target)
            sweep_stale_temps(target, ".tmp")
        now = _pair(tmp_path)
        assert now in (old, ({"000_a.mov": b"new media"}, b"new otio")), f"point {point}: {now}"
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], f"point {point}"
        seen.append("old" if now == old else "new")
        if not killed or now != old:
            break
    # old until the OTIO file's rename (the commit), new from a kill right after it on
    assert seen == ["old"] * (5 if earlier else 3) + ["new"]


def test_a_full_disk_is_a_plain_message_and_keeps_the_old_file(tmp_path, monkeypatch):
    import errno

    target = tmp_path / "project.lumiere.json"
    atomic_write_bytes(target, b"old")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(tempfiles.DiskFull) as caught:
        atomic_write_bytes(target, b"x" * 3_000_000)
    message = str(caught.value)
    assert str(tmp_path) in message and "up to 2.9 MB is needed" in message and "free" in message
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == [target.name]


def test_atomic_write_lets_a_writer_fill_the_temporary_then_renames_it(tmp_path):
    target = tmp_path / "sub" / "proxy.mkv"
    seen = []

    def write(tmp):
        seen.append(tmp)
        assert tmp.parent == target.parent and tmp.name.endswith(".tmp.mkv")
        assert not target.exists()  # nothing at the target until the writer is done
        tmp.write_bytes(b"whole")

    tempfiles.atomic_write(target, write, suffix=".tmp.mkv")
    assert target.read_bytes() == b"whole" and not seen[0].exists()
    assert sorted(p.name for p in target.parent.iterdir()) == ["proxy.mkv"]


def test_atomic_write_keeps_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "thumb.png"
    target.write_bytes(b"old")

    def write(tmp):
        tmp.write_bytes(b"half")
        raise ValueError("the decoder gave up")

    with pytest.raises(ValueError, match="gave up") as info:
        tempfiles.atomic_write(target, write)
    assert info.value.__cause__ is None  # raised as it was, not chained to itself
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["thumb.png"]


def test_a_staged_write_waits_beside_the_target_for_its_rename(tmp_path):
    target = tmp_path / "clip.mp4.provenance.json"
    target.write_bytes(b"old")
    staged = tempfiles.stage_bytes(target, b'{"new": 1}')
    assert staged.parent == tmp_path and staged != target
    assert staged.read_bytes() == b'{"new": 1}' and target.read_bytes() == b"old"


def test_new_temp_beside_sweeps_a_dead_writers_temporary(tmp_path):
    target = tmp_path / "a.mp4"
    dead = tmp_path / ".a.mp4.999999-deadbeef.mp4"  # no process 999999 wrote this
    dead.write_bytes(b"left by a killed writer")
    fresh = tempfiles.new_temp_beside(target, ".mp4")
    assert not dead.exists() and fresh.name.startswith(f".a.mp4.{os.getpid()}-")


def test_fault_points_count_from_zero_after_a_reset(tmp_path, monkeypatch):
    log = tmp_path / "faults.log"
    monkeypatch.setenv(tempfiles.FAULT_LOG_ENV, str(log))
    tempfiles.fault_point("a")
    tempfiles.reset_fault_count()
    tempfiles.fault_point("b")
    assert log.read_text().splitlines()[-1] == "1 b"


# --- planted journals: a received folder's fake swap is reported, never acted on ---------


def _dead_pid() -> int:
    import subprocess

    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def _user_folder(tmp_path):
    """frames/ with the user's frames, a file beside it and one outside the folder."""
    base = tmp_path / "out"
    (base / "frames").mkdir(parents=True)
    (base / "frames" / "frame_00000.png").write_bytes(b"the user's frame")
    (base / "notes.txt").write_text("the user's notes")
    (tmp_path / "victim").write_text("the user's file elsewhere")
    return base


def _plant(base, pending: str | None, planted_frames: bool, journal: str | None = None):
    aside = base / f".frames.{_dead_pid()}-abcd1234.old"
    aside.mkdir()
    if pending is not None:
        (aside / ".pending").write_text(pending)
    (aside / ".no-previous").touch()
    if planted_frames:
        (aside / "frames").mkdir()
        (aside / "frames" / "frame_00000.png").write_bytes(b"planted")
    if journal is not None:
        (aside / ".journal").write_text(journal)
    return aside


def _snapshot(tmp_path):
    return {
        str(p.relative_to(tmp_path)): p.read_bytes()
        for p in tmp_path.rglob("*")
        if p.is_file() and ".old" not in str(p)
    }


@pytest.mark.parametrize(
    "pending, planted_frames",
    [("../victim", False), ("ABS", False), ("notes.txt", True), (None, True), ("..", False)],
)
def test_a_planted_journal_is_reported_and_never_acted_on(tmp_path, pending, planted_frames):
    base = _user_folder(tmp_path)
    if pending == "ABS":
        pending = str(tmp_path / "victim")
    aside = _plant(base, pending, planted_frames)
    before = _snapshot(tmp_path)
    said: list[str] = []
    assert tempfiles.recover_folder_swaps(base / "frames", report=said.append) == []
    assert _snapshot(tmp_path) == before  # no file deleted, replaced or created
    assert aside.is_dir() and said and str(aside) in said[0]


def test_a_forged_journal_without_this_accounts_signature_is_not_acted_on(tmp_path):
    import json

    base = _user_folder(tmp_path)
    pid = _dead_pid()
    aside = base / f".frames.{pid}-abcd1234.old"
    aside.mkdir()
    (aside / "frames").mkdir()
    (aside / "frames" / "frame_00000.png").write_bytes(b"planted")
    pending = f".notes.txt.{pid}-ab.tmp"
    (base / pending).write_text("the sender's pending file")
    fields = {"pid": pid, "token": "abcd1234", "target": "frames", "pending": pending}
    for mac in ("", "0" * 64):
        (aside / ".journal").write_text(json.dumps({**fields, "previous": True, "mac": mac}))
        before = _snapshot(tmp_path)
        said: list[str] = []
        assert tempfiles.recover_folder_swaps(base / "frames", report=said.append) == []
        assert _snapshot(tmp_path) == before and said


@pytest.mark.skipif(os.name != "posix", reason="fork and SIGKILL are POSIX")
def test_a_journal_signed_for_another_folder_is_not_acted_on(tmp_path):
    """A genuine aside of this account, moved to another folder, does not count there."""
    first = tmp_path / "a"
    first.mkdir()
    write_png_sequence(np.zeros((1, 4, 4, 3), np.uint8), first / "frames")
    new = np.ones((1, 4, 4, 3), np.uint8)
    assert _killed_at(2, lambda: write_png_sequence(new, first / "frames", replace=True))
    (aside,) = [p for p in first.iterdir() if p.name.endswith(".old")]
    second = _user_folder(tmp_path / "b")
    shutil.move(aside, second / aside.name)
    before = _snapshot(tmp_path / "b")
    said: list[str] = []
    assert tempfiles.recover_folder_swaps(second / "frames", report=said.append) == []
    assert _snapshot(tmp_path / "b") == before and said
