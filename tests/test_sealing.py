"""A file and its provenance land together: after a failure at any rename (a kill, a full
disk), the target is the old file with its old sidecar, the old file alone, the new file alone
(its C2PA manifest inside it), or the new file with its new sidecar; never a file beside a
sidecar written for another one, never a sidecar without its file."""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest

from engine.jobs import Job
from engine.media import provenance as pv
from engine.media.credentials import read_credentials
from engine.media.encode import write_png_sequence
from engine.media.sealing import Seal, SignOptions
from engine.outputs import save_result
from engine.pipeline import Result


class Killed(BaseException):
    """Stands for a kill at that point (raised past every `except Exception`)."""


def result(prompt: str, value: int) -> Result:
    frames = np.full((4, 64, 64, 3), value, np.uint8)
    return Result(frames, 8, Job(prompt=prompt, seed=1), "tiny", "ab" * 32, 0.1)


def write(out, prompt: str, value: int, force: bool = False):
    """A generated clip saved as a video, or (no suffix) exported as a PNG folder over the old."""
    r = result(prompt, value)
    if out.suffix:
        return save_result(r, out, force=force)
    prov = pv.Provenance(pv.GENERATED, "tiny", "ab" * 32, prompt=prompt, seed=1)
    return write_png_sequence(r.frames, out, replace=force, seal=Seal(prov))


def state(out) -> str:
    """'old+sidecar', 'old', 'new', 'new+sidecar', 'nothing' or what is wrong."""
    if not out.exists():
        return "nothing" if not pv.manifest_path(out).exists() else "a sidecar without its file"
    creds = read_credentials(out / "frame_00000.png" if out.is_dir() else out)
    prompt = creds.to_dict()["generation"]["prompt"]
    which = "old" if prompt == "before" else "new"
    side = pv.read_manifest(out)
    if side is None:
        return which
    if not pv.verify_manifest(out) or side["provenance"]["prompt"] != prompt:
        return f"{which} beside a sidecar for another file"
    return f"{which}+sidecar"


@pytest.mark.parametrize("suffix", [".mp4", ".mov", ""])
def test_every_rename_is_a_consistent_crash_point(tmp_path, monkeypatch, suffix):
    """Videos replace an earlier one; PNG folders are written new (replacing a folder is two
    renames of its own, which the fault-injection work on folder swaps covers)."""
    seen = set()
    for n in range(1, 30):
        out = tmp_path / f"{n}{suffix}"
        if suffix:
            write(out, "before", 10)
        calls = {"n": 0}
        real_replace = os.replace

        def replace(a, b, n=n, calls=calls, real_replace=real_replace):
            calls["n"] += 1
            if calls["n"] == n:
                raise Killed()
            return real_replace(a, b)

        monkeypatch.setattr(os, "replace", replace)
        try:
            write(out, "after", 200, force=True)
            finished = True
        except Killed:
            finished = False
        monkeypatch.setattr(os, "replace", real_replace)
        got = state(out)
        assert got in ("old+sidecar", "old", "new", "new+sidecar", "nothing"), (n, got)
        seen.add(got)
        if finished:
            assert got == "new+sidecar"
            break
    assert {"old+sidecar" if suffix else "nothing", "new", "new+sidecar"} <= seen


def test_full_disk_while_writing_the_sidecar_keeps_the_old_pair(tmp_path, monkeypatch):
    out = tmp_path / "c.mp4"
    save_result(result("before", 10), out)

    def full(fd):  # every flush to disk of the write (signed copy, staged sidecar) fails
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space"):
        save_result(result("after", 200), out, force=True)
    monkeypatch.undo()
    assert state(out) == "old+sidecar"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.mp4", "c.mp4.provenance.json"]


def test_unsigned_when_asked(tmp_path):
    out = save_result(result("x", 50), tmp_path / "u.mp4", sign=SignOptions(sign=False))
    assert read_credentials(out) is None and pv.verify_manifest(out) is True


def test_a_killed_signers_temporary_is_swept_by_the_next_write(tmp_path, monkeypatch):
    """A kill while signing would leave the signer's copy of the writer's temporary; it is
    named after that temporary, so the next write to the target removes it with the rest."""
    import engine.tempfiles

    made = []
    real = engine.tempfiles.create_temp_beside

    def record(path, prefix, suffix=".tmp"):
        made.append(real(path, prefix, suffix))
        return made[-1]

    monkeypatch.setattr(engine.tempfiles, "create_temp_beside", record)
    out = tmp_path / "c.mp4"
    write(out, "before", 10)
    signer_temp = next(p for p in made if ".c2pa-" in p.name)
    dead = signer_temp.with_name(signer_temp.name.replace(f".{os.getpid()}-", ".999999-"))
    dead.write_bytes(b"left by a killed writer")
    write(out, "after", 20, force=True)
    assert not dead.exists() and state(out) == "new+sidecar"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.mp4", "c.mp4.provenance.json"]


def test_a_signing_failure_keeps_the_work_and_says_so(tmp_path, monkeypatch):
    import engine.media.sealing as sealing
    from engine.media.credentials import CredentialsError

    def broken(*a, **k):
        raise CredentialsError("the library refused")

    monkeypatch.setattr(sealing, "sign_file", broken)
    r = result("kept", 60)
    out = save_result(r, tmp_path / "k.mp4")
    assert out.is_file() and read_credentials(out) is None and pv.verify_manifest(out) is True
    assert any("Content Credentials were not written" in n for n in r.notes)
