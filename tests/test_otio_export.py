"""OTIO: the timeline reads back with the same clips and ranges, pointing at exported media that
exists, with the AI labels on generated clips."""

from __future__ import annotations

import opentimelineio as otio

from engine.cli import main
from engine.export import otio_file


def test_otio_round_trip(project, tmp_path):
    out = tmp_path / "cut.otio"
    assert main(["export", str(project), "--format", "otio", "--out", str(out)]) == 0
    tl = otio.adapters.read_from_file(str(out))
    clips = list(tl.find_clips())
    assert [c.name for c in clips] == ["real", "gen"]
    assert [(c.source_range.start_time.value, c.source_range.duration.value) for c in clips] == [
        (2, 8), (0, 6)]  # fmt: skip
    assert clips[0].source_range.duration.rate == 24000 / 1001  # exact, not 23.976
    for c in clips:
        assert (out.parent / c.media_reference.target_url).is_file()
    assert "lumiere" not in clips[0].metadata
    assert clips[1].metadata["lumiere"]["digital_source_type"].endswith("trainedAlgorithmicMedia")


def test_only_installed_adapters_are_offered(tmp_path):
    assert ".otio" in otio_file.available_formats()
    import opentimelineio as o

    if "fcp_xml" not in o.adapters.available_adapter_names():
        assert ".xml" not in otio_file.available_formats()
