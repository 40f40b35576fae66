"""Labels: container metadata round-trips, the manifest's SHA-256 matches its file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.media import provenance as pv
from engine.media.encode import VideoSettings, write_png_sequence, write_video
from engine.media.sealing import Seal, SignOptions


def prov(kind: str = pv.GENERATED) -> pv.Provenance:
    return pv.Provenance(
        kind, "tiny", "ab" * 32, prompt="a red fox", seed=7, task="t2v", clip_id=0x00BEEF
    )


@pytest.mark.parametrize("suffix", [".mp4", ".mov"])
def test_labels_round_trip_through_the_container(tmp_path, suffix):
    frames = np.zeros((2, 16, 16, 3), np.uint8)
    out = write_video(
        frames,
        tmp_path / f"c{suffix}",
        VideoSettings(metadata=prov(pv.COMPOSITE).container_metadata()),
    )
    meta = pv.read_container_metadata(out)
    assert meta["lumiere_digital_source_type"] == pv.IPTC + "compositeWithTrainedAlgorithmicMedia"
    back = pv.Provenance.from_container_metadata(meta)
    assert back is not None and back.prompt == "a red fox" and back.seed == 7
    assert back.clip_id == 0x00BEEF and back.model_hash == "ab" * 32


def test_unlabelled_metadata_reads_as_none():
    assert pv.Provenance.from_container_metadata({"comment": "holiday"}) is None
    with pytest.raises(pv.ProvenanceError):
        pv.Provenance("photo", "m", "h")


def _sealed(watermark: dict | None = None) -> VideoSettings:
    """How the app writes a generated file: its sidecar placed with it (unsigned here)."""
    return VideoSettings(seal=Seal(prov(), watermark=watermark, options=SignOptions(sign=False)))


def test_manifest_hash_matches_and_detects_tampering(tmp_path):
    frames = np.zeros((2, 16, 16, 3), np.uint8)
    out = write_video(frames, tmp_path / "c.mp4", _sealed({"payload": "4c-00beef"}))
    assert (tmp_path / "c.mp4.provenance.json").is_file()
    data = pv.read_manifest(out)
    assert data["file"] == "c.mp4" and data["watermark"] == {"payload": "4c-00beef"}
    assert data["sha256"] == pv.sha256_file(out)
    assert data["digital_source_type"].endswith("/trainedAlgorithmicMedia")
    assert pv.verify_manifest(out) is True
    with Path(out).open("ab") as f:
        f.write(b"x")
    assert pv.verify_manifest(out) is False


def test_png_folder_manifest_lists_every_frame(tmp_path):
    frames = np.zeros((3, 8, 8, 3), np.uint8)
    folder = write_png_sequence(frames, tmp_path / "seq", seal=_sealed().seal)
    data = pv.read_manifest(folder)
    assert sorted(data["files_sha256"]) == [f"frame_0000{i}.png" for i in range(3)]
    assert pv.verify_manifest(folder) is True
    assert (tmp_path / "seq.provenance.json").is_file()


def test_a_name_too_long_for_a_manifest_beside_it_has_none(tmp_path):
    from engine.media.provenance import read_manifest

    clip = tmp_path / ("x" * 245 + ".mp4")  # its manifest's name would pass 255 bytes
    clip.write_bytes(b"")
    assert read_manifest(clip) is None  # before: OSError "File name too long"
