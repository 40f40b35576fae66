"""Fuzz every entry point that takes a file with a seeded set of bad and odd media
(`bench/testkit/fuzz_media.py`, about 400 files) and print what happened to each.

Runs happen in a worker process (the model loaded once) that the bench watches: a run past its
time limit is a hang, a worker that dies by a signal is a crash, a worker past the memory
limit is killed and counted; either way a fresh worker takes the next run. Each run starts in
an empty folder; afterwards the file's hash must be unchanged (else "modified"), and nothing may
be left behind: no new files in the fuzz folder, in the run's folder (outputs only when the run
succeeded) or temporary files in the caches ("stray").

    nice -n 15 python bench/fuzz.py [--seed 0] [--quick] [--entries detect,"app import"]
        [--timeout 60] [--memory-mib 4096] [--keep DIR]
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

OUTCOMES = ("ok", "clean error", "exception", "crash", "hang", "memory", "modified", "stray")


# --- the worker ---------------------------------------------------------------------------------
def worker(fixtures: str) -> None:
    """Read runs as JSON lines on stdin, answer one JSON line each on the real stdout."""
    from testkit.fuzz_entries import ENTRIES, Fixtures, quiet_ffmpeg

    import engine.pipeline as pipeline

    quiet_ffmpeg()
    out = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    shared = pipeline.Engine()
    pipeline.Engine = lambda: shared  # the model loads once, not once per generate
    fx = Fixtures(**{k: Path(v) for k, v in json.loads(fixtures).items()})
    for line in sys.stdin:
        run = json.loads(line)
        path = Path(os.fsdecode(bytes.fromhex(run["path"])))
        work = Path(run["work"])
        os.chdir(work)
        try:
            result = {"outcome": ENTRIES[run["entry"]](path, work, fx)}
        except BaseException as e:  # noqa: BLE001 - reporting it is the point
            result = {
                "outcome": "exception",
                "detail": f"{type(e).__name__}: {e}",
                "trace": traceback.format_exc(limit=-4),
            }
        os.chdir("/")
        out.write(json.dumps(result) + "\n")
        out.flush()


class Worker:
    def __init__(self, fixtures: dict) -> None:
        env = dict(os.environ, OMP_NUM_THREADS="1", QT_QPA_PLATFORM="offscreen")
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", json.dumps(fixtures)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        # Load the model with a good still first, so no file's RSS growth includes it.
        warm = Path(tempfile.mkdtemp(prefix="warm-"))
        still = os.fsencode(fixtures["still"]).hex()
        self.run({"entry": "generate i2v --image", "path": still, "work": str(warm)}, 600, 1 << 40)
        shutil.rmtree(warm, ignore_errors=True)

    def rss_kib(self) -> int:
        try:
            with Path(f"/proc/{self.proc.pid}/status").open() as f:
                return next(int(x.split()[1]) for x in f if x.startswith("VmRSS"))
        except (OSError, StopIteration):
            return 0

    def run(self, request: dict, timeout: float, memory_kib: int) -> dict:
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        start, base = time.monotonic(), self.rss_kib()
        peak = base
        while True:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.02)
            peak = max(peak, self.rss_kib())  # sampled every 20 ms: the run's peak RSS
            if ready:
                line = self.proc.stdout.readline()
                if line:
                    return json.loads(line) | {"peak_kib": peak, "growth_kib": peak - base}
                code = self.proc.wait()
                return {"outcome": "crash", "detail": f"worker died ({_signal_name(code)})"}
            if peak > memory_kib:
                self.kill()
                return {
                    "outcome": "memory",
                    "detail": f"over {memory_kib >> 10} MiB",
                    "peak_kib": peak,
                    "growth_kib": peak - base,
                }
            if time.monotonic() - start > timeout:
                self.kill()
                return {"outcome": "hang", "detail": f"no answer in {timeout:.0f} s"}

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None


def _signal_name(code: int) -> str:
    if code < 0:
        return signal.Signals(-code).name
    return f"exit status {code}"


# --- bookkeeping --------------------------------------------------------------------------------
def fingerprint(path: Path) -> str:
    """What the file is: its bytes' hash for a regular file, else what kind of thing it is."""
    try:
        st = path.lstat()
    except OSError:
        return "gone"
    if path.is_symlink():
        return "link:" + str(Path(path).readlink())
    if not Path(path).is_file() or st.st_size == 0:
        return f"mode:{st.st_mode:o}:{st.st_size}"
    try:
        with Path(path).open("rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return f"unreadable:{st.st_size}:{st.st_mtime_ns}"


def listing(folder: Path) -> set[str]:
    if not folder.exists():
        return set()
    return {os.fsdecode(p.relative_to(folder)) for p in folder.rglob("*")}


def stray_files(work: Path, outcome: str, cache: Path) -> list[str]:
    """Files a run left where it should not have."""
    left = listing(work) - {"cache"}
    left = {p for p in left if not p.startswith("cache/")}
    allowed = {"project", "project/project.lumiere.json"}
    if outcome == "ok":  # the run's own outputs and their manifests
        allowed |= {"o.mp4", "o.mp4.provenance.json", "x.mp4", "x.mp4.provenance.json"}
    tmp = [p for p in listing(work / "cache") | listing(cache) if ".tmp" in p]
    return sorted((left - allowed) | set(tmp))


# --- issue 29's hostile files (bench/testkit/hostile_files.py) -------------------------------
HOSTILE_FAMILIES = ("path names", "nesting", "fifo", "size bounds")


def hostile_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument(
        "--hostile",
        action="store_true",
        help=f"run the hostile-file families instead: {', '.join(HOSTILE_FAMILIES)}",
    )
    ap.add_argument("--families", help="with --hostile: comma-separated families")
    ap.add_argument(
        "--code",
        type=Path,
        default=Path(__file__).resolve().parent.parent,
        help="with --hostile: the checkout whose code runs (a base commit, for before/after)",
    )


def run_hostile(args: argparse.Namespace) -> int:
    from testkit.hostile_files import run_families

    families = args.families.split(",") if args.families else list(HOSTILE_FAMILIES)
    return run_families(families, args.code.resolve(), args.timeout, args.json)


# --- damaged render-queue files (issue 29 item 5) -------------------------------------------------
def _snapshot(folder: Path) -> dict[str, str]:
    """Every entry under `folder`: its content hash (files), or its kind."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_fifo():
            out[str(p.relative_to(folder))] = "fifo"
        elif p.is_file():
            out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[str(p.relative_to(folder))] = "dir"
    return out


def _victim_kept(path: Path) -> bool:
    """The damaged job of a row case is still in the file: as a job or set aside."""
    import sqlite3

    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        db.text_factory = bytes
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        found = any(
            b"victim" in repr(row).encode()  # (bytes values print as b'...')
            for t in tables
            for row in db.execute(f"SELECT * FROM {t.decode()}")
        )
        db.close()
        return found
    except sqlite3.Error:
        return False


def queue_family(tree: Path, timeout: float) -> list[dict]:
    """Each damaged queue file of testkit/queue_cases.py opened by the app's launch code (in
    a child, with `tree`'s code): did the app start, was the original kept (moved aside or in
    place, never gone), was anything written outside the queue's folder."""
    from testkit import queue_runs as qr
    from testkit.queue_cases import CASES

    rows = []
    for case in CASES:
        root = Path(tempfile.mkdtemp(prefix="fuzz-queue-"))
        folder, outside = root / "data", root / "outside"
        folder.mkdir()
        outside.mkdir()
        (outside / "keep.txt").write_text("keep")
        path = folder / "queue.sqlite3"
        case.make(path)
        original = _snapshot(folder).get(path.name)
        before_outside = _snapshot(outside)
        res = qr.launch(path, timeout, tree)
        after = _snapshot(folder)
        # Lost: the original file (or folder, or FIFO) is nowhere in the folder any more, and
        # for a damaged row, the row is neither a job nor set aside in the file.
        empty = hashlib.sha256(b"").hexdigest()  # an empty file holds nothing to lose
        lost = original not in (None, empty) and original not in after.values()
        if lost and case.expect in ("set aside", "kept"):
            lost = not _victim_kept(path)
        kept_aside = any(".damaged-" in k for k in after)
        rows.append(
            {
                "case": case.name,
                "expect": case.expect,
                "started": "error" not in res,
                "traceback": bool(res.get("traceback")),
                "signal": str(res.get("error", "")).startswith("signal"),
                "hang": res.get("error") == "hang",
                "memory_only": bool(res.get("memory")),
                "outside": _snapshot(outside) != before_outside
                or sorted(p.name for p in root.iterdir()) != ["data", "outside"],
                "lost": lost,
                "moved": kept_aside,
                "jobs": res.get("jobs"),
                "notice": str(res.get("notice", res.get("error", "")))[:160],
            }
        )
        shutil.rmtree(root, ignore_errors=True)
    return rows


def print_queue_family(rows: list[dict]) -> None:
    for r in rows:
        outcome = "started" if r["started"] else "FAILED"
        outcome += ", ORIGINAL LOST" if r["lost"] else ""
        outcome += ", WROTE OUTSIDE" if r["outside"] else ""
        print(f"  {r['case']}: {outcome}, jobs {r['jobs']}, {r['notice']}")
    count = {k: sum(bool(r[k]) for r in rows) for k in ("traceback", "signal", "hang")}
    failed = sum(not r["started"] for r in rows)
    print(
        "\n| family | runs | app did not start | tracebacks | signals | hangs | "
        "in-memory queue | outside writes | lost files | moved aside |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| damaged queue file | {len(rows)} | {failed} | {count['traceback']} | "
        f"{count['signal']} | {count['hang']} | {sum(r['memory_only'] for r in rows)} | "
        f"{sum(r['outside'] for r in rows)} | {sum(r['lost'] for r in rows)} | "
        f"{sum(r['moved'] for r in rows)} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="a few dozen files")
    ap.add_argument("--entries", help="comma-separated entry names (default: all)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per run")
    ap.add_argument("--memory-mib", type=int, default=4096, help="worker RSS limit")
    ap.add_argument("--keep", type=Path, help="keep the fuzz files in this folder")
    ap.add_argument("--json", type=Path, help="also write every run's outcome here")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    hostile_arguments(ap)
    ap.add_argument("--queue", action="store_true", help="only the damaged queue files")
    ap.add_argument("--tree", type=Path, help="--queue: run this checkout's code instead")
    args = ap.parse_args()
    if args.worker:
        worker(args.worker)
        return
    if args.hostile:
        sys.exit(1 if run_hostile(args) else 0)
    if args.queue:
        tree = (args.tree or Path(__file__).resolve().parent.parent).resolve()
        print_queue_family(queue_family(tree, args.timeout))
        return

    from testkit.fuzz_entries import ENTRIES, Fixtures
    from testkit.fuzz_media import generate

    root = Path(tempfile.mkdtemp(prefix="lumiere-fuzz-"))
    os.environ["XDG_CACHE_HOME"] = str(root / "xdg-cache")  # thumbnails and proxies
    media = args.keep or root / "media"
    if media.exists():
        shutil.rmtree(media)
    cases = generate(media, args.seed, quick=args.quick)
    fx = Fixtures.make(root / "fixtures")
    entries = list(ENTRIES) if not args.entries else args.entries.split(",")
    names_before = listing(media)
    print(f"{len(cases)} files x {len(entries)} entry points", flush=True)

    results: list[dict] = []
    table: dict[str, collections.Counter] = {e: collections.Counter() for e in entries}
    worst: dict[str, tuple[int, int, str]] = {e: (0, 0, "") for e in entries}
    fixtures = {k: str(v) for k, v in vars(fx).items()}
    w = Worker(fixtures)
    t0 = time.monotonic()
    for entry in entries:
        for case in cases:
            work = Path(tempfile.mkdtemp(dir=root, prefix="run-"))
            before = fingerprint(case.path)
            if not w.alive:
                w = Worker(fixtures)
            request = {"entry": entry, "path": os.fsencode(case.path).hex(), "work": str(work)}
            res = w.run(request, args.timeout, args.memory_mib << 10)
            if res["outcome"] in ("crash", "hang", "memory"):
                w = Worker(fixtures)
            outcome = res["outcome"]
            if outcome not in ("exception", "crash", "hang", "memory"):
                outcome = "ok" if outcome == "ok" else "clean error"
            if fingerprint(case.path) != before:
                outcome = "modified"
            stray = stray_files(work, outcome, root / "xdg-cache")
            if stray and outcome in ("ok", "clean error"):
                outcome = "stray"
            table[entry][outcome] += 1
            peak, growth = int(res.get("peak_kib", 0)), int(res.get("growth_kib", 0))
            if growth > worst[entry][1]:
                worst[entry] = (peak, growth, case.name)
            row = {
                "entry": entry,
                "file": case.name,
                "family": case.family,
                "outcome": outcome,
                "message": res["outcome"],
                "peak_mib": peak >> 10,
                "growth_mib": growth >> 10,
                **{k: res[k] for k in ("detail", "trace") if k in res},
            }
            if stray:
                row["stray"] = stray
            results.append(row)
            if outcome not in ("ok", "clean error"):
                print(
                    f"  {outcome}: {entry} {case.name!r}: {res.get('detail', '')} {stray or ''}",
                    flush=True,
                )
            shutil.rmtree(work, ignore_errors=True)
        print(f"{entry}: done ({time.monotonic() - t0:.0f} s)", flush=True)
    w.kill()
    if listing(media) != names_before:
        print(f"STRAY in the fuzz folder: {sorted(listing(media) ^ names_before)}")

    print(
        f"\n{len(cases)} files per entry point, seed {args.seed}, {time.monotonic() - t0:.0f} s\n"
    )
    head = "| entry point | " + " | ".join(OUTCOMES) + " | worst file: RSS growth, peak |"
    print(head)
    print("|" + "---|" * (len(OUTCOMES) + 2))
    for entry in entries:
        peak, growth, name = worst[entry]
        cells = " | ".join(str(table[entry][o]) for o in OUTCOMES)
        print(f"| {entry} | {cells} | {name}: +{growth >> 10} MiB, {peak >> 10} MiB |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    for p in media.rglob("*"):  # unreadable fuzz files would stop the clean-up
        if not p.is_symlink():
            p.chmod(0o700) if p.is_dir() else p.chmod(0o600)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
