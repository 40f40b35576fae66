"""The shape of a sidecar manifest (`NAME.provenance.json`) checked before anything reads it.

A manifest sits beside a file and anyone can edit it: it may be a list, hold a number where a
prompt belongs or a string where the hashes belong. `check_manifest` raises ProvenanceError
with a message for any such file, so detect and export report it instead of failing inside.
"""

from __future__ import annotations

from typing import Any

MAX_MANIFEST_BYTES = 1 << 20  # ours are about 2 KB; a bigger one is not read at all

# Fields of engine.media.provenance.Provenance and the JSON types they may hold.
PROVENANCE_FIELDS: dict[str, tuple[type, ...]] = {
    "source_type": (str,),
    "model_name": (str,),
    "model_hash": (str,),
    "prompt": (str,),
    "negative_prompt": (str,),
    "seed": (int, type(None)),
    "task": (str,),
    "clip_id": (int, type(None)),
    "source": (str, type(None)),
    "app_version": (str,),
    "created": (str,),
    "extra": (dict,),
}
# The fields Provenance cannot do without (no default): a manifest lacking one is not ours.
REQUIRED_PROVENANCE = ("source_type", "model_name", "model_hash")


def _fail(name: str, what: str) -> None:
    from engine.media.provenance import ProvenanceError

    raise ProvenanceError(f"{name} is not a valid manifest: {what}")


def check_provenance(data: Any, name: str) -> None:
    if not isinstance(data, dict):
        _fail(name, "'provenance' is not an object")
    for key, types in PROVENANCE_FIELDS.items():
        value = data.get(key)
        if key in data and (not isinstance(value, types) or isinstance(value, bool)):
            _fail(name, f"provenance '{key}' has the wrong type ({type(value).__name__})")
    for key in REQUIRED_PROVENANCE:
        if not isinstance(data.get(key), str):
            _fail(name, f"provenance has no {key.replace('_', ' ')}")


def check_manifest(data: Any, name: str) -> None:
    """Raise ProvenanceError unless `data` (parsed JSON) has a manifest's shape."""
    if not isinstance(data, dict):
        _fail(name, f"it holds a {type(data).__name__}, not an object")
    if "provenance" in data:
        check_provenance(data["provenance"], name)
    if "sha256" in data and not isinstance(data["sha256"], str):
        _fail(name, "'sha256' is not a string")
    hashes = data.get("files_sha256")
    if hashes is not None and not (
        isinstance(hashes, dict) and all(isinstance(v, str) for v in hashes.values())
    ):
        _fail(name, "'files_sha256' is not an object of strings")
    if not isinstance(data.get("watermark"), dict | type(None)):
        _fail(name, "'watermark' is not an object")
