"""Issue 29's second-round recipes as bench families: files a hostile sender would make.

Each recipe builds a sandbox (a `home/` with the user's files, and the received folder or file),
runs one entry point in a child process (`python -c` or the CLI) on the code under `code`, and
reads what happened: its exit (a signal, a hang past the timeout, a traceback) and every file
under the sandbox before and after: a file created or changed outside the places the run may
write is an "outside write", a user file deleted or changed is a "lost file".

Families: "path names" (mask and bin-item ids that are paths, a masks/ symlink, a batch seed
"../../x"), "nesting" (OTIO JSON, OTIO stacks, batch JSONL, project documents nested deep),
"fifo" (a FIFO or /dev/zero as a timeline, project, jobs file, job file, model config or
weights), "planted journals" (fake folder-swap asides beside an export's target, with and
without --force). Used by bench/fuzz.py --hostile and bench/faults.py --planted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("runs", "tracebacks", "signals", "hangs", "outside writes", "lost files")


@dataclass
class Recipe:
    family: str
    name: str
    make: Callable[[Path], tuple[list[str], list[Path]]]  # sandbox -> (argv, may-write paths)


def _snapshot(root: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
            p = Path(dirpath, name)
            try:
                if p.is_symlink():
                    files[str(p)] = "link:" + str(Path(p).readlink())
                elif p.is_file():
                    files[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
                else:
                    files[str(p)] = "special"
            except OSError:
                files[str(p)] = "unreadable"
    return files


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "engine", *args]


# --- path names -----------------------------------------------------------------------------
def _project(folder: Path, mask_id: str, media_id: str = "m1", painted: bool = False) -> None:
    """A saved project with one still, whose mask key (and bin id) are as given."""
    from PIL import Image

    folder.mkdir(parents=True)
    (folder / "masks").mkdir()
    Image.new("RGB", (16, 16)).save(folder / "still.png")
    Image.new("L", (16, 16), 255 if painted else 0).save(folder / "masks" / "m1.png")
    info = {"path": "still.png", "kind": "image", "width": 16, "height": 16, "fps": 0.0}
    info.update(frames=1, duration=0.0)
    doc = {
        "schema": 3,
        "app": "lumiere-studio",
        "media": [{"path": "still.png", "info": info, "id": media_id, "name": "still"}],
        "timeline": {"tracks": []},
        "masks": {mask_id: "masks/m1.png"},
    }
    (folder / "project.lumiere.json").write_text(json.dumps(doc))


_SAVE = """
    import sys
    from pathlib import Path
    from lumiere_studio.model.project import Project
    p = Project.load(Path(sys.argv[1]))
    for m in p.media:
        mask = p.mask_for(m.id)
        if mask is not None:
            mask.fill() if sys.argv[2] == "paint" else mask.clear()
    for mid in p.masks:
        p.masks[mid].fill() if sys.argv[2] == "paint" else p.masks[mid].clear()
    try:
        p.save()
    except Exception as e:
        if type(e).__name__ not in ("ProjectError", "OutsidePathError"):
            raise
        print(e, file=sys.stderr)
        sys.exit(1)
"""


def _mask_recipe(mask_id: str, how: str, media_id: str = "m1", link: bool = False):
    def make(box: Path) -> tuple[list[str], list[Path]]:
        home = box / "home"
        (home / "pictures").mkdir(parents=True, exist_ok=True)
        (home / "victim.png").write_bytes(b"the user's picture")
        (home / "pictures" / "m1.png").write_bytes(b"the user's other picture")
        folder = home / "received" / "proj"
        ident = mask_id.replace("ABS", str(home / "victim"))
        _project(folder, ident, media_id.replace("ABS", str(home / "victim")), how == "paint")
        if link:
            shutil.rmtree(folder / "masks")
            (folder / "masks").symlink_to(home / "pictures")
        return _python(_SAVE) + [str(folder), how], [folder]

    return make


def _batch_seed(seed: object):
    def make(box: Path) -> tuple[list[str], list[Path]]:
        jobs = box / "home" / "received" / "jobs.jsonl"
        jobs.parent.mkdir(parents=True)
        jobs.write_text(json.dumps({"prompt": "x", "seed": seed}) + "\n")
        out = box / "home" / "out"
        code = """
            import sys
            from pathlib import Path
            from engine.batch.jobfile import BatchError, plan, read_jobs
            out = Path(sys.argv[2])
            try:
                items = plan(read_jobs(Path(sys.argv[1])))
            except BatchError as e:
                print(e, file=sys.stderr)
                sys.exit(1)
            for item in items:  # where the runner would write: made here, empty
                target = out / item.output
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(b"")
        """
        return _python(code) + [str(jobs), str(out)], [out]

    return make


# --- nesting ----------------------------------------------------------------------------------
def _nested(head: str, levels: int, tail: str = "}") -> str:
    return head + "[" * levels + "]" * levels + tail


def _stack(levels: int) -> str:
    inner = '{"OTIO_SCHEMA": "Stack.1", "children": ['
    return '{"OTIO_SCHEMA": "Timeline.1", "tracks": ' + inner * levels + "]}" * levels + "}"


def _deep_file(name: str, text: Callable[[], str], argv: Callable[[Path, Path], list[str]]):
    def make(box: Path) -> tuple[list[str], list[Path]]:
        path = box / "home" / "received" / name
        path.parent.mkdir(parents=True)
        path.write_text(text())
        out = box / "home" / "out"
        return argv(path, out), [out]

    return make


def _export(path: Path, out: Path) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    return _cli("export", str(path), "--format", "h264", "--out", str(out / "cut.mp4"))


def _batch(path: Path, out: Path) -> list[str]:
    return _cli("batch", str(path), "--out", str(out))


def _open_in_app(path: Path, out: Path) -> list[str]:
    code = """
        import sys
        from pathlib import Path
        from lumiere_studio.model.project import Project, ProjectError
        from lumiere_studio.model.interchange import project_from_timeline_file
        p = Path(sys.argv[1])
        try:
            Project.load(p.parent) if p.suffix == ".json" else project_from_timeline_file(p)
        except ProjectError as e:
            print(e, file=sys.stderr)
            sys.exit(1)
    """
    return _python(code) + [str(path)]


def _project_export(path: Path, out: Path) -> list[str]:
    return _export(path.parent, out)


# --- size bounds (items 8, 9, 11): values a timeline file carries that nothing can use ---------
def _timeline_with(name: str, **values: object):
    """An OTIO (or EDL) file naming a real clip, with one value out of bounds."""

    def text(media: Path) -> str:
        if name.endswith(".edl"):
            event = "001  AX       V     C        00:00:00:00 00:00:01:00 00:00:00:00 00:00:01:00"
            title = str(values.get("title", "TITLE: cut"))
            tail = "* FROM CLIP NAME: " + "a" * int(values.get("line", 10))  # type: ignore[call-overload]
            return f"{title}\nFCM: NON-DROP FRAME\n\n{event}\n{tail}\n"
        rate, duration = values.get("rate", 25.0), values.get("duration", 10.0)

        def at(value: object) -> dict[str, object]:
            return {"OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": value}

        clip = {
            "OTIO_SCHEMA": "Clip.2",
            "name": "c",
            "metadata": {"lumiere": values.get("clip", {})},
            "source_range": {
                "OTIO_SCHEMA": "TimeRange.1",
                "start_time": at(0.0),
                "duration": at(duration),
            },
            "media_references": {
                "DEFAULT_MEDIA": {"OTIO_SCHEMA": "ExternalReference.1", "target_url": str(media)}
            },
            "active_media_reference_key": "DEFAULT_MEDIA",
        }
        track = {"OTIO_SCHEMA": "Track.1", "name": "V1", "kind": "Video", "children": [clip]}
        stack = {"OTIO_SCHEMA": "Stack.1", "children": [track]}
        meta = {"lumiere": values.get("sequence", {})}
        return json.dumps({"OTIO_SCHEMA": "Timeline.1", "metadata": meta, "tracks": stack})

    def make(box: Path, argv: Callable[[Path, Path], list[str]]) -> tuple[list[str], list[Path]]:
        from testkit.media import make_clip

        received = box / "home" / "received"
        received.mkdir(parents=True)
        media = make_clip(received / "shot.mp4", frames=10, size=(32, 24))
        path = received / name
        path.write_text(text(media))
        out = box / "home" / "out"
        return argv(path, out), [out]

    return make


def _open_save_reopen(path: Path, out: Path) -> list[str]:
    """The app's open, then Save, then Open of what Save wrote: a refusal at the first open is
    fine; a file Save wrote that Open refuses raises (a traceback: lost work)."""
    code = """
        import sys
        from pathlib import Path
        from lumiere_studio.model.project import Project, ProjectError
        from lumiere_studio.model.interchange import project_from_timeline_file
        try:
            project, problems = project_from_timeline_file(Path(sys.argv[1]))
            project.save(Path(sys.argv[2]))
        except ProjectError as e:
            print(e, file=sys.stderr)
            sys.exit(1)
        Project.load(Path(sys.argv[2]))  # must open what Save wrote
    """
    return _python(code) + [str(path), str(out / "project")]


SIZE_BOUNDS = [
    ("cut.otio", {"rate": 0.0}, "rate 0"),
    ("cut.otio", {"rate": -25.0}, "rate -25"),
    ("cut.otio", {"rate": 1e-300}, "rate 1e-300"),
    ("cut.otio", {"rate": float("nan")}, "rate NaN"),
    ("cut.otio", {"duration": float("nan")}, "duration NaN"),
    ("cut.otio", {"duration": float("inf")}, "duration Inf"),
    ("cut.otio", {"duration": 1e15}, "duration 10^15 frames"),
    ("cut.otio", {"duration": 25 * 3600 * 30}, "a clip 30 hours long"),
    ("cut.otio", {"sequence": {"width": "1e3", "height": 100}}, "width '1e3'"),
    ("cut.otio", {"sequence": {"width": 10**9, "height": 10**9}}, "size 10^9 x 10^9"),
    ("cut.otio", {"sequence": {"rate": "1/0"}}, "sequence rate 1/0"),
    ("cut.otio", {"clip": {"scale": float("nan")}}, "scale NaN"),
    ("cut.otio", {"clip": {"scale": 0}}, "scale 0"),
    ("cut.otio", {"clip": {"scale": 1e6}}, "scale 10^6"),
    ("cut.otio", {"clip": {"x": float("inf")}}, "x Inf"),
    ("cut.edl", {"title": "TITLE: cut @ 1/0 fps"}, "EDL '@ 1/0 fps'"),
    ("cut.edl", {"line": 100_000}, "EDL line of 100,000 characters"),
]


# --- FIFOs and devices ---------------------------------------------------------------------
def _special(name: str, argv: Callable[[Path, Path], list[str]], device: bool = False):
    def make(box: Path) -> tuple[list[str], list[Path]]:
        path = box / "home" / "received" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if device:
            path.symlink_to("/dev/zero")
        else:
            os.mkfifo(path)
        out = box / "home" / "out"
        return argv(path, out), [out]

    return make


def _model_with(which: str, device: bool = False):
    def make(box: Path) -> tuple[list[str], list[Path]]:
        from testkit.models import tiny_model

        folder = tiny_model(box / "home" / "received" / "model")
        config = json.loads((folder / "config.json").read_text())
        target = folder / (config["base"]["weights"] if which == "weights" else "config.json")
        target.unlink()
        target.symlink_to("/dev/zero") if device else os.mkfifo(target)
        code = """
            import sys
            from pathlib import Path
            from engine.errors import LumiereError
            from engine.checkpoints import load_stage, read_model_info, weights_hash
            try:
                info = read_model_info(Path(sys.argv[1]))
                weights_hash(info)
                load_stage(info, info.base)
            except LumiereError as e:
                print(e, file=sys.stderr)
                sys.exit(1)
        """
        return _python(code) + [str(folder)], []

    return make


# --- planted journals ----------------------------------------------------------------------
def _journal(kind: str, force: bool):
    """A user's export folder (frames/ from an earlier export, notes beside it, a file
    elsewhere) with a planted aside `.frames.PID-TOKEN.old/`, then an export to frames/."""

    def make(box: Path) -> tuple[list[str], list[Path]]:
        from testkit.media import make_clip

        home = box / "home"
        exports = home / "exports"
        (exports / "frames").mkdir(parents=True)
        (exports / "frames" / "frame_00000.png").write_bytes(b"the user's frame")
        (exports / "notes.txt").write_text("the user's notes")
        (home / "victim.txt").write_text("the user's file")
        clip = make_clip(home / "clip.mp4", frames=2)
        dead = subprocess.Popen(["true"])
        dead.wait()
        aside = exports / f".frames.{dead.pid}-abcd1234.old"
        aside.mkdir()
        pending = {
            "dotdot": "../victim.txt",
            "absolute": str(home / "victim.txt"),
            "sibling": "notes.txt",
            "forged": f".notes.txt.{dead.pid}-ab.tmp",
        }[kind]
        if kind == "forged":
            (exports / pending).write_text("the sender's pending file")
            fields = {"pid": dead.pid, "token": "abcd1234", "target": "frames"}
            journal = {**fields, "pending": pending, "previous": True, "mac": "0" * 64}
            (aside / ".journal").write_text(json.dumps(journal))
        else:
            (aside / ".pending").write_text(pending)
            (aside / ".no-previous").touch()
        (aside / "frames").mkdir()
        (aside / "frames" / "frame_00000.png").write_bytes(b"planted")
        argv = _cli("export", str(clip), "--format", "png", "--out", str(exports / "frames"))
        # With --force the export replaces frames/ by design: only its own swap may change it.
        return argv + (["--force"] if force else []), [exports / "frames"] if force else []

    return make


def recipes() -> list[Recipe]:
    out = [
        Recipe(
            "path names",
            "mask id ../../victim, emptied (Save deletes)",
            _mask_recipe("../../../victim", "clear"),
        ),
        Recipe(
            "path names",
            "mask id ../../victim, painted (Save writes)",
            _mask_recipe("../../../victim", "paint"),
        ),
        Recipe("path names", "mask id absolute path, emptied", _mask_recipe("ABS", "clear")),
        Recipe(
            "path names",
            "bin item id ../../victim (a new mask)",
            _mask_recipe("m1", "paint", media_id="../../../victim"),
        ),
        Recipe(
            "path names", "masks/ is a symlink, painted", _mask_recipe("m1", "paint", link=True)
        ),
        Recipe(
            "path names", "masks/ is a symlink, emptied", _mask_recipe("m1", "clear", link=True)
        ),
        Recipe("path names", 'batch seed "../../x"', _batch_seed("../../x")),
        Recipe("path names", 'batch seed "/../../../x" (climbs out)', _batch_seed("/../../../x")),
    ]
    deep = [
        (
            "deep.otio",
            lambda: _nested('{"OTIO_SCHEMA": "Timeline.1", "metadata": {"a": ', 200_000, "}}"),
            _export,
            "OTIO JSON 200,000 levels, CLI export",
        ),
        ("stack.otio", lambda: _stack(100_000), _export, "OTIO stack 100,000 deep, CLI export"),
        (
            "deep.otio",
            lambda: _nested('{"OTIO_SCHEMA": "Timeline.1", "metadata": {"a": ', 200_000, "}}"),
            _open_in_app,
            "OTIO JSON 200,000 levels, app open",
        ),
        (
            "jobs.jsonl",
            lambda: _nested('{"prompt": "x", "seed": ', 100_000) + "\n",
            _batch,
            "batch JSONL 100,000 levels",
        ),
        (
            "project.lumiere.json",
            lambda: _nested("", 200_000, ""),
            _open_in_app,
            "project document 200,000 levels, app open",
        ),
        (
            "project.lumiere.json",
            lambda: _nested("", 200_000, ""),
            _project_export,
            "project document 200,000 levels, CLI export",
        ),
    ]
    out += [
        Recipe("nesting", label, _deep_file(name, text, argv)) for name, text, argv, label in deep
    ]
    special = [
        ("cut.otio", _export, "timeline .otio, CLI export"),
        ("cut.edl", _export, "timeline .edl, CLI export"),
        ("cut.xml", _export, "timeline .xml, CLI export"),
        ("cut.otio", _open_in_app, "timeline .otio, app open"),
        ("project.lumiere.json", _project_export, "project document, CLI export"),
        ("project.lumiere.json", _open_in_app, "project document, app open"),
        ("jobs.jsonl", _batch, "JOBS file, CLI batch"),
    ]
    for device in (False, True):
        what = "/dev/zero" if device else "FIFO"
        out += [
            Recipe("fifo", f"{what} as {label}", _special(name, argv, device))
            for name, argv, label in special
        ]
        out += [
            Recipe("fifo", f"{what} as a model's base.safetensors", _model_with("weights", device)),
            Recipe("fifo", f"{what} as a model's config.json", _model_with("config", device)),
        ]
    for name, values, label in SIZE_BOUNDS:
        make = _timeline_with(name, **values)
        for argv, how in ((_open_save_reopen, "app open, save, reopen"), (_export, "CLI export")):
            out.append(
                Recipe("size bounds", f"{label}: {how}", lambda box, m=make, a=argv: m(box, a))
            )
    for force in (False, True):
        flag = "--force" if force else "refused (no --force)"
        for kind in ("dotdot", "absolute", "sibling", "forged"):
            out.append(
                Recipe("planted journals", f"pending {kind}, export {flag}", _journal(kind, force))
            )
    return out


def run_recipe(recipe: Recipe, code: Path, timeout: float) -> dict:
    """One recipe on the code in `code`: its outcome row."""
    box = Path(tempfile.mkdtemp(prefix="hostile-"))
    try:
        argv, allowed = recipe.make(box)
        before = _snapshot(box)
        env = dict(
            os.environ,
            PYTHONPATH=f"{code}:{code / 'bench'}",
            QT_QPA_PLATFORM="offscreen",
            XDG_DATA_HOME=str(box / "data"),
            XDG_CACHE_HOME=str(box / "cache"),
            XDG_CONFIG_HOME=str(box / "config"),
            OMP_NUM_THREADS="1",
        )
        t0 = time.monotonic()
        try:
            done = subprocess.run(
                argv, cwd=box, env=env, capture_output=True, text=True, timeout=timeout
            )
            rc, err = done.returncode, done.stderr
        except subprocess.TimeoutExpired as e:
            rc, err = (
                None,
                (e.stderr or b"").decode(errors="replace")
                if isinstance(e.stderr, bytes)
                else (e.stderr or ""),
            )
        seconds = time.monotonic() - t0
        after = _snapshot(box)
        # the program's own data (the swap journal key), caches and settings may be written
        allowed_roots = [str(p) for p in allowed + [box / "data", box / "cache", box / "config"]]

        def may_write(path: str) -> bool:
            return any(path == r or path.startswith(r + os.sep) for r in allowed_roots)

        # the planted aside is the sender's: what happens to it is no loss of the user's
        planted = re.compile(r"/\.frames\.\d+-[0-9a-f]+\.old/")
        lost = [
            p
            for p in before
            if not may_write(p) and after.get(p) != before[p] and not planted.search(p)
        ]
        outside = [p for p in after if p not in before and not may_write(p)]
        if recipe.family == "planted journals" and allowed:  # --force: frames/ must be the export's
            frame = Path(allowed[0]) / "frame_00000.png"
            if frame.is_file() and frame.read_bytes() == b"planted":
                lost.append(str(frame) + " (the planted frames)")
        return {
            "family": recipe.family,
            "recipe": recipe.name,
            "rc": rc,
            "seconds": round(seconds, 1),
            "traceback": "Traceback (most recent call last)" in err,
            "signal": rc is not None and rc < 0,
            "hang": rc is None,
            "outside": [p.replace(str(box), "") for p in outside],
            "lost": [p.replace(str(box), "") for p in lost],
            "message": err.strip().splitlines()[-1][:200] if err.strip() else "",
        }
    finally:
        for p in box.rglob("*"):
            if p.is_dir() and not p.is_symlink():
                p.chmod(0o700)
        shutil.rmtree(box, ignore_errors=True)


def run_families(families: list[str], code: Path, timeout: float, out_json: Path | None) -> int:
    """Run the recipes of `families`, print each outcome and a table; returns the number of
    runs with a traceback, signal, hang, outside write or lost file."""
    rows = []
    for recipe in (r for r in recipes() if r.family in families):
        row = run_recipe(recipe, code, timeout)
        rows.append(row)
        bad = [k for k in ("traceback", "signal", "hang") if row[k]]
        bad += ["outside write"] * bool(row["outside"]) + ["lost file"] * bool(row["lost"])
        print(
            f"  {recipe.family} | {recipe.name}: rc {row['rc']}, {row['seconds']} s"
            f"{' ' + ', '.join(bad) if bad else ''}: {row['message'][:120]}",
            flush=True,
        )
    print("\n| family | " + " | ".join(COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    failures = 0
    for family in families:
        mine = [r for r in rows if r["family"] == family]
        counts = [
            len(mine),
            sum(r["traceback"] for r in mine),
            sum(r["signal"] for r in mine),
            sum(r["hang"] for r in mine),
            sum(bool(r["outside"]) for r in mine),
            sum(bool(r["lost"]) for r in mine),
        ]
        failures += sum(
            r["traceback"] or r["signal"] or r["hang"] or bool(r["outside"]) or bool(r["lost"])
            for r in mine
        )
        print(f"| {family} | " + " | ".join(map(str, counts)) + " |")
    if out_json:
        out_json.write_text(json.dumps(rows, indent=1))
    return failures
