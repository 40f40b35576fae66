"""Batch job files: one job a line, bad lines named by number, stable distinct output names."""

from __future__ import annotations

import json

import pytest

from engine.batch.jobfile import BatchError, output_name, plan, read_job_file, read_jobs
from engine.jobs import Job


def test_reads_jobs_skipping_blank_and_comment_lines(tmp_path):
    path = tmp_path / "jobs.jsonl"
    lines = ["# two jobs", json.dumps({"prompt": "a", "seed": 3}), "", json.dumps({"steps": 4})]
    path.write_text("\n".join(lines))
    jobs = read_jobs(path)
    assert [(j.prompt, j.seed, j.steps) for j in jobs] == [("a", 3, 20), ("", 0, 4)]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "jobs.jsonl line 2: not valid JSON"),
        ("[1, 2]", "jobs.jsonl line 2: a job must be a JSON object, got list"),
        ('{"colour": "red"}', "jobs.jsonl line 2: unknown job fields: ['colour']"),
        ('{"steps": 0}', "jobs.jsonl line 2: `steps` must be between 1 and 1000"),
        ('{"task": "i2v"}', "jobs.jsonl line 2: task i2v needs an image"),
        ('{"steps": "20"}', 'jobs.jsonl line 2: `steps` must be a whole number, got "20" (str)'),
        ('{"guidance": "high"}', 'jobs.jsonl line 2: `guidance` must be a number, got "high"'),
    ],
)
def test_a_bad_line_is_named_in_one_line(tmp_path, line, message):
    path = tmp_path / "jobs.jsonl"
    path.write_text(json.dumps({"prompt": "ok"}) + "\n" + line + "\n")
    with pytest.raises(BatchError) as err:
        read_jobs(path)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_empty_and_missing_files_are_refused(tmp_path):
    (tmp_path / "empty.jsonl").write_text("\n# nothing\n")
    with pytest.raises(BatchError, match="holds no jobs"):
        read_jobs(tmp_path / "empty.jsonl")
    with pytest.raises(BatchError, match="does not exist"):
        read_jobs(tmp_path / "missing.jsonl")
    with pytest.raises(BatchError, match="not valid JSON"):
        (tmp_path / "job.json").write_text("{")
        read_job_file(tmp_path / "job.json")


def test_output_names_follow_the_job_and_its_position():
    a, b = Job(prompt="x", seed=1), Job(prompt="x", seed=1, guidance=7.0)
    assert output_name(1, a) == output_name(1, Job(prompt="x", seed=1))
    assert output_name(1, a) != output_name(1, b)  # same seed, other settings: other file
    assert output_name(1, a) != output_name(2, a)
    assert output_name(1, a).startswith("0001-t2v-seed1-") and output_name(1, a).endswith(".mp4")
    names = [item.output for item in plan([a, b, a], "mov")]
    assert len(set(names)) == 3 and all(n.endswith(".mov") for n in names)
    with pytest.raises(BatchError, match="--format"):
        plan([a], "gif")


@pytest.mark.parametrize(
    "field, value",
    [("seed", "../../x"), ("seed", "/tmp/x"), ("seed", True), ("seed", 2**80), ("steps", "8")],
)
def test_a_field_of_the_wrong_type_never_reaches_an_output_name(tmp_path, field, value):
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(json.dumps({"prompt": "x", field: value}) + "\n")
    with pytest.raises(BatchError, match=field):
        read_jobs(jobs)


def test_every_output_name_is_a_plain_file_name():
    from engine.project_paths import is_plain_name

    names = [item.output for item in plan([Job(seed=s) for s in (0, -1, 2**62)])]
    assert all(is_plain_name(n) for n in names)
