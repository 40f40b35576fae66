"""OTIO: the timeline reads back with the same clips and ranges, pointing at exported media that
exists, with the AI labels on generated clips."""

from __future__ import annotations

import opentimelineio as otio
import pytest

from engine.cli import main
from engine.export import otio_file
from engine.export.render import load_project
from engine.export.run import export_timeline


def test_otio_round_trip(project, tmp_path):
    out = tmp_path / "cut.otio"
    assert main(["export", str(project), "--format", "otio", "--out", str(out)]) == 0
    tl = otio.adapters.read_from_file(str(out))
    clips = list(tl.find_clips())
    assert [c.name for c in clips] == ["real", "gen"]
    assert [(c.source_range.start_time.value, c.source_range.duration.value) for c in clips] == [
        (2, 8), (0, 6)]  # fmt: skip
    assert abs(clips[0].source_range.duration.rate - 23.976) < 1e-6
    for c in clips:
        assert (out.parent / c.media_reference.target_url).is_file()
    assert "lumiere" not in clips[0].metadata
    assert clips[1].metadata["lumiere"]["digital_source_type"].endswith("trainedAlgorithmicMedia")


def test_only_installed_adapters_are_offered(tmp_path):
    assert ".otio" in otio_file.available_formats()
    import opentimelineio as o

    if "fcp_xml" not in o.adapters.available_adapter_names():
        assert ".xml" not in otio_file.available_formats()


def _files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "proj" not in p.parts}  # fmt: skip


def test_a_failed_forced_otio_export_keeps_the_earlier_one(project, tmp_path):
    out = tmp_path / "cut.otio"
    assert main(["export", str(project), "--format", "otio", "--out", str(out)]) == 0
    before = _files(tmp_path)
    assert any(name.startswith("cut_media/") for name in before)
    timeline, base = load_project(project)

    def fail_on_second(done, total):
        if done >= 2:
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        export_timeline(timeline, base, "otio", out, force=True, progress=fail_on_second)
    assert _files(tmp_path) == before  # the .otio, its media and their manifests, as they were
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.otio", "cut_media", "proj"]
    assert main(["export", str(project), "--format", "otio", "--out", str(out)]) == 2  # --force
    assert main(["export", str(project), "--format", "otio", "--out", str(out), "--force"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.otio", "cut_media", "proj"]
    for c in otio.adapters.read_from_file(str(out)).find_clips():
        assert (out.parent / c.media_reference.target_url).is_file()
