"""The one run path: a job to a file and a frozen RunResult, a failure a status and a plain
message (never an exception), and a stored result read back only when its fields have the
right types."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from engine.errors import JobError
from engine.jobs import Job
from engine.run import CANCELLED, DONE, FAILED, ResultError, RunResult, run_job


class _Refusing:
    """An engine whose run raises `error` (what a bad job, a bug or a cancel makes it do)."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def run(self, job, on_progress=None, cancel=None):
        raise self.error


def test_a_result_is_frozen_and_round_trips_through_json_ready_data():
    result = RunResult(DONE, path="/o.mp4", seconds=1.5, notes=("a", "b"), fps=8)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.status = FAILED
    data = result.to_dict()
    assert data["notes"] == ["a", "b"] and data["path"] == "/o.mp4"
    assert RunResult.from_dict(data) == result
    # an older record's extra keys are left out, a missing one takes its default
    assert RunResult.from_dict({"status": FAILED, "error": "x", "worker": 3}) == RunResult(
        FAILED, error="x"
    )


@pytest.mark.parametrize(
    "data",
    [
        {"status": "exploded"},
        {"seconds": "soon"},
        {"seconds": True},
        {"seconds": float("nan")},
        {"notes": "one note"},
        {"notes": [1, 2]},
        {"path": None},
        {"fps": "8"},
    ],
)
def test_a_stored_result_of_the_wrong_type_is_refused_with_its_field(data):
    with pytest.raises(ResultError, match=next(iter(data))):
        RunResult.from_dict(data)


def test_a_refused_job_is_a_failed_result_with_the_engines_message(tmp_path):
    out = tmp_path / "o.mp4"
    bad = JobError("task i2v needs an image (`image`)", field="image")
    result = run_job(_Refusing(bad), Job(device="cpu"), out)
    assert result.status == FAILED and result.error == str(bad)
    assert result.path == str(out) and not out.exists() and result.device == "cpu"
    assert result.seconds >= 0 and result.sha256 == "" and result.peak_memory_kind


def test_an_unexpected_error_keeps_its_type_in_the_message(tmp_path):
    result = run_job(_Refusing(KeyError("k")), Job(device="cpu"), tmp_path / "o.mp4")
    assert result.status == FAILED and result.error == "unexpected error: KeyError: 'k'"


def test_a_cancel_is_cancelled_not_failed(tmp_path):
    from engine.errors import Cancelled

    result = run_job(_Refusing(Cancelled()), Job(device="cpu"), tmp_path / "o.mp4")
    assert (result.status, result.error) == (CANCELLED, "cancelled")


def test_a_job_runs_to_its_file_and_the_result_names_it(engine, tiny_model, tmp_path):
    out = tmp_path / "o.mp4"
    seen = []
    job = Job(prompt="a red ball", steps=1, model=str(tiny_model), device="cpu")
    result = run_job(engine, job, out, on_progress=seen.append)
    assert result.done and result.error == "" and result.path == str(out)
    assert result.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert result.model_name == "tiny" and len(result.model_hash) == 64
    assert isinstance(result.notes, tuple) and result.fps and result.device == "cpu"
    assert result.peak_memory_mib > 0 and {"load", "base"} <= {p.stage for p in seen}
    assert (result.frames, result.width, result.height) > (0, 0, 0)


def test_a_png_folder_run_has_its_frames_and_one_fingerprint(engine, tiny_model, tmp_path):
    """`DIR/` writes PNG frames; the result counts them, gives their size, and one SHA-256
    over the frames' names and hashes (changing any frame changes it)."""
    from PIL import Image

    out = tmp_path / "frames"
    job = Job(prompt="a red ball", steps=1, frames=4, model=str(tiny_model), device="cpu")
    result = run_job(engine, job, f"{out}/")
    pngs = sorted(out.glob("*.png"))
    assert result.done and result.frames == len(pngs) == 4
    assert Image.open(pngs[0]).size == (result.width, result.height)
    before = result.sha256
    listing = "".join(f"{p.name}\t{hashlib.sha256(p.read_bytes()).hexdigest()}\n" for p in pngs)
    assert before == hashlib.sha256(listing.encode()).hexdigest()
    Image.new("RGB", (result.width, result.height)).save(pngs[2])
    from engine.run import output_sha256

    assert output_sha256(out) != before
