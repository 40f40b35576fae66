"""Content Credentials: a signed C2PA manifest embedded in every MP4, MOV and PNG we write, and
its reader. Signing and reading run offline: no timestamp authority (the signature carries no
trusted time, so it is only as old as the certificate says), no OCSP, no remote manifests.

What a manifest says (C2PA 2 actions, IPTC digital source types):
- a generated clip: `c2pa.created` with `trainedAlgorithmicMedia` (text-to-video, or
  `compositeWithTrainedAlgorithmicMedia` for image-to-video from a real still, the still an
  `inputTo` ingredient); an edit of real footage (inpaint, cinemagraph, video-to-video):
  `c2pa.opened` on the source (a `parentOf` ingredient), then `c2pa.edited` with
  `compositeWithTrainedAlgorithmicMedia`;
- an export: `c2pa.created` (or `c2pa.opened` + `c2pa.transcoded` for one clip re-encoded), then
  `c2pa.placed` for each clip used (a `componentOf` ingredient, whose own manifest is carried
  along when it has one), with the mix's source type;
- the model name and SHA-256, seed, task and prompt (a preference can leave the prompt out) in
  the action's parameters and in an `org.lumiere-studio.generation` assertion, with the SHA-256
  of every ingredient file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import LumiereError
from engine.media import provenance as pv
from engine.media.open_file import valid_text

if TYPE_CHECKING:
    import c2pa

    from engine.media.signing import SigningIdentity

MIME = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}
SIGNED_SUFFIXES = (".mp4", ".mov", ".png")
AI_SOURCE_TYPES = (pv.IPTC + pv.GENERATED, pv.IPTC + pv.COMPOSITE)
NOT_AI_COMPOSITE = pv.IPTC + "composite"  # a mix with no generated element
ASSERTION = "org.lumiere-studio.generation"
# The hash checks whose failure means "the bytes changed after signing".
MISMATCH_CODES = (
    "assertion.dataHash.mismatch",
    "assertion.bmffHash.mismatch",
    "assertion.boxesHash.mismatch",
    "assertion.hashedURI.mismatch",
    "assertion.collectionHash.mismatch",
    "claimSignature.mismatch",  # the claim's own bytes changed after they were signed
)
OFFLINE = {
    "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
    "builder": {"thumbnail": {"enabled": False}},
}


class CredentialsError(LumiereError, ValueError):
    """A manifest that cannot be made or read."""


@dataclass
class Ingredient:
    path: Path
    relationship: str  # parentOf (the edited source), componentOf (placed), inputTo (a still)
    sha256: str = ""

    def __post_init__(self) -> None:
        if not self.sha256 and self.path.is_file():
            self.sha256 = pv.sha256_file(self.path)

    @property
    def title(self) -> str:
        """The file's name as valid UTF-8: a non-UTF-8 name's bytes become U+FFFD (the C2PA
        library refuses the lone surrogates Python keeps them as, and the file went unsigned)."""
        return valid_text(self.path.name)


@dataclass
class Claim:
    """Everything a file's manifest states, before it is bound to the file's bytes."""

    title: str
    provenance: pv.Provenance | None  # None: no generated pixels
    ingredients: list[Ingredient] = field(default_factory=list)
    export: bool = False  # an export of clips rather than a generation
    include_prompt: bool = True

    def source_type(self) -> str | None:
        if self.provenance is not None:
            return pv.IPTC + self.provenance.source_type
        # c2pa.created must name a source type: a mix of clips, or (nothing placed) a picture
        # made without generative tools, such as black frames.
        return NOT_AI_COMPOSITE if self.ingredients else pv.IPTC + "digitalCreation"

    def parameters(self) -> dict[str, Any]:
        p = self.provenance
        if p is None:
            return {}
        params = {
            "model": p.model_name,
            "model_sha256": p.model_hash,
            "task": p.task,
            "seed": p.seed,
        }
        if self.include_prompt:
            params["prompt"] = p.prompt
            if p.negative_prompt:
                params["negative_prompt"] = p.negative_prompt
        return {k: v for k, v in params.items() if v not in (None, "")}

    def actions(self) -> list[dict[str, Any]]:
        agent = {"name": pv.APP_NAME, "version": self._version()}
        kind = self.source_type()
        typed = {"digitalSourceType": kind} if kind else {}
        ids = [f"ingredient{i}" for i in range(len(self.ingredients))]
        pairs = list(zip(ids, self.ingredients, strict=True))
        by_rel = {
            rel: [i for i, g in pairs if g.relationship == rel]
            for rel in ("parentOf", "componentOf", "inputTo")
        }
        params = self.parameters()
        if by_rel["parentOf"]:
            opened = {"action": "c2pa.opened", "parameters": {"ingredientIds": by_rel["parentOf"]}}
            verb = "c2pa.transcoded" if self.export else "c2pa.edited"
            acts: list[dict[str, Any]] = [opened, {"action": verb, "softwareAgent": agent, **typed}]
        else:
            acts = [{"action": "c2pa.created", "softwareAgent": agent, **typed}]
        if params:
            acts[-1]["parameters"] = params | (
                {"ingredientIds": by_rel["inputTo"]} if by_rel["inputTo"] else {}
            )
        acts += [
            {"action": "c2pa.placed", "parameters": {"ingredientIds": [i]}}
            for i in by_rel["componentOf"]
        ]
        return acts

    def definition(self) -> dict[str, Any]:
        p = self.provenance
        facts = {
            "ai_generated": p is not None,
            "generator": f"{pv.APP_NAME} {self._version()}",
            "ingredients": [
                {"title": g.title, "relationship": g.relationship, "sha256": g.sha256}
                for g in self.ingredients
            ],
        }
        if p is not None:
            facts |= self.parameters() | {
                "digital_source_type": pv.IPTC + p.source_type,
                "clip_id": p.clip_id,
                "created": p.created,
            }
        return {
            "claim_generator_info": [{"name": pv.APP_NAME, "version": self._version()}],
            "title": valid_text(self.title),
            "assertions": [
                {"label": "c2pa.actions.v2", "data": {"actions": self.actions()}},
                {"label": ASSERTION, "data": facts},
            ],
        }

    @staticmethod
    def _version() -> str:
        from engine import __version__

        return __version__


def _context(settings: dict[str, Any]) -> c2pa.Context:
    import c2pa

    return c2pa.Context.from_dict(settings)


def sign_file(path: Path, claim: Claim, identity: SigningIdentity, out: Path | None = None) -> Path:
    """Embed `claim`, signed by `identity`, into `path` (an MP4, MOV or PNG). The signed copy is
    written to `out` (default: a temporary file beside `path` that then replaces it)."""
    import c2pa

    mime = MIME.get(path.suffix.lower())
    if mime is None or path.suffix.lower() not in SIGNED_SUFFIXES:
        raise CredentialsError(
            f"{path.name}: Content Credentials are written into "
            f"{', '.join(SIGNED_SUFFIXES)} files only"
        )
    from engine.tempfiles import create_temp_beside, replace

    # Named after `path` so that, when `path` is a writer's temporary (`.NAME.PID-....mp4`),
    # the sweep of a killed writer's leftovers (engine.media.encode) removes this one too.
    dest = out or create_temp_beside(path, f"{path.name}.c2pa-", path.suffix)
    whole = {i for i, g in enumerate(claim.ingredients) if _readable(g)}
    try:
        while True:
            try:
                builder = _builder(claim, whole)
                break
            except _IngredientUnreadable as e:  # the library cannot parse it after all
                whole.discard(e.index)
        with Path(path).open("rb") as src, Path(dest).open("w+b") as dst:
            builder.sign(identity.signer(), mime, src, dst)
            dst.flush()
            os.fsync(dst.fileno())
        if out is None:
            replace(dest, path)
    except c2pa.C2paError as e:
        if out is None:
            dest.unlink(missing_ok=True)
        raise CredentialsError(f"{path.name}: signing the Content Credentials failed: {e}") from e
    except BaseException:
        if out is None:
            dest.unlink(missing_ok=True)
        raise
    return out or path


class _IngredientUnreadable(Exception):
    def __init__(self, index: int) -> None:
        self.index = index


def _readable(ing: Ingredient) -> bool:
    return ing.path.is_file() and ing.path.suffix.lower() in MIME


def _builder(claim: Claim, whole: set[int]) -> c2pa.Builder:
    """A Builder for `claim`. Ingredients in `whole` go in as files (their own manifests travel
    with them); the others (MKV, WebM, a folder of frames) by name and relationship only."""
    import c2pa

    definition = claim.definition()
    definition["ingredients"] = [
        {
            "title": g.title,
            "relationship": g.relationship,
            "label": f"ingredient{i}",
            "format": MIME.get(g.path.suffix.lower(), "application/octet-stream"),
        }
        for i, g in enumerate(claim.ingredients)
        if i not in whole
    ]
    builder = c2pa.Builder(json.dumps(definition), context=_context(OFFLINE))
    for i in sorted(whole):
        ing = claim.ingredients[i]
        meta = {"title": ing.title, "relationship": ing.relationship, "label": f"ingredient{i}"}
        try:
            with Path(ing.path).open("rb") as f:
                builder.add_ingredient(json.dumps(meta), MIME[ing.path.suffix.lower()], f)
        except c2pa.C2paError as e:
            builder.close()
            raise _IngredientUnreadable(i) from e
    return builder


# --- reading -----------------------------------------------------------------------------------
@dataclass
class Credentials:
    """What a file's C2PA manifest says, and whether it still matches the file."""

    state: str  # "trusted", "valid", "invalid" (a signature or structure problem), "tampered"
    signer: str
    issuer: str
    trusted: bool
    digital_source_type: str | None
    ai: bool
    failures: list[str]
    manifest: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """Every field but the raw manifest, which is summed up by its generation assertion."""
        shown = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "manifest"}
        return shown | {"generation": _assertion(self.manifest, ASSERTION)}


def _assertion(manifest: dict[str, Any], label: str) -> dict[str, Any] | None:
    for a in manifest.get("assertions", []):
        if a.get("label") == label:
            data: dict[str, Any] | None = a.get("data")
            return data
    return None


class DamagedCredentials(CredentialsError):
    """The file carries C2PA data that cannot be read: it was altered after signing."""


def holds_c2pa_label(path: Path) -> bool:
    """Whether the file's bytes hold the JUMBF label "c2pa" (a manifest store is there),
    read in blocks (only asked after the reader failed); a PNG's C2PA chunk counts too."""
    if path.suffix.lower() == ".png" and png_c2pa_chunks(path) > 0:
        return True
    tail = b""
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            if b"c2pa" in tail + block:
                return True
            tail = block[-3:]
    return False


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_CHUNKS = 100_000  # far more than any real PNG; bounds the walk of a hostile one


def png_c2pa_chunks(path: Path) -> int:
    """How many `caBX` (C2PA) chunks a PNG holds, walking the chunk headers only."""
    count = 0
    with Path(path).open("rb") as f:
        if f.read(8) != PNG_SIGNATURE:
            return 0
        for _ in range(MAX_PNG_CHUNKS):
            head = f.read(8)
            if len(head) < 8:
                break
            length, kind = int.from_bytes(head[:4], "big"), head[4:]
            count += kind == b"caBX"
            if kind == b"IEND":
                break
            f.seek(length + 4, os.SEEK_CUR)  # the data and its CRC
    return count


def read_credentials(path: Path, trust_pem: str | None = None) -> Credentials | None:
    """The file's manifest (None when it has none). `trust_pem`: CA certificates whose chains
    count as trusted; without it a good signature is "valid", never "trusted"."""
    import c2pa

    settings = json.loads(json.dumps(OFFLINE))
    if trust_pem:
        settings["verify"]["verify_trust"] = True
        settings["trust"] = {"trust_anchors": trust_pem}
    try:
        with Path(path).open("rb") as f:
            mime = MIME.get(path.suffix.lower(), "application/octet-stream")
            reader = c2pa.Reader.try_create(mime, f, None, _context(settings))
            if reader is not None:
                with reader:
                    manifest = reader.get_active_manifest() or {}
                    results = reader.get_validation_results() or {}
                    state = (reader.get_validation_state() or "").lower()
    except (c2pa.C2paError, KeyError, ValueError, TypeError) as e:  # KeyError: a damaged label
        if holds_c2pa_label(path):  # C2PA data is there, and broken
            raise DamagedCredentials(f"{path.name}: its C2PA data is damaged: {e}") from e
        raise CredentialsError(f"{path.name}: its C2PA data cannot be read: {e}") from e
    if path.suffix.lower() == ".png":
        chunks = png_c2pa_chunks(path)
        if chunks > 1:
            raise DamagedCredentials(f"{path.name} carries {chunks} C2PA chunks; one is allowed")
        if chunks == 1 and reader is None:
            raise DamagedCredentials(f"{path.name}: its C2PA chunk is damaged (unreadable)")
    if reader is None:
        return None
    failures = [f.get("code", "") for f in results.get("activeManifest", {}).get("failure", [])]
    if any(code in MISMATCH_CODES for code in failures):
        state = "tampered"
    elif state not in ("trusted", "valid"):
        state = "invalid"
    real_failures = [c for c in failures if c != "signingCredential.untrusted"]
    if state != "tampered" and real_failures:
        state = "invalid"
    sig = manifest.get("signature_info", {})
    kinds = [a.get("digitalSourceType") for a in actions_of(manifest) if a.get("digitalSourceType")]
    kind = next((k for k in kinds if k in AI_SOURCE_TYPES), kinds[0] if kinds else None)
    return Credentials(
        state=state,
        signer=sig.get("common_name", ""),
        issuer=sig.get("issuer", ""),
        trusted=state == "trusted",
        digital_source_type=kind,
        ai=kind in AI_SOURCE_TYPES,
        failures=failures,
        manifest=manifest,
    )


def actions_of(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    acts: list[dict[str, Any]] = []
    for label in ("c2pa.actions.v2", "c2pa.actions"):
        data = _assertion(manifest, label) or {}
        acts += data.get("actions", [])
    return acts
