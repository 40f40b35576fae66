"""Reading a batch's jobs (one Job JSON object a line) and naming each job's output file."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from engine.errors import LumiereError
from engine.input_files import InputFileError, read_input
from engine.jobs import Job, JobError
from engine.json_depth import NestingError, check_depth
from engine.project_paths import is_plain_name

OUTPUT_FORMATS = ("mp4", "mov")
MAX_JOB_DEPTH = 16  # a job is a flat object: one level, two in a JSONL file's worst case


class BatchError(LumiereError, ValueError):
    """A batch that cannot start as described; the message names the file, line and field."""


@dataclass(frozen=True)
class BatchItem:
    index: int  # 1-based position in the batch
    job: Job
    output: str  # file name inside the batch's output folder


def job_digest(job: Job) -> str:
    """A short hash of everything that changes the pixels: a changed job gets a new name."""
    return hashlib.sha256(job.to_json().encode()).hexdigest()[:10]


def output_name(index: int, job: Job, fmt: str = "mp4") -> str:
    return f"{index:04d}-{job.task}-seed{job.seed}-{job_digest(job)}.{fmt}"


def parse_job(data: object, where: str) -> Job:
    if not isinstance(data, dict):
        raise BatchError(f"{where}: a job must be a JSON object, got {type(data).__name__}")
    try:
        job = Job.from_dict(data)
        job.validate()
    except (JobError, TypeError) as e:
        raise BatchError(f"{where}: {e}") from None
    return job


def _read_text(path: Path, kind: str) -> str:
    """A job file's text: a regular file of bounded size (engine.input_files), UTF-8, nested
    no deeper than a job can be (a parser would recurse into it)."""
    try:
        text = read_input(path, kind).decode("utf-8")
        check_depth(text, path.name, limit=MAX_JOB_DEPTH)
    except (InputFileError, NestingError) as e:
        raise BatchError(str(e)) from None
    except UnicodeDecodeError as e:
        raise BatchError(f"cannot read {path}: {e}") from None
    return text


def read_jobs(path: Path) -> list[Job]:
    """Every job of a JSONL file; blank lines and lines starting with # are skipped."""
    text = _read_text(path, "jobs")
    jobs = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path.name} line {number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as e:
            raise BatchError(f"{where}: not valid JSON ({e.msg} at column {e.colno})") from None
        jobs.append(parse_job(data, where))
    if not jobs:
        raise BatchError(f"{path} holds no jobs (one job JSON object a line)")
    return jobs


def read_job_file(path: Path) -> Job:
    """One job from a JSON file (what `generate --save-job` writes)."""
    try:
        data = json.loads(_read_text(path, "job"))
    except json.JSONDecodeError as e:
        raise BatchError(f"{path.name}: not valid JSON ({e.msg} at line {e.lineno})") from None
    return parse_job(data, path.name)


def plan(jobs: list[Job], fmt: str = "mp4") -> list[BatchItem]:
    if fmt not in OUTPUT_FORMATS:
        raise BatchError(f"--format must be one of {OUTPUT_FORMATS}, got {fmt!r}")
    items = [BatchItem(i, job, output_name(i, job, fmt)) for i, job in enumerate(jobs, 1)]
    for item in items:  # joined to the output folder: a name must never be a path
        if not is_plain_name(item.output):
            raise BatchError(f"job {item.index}: {item.output!r} cannot be a file name")
    return items
