"""engine.export.run: the output checks (format, alpha, suffix, folder, an existing file), a
clip or a timeline range exported with its own frames, progress and start timecode, interchange
files that point at the media, and the errors that name what is wrong before anything is
written."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from testkit.media import write_lossless_video
from testkit.sidecars import write_sidecar

from engine.export.render import load_project
from engine.export.run import (
    check_out,
    export_clip,
    export_interchange,
    export_timeline,
    export_timeline_file,
    media_frames,
    start_frame,
)
from engine.export.sources import SourceError, read_frames
from engine.media import provenance as pv
from engine.media.encode import EncodeError, write_png_sequence
from engine.timeline import Timeline, TimelineClip, Track

RATE = Fraction(24)


@pytest.fixture
def source(tmp_path):
    """A lossless 10-frame clip at 24 fps, 32x24, and its frames."""
    frames = np.random.default_rng(1).integers(0, 256, (10, 24, 32, 3), dtype=np.uint8)
    return write_lossless_video(tmp_path / "src.mkv", frames, fps=24), frames


def _timeline(*tracks: list[TimelineClip]) -> Timeline:
    return Timeline(rate=RATE, width=32, height=24, tracks=[Track(clips=list(t)) for t in tracks])


def _read(path: Path) -> tuple[int, dict[str, str], dict[str, str]]:
    """Frame count, container metadata and video stream metadata of an exported file."""
    with av.open(str(path)) as c:
        count = sum(1 for _ in c.decode(video=0))
        return count, dict(c.metadata), dict(c.streams.video[0].metadata)


# --- check_out -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, out, alpha, words",
    [
        ("gif", "a.gif", "opaque", "format must be one of h264, prores, prores4444, png, otio"),
        ("prores4444", "a.mov", "green", "alpha must be one of opaque, mask, got 'green'"),
        ("prores", "a.mov", "mask", "--alpha mask needs --format prores4444"),
        ("h264", "a.mov", "opaque", "--out for h264 must end in .mp4, got a.mov"),
        ("prores", "a.mp4", "opaque", "--out for prores must end in .mov, got a.mp4"),
        ("edl", "a.otio", "opaque", "--out for edl must end in .edl, got a.otio"),
        ("png", "frames.png", "opaque", "--out for png must be a folder (no suffix)"),
        ("h264", "no/such/folder/a.mp4", "opaque", "folder .*folder does not exist"),
    ],
)
def test_check_out_refuses_with_the_reason(tmp_path, fmt, out, alpha, words):
    with pytest.raises(EncodeError, match=words.replace("(", r"\(").replace(")", r"\)")):
        check_out(fmt, tmp_path / out, force=False, alpha=alpha)
    assert sorted(tmp_path.iterdir()) == []  # nothing was written


def test_check_out_accepts_and_protects_existing_output(tmp_path):
    assert check_out("h264", tmp_path / "a.mp4", False) == tmp_path / "a.mp4"
    assert check_out("png", f"{tmp_path}/frames/", False) == tmp_path / "frames"
    assert check_out("prores4444", tmp_path / "a.MOV", False, "mask") == tmp_path / "a.MOV"
    (tmp_path / "a.mp4").write_bytes(b"old")
    with pytest.raises(EncodeError, match="a.mp4 exists; pass --force to replace it"):
        check_out("h264", tmp_path / "a.mp4", False)
    assert check_out("h264", tmp_path / "a.mp4", True) == tmp_path / "a.mp4"
    (tmp_path / "frames").mkdir()
    assert check_out("png", tmp_path / "frames", False) == tmp_path / "frames"  # empty is fine
    (tmp_path / "frames" / "x.png").write_bytes(b"x")
    with pytest.raises(EncodeError, match="exists; pass --force"):
        check_out("png", tmp_path / "frames", False)
    assert (tmp_path / "a.mp4").read_bytes() == b"old"  # checking never touches it


def test_start_frame_parses_timecodes_and_names_a_bad_one():
    assert start_frame("00:00:01:00", Fraction(24)) == 24
    assert start_frame("00:00:00;20", Fraction(30000, 1001)) == 20
    with pytest.raises(EncodeError, match="timecode must be HH:MM:SS:FF, got 'tomorrow'"):
        start_frame("tomorrow", Fraction(24))


# --- one clip ------------------------------------------------------------------------------


def test_export_clip_keeps_every_frame_and_reports_progress(tmp_path, source):
    path, frames = source
    seen: list[tuple[int, int]] = []
    out = export_clip(path, "png", tmp_path / "frames", progress=lambda d, t: seen.append((d, t)))
    assert np.array_equal(read_frames(out), frames)  # PNG is lossless: the very pixels
    assert seen == [(i, 10) for i in range(1, 11)]
    assert pv.read_manifest(out) is None  # real footage gets no labels


def test_export_clip_carries_the_clips_labels(tmp_path, source):
    path, _ = source
    write_sidecar(path, pv.Provenance(pv.GENERATED, "tiny", "ab" * 32, prompt="fog"))
    out = export_clip(path, "h264", tmp_path / "fog.mp4", mark_composites=False)
    assert _read(out)[0] == 10
    manifest = pv.read_manifest(out)
    assert manifest is not None and manifest["provenance"]["prompt"] == "fog"
    with av.open(str(out)) as c:
        assert c.metadata["lumiere_prompt"] == "fog"


def test_a_clip_cannot_be_exported_as_a_timeline_file(tmp_path, source):
    with pytest.raises(EncodeError, match="otio exports a timeline; give a project folder"):
        export_clip(source[0], "otio", tmp_path / "a.otio")
    assert not (tmp_path / "a.otio").exists()


# --- a timeline ----------------------------------------------------------------------------


def test_a_timeline_range_exports_those_frames(tmp_path, source):
    path, frames = source
    tl = _timeline([TimelineClip(path.name, 2, 8, 0, "24")])  # source frames 2..9 at 0..7
    out = export_timeline(tl, tmp_path, "png", tmp_path / "mid", first=3, last=6)
    assert np.array_equal(read_frames(out), frames[5:8])


def test_an_empty_range_is_refused(tmp_path, source):
    tl = _timeline([TimelineClip(source[0].name, 0, 4, 0, "24")])
    with pytest.raises(SourceError, match="the timeline is empty: nothing to export"):
        export_timeline(tl, tmp_path, "h264", tmp_path / "a.mp4", first=4)
    with pytest.raises(SourceError, match="the timeline is empty"):
        export_timeline(_timeline([]), tmp_path, "h264", tmp_path / "a.mp4")
    assert not (tmp_path / "a.mp4").exists()


def test_interchange_points_at_the_media_and_refuses_what_it_cannot_hold(tmp_path, source):
    from engine.export import otio_file

    path, _ = source
    clip = TimelineClip(path.name, 0, 6, 0, "24")
    out = export_timeline(_timeline([clip]), tmp_path, "otio", tmp_path / "cut.otio")
    read = otio_file.read(out)
    assert read.media == [path.absolute()] and read.missing == []
    assert read.timeline.tracks[0].clips[0].duration == 6
    two = _timeline([clip], [TimelineClip(path.name, 0, 2, 0, "24")])
    with pytest.raises(EncodeError, match="an EDL holds one video track"):
        export_interchange(two, tmp_path, tmp_path / "cut.edl")
    gone = _timeline([TimelineClip("gone.mkv", 0, 2, 0, "24")])
    with pytest.raises(SourceError, match="gone.mkv does not exist; the timeline file would"):
        export_interchange(gone, tmp_path, tmp_path / "gone.otio")
    assert not (tmp_path / "cut.edl").exists() and not (tmp_path / "gone.otio").exists()


def test_a_timeline_file_with_missing_media_is_refused(tmp_path, source):
    path, _ = source
    tl = _timeline([TimelineClip(path.name, 0, 4, 0, "24")])
    otio = export_timeline(tl, tmp_path, "otio", tmp_path / "cut.otio")
    path.rename(tmp_path / "moved.mkv")
    with pytest.raises(SourceError, match="the timeline's media is missing: .*src.mkv"):
        export_timeline_file(otio, "h264", tmp_path / "a.mp4")


def test_a_timeline_file_renders_with_its_own_start_timecode(tmp_path, source):
    path, frames = source
    tl = _timeline([TimelineClip(path.name, 0, 10, 0, "24")])
    otio = export_timeline(tl, tmp_path, "otio", tmp_path / "cut.otio", timecode="00:00:02:00")
    out = export_timeline_file(otio, "h264", tmp_path / "a.mp4")
    count, _, meta = _read(out)
    assert count == 10 and meta.get("timecode") == "00:00:02:00"
    out = export_timeline_file(otio, "h264", tmp_path / "b.mp4", timecode="00:00:05:00")
    assert _read(out)[2].get("timecode") == "00:00:05:00"


def test_media_frames_counts_videos_and_folders(tmp_path, source):
    assert media_frames(source[0]) == 10
    folder = write_png_sequence(source[1][:3], tmp_path / "frames")
    assert media_frames(folder) == 3
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 300)
    with pytest.raises(SourceError, match="bad.mp4"):
        media_frames(bad)


# --- moved from test_export_command.py: they call export_timeline itself, not the CLI ---


def test_a_range_exports_only_its_frames_and_labels(project, tmp_path):
    timeline, base = load_project(project)
    cut = export_timeline(timeline, base, "h264", tmp_path / "mid.mp4", first=4, last=12)
    assert _read(cut)[0] == 8
    assert _read(cut)[1]["lumiere_digital_source_type"].endswith("/" + pv.COMPOSITE)
    real_only = export_timeline(timeline, base, "h264", tmp_path / "real.mp4", first=0, last=8)
    assert _read(real_only)[0] == 8
    assert "lumiere_digital_source_type" not in _read(real_only)[1]
    assert pv.read_manifest(real_only) is None


def stop_at(n: int):
    def progress(done: int, total: int) -> None:
        if done >= n:
            raise KeyboardInterrupt("cancelled")

    return progress


def test_png_force_keeps_the_old_frames_until_the_new_are_complete(project, tmp_path):
    timeline, base = load_project(project)
    out = tmp_path / "frames"
    out.mkdir()
    (out / "old.png").write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        export_timeline(timeline, base, "png", out, force=True, progress=stop_at(5))
    assert [p.name for p in tmp_path.iterdir() if p.name != "proj"] == ["frames"]
    assert [p.name for p in out.iterdir()] == ["old.png"]  # untouched
    export_timeline(timeline, base, "png", out, force=True)
    assert len(list(out.glob("*.png"))) == 14 and not (out / "old.png").exists()
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["frames", "frames.provenance.json", "proj"]


def test_cancelled_otio_export_leaves_nothing(project, tmp_path):
    timeline, base = load_project(project)
    with pytest.raises(KeyboardInterrupt):
        export_timeline(timeline, base, "otio", tmp_path / "cut.otio", progress=stop_at(1))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj"]


def test_replacing_a_labelled_export_with_real_footage_drops_its_manifest(project, tmp_path):
    timeline, base = load_project(project)
    out = tmp_path / "cut.mp4"
    export_timeline(timeline, base, "h264", out)
    assert pv.verify_manifest(out) is True
    export_timeline(timeline, base, "h264", out, force=True, first=0, last=8)
    assert pv.read_manifest(out) is None


@pytest.mark.parametrize("suffix,fmt", [(".mp4", "h264"), (".mov", "prores")])
def test_a_range_export_carries_its_real_start_timecode(tmp_path, suffix, fmt):
    from engine.media.encode import VideoSettings, write_video
    from engine.timeline import Timeline, TimelineClip, Track

    ntsc = Fraction(30000, 1001)
    write_video(np.zeros((40, 16, 16, 3), np.uint8), tmp_path / "a.mov", VideoSettings(fps=ntsc))
    clip = TimelineClip("a.mov", 0, 40, 0, "30000/1001")
    tl = Timeline(rate=ntsc, width=16, height=16, tracks=[Track(clips=[clip])])
    out = export_timeline(tl, tmp_path, fmt, tmp_path / f"r{suffix}", first=20, last=30)
    with av.open(str(out)) as c:
        assert c.streams.video[0].metadata.get("timecode") == "00:00:00;20"  # drop-frame
        assert sum(1 for _ in c.decode(video=0)) == 10
    out = export_timeline(
        tl, tmp_path, fmt, tmp_path / f"h{suffix}", first=2, timecode="00:59:59;28"
    )
    with av.open(str(out)) as c:
        assert c.streams.video[0].metadata.get("timecode") == "01:00:00;00"
    with pytest.raises(EncodeError, match="timecode"):
        export_timeline(tl, tmp_path, fmt, tmp_path / f"x{suffix}", timecode="tomorrow")


def test_a_full_disk_during_export_names_the_folder_and_the_space(project, tmp_path, monkeypatch):
    import errno

    from engine.tempfiles import DiskFull

    timeline, base = load_project(project)
    out = tmp_path / "cut.mp4"
    export_timeline(timeline, base, "h264", out, first=0, last=8)
    before = out.read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("engine.export.run.write_video", full)
    with pytest.raises(DiskFull, match=f"not enough space in {tmp_path}.*[KM]B is needed"):
        export_timeline(timeline, base, "h264", out, force=True)
    assert out.read_bytes() == before


def test_a_refused_export_beside_a_planted_journal_deletes_nothing(tmp_path, caplog):
    """Every export first settles killed swaps: a planted one must not make even a refused
    export (no --force) delete a file it names or replace the user's frames."""
    import subprocess

    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "frame_00000.png").write_bytes(b"the user's frame")
    victim = tmp_path.parent / f"{tmp_path.name}-victim.txt"
    victim.write_text("keep")
    child = subprocess.Popen(["true"])
    child.wait()
    aside = tmp_path / f".frames.{child.pid}-ab12.old"
    (aside / "frames").mkdir(parents=True)
    (aside / "frames" / "frame_00000.png").write_bytes(b"planted")
    (aside / ".pending").write_text(str(victim))
    (aside / ".no-previous").touch()
    with pytest.raises(EncodeError, match="exists"):
        check_out("png", tmp_path / "frames", force=False)
    assert victim.read_text() == "keep"
    assert (tmp_path / "frames" / "frame_00000.png").read_bytes() == b"the user's frame"
    assert any("left alone" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")
