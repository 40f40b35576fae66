"""engine.media.manifest_check: a sidecar manifest of the wrong shape is refused with a
ProvenanceError that names the file and the part that is wrong; a well-formed one passes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from engine.errors import LumiereError
from engine.media import provenance as pv
from engine.media.manifest_check import (
    PROVENANCE_FIELDS,
    REQUIRED_PROVENANCE,
    check_manifest,
    check_provenance,
)

NAME = "clip.mp4.provenance.json"


def _good_provenance() -> dict[str, Any]:
    return pv.Provenance(
        pv.GENERATED, "tiny", "ab" * 32, prompt="a cat", seed=3, clip_id=7, extra={"steps": 4}
    ).to_dict()


def test_a_written_manifest_passes():
    manifest = {
        "provenance": _good_provenance(),
        "sha256": "00" * 32,
        "files_sha256": {"a.png": "11" * 32},
        "watermark": {"scheme": "x"},
    }
    check_manifest(manifest, NAME)
    check_manifest({}, NAME)  # every part is optional
    check_manifest({"watermark": None, "files_sha256": None}, NAME)


def test_the_field_table_matches_the_provenance_record():
    # A field added to Provenance but not here would never be type-checked on reading.
    assert set(PROVENANCE_FIELDS) == {f.name for f in dataclasses.fields(pv.Provenance)}


@pytest.mark.parametrize(
    "data, words",
    [
        ([1, 2], "it holds a list, not an object"),
        ("text", "it holds a str, not an object"),
        (None, "it holds a NoneType, not an object"),
        ({"provenance": [1]}, "'provenance' is not an object"),
        ({"sha256": 5}, "'sha256' is not a string"),
        ({"files_sha256": ["a"]}, "'files_sha256' is not an object of strings"),
        ({"files_sha256": {"a.png": 3}}, "'files_sha256' is not an object of strings"),
        ({"watermark": "on"}, "'watermark' is not an object"),
        ({"watermark": [1]}, "'watermark' is not an object"),
    ],
)
def test_wrong_shapes_are_refused_by_name(data, words):
    with pytest.raises(pv.ProvenanceError) as e:
        check_manifest(data, NAME)
    assert str(e.value) == f"{NAME} is not a valid manifest: {words}"
    assert isinstance(e.value, LumiereError)


@pytest.mark.parametrize(
    "key, value, type_name",
    [
        ("prompt", 12, "int"),
        ("model_hash", ["ab"], "list"),
        ("seed", "3", "str"),
        ("seed", True, "bool"),  # a JSON true is not a seed, though bool is an int in Python
        ("clip_id", 1.5, "float"),
        ("source", 3, "int"),
        ("extra", "x", "str"),
        ("source_type", None, "NoneType"),
    ],
)
def test_a_provenance_field_of_the_wrong_type_is_named(key, value, type_name):
    prov = _good_provenance() | {key: value}
    with pytest.raises(
        pv.ProvenanceError,
        match=f"provenance '{key}' has the wrong type "
        rf"\({type_name}\)",
    ):
        check_manifest({"provenance": prov}, NAME)


def test_nullable_fields_may_be_null_and_others_not():
    check_provenance(_good_provenance() | {"seed": None, "clip_id": None, "source": None}, NAME)
    with pytest.raises(pv.ProvenanceError, match="'prompt' has the wrong type"):
        check_provenance(_good_provenance() | {"prompt": None}, NAME)


@pytest.mark.parametrize("key", REQUIRED_PROVENANCE)
def test_a_provenance_without_a_required_field_is_refused(key):
    prov = _good_provenance()
    del prov[key]
    with pytest.raises(pv.ProvenanceError, match=f"provenance has no {key.replace('_', ' ')}"):
        check_provenance(prov, NAME)


def test_the_required_fields_are_those_provenance_cannot_do_without():
    no_default = dataclasses.MISSING
    required = {
        f.name
        for f in dataclasses.fields(pv.Provenance)
        if f.default is no_default and f.default_factory is no_default
    }
    assert set(REQUIRED_PROVENANCE) == required


def test_a_manifest_with_only_a_source_type_is_a_message_not_a_crash(tmp_path):
    import json

    from testkit.media import make_clip

    from engine.export.sources import labels_of

    clip = make_clip(tmp_path / "g.mp4", frames=3)
    pv.manifest_path(clip).write_text(json.dumps({"provenance": {"source_type": pv.GENERATED}}))
    with pytest.raises(pv.ProvenanceError, match="not a valid manifest"):
        labels_of(clip)  # was a TypeError from Provenance.from_dict


def test_unknown_keys_are_left_alone():
    # Newer versions may add fields; this version reads what it knows.
    check_manifest({"provenance": _good_provenance() | {"future": [1]}, "later": 2}, NAME)
