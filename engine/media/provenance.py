"""AI-content labels: the facts about a generated clip, as container metadata (MP4/MOV) and as a
sidecar JSON manifest next to the exported file with the file's SHA-256.

The digital source type uses the IPTC NewsCodes vocabulary: `trainedAlgorithmicMedia` for pure
generation, `compositeWithTrainedAlgorithmicMedia` when generated pixels are combined with
real footage (inpainting, cinemagraph from a video, video-to-video). Clips with no generated
pixels get no labels at all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from engine.errors import LumiereError

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
GENERATED = "trainedAlgorithmicMedia"
COMPOSITE = "compositeWithTrainedAlgorithmicMedia"
APP_NAME = "Lumiere Studio"
MANIFEST_SUFFIX = ".provenance.json"
MANIFEST_SCHEMA = 1
KEY_PREFIX = "lumiere_"  # our container-metadata keys (MP4/MOV "mdta" keys)


class ProvenanceError(LumiereError, ValueError):
    """A manifest that cannot be read or does not match its file."""


class MadeJob(Protocol):
    """What provenance reads of a job (engine.jobs.Job has it)."""

    prompt: str
    negative_prompt: str
    seed: int
    task: str


class MadeClip(Protocol):
    """What provenance reads of a generation's result (engine.pipeline.Result has it): the
    media layer knows results and jobs by their shape, not the pipeline or the job module."""

    @property
    def job(self) -> MadeJob: ...

    model_name: str
    model_hash: str
    source: str | None


@dataclass
class Provenance:
    source_type: str  # GENERATED or COMPOSITE
    model_name: str
    model_hash: str
    prompt: str = ""
    negative_prompt: str = ""
    seed: int | None = None
    task: str = ""
    clip_id: int | None = None  # the watermark payload's clip id
    source: str | None = None  # file name of the real footage that was edited
    app_version: str = ""
    created: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.source_type not in (GENERATED, COMPOSITE):
            raise ProvenanceError(f"unknown digital source type {self.source_type!r}")
        if not self.app_version:
            from engine import __version__

            self.app_version = __version__
        if not self.created:
            self.created = datetime.now(timezone.utc).isoformat(timespec="seconds")

    @property
    def generator(self) -> str:
        return f"{APP_NAME} {self.app_version}"

    @classmethod
    def from_result(cls, result: MadeClip, clip_id: int | None) -> Provenance:
        job = result.job
        return cls(
            source_type=COMPOSITE if result.source else GENERATED,
            model_name=result.model_name,
            model_hash=result.model_hash,
            prompt=job.prompt,
            negative_prompt=job.negative_prompt,
            seed=job.seed,
            task=job.task,
            clip_id=clip_id,
            source=Path(result.source).name if result.source else None,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Provenance:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

    def container_metadata(self) -> dict[str, str]:
        """Keys written into the MP4/MOV container (needs movflags=use_metadata_tags)."""
        meta = {
            "comment": f"AI-generated ({self.source_type}) with {self.generator}, "
            f"model {self.model_name}",
            "encoder_software": self.generator,
            f"{KEY_PREFIX}digital_source_type": IPTC + self.source_type,
            f"{KEY_PREFIX}generator": self.generator,
            f"{KEY_PREFIX}model": self.model_name,
            f"{KEY_PREFIX}model_sha256": self.model_hash,
            f"{KEY_PREFIX}prompt": self.prompt,
            f"{KEY_PREFIX}created": self.created,
        }
        if self.negative_prompt:
            meta[f"{KEY_PREFIX}negative_prompt"] = self.negative_prompt
        if self.seed is not None:
            meta[f"{KEY_PREFIX}seed"] = str(self.seed)
        if self.task:
            meta[f"{KEY_PREFIX}task"] = self.task
        if self.clip_id is not None:
            meta[f"{KEY_PREFIX}clip_id"] = f"{self.clip_id:06x}"
        if self.source:
            meta[f"{KEY_PREFIX}source"] = self.source
        return meta

    @classmethod
    def from_container_metadata(cls, meta: dict[str, str]) -> Provenance | None:
        """Read our keys back (None when the file carries no Lumiere labels)."""
        kind = meta.get(f"{KEY_PREFIX}digital_source_type", "")
        if not kind.startswith(IPTC):
            return None
        seed = meta.get(f"{KEY_PREFIX}seed")
        clip = meta.get(f"{KEY_PREFIX}clip_id")
        gen = meta.get(f"{KEY_PREFIX}generator", "")
        return cls(
            source_type=kind[len(IPTC) :],
            model_name=meta.get(f"{KEY_PREFIX}model", ""),
            model_hash=meta.get(f"{KEY_PREFIX}model_sha256", ""),
            prompt=meta.get(f"{KEY_PREFIX}prompt", ""),
            negative_prompt=meta.get(f"{KEY_PREFIX}negative_prompt", ""),
            seed=int(seed) if seed else None,
            task=meta.get(f"{KEY_PREFIX}task", ""),
            clip_id=int(clip, 16) if clip else None,
            source=meta.get(f"{KEY_PREFIX}source"),
            app_version=gen.rsplit(" ", 1)[-1] if gen else "",
            created=meta.get(f"{KEY_PREFIX}created", ""),
        )


# --- the sidecar manifest ----------------------------------------------------------------------
def manifest_path(out: Path | str) -> Path:
    """`clip.mp4` -> `clip.mp4.provenance.json`; a PNG folder `frames/` -> `frames.provenance.json`
    beside it."""
    p = Path(str(out).rstrip("/"))
    return p.with_name(p.name + MANIFEST_SUFFIX)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_hashes(out: Path) -> dict[str, str]:
    """{name: sha256} of the exported file, or of every file of a PNG-sequence folder."""
    if out.is_dir():
        return {p.name: sha256_file(p) for p in sorted(out.iterdir()) if p.is_file()}
    return {out.name: sha256_file(out)}


def manifest_dict(
    out: Path, prov: Provenance, watermark: dict[str, Any] | None = None, name: str | None = None
) -> dict[str, Any]:
    """The sidecar's content for `out`; `name`: the file's final name when `out` is still the
    temporary it is written under."""
    hashes = file_hashes(out)
    name = name or out.name
    data: dict[str, Any] = {
        "schema": MANIFEST_SCHEMA,
        "file": name,
        "ai_generated": True,
        "digital_source_type": IPTC + prov.source_type,
        "generator": prov.generator,
        "provenance": prov.to_dict(),
        "watermark": watermark,
    }
    if out.is_dir():
        data["files_sha256"] = hashes
    else:
        data["sha256"] = hashes[out.name]
    return data


def read_manifest(out: Path | str) -> dict[str, Any] | None:
    """The manifest beside `out`, or None when there is none."""
    from engine.media.manifest_check import MAX_MANIFEST_BYTES, check_manifest

    path = manifest_path(out)
    try:
        if not path.is_file():
            return None
    except OSError:  # a name too long to have a manifest beside it
        return None
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ValueError(f"{path.stat().st_size} bytes; a manifest is a few KB")
        data = json.loads(path.read_text())
    except UnicodeDecodeError:
        raise ProvenanceError(f"{path.name} is not a readable manifest: not UTF-8 text") from None
    except RecursionError:
        raise ProvenanceError(
            f"{path.name} is not a readable manifest: nested too deeply"
        ) from None
    except (OSError, ValueError) as e:  # bad JSON, a file that cannot be read
        raise ProvenanceError(f"{path.name} is not a readable manifest: {e}") from e
    check_manifest(data, path.name)
    manifest: dict[str, Any] = data  # check_manifest saw a JSON object
    return manifest


def verify_manifest(out: Path | str) -> bool | None:
    """True if the manifest's SHA-256 matches the file(s), False if not, None without one."""
    data = read_manifest(out)
    if data is None:
        return None
    out = Path(str(out).rstrip("/"))
    if "files_sha256" in data:
        return bool(data["files_sha256"] == file_hashes(out))
    return bool(data.get("sha256") == sha256_file(out))


def read_container_metadata(path: Path | str) -> dict[str, str]:
    from engine.media.open_file import open_input

    with open_input(path) as container:
        return dict(container.metadata)
