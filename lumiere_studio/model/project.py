"""The project document: media, timeline, masks, generation records and history, saved as
`<folder>/project.lumiere.json` (versioned schema, validated on load). Pure Python, no Qt.

Each masked media's mask track (keyframes, tracked frames, edge settings, motion hints) is a
file `masks/tracks/<media id>.masktrack` that the document lists under "mask_tracks"; a
painted mask with no track (a project from before tracks) becomes a one-keyframe track when
the project is opened, as it behaved: the mask held from its first frame on.

The timeline is stored as `engine.timeline.Timeline.to_dict()` under "timeline" because
export reads exactly that. Paths inside the project folder are stored relative to it.
"""

from __future__ import annotations

import copy
import json
import shutil
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from engine.api import (
    APP_ID,
    MAX_DOC_BYTES,
    SCHEMA,
    InputFileError,
    MediaInfo,
    OutsidePathError,
    ProjectError,
    Timeline,
    TimelineClip,
    atomic_write_bytes,
    inside,
    is_plain_id,
    path_in,
    read_document,
    read_input,
)
from engine.api import validate_document as validate
from lumiere_studio.model.generations import (
    GenerationRecord,
    records_from_clip_copies,
    records_from_copies,
)
from lumiere_studio.model.masks import Mask

DOC_NAME = "project.lumiere.json"
TRACKS_DIR = ("masks", "tracks")  # in a project folder: one mask-track file per media
TRACK_SUFFIX = ".masktrack"
MAX_STROKE_POINTS = 10_000  # points of one freeze stroke, as engine.project_schema reads


def new_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass
class MediaItem:
    path: str  # absolute, or relative to the project folder
    info: dict[str, Any]  # engine.media.probe.MediaInfo as a dict
    id: str = field(default_factory=new_id)
    name: str = ""
    generated: bool = False
    generation_id: str = ""  # the project's GenerationRecord that made it ("" if none)

    @property
    def media_info(self) -> MediaInfo:
        return MediaInfo.from_dict(self.info)


@dataclass
class MaskMeta:
    """Where a media item's mask applies (all frames, or from `from_frame` on), and the motion
    hints a cinemagraph of it follows: arrows [x0, y0, x1, y1], pins [x, y] and freeze-brush
    strokes [radius, x0, y0, x1, y1, ...] in the source's pixels (an arrow's length is how far
    its pixels travel over the loop; nothing moves under a freeze stroke)."""

    from_frame: int = 0
    arrows: list[list[float]] = field(default_factory=list)
    pins: list[list[float]] = field(default_factory=list)
    freeze: list[list[float]] = field(default_factory=list)


def motion_text(points: list[list[float]]) -> str | None:
    """Arrows, pins or freeze strokes as a job's `motion_arrows` / `motion_anchors` /
    `motion_freeze` ("x0,y0,x1,y1;..."), None when there are none."""
    if not points:
        return None
    return ";".join(",".join(f"{v:.1f}".rstrip("0").rstrip(".") for v in p) for p in points)


def document_bytes(doc: dict) -> bytes:
    """The document as Save writes it, refused (nothing written) when Open would refuse it: a
    file Save makes must always open again."""
    try:
        validate(json.loads(json.dumps(doc, allow_nan=False)))  # as Open will read it
    except ValueError as e:  # ProjectError, or NaN / Infinity that JSON cannot hold
        raise ProjectError(f"the project was not saved: {e}") from e
    data = json.dumps(doc, indent=1).encode()
    if len(data) > MAX_DOC_BYTES:
        raise ProjectError(
            f"the project is {len(data) / 2**20:.0f} MB, more than the {MAX_DOC_BYTES >> 20} MB "
            "a project can hold; nothing was written (remove clips or media and save again)"
        )
    return data


class Project:
    """The document. `state()`/`set_state()` give a JSON-able snapshot of everything but the
    mask pixels, which is what undo and autosave use."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self.media: list[MediaItem] = []
        self.timeline = Timeline()
        self.masks: dict[str, Mask] = {}  # media id -> painted mask
        self.mask_meta: dict[str, MaskMeta] = {}
        self.generations: dict[str, GenerationRecord] = {}  # record id -> record
        self.history: list[str] = []  # ids of past generations, newest last
        self.in_point: int | None = None
        self.out_point: int | None = None
        self.notes: list[str] = []  # what opening it repaired or skipped, for the user
        # media id -> its mask-track file's bytes: as opened (or migrated), then as collected
        self.tracks: dict[str, bytes] = {}
        # the app's tracks as they are now (the tracking service keeps them): called before
        # a save or an autosave writes them; None keeps `tracks` as they are
        self.collect_tracks: Callable[[Project], dict[str, bytes]] | None = None

    # --- lookups -----------------------------------------------------------------------
    def media_by_id(self, media_id: str) -> MediaItem | None:
        return next((m for m in self.media if m.id == media_id), None)

    def media_by_path(self, path: str) -> MediaItem | None:
        return next((m for m in self.media if m.path == path), None)

    def record(self, generation_id: str) -> GenerationRecord | None:
        return self.generations.get(generation_id) if generation_id else None

    def job_of(self, thing: MediaItem | TimelineClip | None) -> dict[str, Any] | None:
        """The job that made a bin item or clip, read through its generation record."""
        record = self.record(thing.generation_id) if thing is not None else None
        return record.job if record is not None else None

    def adopt_clip_copies(self) -> None:
        """Clips that carry their own job and model (read from another editor's timeline, or
        saved that way before records held them) point to a record of the project instead,
        and so do the bin items showing the same files."""
        clips = [c for t in self.timeline.tracks for c in t.clips]
        made = records_from_clip_copies(clips, self.generations)
        for item in self.media:
            if item.path in made and not item.generation_id:
                item.generation_id, item.generated = made[item.path], True

    def history_jobs(self) -> list[dict[str, Any]]:
        """The jobs of the history, oldest first, each read from its record."""
        return [r.job for r in map(self.record, self.history) if r is not None]

    def resolve(self, path: str) -> Path:
        """A stored path as an absolute one."""
        p = Path(path)
        if not p.is_absolute() and self.folder is not None:
            return self.folder / p
        return p

    def relative(self, path: Path | str) -> str:
        """A path as stored: relative when inside the project folder."""
        p = Path(path).absolute()
        if self.folder is not None:
            try:
                return str(p.relative_to(self.folder.absolute()))
            except ValueError:
                pass
        return str(p)

    # --- snapshot (undo, autosave) -----------------------------------------------------
    def state(self) -> dict[str, Any]:
        return copy.deepcopy(
            {
                "media": [asdict(m) for m in self.media],
                "timeline": self.timeline.to_dict(),
                "mask_meta": {k: asdict(v) for k, v in self.mask_meta.items()},
                "generations": {k: r.to_dict() for k, r in self.generations.items()},
                "history": self.history,
                "in_point": self.in_point,
                "out_point": self.out_point,
            }
        )

    def set_state(self, state: dict[str, Any]) -> None:
        state = copy.deepcopy(state)
        self.media = [MediaItem(**m) for m in state["media"]]
        self.timeline = Timeline.from_dict(state["timeline"])
        self.mask_meta = {k: MaskMeta(**v) for k, v in state.get("mask_meta", {}).items()}
        self.generations = {
            k: GenerationRecord.from_dict(r) for k, r in state.get("generations", {}).items()
        }
        self.history = list(state.get("history", []))
        self.in_point = state.get("in_point")
        self.out_point = state.get("out_point")

    def to_dict(self) -> dict[str, Any]:
        doc = {"schema": SCHEMA, "app": APP_ID}
        doc.update(self.state())
        doc["masks"] = {mid: f"masks/{mid}.png" for mid, m in self.masks.items() if m.any()}
        doc["mask_tracks"] = {mid: track_file(mid) for mid in self.tracks}
        return doc

    def refresh_tracks(self) -> None:
        """`tracks` as the app holds them now (before they are written); with no app, those
        of media still in the project, and a one-keyframe track for each new painted mask."""
        if self.collect_tracks is not None:
            self.tracks = dict(self.collect_tracks(self))
            return
        self.tracks = {mid: t for mid, t in self.tracks.items() if self.media_by_id(mid)}
        self.migrate_single_masks()

    # --- disk --------------------------------------------------------------------------
    def save(
        self, folder: Path | None = None, scratch: Path | Iterable[Path] | None = None
    ) -> Path:
        """Write the document and masks into `folder` (Save As when it differs). Generated
        media that lives in the project's own folder (a Save As) or in the app's `scratch`
        folders (an unsaved project's results, a crashed run's that the app adopted) is
        copied in so the folder is self-contained. Nothing else is ever copied: a document
        may name any path, and copying what it names would let a hostile project pull
        private files into a folder the user shares. The project in memory changes (folder,
        paths) only once the document is written."""
        folder = Path(folder or self.folder or "")
        if not str(folder):
            raise ProjectError("choose a folder to save the project in")
        folder.mkdir(parents=True, exist_ok=True)
        self.refresh_tracks()
        try:  # every mask's path proven inside the folder before anything is written
            targets = {mid: path_in(folder, "masks", f"{mid}.png") for mid in self.masks}
            track_dir = path_in(folder, *TRACKS_DIR)
            track_targets = {
                mid: path_in(folder, *TRACKS_DIR, f"{mid}{TRACK_SUFFIX}") for mid in self.tracks
            }
        except OutsidePathError as e:
            raise ProjectError(f"the project was not saved: {e}") from e
        scratches = [scratch] if isinstance(scratch, Path) else list(scratch or [])
        own = [root for root in (self.folder, *scratches) if root is not None]
        mapping = self._adopt_paths(own, folder)
        records = {k: self._record_in(r, mapping, folder) for k, r in self.generations.items()}
        for mid, mask in self.masks.items():
            target = targets[mid]
            if mask.any():
                atomic_write_bytes(target, mask.to_png_bytes())
            else:
                target.unlink(missing_ok=True)
        for mid, data in self.tracks.items():
            atomic_write_bytes(track_targets[mid], data)
        if track_dir.is_dir():  # the tracks of media no longer masked go
            for entry in track_dir.glob(f"*{TRACK_SUFFIX}"):
                if entry.name[: -len(TRACK_SUFFIX)] not in self.tracks:
                    entry.unlink(missing_ok=True)
        doc = self.to_dict()
        for m in doc["media"]:
            m["path"] = mapping[m["path"]]
            if isinstance(m.get("info"), dict) and "path" in m["info"]:
                m["info"]["path"] = m["path"]  # where it was probed: a scratch folder's too
        for track in doc["timeline"]["tracks"]:
            for clip in track["clips"]:
                clip["media"] = mapping[clip["media"]]
        doc["generations"] = {k: r.to_dict() for k, r in records.items()}
        atomic_write_bytes(folder / DOC_NAME, document_bytes(doc))
        self.folder = folder
        for m in self.media:
            m.path = mapping[m.path]
            if "path" in m.info:
                m.info = {**m.info, "path": m.path}
        for clip in (c for t in self.timeline.tracks for c in t.clips):
            clip.media = mapping[clip.media]
        self.generations = records
        return folder / DOC_NAME

    def _adopt_paths(self, own: list[Path], new: Path) -> dict[str, str]:
        """Each stored path as it will be stored in `new`; copies generated media from the
        `own` folders (never from anywhere else) into `new/generated/`."""
        old = self.folder

        def move(path: str, generated: bool) -> str:
            abs_path = Path(path) if Path(path).is_absolute() else (old or new) / path
            if generated and not inside(abs_path, new) and _adoptable(abs_path, own):
                try:
                    dest = path_in(new, "generated", abs_path.name)
                except OutsidePathError as e:
                    raise ProjectError(f"the project was not saved: {e}") from e
                dest.parent.mkdir(parents=True, exist_ok=True)
                if not dest.exists():
                    shutil.copy2(abs_path.resolve(), dest)
                _copy_sidecar(abs_path, dest)
                abs_path = dest
            return stored_path(abs_path, new)

        mapping: dict[str, str] = {}
        for m in self.media:
            mapping[m.path] = move(m.path, m.generated)
        for clip in (c for t in self.timeline.tracks for c in t.clips):
            if clip.media not in mapping:
                mapping[clip.media] = move(clip.media, clip.generated)
        return mapping

    def _record_in(
        self, record: GenerationRecord, mapping: dict[str, str], new: Path
    ) -> GenerationRecord:
        """`record` with its output and origin paths as they will be stored in `new` (those of
        a bin item or clip as the save maps them, the others made relative to `new`)."""

        def moved(path: str) -> str:
            return (mapping.get(path) or stored_path(self.resolve(path), new)) if path else path

        origin = record.origin and {**record.origin, "media": moved(record.origin["media"])}
        return replace(record, path=moved(record.path), origin=origin)

    def outside_media(self) -> list[str]:
        """Stored media paths (bin and timeline) that lie outside the project folder, real
        paths compared, so `..` and symlinks count: what opening this project makes the app
        read from elsewhere, for the user to see."""
        paths = dict.fromkeys(
            [m.path for m in self.media] + [c.media for t in self.timeline.tracks for c in t.clips]
        )
        if self.folder is None:
            return list(paths)
        return [p for p in paths if not inside(self.resolve(p), self.folder)]

    @classmethod
    def load(cls, folder: Path) -> Project:
        folder = Path(folder)
        if folder.is_file() and folder.name == DOC_NAME:
            folder = folder.parent
        doc_path = folder / DOC_NAME
        if not (doc_path.exists() or doc_path.is_symlink()):  # a FIFO: read_document says so
            raise ProjectError(f"{folder} is not a Lumiere Studio project (no {DOC_NAME})")
        return cls.from_dict(read_document(doc_path), folder)

    @classmethod
    def from_dict(cls, data: Any, folder: Path | None) -> Project:
        validate(data)
        data = migrate(data, folder)
        project = cls(folder)
        data, project.notes = refuse_path_ids(data)
        try:
            project.set_state(data)
        except (TypeError, KeyError, ValueError) as e:
            raise ProjectError(f"project document is malformed: {e}") from e
        project.adopt_clip_copies()  # once, on opening: undo snapshots never hold copies
        for mid, rel in data.get("masks", {}).items():
            project._load_mask(mid, project.resolve(rel))
        listed = data.get("mask_tracks")
        if listed is None and folder is not None:  # saved before the document listed them
            listed = {
                m.id: track_file(m.id)
                for m in project.media
                if is_plain_id(m.id) and (folder / track_file(m.id)).is_file()
            }
        for mid, rel in (listed or {}).items():
            project._load_track(mid, project.resolve(rel))
        project.migrate_single_masks()
        for m in project.media:
            path = project.resolve(m.path)
            if path.exists() and not path.is_file():
                project.notes.append(
                    f"{m.path} is not a regular file (a device, pipe or "
                    f"folder); it cannot be shown or exported"
                )
        return project

    def _load_mask(self, media_id: str, png: Path) -> None:
        """A painted mask, only from a regular file inside the project of a bounded size; a
        mask whose size is not its media's is dropped with a note (painting would fail)."""
        if self.folder is not None and not inside(png, self.folder):
            self.notes.append(f"the mask {png} lies outside the project folder; not read")
            return
        if not (png.exists() or png.is_symlink()):
            return
        try:  # a regular file of bounded size (never a FIFO or a device)
            data = read_input(png, "mask")
        except InputFileError as e:
            self.notes.append(f"{e}; the mask was not read")
            return
        try:
            mask = Mask.from_png_bytes(data)
        except ValueError as e:
            raise ProjectError(f"mask {png} could not be read: {e}") from e
        item = self.media_by_id(media_id)
        if item is not None:
            w, h = item.media_info.display_size
            if mask.pixels.shape != (h, w):
                self.notes.append(
                    f"the mask of {item.name or item.path} is "
                    f"{mask.pixels.shape[1]}x{mask.pixels.shape[0]}, not the "
                    f"media's {w}x{h}; it was left out"
                )
                return
        self.masks[media_id] = mask

    def _load_track(self, media_id: str, path: Path) -> None:
        """A mask-track file listed by the document: only from inside the project, of a
        bounded size; one that cannot be used is a note, not an error (the mask stays)."""
        if self.folder is not None and not inside(path, self.folder):
            self.notes.append(f"the mask track {path} lies outside the project folder; not read")
            return
        if not (path.exists() or path.is_symlink()):
            self.notes.append(f"the mask track {path.name} is missing; the painted mask is used")
            return
        try:
            data = read_input(path, "mask")
        except InputFileError as e:
            self.notes.append(f"{e}; the mask track was not read")
            return
        self.adopt_track(media_id, data, path.name)

    def adopt_track(self, media_id: str, data: bytes, name: str = "mask track") -> bool:
        """Keep mask-track file `data` for `media_id` if it reads and fits its media; else a
        note. (The motion hints it carries are the document's mask_meta's when it was saved:
        the document's are the ones the app uses.)"""
        from engine.api import MaskTrackError, mask_track_from_bytes

        item = self.media_by_id(media_id)
        if item is None or not is_plain_id(media_id):
            self.notes.append(f"the mask track {name} is for no media of the project; not used")
            return False
        try:
            track = mask_track_from_bytes(data, f"the mask track {name}")
        except MaskTrackError as e:
            self.notes.append(f"{e}; not used")
            return False
        w, h = item.media_info.display_size
        if (track.width, track.height) != (w, h):
            self.notes.append(
                f"the mask track {name} is {track.width}x{track.height}, not its media's "
                f"{w}x{h}; not used"
            )
            return False
        self.tracks[media_id] = data
        return True

    def migrate_single_masks(self) -> None:
        """Each painted mask that has no track becomes a one-keyframe track (the mask held
        from its first frame on, as it applied before tracks), with its motion hints."""
        from engine.api import mask_track_bytes, mask_track_from_single

        for mid, mask in self.masks.items():
            item = self.media_by_id(mid)
            if mid in self.tracks or item is None or not mask.any():
                continue
            meta = self.mask_meta.get(mid, MaskMeta())
            length = max(1, item.media_info.frames, meta.from_frame + 1)
            track = mask_track_from_single(mask.pixels >= 128, length, meta.from_frame)
            track.arrows, track.pins, track.freeze = meta.arrows, meta.pins, meta.freeze
            self.tracks[mid] = mask_track_bytes(track)

    def mask_for(self, media_id: str, create: bool = True) -> Mask | None:
        mask = self.masks.get(media_id)
        if mask is None and create:
            item = self.media_by_id(media_id)
            if item is None:
                return None
            w, h = item.media_info.display_size
            mask = self.masks[media_id] = Mask(np.zeros((h, w), np.uint8))
        return mask


def track_file(media_id: str) -> str:
    """Where a media's mask track is stored, relative to the project folder."""
    return "/".join((*TRACKS_DIR, f"{media_id}{TRACK_SUFFIX}"))


def refuse_path_ids(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The document without the ids a file name cannot be built from (`engine.project_paths`:
    a mask is saved as `masks/<id>.png`, so an id `../../x` would be a path): such masks are
    refused, such bin items get a new id. Returns the document and what was refused."""
    notes: list[str] = []
    media = []
    for m in data["media"]:
        if not is_plain_id(m.get("id", "x")):
            notes.append(
                f"refused the bin item id {m['id']!r} of {m.get('path')} (not a plain name); "
                f"it was given a new one"
            )
            m = {**m, "id": new_id()}
        media.append(m)
    kept: dict[str, dict[str, Any]] = {}
    for key in ("masks", "mask_meta", "mask_tracks"):
        if key == "mask_tracks" and key not in data:
            continue  # absent (an older document) is not the same as none
        kept[key] = {}
        for mid, value in data.get(key, {}).items():
            if is_plain_id(mid):
                kept[key][mid] = value
            elif key != "mask_meta" or mid not in data.get("masks", {}):
                notes.append(f"refused the mask {mid!r} (its id is not a plain name)")
    return {**data, "media": media, **kept}, notes


def migrate(data: dict[str, Any], folder: Path | None) -> dict[str, Any]:
    """An older document in the current schema (the input is not changed). Schema 1 played
    every clip frame for frame at the timeline's rate; its clips keep the source frames they
    showed, which now last their real time (`engine.timeline.migrate_v1`). Schema 2 copied a
    generation's job and model into its bin item, clips and history entry; they become one
    generation record each (`records_from_copies`)."""
    if data["schema"] >= SCHEMA:
        return data
    from engine.api import current_timeline

    try:
        data = {**data, "timeline": current_timeline(data, folder or Path.cwd())}
        data = records_from_copies(data)
    except (KeyError, TypeError, ValueError) as e:
        raise ProjectError(
            f"project document (schema {data['schema']}) could not be migrated: {e}"
        ) from e
    return {**data, "schema": SCHEMA}


def _copy_sidecar(src: Path, dest: Path) -> None:
    """A copied generated clip keeps its `.provenance.json` (the C2PA manifest travels inside
    the file; the sidecar also holds where the clip's watermark is, which exports use).
    Copied after the media, so a sidecar never exists without its file."""
    from engine.api import manifest_path

    side, new_side = manifest_path(src), manifest_path(dest)
    if side.is_file() and not side.is_symlink() and not new_side.exists():
        atomic_write_bytes(new_side, side.read_bytes())


def stored_path(path: Path, folder: Path) -> str:
    """`path` as a document stores it: relative when it lies lexically inside `folder`."""
    try:
        return str(path.absolute().relative_to(folder.absolute()))
    except ValueError:
        return str(path.absolute())


def _adoptable(path: Path, own: list[Path]) -> bool:
    """Generated media a save may copy: a regular file inside one of the app's own folders."""
    try:
        regular = path.resolve().is_file()
    except (OSError, RuntimeError):
        return False
    return regular and any(inside(path, root) for root in own)
