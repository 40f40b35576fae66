"""Media is opened as local files only: names that look like URLs or pipes, FIFOs, devices and
folders never reach FFmpeg's protocol layer."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image
from testkit.media import make_clip

from engine.export.sources import SourceError, iter_frames
from engine.media.decode import DecodeError, FrameReader
from engine.media.load import MediaLoadError, load_image, load_video_frames
from engine.media.open_file import MediaFileError, local_file, open_input, open_output
from engine.media.probe import ProbeError, probe


def finishes(fn, seconds: float = 10.0):
    """Run fn on a thread; fail (instead of hanging the suite) when it blocks."""
    outcome: dict = {}

    def work() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            outcome["error"] = e

    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"{fn} blocked for {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@pytest.mark.parametrize("name", ["http:clip.mp4", "pipe:0.mp4", "data:,x.mp4"])
def test_url_like_relative_names_are_read_as_the_local_file(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    make_clip(tmp_path / "plain.mp4", frames=6)
    (tmp_path / name).write_bytes((tmp_path / "plain.mp4").read_bytes())
    frames, _ = load_video_frames(name, 0, 6)
    expected, _ = load_video_frames(tmp_path / "plain.mp4", 0, 6)
    assert np.array_equal(frames, expected)
    assert probe(name).frames == 6


@pytest.mark.parametrize("name", ["http:nothing.mp4", "pipe:0.mp4", "data:,x.png"])
def test_url_like_names_without_a_file_are_missing_files(tmp_path, monkeypatch, name):
    # Before: FFmpeg tried the network for http:, read standard input for pipe: and decoded the
    # name itself for data:. Now each is a missing local file, at once.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MediaFileError, match="does not exist"):
        finishes(lambda: open_input(name))
    with pytest.raises(ProbeError, match="does not exist"):
        finishes(lambda: probe(name))


def test_data_url_named_png_is_a_local_still(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Image.fromarray(np.full((8, 8, 3), 200, np.uint8)).save(tmp_path / "real.png")
    Path(tmp_path / "real.png").rename(tmp_path / "data:,x.png")
    assert load_image("data:,x.png")[0, 0].tolist() == [200, 200, 200]
    assert next(iter_frames(Path("data:,x.png")))[0, 0].tolist() == [200, 200, 200]


def test_output_with_url_like_name_writes_the_local_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_clip(Path("http:out.mp4"), frames=3)
    assert (tmp_path / "http:out.mp4").stat().st_size > 0
    with open_input("http:out.mp4") as c:
        assert c.streams.video[0].codec_context.width == 64
    with open_output(tmp_path / "pipe:1.mkv", format="matroska") as c:
        s = c.add_stream("ffv1", rate=1)
        s.width, s.height, s.pix_fmt = 8, 8, "bgr0"
        c.mux(s.encode(av.VideoFrame.from_ndarray(np.zeros((8, 8, 3), np.uint8), format="rgb24")))
        c.mux(s.encode(None))
    assert (tmp_path / "pipe:1.mkv").is_file()


def test_fifo_is_refused_before_anything_opens_it(tmp_path):
    fifo = tmp_path / "clip.mp4"
    os.mkfifo(fifo)
    with pytest.raises(MediaFileError, match="not a regular file"):
        finishes(lambda: open_input(fifo))
    readers = [
        (ProbeError, lambda: probe(fifo)),
        (MediaLoadError, lambda: load_video_frames(fifo, 0, 1)),
        (MediaLoadError, lambda: load_image(fifo.with_name("still.png"))),
        (DecodeError, lambda: FrameReader(fifo)),
        (SourceError, lambda: list(iter_frames(fifo))),
    ]
    os.mkfifo(tmp_path / "still.png")
    for error, read in readers:
        with pytest.raises(error, match="not a regular file"):
            finishes(read)


def test_devices_folders_and_links_to_folders_are_refused(tmp_path):
    with pytest.raises(MediaFileError, match="not a regular file"):
        local_file("/dev/zero")
    with pytest.raises(MediaFileError, match="is a folder"):
        local_file(tmp_path)
    (tmp_path / "link.mp4").symlink_to(tmp_path)
    with pytest.raises(MediaFileError, match="is a folder"):
        local_file(tmp_path / "link.mp4")
    (tmp_path / "loop.mp4").symlink_to(tmp_path / "loop.mp4")
    with pytest.raises(MediaFileError, match="loop.mp4 is a symbolic link that leads back"):
        local_file(tmp_path / "loop.mp4")


def test_valid_text_keeps_names_readable():
    from engine.media.open_file import valid_text

    name = os.fsdecode(b"clip-\xe9t\xe9.mp4")  # a Latin-1 name on a UTF-8 system
    assert valid_text(name) == "clip-\ufffdt\ufffd.mp4"
    assert valid_text("café.mp4") == "café.mp4"


def test_symlink_to_a_file_resolves_to_it(tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", frames=2)
    (tmp_path / "link.mp4").symlink_to(clip)
    assert local_file(tmp_path / "link.mp4") == clip.resolve()


def test_concat_script_disguised_as_video_cannot_pull_in_other_files(tmp_path):
    # FFmpeg's concat demuxer recognises this text and would play other.mp4 (or a URL) as clip.mp4.
    make_clip(tmp_path / "other.mp4", frames=3)
    script = tmp_path / "clip.mp4"
    script.write_text("ffconcat version 1.0\nfile other.mp4\nfile http://127.0.0.1:9/x.mp4\n")
    with pytest.raises(MediaFileError, match="clip.mp4: it is not a kind of media this app reads"):
        open_input(script)
    with pytest.raises(ProbeError, match="not a kind of media"):
        probe(script)


def test_open_error_names_the_file_without_ffmpeg_jargon(tmp_path):
    bad = tmp_path / "junk.mkv"
    bad.write_bytes(b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 4)
    with pytest.raises(MediaFileError) as info:
        open_input(bad, "video")
    text = str(info.value)
    assert text.startswith("video junk.mkv: ")
    assert "Errno" not in text and "()" not in text
