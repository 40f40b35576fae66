"""FFmpeg's errors in plain words that name the file: no error numbers, no C function names."""

from __future__ import annotations

import re

import av
import pytest
from testkit.media import make_clip

from engine.export.sources import SourceError, iter_frames
from engine.media.av_errors import plain_av_error
from engine.media.decode import DecodeError, FrameReader
from engine.media.load import MediaLoadError, load_video_frames
from engine.media.probe import ProbeError, probe

JARGON = re.compile(r"Errno|\(\)|avcodec|avformat|returned -?\d|file:/")


def error(cls, code: int):
    return cls(code, "Invalid data found when processing input", "avcodec_send_packet()")


def test_each_kind_of_error_reads_plainly():
    cases = {
        av.error.InvalidDataError: "damaged, or it is not a video or image",
        av.error.EOFError: "damaged or truncated",
        av.error.ArgumentError: "not a kind of media this app reads",
    }
    for cls, words in cases.items():
        text = plain_av_error("/x/clip.mp4", error(cls, 1))
        assert text.startswith("clip.mp4: ") and words in text and not JARGON.search(text)
    # What a decoder says while decoding is about the bytes, whatever its error code.
    text = plain_av_error("c.mov", av.error.PermissionError(1, "x", "avcodec_send_packet()"), 3)
    assert text == "c.mov: the file is damaged or truncated (could not decode frame 3)"
    text = plain_av_error("c.mov", av.error.PatchWelcomeError(1, "x"))
    assert text == "c.mov: it uses a feature of its format that this build cannot decode"
    text = plain_av_error("clip.mp4", error(av.error.EOFError, 1), frame=12)
    assert text == "clip.mp4: the file is damaged or truncated (could not decode frame 12)"
    assert "metadata is damaged" in plain_av_error(
        "a.mp4", UnicodeDecodeError("utf-8", b"", 0, 1, "")
    )
    assert "(no space left on device)" in plain_av_error(
        "a.mp4", OSError(28, "No space left on device")
    )


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    folder = tmp_path_factory.mktemp("damaged")
    data = make_clip(folder / "good.mp4", frames=20, gop=5).read_bytes()
    files = {
        "cut.mp4": data[: len(data) // 2],
        "head.mp4": data[:400],
        "junk.mkv": b"\x1a\x45\xdf\xa3" * 50,
    }
    flipped = bytearray(data)
    for i in range(200, len(flipped), 97):
        flipped[i] ^= 0x5A
    files["flipped.mp4"] = bytes(flipped)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return [folder / name for name in files]


def test_readers_word_damaged_files_plainly(damaged):
    # Before: "[Errno 1094995529] Invalid data found when processing input: 'avcodec_send_packet()'"
    readers = [
        (ProbeError, probe),
        (MediaLoadError, lambda p: load_video_frames(p, 0, 20)),
        (DecodeError, lambda p: [FrameReader(p).frame(n) for n in range(20)]),
        (SourceError, lambda p: list(iter_frames(p))),
    ]
    messages = 0
    for path in damaged:
        for cls, read in readers:
            try:
                read(path)
            except cls as e:
                text = str(e)
                assert path.name in text, text
                assert not JARGON.search(text), text
                messages += 1
    assert messages >= len(damaged) * 2  # most of the damaged files are refused somewhere
