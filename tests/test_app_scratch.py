"""Scratch folders: a live run's is never touched, a killed run's is adopted where the queue or
a recovery file still names it and deleted otherwise, an older app's is left alone."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from testkit import processes

from lumiere_studio.model.scratch import LOCK_NAME, PREFIX, Scratch

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX advisory locks")


def _killed_run(root: Path) -> Path:
    """A scratch folder made by another process that is then killed with SIGKILL, as a crash
    leaves it: a generated clip and a job mask inside."""
    code = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from lumiere_studio.model.scratch import Scratch
        s = Scratch.create(Path({str(root)!r}))
        (s.folder / "generated").mkdir()
        (s.folder / "generated" / "gen-t2v-1-abc.mp4").write_bytes(b"clip")
        (s.folder / "mask-1-abc.png").write_bytes(b"mask")
        print(s.folder, flush=True)
        time.sleep(300)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    with processes.reaped(proc):
        folder = Path(processes.readline(proc, "the other run's start").strip())
        # while it runs, its folder is its own: nobody adopts or deletes it
        probe = Scratch.create(root)
        assert probe.sweep([]) == [] and probe.adopted == [] and folder.is_dir()
        probe.remove()
        proc.send_signal(signal.SIGKILL)  # the crash
        processes.wait(proc, "the killed run")
    return folder


def test_a_killed_runs_folder_is_adopted_while_the_queue_names_it(tmp_path):
    dead = _killed_run(tmp_path)
    clip = dead / "generated" / "gen-t2v-1-abc.mp4"
    queue_job = json.dumps([str(clip), {"mask": str(dead / "mask-1-abc.png")}, {}])
    run = Scratch.create(tmp_path)
    assert run.sweep(["unrelated text", queue_job]) == []
    assert run.adopted == [dead] and run.folders == [run.folder, dead]
    assert clip.read_bytes() == b"clip"
    # adopted means locked by this run: a third run neither adopts nor deletes it
    third = Scratch.create(tmp_path)
    assert third.sweep([queue_job]) == [] and third.adopted == [] and dead.is_dir()
    run.remove()  # a clean exit of the adopting run removes it with its own folder
    assert not dead.exists() and not run.folder.exists()
    third.remove()


def test_a_killed_runs_folder_nobody_names_is_deleted(tmp_path):
    dead = _killed_run(tmp_path)
    run = Scratch.create(tmp_path)
    assert run.sweep([f"/elsewhere/{PREFIX}zzzzzzzz/clip.mp4"]) == [dead]
    assert not dead.exists() and run.adopted == [] and run.folder.is_dir()
    run.remove()


def test_folders_without_a_lock_file_and_symlinks_are_left_alone(tmp_path):
    legacy = tmp_path / f"{PREFIX}oldapp01"  # an older app's (or one being created now)
    (legacy / "generated").mkdir(parents=True)
    target = tmp_path / "private"
    target.mkdir()
    (target / LOCK_NAME).write_text("")
    link = tmp_path / f"{PREFIX}symlink1"
    link.symlink_to(target)
    run = Scratch.create(tmp_path)
    assert run.sweep([]) == []
    assert (legacy / "generated").is_dir() and link.is_symlink() and target.is_dir()
    assert run.adopted == []
    run.remove()


def test_a_live_runs_folder_holds_its_lock_and_is_never_swept(tmp_path):
    run = Scratch.create(tmp_path)
    assert sorted(p.name for p in run.folder.iterdir()) == [LOCK_NAME]
    other = Scratch.create(tmp_path)
    assert other.sweep([]) == [] and run.folder.is_dir()
    run.remove()
    other.remove()
