"""engine.api: the app's one door into the engine. A job run reports typed events ending in
exactly one outcome; cancel, failure and a broken install are outcomes, not exceptions; the app
imports the engine only through this module; importing it does not import torch."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from testkit import processes

import engine.api as api
from engine.api import (
    CancelToken,
    EngineSession,
    Failed,
    Finished,
    Job,
    JobCancelled,
    Progress,
)

APP = Path(__file__).resolve().parents[1] / "lumiere_studio"
# The package's version and the entry point that hands a command line to the CLI (the CLI is
# another client of the engine, not the app) are the only other ways in.
OTHER_DOORS = {"__init__.py": {"engine"}, "__main__.py": {"engine.cli"}}


def _engine_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0] == "engine"
        ):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "engine")
    return found


def test_the_app_reaches_the_engine_only_through_the_api():
    stray = {}
    users = 0
    for path in sorted(APP.rglob("*.py")):
        imports = _engine_imports(path) - OTHER_DOORS.get(
            path.name if path.parent == APP else "", set()
        )
        users += "engine.api" in imports
        if imports - {"engine.api"}:
            stray[str(path.relative_to(APP))] = sorted(imports - {"engine.api"})
    assert stray == {}
    assert users >= 10  # the walk saw the app's modules


def test_every_listed_name_resolves_and_unknown_names_do_not():
    for name in api.__all__:
        assert getattr(api, name) is not None, name
    assert api.ModelError.__module__ == "engine.checkpoints"  # loaded on first use
    with pytest.raises(AttributeError, match="no_such_name"):
        api.no_such_name  # noqa: B018


def test_importing_the_api_does_not_import_torch():
    code = "import sys, engine.api; print('torch' in sys.modules)"
    out = processes.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _job(model: Path, steps: int = 2) -> Job:
    return Job(prompt="a red ball", steps=steps, model=str(model))


def test_a_job_reports_progress_then_finished_once(tiny_model, tmp_path):
    events = []
    out = tmp_path / "out.mp4"
    outcome = EngineSession().submit(_job(tiny_model), out, CancelToken(), events.append)
    assert isinstance(outcome, Finished) and events[-1] is outcome
    assert out.is_file() and outcome.result.path == str(out) and outcome.result.done
    assert outcome.result.model_name and outcome.result.sha256
    progress = events[:-1]
    assert progress and all(isinstance(e, Progress) for e in progress)
    assert {"load", "base"} <= {e.stage for e in progress}


def test_a_cancelled_token_stops_the_job_and_writes_nothing(tiny_model, tmp_path):
    token = CancelToken()
    seen = []

    def on_event(event) -> None:
        seen.append(event)
        if isinstance(event, Progress) and event.stage == "base":
            token.cancel()

    out = tmp_path / "c.mp4"
    outcome = EngineSession().submit(_job(tiny_model, steps=50), out, token, on_event)
    assert isinstance(outcome, JobCancelled) and seen[-1] is outcome
    assert max(e.step for e in seen if isinstance(e, Progress) and e.stage == "base") < 50
    assert not out.exists()


def test_a_missing_model_is_a_failed_outcome_with_its_message(tmp_path):
    outcome = EngineSession().submit(_job(tmp_path / "no-model"), tmp_path / "o.mp4", CancelToken())
    assert isinstance(outcome, Failed)
    assert "no-model" in outcome.message or "not found" in outcome.message
    # the run's result comes with it: where it ran and for how long, the same message
    assert outcome.result is not None and outcome.result.status == "failed"
    assert outcome.result.error == outcome.message
    assert outcome.result.device.startswith(("cpu", "cuda", "mps"))  # the one picked


def test_an_engine_that_cannot_load_is_a_failed_outcome(monkeypatch, tmp_path):
    import engine.pipeline

    def broken() -> None:
        raise ImportError("libtorch_cpu.so: cannot open shared object file")

    monkeypatch.setattr(engine.pipeline, "Engine", broken)
    events = []
    outcome = EngineSession().submit(
        Job(prompt="x"), tmp_path / "o.mp4", CancelToken(), events.append
    )
    assert events == [outcome]
    assert isinstance(outcome, Failed)
    assert outcome.message.startswith(api.LOAD_FAILED) and "libtorch_cpu" in outcome.message
    assert outcome.result is None  # no run started


def test_warm_up_loads_the_model_the_first_job_then_uses(tiny_model, tmp_path, monkeypatch):
    """Issue 31 #4: the app loads the model once its window is up, not when Generate is
    pressed; the job after it must not load again."""
    from engine.pipeline import Engine

    session = EngineSession()
    assert session.warm_up(str(tiny_model)) is None
    loads = []
    real = Engine.load

    def counting(self, model, device_name="auto"):
        loads.append(model)
        before = len(self._loaded)
        out = real(self, model, device_name)
        assert len(self._loaded) == before  # served from what warm_up loaded
        return out

    monkeypatch.setattr(Engine, "load", counting)
    outcome = session.submit(_job(tiny_model), tmp_path / "o.mp4", CancelToken())
    assert isinstance(outcome, Finished) and loads


def test_warm_up_of_a_missing_model_says_why_and_raises_nothing(tmp_path):
    message = EngineSession().warm_up(str(tmp_path / "no-model"))
    assert message is not None and message.startswith(api.LOAD_FAILED)
